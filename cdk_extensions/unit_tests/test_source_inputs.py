"""A source with ValidatedInputs answers bad config, catalog and state files with clear config_errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import ConnectorSpecification, FailureType, SyncMode, Type
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.source_inputs import ValidatedInputs
from sandbox.protocol import parse_message


class Numbers(Stream, CheckpointMixin):
    """Counts from its state's `after` to 5, so a test can see which state arrived."""

    name = "numbers"
    primary_key = "n"
    cursor_field = "n"

    def __init__(self) -> None:
        self._state: MutableMapping[str, Any] = {}

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self._state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._state = dict(value)

    def get_json_schema(self) -> Mapping[str, Any]:
        return {"type": "object", "properties": {"n": {"type": "integer"}}}

    def read_records(self, *args: Any, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        for n in range(self._state.get("after", 0) + 1, 6):
            self._state = {"after": n}
            yield {"n": n}


class NumbersSource(ValidatedInputs, AbstractSource):
    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(connectionSpecification={"type": "object"})

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        return [Numbers()]


def run(
    tmp_path: Path, *, config: str = "{}", catalog: str | None = None, state: str | None = None
) -> list[Any]:
    """`read` through the CDK's own entrypoint, with the files' text as given."""
    if catalog is None:
        built = CatalogBuilder().with_stream("numbers", SyncMode.incremental).build()
        catalog = json.dumps({"streams": [_configured(stream) for stream in built.streams]})
    arguments = ["read"]
    for option, text in (("config", config), ("catalog", catalog), ("state", state)):
        if text is not None:
            (tmp_path / f"{option}.json").write_text(text)
            arguments += [f"--{option}", str(tmp_path / f"{option}.json")]
    entrypoint = AirbyteEntrypoint(NumbersSource())
    return [parse_message(line) for line in entrypoint.run(entrypoint.parse_args(arguments))]


def _configured(stream: Any) -> dict[str, Any]:
    return {
        "stream": {"name": stream.stream.name, "json_schema": {}, "supported_sync_modes": ["incremental"]},
        "sync_mode": "incremental",
        "destination_sync_mode": "append",
    }


def records(messages: list[Any]) -> list[int]:
    return [message.record.data["n"] for message in messages if message.type == Type.RECORD]


def test_good_files_are_read_as_the_cdk_reads_them(tmp_path: Path) -> None:
    assert records(run(tmp_path)) == [1, 2, 3, 4, 5]


def test_a_per_stream_state_list_is_honoured(tmp_path: Path) -> None:
    state = [
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": "numbers"}, "stream_state": {"after": 3}}}
    ]

    assert records(run(tmp_path, state=json.dumps(state))) == [4, 5]


def test_the_legacy_state_object_keyed_by_stream_is_accepted(tmp_path: Path) -> None:
    assert records(run(tmp_path, state=json.dumps({"numbers": {"after": 2}}))) == [3, 4, 5]


@pytest.mark.parametrize(
    ("files", "complaint"),
    [
        ({"config": "[1, 2]"}, "The config file given to the connector is invalid: it holds a JSON array"),
        ({"config": "{not json"}, "The config file given to the connector is invalid: it is not valid JSON"),
        (
            {"catalog": json.dumps({"streams": [{"stream": {"name": "numbers"}, "sync_mode": "INVALID"}]})},
            "The catalog file given to the connector is invalid: ",
        ),
        ({"state": "[{}]"}, "The state file given to the connector is invalid: state 1"),
        ({"state": '"numbers"'}, "The state file given to the connector is invalid: it holds a JSON string"),
        (
            {"state": json.dumps([{"type": "STREAM", "stream": {"stream_state": {}}}])},
            "The state file given to the connector is invalid: state 1: ",
        ),
    ],
)
def test_a_bad_file_is_a_config_error_naming_it(
    tmp_path: Path, files: dict[str, str], complaint: str
) -> None:
    with pytest.raises(AirbyteTracedException) as raised:
        run(tmp_path, **files)

    assert raised.value.failure_type == FailureType.config_error
    assert raised.value.message is not None and raised.value.message.startswith(complaint)


def test_the_catalog_error_says_which_field_is_wrong(tmp_path: Path) -> None:
    catalog = {
        "streams": [
            {
                "stream": {"name": "numbers", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                "sync_mode": "INVALID",
                "destination_sync_mode": "append",
            }
        ]
    }
    with pytest.raises(AirbyteTracedException) as raised:
        run(tmp_path, catalog=json.dumps(catalog))

    assert "streams/0/sync_mode" in (raised.value.message or "")
    assert "INVALID" in (raised.value.message or "")


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(AirbyteTracedException) as raised:
        ValidatedInputs.read_catalog(str(tmp_path / "nowhere.json"))

    assert raised.value.failure_type == FailureType.config_error
    assert "cannot be read" in (raised.value.message or "")
