"""The HubSpot source: SPEC from the config model, `check`, `discover` and `read`.

- `check`: the config, then the credentials, then what they may read (HubSpot names the missing
  scopes), then the per-object settings against the objects' property definitions.
- `discover`: every stream the credentials may read; the others are left out, with a warning
  naming the scopes they lack.
- `read`: reads what the catalog asks, `num_worker` streams at once within one rate budget
  (cdk_extensions.concurrent_streams); a stream the credentials may not read fails with a
  config_error naming the scopes. When HubSpot's daily limit runs out, the sync stops there
  with a transient_error saying when the limit resets (the states already emitted keep the
  progress).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from airbyte_cdk.models import (
    AirbyteCatalog,
    AirbyteMessage,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    FailureType,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.backoff import BackoffPolicy
from cdk_extensions.concurrent_streams import ConcurrentStreams
from cdk_extensions.source_inputs import ValidatedInputs
from cdk_extensions.spec import connector_spec, load_config
from source_hubspot.api import Forbidden, HubSpotApi
from source_hubspot.associations import STANDARD_PAIRS
from source_hubspot.config import HubspotConfig
from source_hubspot.scopes import CUSTOM_OBJECT_SCOPES, describe_missing, missing_scopes
from source_hubspot.streams.archived import ArchivedObjectsStream
from source_hubspot.streams.associations import AssociationsStream, association_pairs
from source_hubspot.streams.crm_object import (
    STANDARD_OBJECTS,
    CrmObjectStream,
    CrmObjectType,
    ReadSettings,
)
from source_hubspot.streams.owners import OwnersStream
from source_hubspot.streams.pipelines import PIPELINE_OBJECTS, PipelinesStream
from source_hubspot.streams.property_history import RECORD_ID_FIELDS, PropertyHistoryStream
from source_hubspot.streams.web_analytics import WEB_ANALYTICS_PREFIXES, WebAnalyticsStream

DOCUMENTATION_URL = "https://developers.hubspot.com/docs/api/crm/understanding-the-crm"
SCHEMAS_PATH = "/crm/v3/schemas"
DEFAULT_SETTINGS = ReadSettings()

airbyte_logger = logging.getLogger("airbyte")

HubSpotStream = (
    CrmObjectStream
    | ArchivedObjectsStream
    | PropertyHistoryStream
    | AssociationsStream
    | OwnersStream
    | PipelinesStream
    | WebAnalyticsStream
)


class SourceHubspot(ValidatedInputs, ConcurrentStreams, AbstractSource):
    """One instance serves one command; `read` reads `num_worker` streams at once (ConcurrentStreams).

    `clock`, `sleep`, `wall_clock`, `backoff` and `settings` are for tests (see `HubSpotApi` and
    `ReadSettings`); the defaults are HubSpot's real limits."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
        backoff: BackoffPolicy | None = None,
        settings: ReadSettings = DEFAULT_SETTINGS,
    ) -> None:
        super().__init__()
        self._clock, self._sleep, self._wall_clock = clock, sleep, wall_clock
        self._backoff, self._settings = backoff, settings
        self._connection: tuple[HubspotConfig, HubSpotApi] | None = None
        self._read_streams: list[Stream] | None = None

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return connector_spec(HubspotConfig, documentation_url=DOCUMENTATION_URL)

    # --- check ----------------------------------------------------------------------------------

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        hubspot, api = self._connect(config, logger)
        streams = self._streams(hubspot, api)
        missing = missing_scopes(api, streams)
        if len(missing) == len(streams):
            raise _config_error(
                "These HubSpot credentials may read none of the streams. Grant the app the scopes "
                f"each stream needs: {describe_missing(missing)}."
            )
        crm_streams = [stream for stream in streams if isinstance(stream, CrmObjectStream)]
        _check_object_names(hubspot, crm_streams)
        configured = [stream for stream in crm_streams if _configured(stream, hubspot)]
        blocked = {stream.name: missing[stream.name] for stream in configured if stream.name in missing}
        if blocked:
            raise _config_error(
                "The per-object settings name objects these credentials may not read. Grant the app "
                f"these scopes: {describe_missing(blocked)}."
            )
        for stream in configured:
            stream.validate_settings()
        if missing:
            logger.warning(
                "Some streams will not be offered, for lack of scopes (streams, then the scopes they lack): "
                f"{describe_missing(missing)}."
            )
        return True, None

    # --- discover -------------------------------------------------------------------------------

    def discover(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteCatalog:
        hubspot, api = self._connect(config, logger)
        streams = self._streams(hubspot, api)
        missing = missing_scopes(api, streams)
        if missing:
            logger.warning(
                "Left out of the catalog because the app lacks scopes (streams, then the scopes they lack): "
                f"{describe_missing(missing)}."
            )
        return AirbyteCatalog(streams=[s.as_airbyte_stream() for s in streams if s.name not in missing])

    # --- read -----------------------------------------------------------------------------------

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        """Built once per command: building asks HubSpot (custom objects), and the CDK's read of
        each stream, one per worker, asks for them again."""
        if self._read_streams is None:
            self._read_streams = list(self._streams(*self._connect(config, airbyte_logger)))
        return self._read_streams

    def stream_concurrency(self, config: Mapping[str, Any]) -> int:
        """The official connector's `num_worker`: the streams share one rate budget and token."""
        return self._connect(config, airbyte_logger)[0].num_worker

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None = None,
    ) -> Iterator[AirbyteMessage]:
        _hubspot, api = self._connect(config, logger)
        api.learn_account_time_zone()
        try:
            yield from super().read(logger, config, catalog, state)
        except AirbyteTracedException as failure:
            if api.daily_limit_failure is None:
                raise
            # The CDK sums stream failures up as a config_error; this one is transient.
            raise api.errors.requests.to_exception(api.daily_limit_failure) from failure

    @property
    def stop_sync_on_stream_failure(self) -> bool:
        """Once HubSpot's daily limit is used up, every other stream would fail the same way."""
        return self._connection is not None and self._connection[1].daily_limit_failure is not None

    # --- building -------------------------------------------------------------------------------

    def _connect(self, config: Mapping[str, Any], logger: logging.Logger) -> tuple[HubspotConfig, HubSpotApi]:
        if self._connection is None:
            hubspot = load_config(HubspotConfig, config, logger=logger)
            api = HubSpotApi(
                hubspot,
                config,
                clock=self._clock,
                sleep=self._sleep,
                wall_clock=self._wall_clock,
                backoff=self._backoff,
            )
            self._connection = hubspot, api
        return self._connection

    def _streams(self, hubspot: HubspotConfig, api: HubSpotApi) -> list[HubSpotStream]:
        now = datetime.now(UTC)
        object_types = [CrmObjectType.standard(name) for name in STANDARD_OBJECTS] + _custom_objects(api)
        crm = [
            CrmObjectStream(api, object_type, hubspot, now=now, settings=self._settings)
            for object_type in object_types
        ]
        return [
            *crm,
            *(ArchivedObjectsStream(stream) for stream in crm),
            *(PropertyHistoryStream(stream) for stream in crm if stream.name in RECORD_ID_FIELDS),
            *(AssociationsStream(api, *pair) for pair in association_pairs(crm, STANDARD_PAIRS)),
            OwnersStream(api),
            OwnersStream(api, archived=True),
            *(PipelinesStream(api, name) for name in PIPELINE_OBJECTS),
            *(
                WebAnalyticsStream(api, stream)
                for stream in crm
                if hubspot.enable_experimental_streams and stream.name in WEB_ANALYTICS_PREFIXES
            ),
        ]


