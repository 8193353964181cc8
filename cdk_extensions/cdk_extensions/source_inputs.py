"""Clear errors for the files a source is started with: its config, catalog and state.

The CDK reads them with bare exceptions (FileNotFoundError, serpyco-rs' SchemaValidationError,
a ValueError for an empty state message), which reach the user as "Something went wrong in the
connector" system errors. A source that mixes in `ValidatedInputs` (before `AbstractSource` in its
bases) answers instead with a config_error that names the file and what is wrong in it.

It also accepts the legacy state shape older connectors wrote, one object keyed by stream name
(`{"contacts": {"updatedAt": ...}}`), as per-stream states: a user who moves from such a connector
keeps their progress. Each stream then migrates its own state's content.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from airbyte_cdk.models import (  # type: ignore[attr-defined]  # re-exported via a star import
    AirbyteStateMessage,
    AirbyteStateMessageSerializer,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    FailureType,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException


class ValidatedInputs:
    """Overrides the CDK Source's readers of config, catalog and state with clear config_errors."""

    @staticmethod
    def read_config(config_path: str) -> MutableMapping[str, Any]:
        config = _read_json(config_path, "config")
        if not isinstance(config, MutableMapping):
            raise _invalid("config", config_path, f"it holds a JSON {_json_type(config)}, not an object")
        return config

    @classmethod
    def read_catalog(cls, catalog_path: str) -> ConfiguredAirbyteCatalog:
        raw = _read_json(catalog_path, "catalog")
        try:
            catalog: ConfiguredAirbyteCatalog = ConfiguredAirbyteCatalogSerializer.load(raw)
        except Exception as error:  # serpyco-rs raises its own validation error types
            raise _invalid("catalog", catalog_path, _validation_problems(error)) from None
        return catalog

    @classmethod
    def read_state(cls, state_path: str) -> list[AirbyteStateMessage]:
        if not state_path:
            return []
        raw = _read_json(state_path, "state")
        if not raw:
            return []
        if isinstance(raw, Mapping):
            raw = _per_stream_states(raw)
        if not isinstance(raw, list):
            raise _invalid("state", state_path, f"it holds a JSON {_json_type(raw)}, not a list of states")
        return [_state_message(item, state_path, position) for position, item in enumerate(raw, start=1)]


def _read_json(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except OSError as error:
        raise _invalid(what, path, f"it cannot be read ({error.strerror or error})") from None
    except ValueError as error:
        raise _invalid(what, path, f"it is not valid JSON ({error})") from None


def _per_stream_states(legacy: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`{"stream": {...}}` (the legacy shape) as STREAM state messages, one per stream."""
    if legacy.get("type") in ("STREAM", "GLOBAL", "LEGACY"):  # a single state message, not a list
        return [dict(legacy)]
    return [
        {
            "type": "STREAM",
            "stream": {"stream_descriptor": {"name": name}, "stream_state": stream_state},
        }
        for name, stream_state in legacy.items()
    ]


def _state_message(raw: Any, path: str, position: int) -> AirbyteStateMessage:
    try:
        message: AirbyteStateMessage = AirbyteStateMessageSerializer.load(raw)
    except Exception as error:  # serpyco-rs raises its own validation error types
        raise _invalid("state", path, f"state {position}: {_validation_problems(error)}") from None
    if not (message.stream or message.global_ or message.data):
        raise _invalid("state", path, f"state {position} has no stream, global or data part")
    return message


def _validation_problems(error: Exception) -> str:
    """serpyco-rs' errors list (message, instance path) pairs; say them in one line."""
    items = getattr(error, "errors", None) or []
    problems = [f"{item.instance_path or '(top level)'}: {item.message}" for item in items]
    return "; ".join(problems) or str(error)


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(type(value), "number or null")


def _invalid(what: str, path: str, problem: str) -> AirbyteTracedException:
    return AirbyteTracedException(
        message=f"The {what} file given to the connector is invalid: {problem}.",
        internal_message=f"Invalid {what} file {path}: {problem}",
        failure_type=FailureType.config_error,
    )
