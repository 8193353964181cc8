"""A real AbstractSource reading through WindowedStream + WindowCursor, run by the CDK entrypoint.

Proves what the platform relies on: state after every window and every N records, an
interrupted sync resumes from its last state with no gap and no duplicate, a finished state
reads nothing, and a malformed state fails as a config_error naming the stream.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteStateMessage,
    ConnectorSpecification,
    FailureType,
    SyncMode,
    Type,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.models.outcome import ExpectedOutcome
from airbyte_cdk.test.state_builder import StateBuilder

from cdk_extensions.incremental import Window, WindowCursor, WindowedOrWholeStream, WindowedStream
from sandbox.protocol import parse_messages

START = datetime(2024, 1, 1, tzinfo=UTC)
END = START + timedelta(days=4)
STREAM = "contacts"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# Six records on days 0, 1 and 3 (day 2 is empty), in groups of three sharing a timestamp.
RECORDS = [
    {"id": f"d{day}h{hour}-{member}", "updatedAt": iso(START + timedelta(days=day, hours=hour))}
    for day in (0, 1, 3)
    for hour in (5, 17)
    for member in range(3)
]


class Contacts(WindowedStream):
    primary_key = "id"

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.window_cursor = WindowCursor(
            stream_name=STREAM,
            cursor_field="updatedAt",
            primary_key=["id"],
            start=START,
            end=END,
            step=timedelta(days=1),
            sorted_by_cursor=True,
        )
        self._checkpoint_every: int | None = config.get("checkpoint_every")
        self._fail_after_records: int | None = config.get("fail_after_records")
        self._served = 0

    @property
    def state_checkpoint_interval(self) -> int | None:
        return self._checkpoint_every

    def read_window(self, window: Window[Any]) -> Iterator[dict[str, Any]]:
        in_window = [
            r for r in RECORDS if window.start <= datetime.fromisoformat(r["updatedAt"]) < window.end
        ]
        for record in sorted(in_window, key=lambda r: (r["updatedAt"], r["id"])):
            if self._served == self._fail_after_records:
                raise ConnectionError("connection lost mid-window")
            self._served += 1
            yield dict(record)

    def get_json_schema(self) -> Mapping[str, Any]:
        return {"type": "object", "properties": {"id": {"type": "string"}, "updatedAt": {"type": "string"}}}


class InMemorySource(AbstractSource):
    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        properties = {"checkpoint_every": {"type": "integer"}, "fail_after_records": {"type": "integer"}}
        return ConnectorSpecification(connectionSpecification={"type": "object", "properties": properties})

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        return [Contacts(config)]


def run(
    config: Mapping[str, Any],
    state: list[AirbyteStateMessage] | None = None,
    expected_outcome: ExpectedOutcome = ExpectedOutcome.EXPECT_SUCCESS,
) -> list[AirbyteMessage]:
    catalog = CatalogBuilder().with_stream(STREAM, SyncMode.incremental).build()
    output = read(InMemorySource(), dict(config), catalog, state, expected_outcome=expected_outcome)
    return validated(output)


def validated(output: EntrypointOutput) -> list[AirbyteMessage]:
    """Every message, re-serialised and parsed by the strict protocol reader."""
    lines = [orjson.dumps(AirbyteMessageSerializer.dump(m)).decode() for m in output.get_message_iterator()]
    return parse_messages(lines)


def record_ids(messages: Iterable[AirbyteMessage]) -> list[str]:
    return [m.record.data["id"] for m in messages if m.type == Type.RECORD and m.record is not None]


def stream_states(messages: Iterable[AirbyteMessage]) -> list[dict[str, Any]]:
    states = []
    for message in messages:
        if message.type == Type.STATE:
            assert message.state is not None and message.state.stream is not None
            assert message.state.stream.stream_descriptor.name == STREAM
            states.append(dict(message.state.stream.stream_state.__dict__))
    return states


def resume_from(state: Mapping[str, Any]) -> list[AirbyteStateMessage]:
    return StateBuilder().with_stream_state(STREAM, dict(state)).build()


def records_and_states(messages: Iterable[AirbyteMessage]) -> str:
    return "".join({Type.RECORD: "R", Type.STATE: "S"}.get(m.type, "") for m in messages)


def test_state_after_every_window_and_every_n_records() -> None:
    messages = run({"checkpoint_every": 4})

    expected, emitted = "", 0
    for day in range(4):
        for _ in [r for r in RECORDS if r["updatedAt"].startswith(f"2024-01-0{day + 1}")]:
            expected += "R"
            emitted += 1
            if emitted % 4 == 0:
                expected += "S"
        expected += "S"  # end of the window, the empty day 2 included
    assert records_and_states(messages) == expected
    assert record_ids(messages) == [r["id"] for r in RECORDS]


def test_checkpoint_in_a_group_of_equal_timestamps_remembers_the_keys_read() -> None:
    states = stream_states(run({"checkpoint_every": 4}))
    assert states[0] == {"version": 2, "cursor": "2024-01-01T17:00:00Z", "keys_at_cursor": [["d0h17-0"]]}
    assert states[-1] == {
        "version": 2,
        "cursor": "2024-01-04T17:00:00Z",
        "keys_at_cursor": [["d3h17-0"], ["d3h17-1"], ["d3h17-2"]],
    }


# Records 7-9 share a timestamp, and so do 16-18: failing after 9 or 17 leaves a last state
# taken inside such a group (after record 8 or 16).
@pytest.mark.parametrize("fail_after_records", [0, 4, 9, 13, 17])
def test_interrupted_read_resumes_without_gap_or_duplicate(fail_after_records: int) -> None:
    first = run(
        {"checkpoint_every": 4, "fail_after_records": fail_after_records},
        expected_outcome=ExpectedOutcome.EXPECT_EXCEPTION,
    )
    errors = [m for m in first if m.type == Type.TRACE and m.trace is not None and m.trace.error is not None]
    assert errors, "the interrupted read must report its failure"
    assert record_ids(first) == [r["id"] for r in RECORDS[:fail_after_records]]

    # The platform keeps the records up to the last state; the rest of the attempt is discarded.
    last_state_index = max((i for i, m in enumerate(first) if m.type == Type.STATE), default=None)
    if last_state_index is None:
        committed, resumed = [], run({"checkpoint_every": 4})
    else:
        committed = record_ids(first[:last_state_index])
        resumed = run({"checkpoint_every": 4}, resume_from(stream_states(first)[-1]))

    combined = committed + record_ids(resumed)
    assert sorted(combined) == sorted(r["id"] for r in RECORDS)
    assert len(combined) == len(set(combined))


def test_state_at_the_last_record_reads_nothing_more() -> None:
    final_state = stream_states(run({"checkpoint_every": 4}))[-1]

    again = run({"checkpoint_every": 4}, resume_from(final_state))

    assert record_ids(again) == []
    assert stream_states(again)[-1] == final_state


def test_state_at_the_end_of_the_range_reads_no_window() -> None:
    state = {"version": 2, "cursor": iso(END), "keys_at_cursor": []}
    again = run({}, resume_from(state))
    assert record_ids(again) == []
    assert stream_states(again) == [state]


def test_official_connector_state_is_migrated() -> None:
    # The official connector's shape, in epoch milliseconds: everything at that instant was read,
    # but which keys is unknown, so those records are read again (at least once, never lost).
    legacy = {"updatedAt": int((START + timedelta(days=3, hours=5)).timestamp() * 1000)}
    messages = run({}, resume_from(legacy))
    assert record_ids(messages) == [r["id"] for r in RECORDS if r["updatedAt"] >= "2024-01-04T05"]
    assert stream_states(messages)[-1]["version"] == 2


@pytest.mark.parametrize(
    ("state", "problem"),
    [
        ({"version": 2, "cursor": "last tuesday"}, "expected an ISO 8601 datetime"),
        ({"version": 2, "cursor": 17}, "cursor: Input should be a valid string"),
        ({"version": 3, "cursor": "2024-01-01T00:00:00Z"}, "version: Input should be 2"),
        ({"version": 2, "cursor": "2024-01-01T00:00:00Z", "keys_at_cursor": "d0"}, "keys_at_cursor"),
        ({"lastModified": "2024-01-01"}, "expected a 'version' 2 state or a 'updatedAt' value"),
    ],
)
def test_malformed_state_is_a_config_error_naming_the_stream(state: dict[str, Any], problem: str) -> None:
    messages = run({}, resume_from(state), ExpectedOutcome.EXPECT_EXCEPTION)

    assert record_ids(messages) == []
    errors = [m.trace for m in messages if m.type == Type.TRACE and m.trace is not None and m.trace.error]
    stream_error = next(t for t in errors if t.error is not None and t.error.stream_descriptor is not None)
    assert stream_error.error is not None and stream_error.error.stream_descriptor is not None
    assert stream_error.error.stream_descriptor.name == STREAM
    assert stream_error.error.failure_type == FailureType.config_error
    assert f"stream '{STREAM}'" in stream_error.error.message
    assert problem in stream_error.error.message


class ListedContacts(WindowedOrWholeStream, Contacts):
    """Contacts whose API also lists them all at once, newest first."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        self.windows_read: list[Window[Any]] = []

    @property
    def name(self) -> str:
        return STREAM

    def read_whole(self) -> Iterator[dict[str, Any]]:
        yield from (dict(record) for record in reversed(RECORDS))

    def read_window(self, window: Window[Any]) -> Iterator[dict[str, Any]]:
        self.windows_read.append(window)
        return super().read_window(window)


class ListingSource(InMemorySource):
    def __init__(self) -> None:
        super().__init__()
        self.contacts = ListedContacts({})

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        return [self.contacts]


@pytest.mark.parametrize("mode", [SyncMode.full_refresh, SyncMode.incremental])
def test_a_windowed_or_whole_stream_reads_whole_in_full_refresh_and_by_window_incrementally(
    mode: SyncMode,
) -> None:
    source = ListingSource()
    catalog = CatalogBuilder().with_stream(STREAM, mode).build()
    messages = validated(read(source, {}, catalog))

    if mode == SyncMode.full_refresh:
        assert record_ids(messages) == [record["id"] for record in reversed(RECORDS)]
        assert source.contacts.windows_read == []
    else:
        assert record_ids(messages) == [record["id"] for record in RECORDS]
        assert len(source.contacts.windows_read) == 4  # one a day, the empty day 2 included
        assert stream_states(messages)