def _custom_objects(api: HubSpotApi) -> list[CrmObjectType]:
    """The account's custom object types; none (with a warning) if the app may not list them."""
    answer = api.get_unless_forbidden(SCHEMAS_PATH)
    if isinstance(answer, Forbidden):
        scopes = ", ".join(answer.scopes or CUSTOM_OBJECT_SCOPES)
        airbyte_logger.warning(
            f"Custom objects are not offered: the app lacks the scopes to list them ({scopes})."
        )
        return []
    return [
        CrmObjectType.custom(schema) for schema in answer.get("results", []) if not schema.get("archived")
    ]


def _configured(stream: CrmObjectStream, hubspot: HubspotConfig) -> bool:
    return any(settings.name in stream.object_type.aliases for settings in hubspot.objects)


def _check_object_names(hubspot: HubspotConfig, streams: list[CrmObjectStream]) -> None:
    known = {alias for stream in streams for alias in stream.object_type.aliases}
    unknown = [settings.name for settings in hubspot.objects if settings.name not in known]
    if unknown:
        names = ", ".join(sorted(stream.name for stream in streams))
        raise _config_error(
            f"The per-object settings name objects this HubSpot account does not have: {', '.join(unknown)}. "
            f"Its objects are: {names} (custom objects also by object type ID)."
        )


def _config_error(message: str) -> AirbyteTracedException:
    return AirbyteTracedException(
        message=message, internal_message=message, failure_type=FailureType.config_error
    )
