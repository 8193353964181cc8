"""The GA4 source: SPEC from the config model, `check`, `discover` and `read`.

- `check`: the credentials, then access to every property (naming each one that fails and why),
  then every custom report against every property (`check`).
- `discover`: every report of every property (`report_streams`), typed from the properties'
  metadata.
- `read`: plans which small reports to fetch together (`batching`), then reads stream by stream.
  When a property's daily or hourly quota runs out (or would eat into the reserve), that
  property's streams stop INCOMPLETE with the state reached, the others go on, and the sync ends
  with a transient_error saying which quota and when it resets.

The Google client libraries are heavy to import; they are imported only where a command needs
them, never at module import, so that `spec` stays fast.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    FailureType,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.source_inputs import ValidatedInputs
from cdk_extensions.spec import connector_spec, load_config
from source_google_analytics_data_api.config import GoogleAnalyticsDataApiConfig

if TYPE_CHECKING:
    from cdk_extensions.auth.token_cache import TokenCache
    from cdk_extensions.backoff import BackoffPolicy
    from source_google_analytics_data_api.api import Ga4Api
    from source_google_analytics_data_api.batching import ReportBatcher

DOCUMENTATION_URL = "https://developers.google.com/analytics/devguides/reporting/data/v1"

airbyte_logger = logging.getLogger("airbyte")


class SourceGoogleAnalyticsDataApi(ValidatedInputs, AbstractSource):
    """One instance serves one command. The keyword arguments are for tests (see `Ga4Api`); the
    defaults are GA4's real limits and the real clock."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        backoff: BackoffPolicy | None = None,
        token_cache: TokenCache | None = None,
        rows_per_request: int | None = None,
    ) -> None:
        super().__init__()
        self._clock, self._sleep = clock, sleep
        self._api_options: dict[str, Any] = {
            key: value
            for key, value in (
                ("backoff", backoff),
                ("token_cache", token_cache),
                ("rows_per_request", rows_per_request),
            )
            if value is not None
        }
        self._connection: tuple[GoogleAnalyticsDataApiConfig, Ga4Api, ReportBatcher] | None = None
        self._streams: list[Stream] | None = None

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return connector_spec(GoogleAnalyticsDataApiConfig, documentation_url=DOCUMENTATION_URL)

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        from source_google_analytics_data_api.check import check_connection

        ga4, api, _batcher = self._connect(config, logger)
        check_connection(api, ga4)
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        from source_google_analytics_data_api.report_streams import ReportStreams

        if self._streams is None:  # asked by the batch plan, then by the CDK: the same streams
            ga4, api, batcher = self._connect(config, airbyte_logger)
            today = datetime.fromtimestamp(self._clock(), UTC).date()
            self._streams = list(ReportStreams(ga4, api, batcher, today).all())
        return list(self._streams)

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None = None,
    ) -> Iterator[AirbyteMessage]:
        _ga4, api, batcher = self._connect(config, logger)
        self._plan_batches(config, catalog, state, batcher)
        try:
            yield from super().read(logger, config, catalog, state)
        except AirbyteTracedException as failure:
            if not api.quota.stopped:
                raise
            # The CDK sums failed streams up as a config_error; a used-up quota is transient.
            raise _quota_stop(api, failure) from failure
        finally:
            _log_quota_use(api, logger)

    # --- building -------------------------------------------------------------------------------

    def _connect(
        self, config: Mapping[str, Any], logger: logging.Logger
    ) -> tuple[GoogleAnalyticsDataApiConfig, Ga4Api, ReportBatcher]:
        if self._connection is None:
            from source_google_analytics_data_api.api import Ga4Api
            from source_google_analytics_data_api.batching import ReportBatcher

            ga4 = load_config(GoogleAnalyticsDataApiConfig, config, logger=logger)
            api = Ga4Api(ga4, clock=self._clock, sleep=self._sleep, **self._api_options)
            self._connection = ga4, api, ReportBatcher(api)
        return self._connection

    def _plan_batches(
        self,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None,
        batcher: ReportBatcher,
    ) -> None:
        """Tell the batcher which windows each small report of the catalog will read."""
        from source_google_analytics_data_api.streams import IncrementalReport

        streams = {stream.name: stream for stream in self.streams(config)}
        states = ConnectorStateManager(state=state)
        for configured in catalog.streams:
            stream = streams.get(configured.stream.name)
            if not isinstance(stream, IncrementalReport) or stream.batch_request is None:
                continue
            windows = stream.planned_windows(states.get_stream_state(stream.name, None))
            batcher.plan(stream.property_id, stream.name, [(w, stream.batch_request(w)) for w in windows])


def _quota_stop(api: Ga4Api, failure: AirbyteTracedException) -> AirbyteTracedException:
    """The sync's final error when quotas stopped properties: which quota, which property, when it resets."""
    from source_google_analytics_data_api.errors import GA4_ERRORS

    messages = [GA4_ERRORS.to_exception(stopped).message or "" for stopped in api.quota.stopped.values()]
    return AirbyteTracedException(
        message=" ".join(dict.fromkeys(messages)),
        internal_message=failure.message,
        failure_type=FailureType.transient_error,
    )


def _log_quota_use(api: Ga4Api, logger: logging.Logger) -> None:
    """Lines for the sync log: requests sent, quota tokens spent and what is left, per property."""
    from source_google_analytics_data_api.errors import Quota

    spent = api.quota.tokens_spent
    logger.info(
        f"Google Analytics requests: {api.requests_sent:,}; quota tokens spent: "
        f"{', '.join(f'{pid}: {tokens}' for pid, tokens in sorted(spent.items())) or 'none'}."
    )
    for property_id in sorted(spent):
        day = api.quota.remaining(property_id, Quota.TOKENS_PER_DAY)
        hour = api.quota.remaining(property_id, Quota.TOKENS_PER_HOUR)
        logger.info(f"Google Analytics property {property_id}: {day} tokens left today, {hour} this hour.")
