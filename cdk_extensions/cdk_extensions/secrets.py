"""Masking secrets in everything a connector prints.

The CDK replaces with `****` the values it was told about: at the start of `check`, `discover`
and `read` its entrypoint registers the config values whose spec property has
`airbyte_secret: true`, and its log formatter and TRACE messages filter them. Measured gaps
(unit_tests/test_secrets_masking.py), closed by `launch` / `MaskingEntrypoint` and by
`register_secret`:
- secrets under `anyOf`/`allOf` or in arrays are not found (only `oneOf` and nested objects are);
- a secret is matched verbatim only, but uncaught exceptions are filtered after JSON
  serialisation and exception texts and validation errors hold `repr()`s: a secret with a
  quote, a backslash or a newline (a service-account key file) then escapes the filter;
- the secrets inside a JSON-encoded key file (its private key) are not secrets on their own;
- the message of a failed `check` (CONNECTION_STATUS) is printed unfiltered;
- values obtained at run time (refreshed access tokens, rotated refresh tokens) are unknown:
  the authenticators of `cdk_extensions.auth` register theirs.
CONTROL messages carry the connector config in clear on purpose: the platform stores it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import (  # type: ignore[attr-defined]  # re-exported via a star import
    AirbyteMessage,
    ConnectorSpecification,
)
from airbyte_cdk.sources import Source
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets, filter_secrets

MASK = "****"  # what the CDK's filter writes in place of a secret
# Secret fields of Google key files (service account and authorized user) held in a config string.
KEY_FILE_SECRET_FIELDS = ("private_key", "private_key_id", "client_secret", "refresh_token")


def register_secret(value: str) -> None:
    """Mask `value` from now on, as written, JSON-escaped and `repr()`-escaped.

    Registering again is a no-op, so it is cheap to call for every request. The check reads the
    CDK's own list because its entrypoint resets that list at the start of each command."""
    if not value:
        return
    spellings = (value, orjson.dumps(value).decode()[1:-1], repr(value)[1:-1])
    for spelling in dict.fromkeys(spellings):
        if filter_secrets(spelling) != MASK:
            add_to_secrets(spelling)


def register_config_secrets(connection_specification: Mapping[str, Any], config: Mapping[str, Any]) -> None:
    """Mask every secret of `config` that its spec marks with `airbyte_secret`, wherever it is."""
    for value in _secret_values(connection_specification, config):
        register_secret(value)


class MaskingEntrypoint(AirbyteEntrypoint):
    """The CDK entrypoint with its masking gaps closed, for `check`, `discover` and `read`."""

    @staticmethod
    def set_up_secret_filter(config: Mapping[str, Any], connection_specification: Mapping[str, Any]) -> None:
        # Right after the CDK resets its list and before the config is validated (a validation
        # error quotes config values).
        AirbyteEntrypoint.set_up_secret_filter(config, connection_specification)
        register_config_secrets(connection_specification, config)

    def check(
        self, source_spec: ConnectorSpecification, config: Mapping[str, Any]
    ) -> Iterable[AirbyteMessage]:
        for message in super().check(source_spec, config):
            status = message.connectionStatus
            if status is not None and status.message:  # printed unfiltered by the CDK
                status.message = filter_secrets(status.message)
            yield message


def launch(
    source: Source,
    args: list[str],
    *,
    entrypoint_class: Callable[[Source], MaskingEntrypoint] = MaskingEntrypoint,
) -> None:
    """`airbyte_cdk.entrypoint.launch` with the MaskingEntrypoint (or a subclass such as
    `record_batches.RecordBatchEntrypoint`): a connector's `run()`."""
    entrypoint = entrypoint_class(source)
    parsed_args = entrypoint.parse_args(args)
    with PRINT_BUFFER:
        for message in entrypoint.run(parsed_args):
            # One write per line, as the CDK does, so concurrent writers cannot split it.
            print(f"{message}\n", end="")


def _secret_values(schema: Any, value: Any) -> Iterator[str]:
    """Walk a JSON schema and a value together, yielding the values of `airbyte_secret` fields.

    Every branch of a combinator is applied to the value: masking a field that another branch
    marks secret is harmless, missing one is not."""
    if not isinstance(schema, Mapping) or value is None:
        return
    if schema.get("airbyte_secret") is True:
        yield str(value)
        yield from _key_file_secrets(value)
    for combinator in ("oneOf", "anyOf", "allOf"):
        for branch in _as_list(schema.get(combinator)):
            yield from _secret_values(branch, value)
    if isinstance(value, Mapping):
        for name, property_schema in (schema.get("properties") or {}).items():
            if name in value:
                yield from _secret_values(property_schema, value[name])
    if isinstance(value, list):
        for item in value:
            yield from _secret_values(schema.get("items"), item)


def _key_file_secrets(value: Any) -> Iterator[str]:
    """The secret fields of a key file passed as a JSON string (GA4's and BigQuery's
    `credentials_json`): printed on their own, they would not match the whole string."""
    if not isinstance(value, str) or not value.lstrip().startswith("{"):
        return
    try:
        key_file = json.loads(value)
    except ValueError:
        return
    if isinstance(key_file, dict):
        yield from (
            key_file[field] for field in KEY_FILE_SECRET_FIELDS if isinstance(key_file.get(field), str)
        )


def _as_list(value: Any) -> Iterable[Any]:
    return value if isinstance(value, list) else ()
