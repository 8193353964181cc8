"""The CDK reads a stream's `state` after every record: that must cost the same whatever the state holds.

A bulk update gives thousands of records one timestamp, and the state remembers the key of each
one read at it. Dumping that state at every read would cost k keys per record, quadratic in all.
The cost is counted, not timed: the Python lines run inside `cdk_extensions.incremental` during
a real CDK read, per record, must not grow with the number of keys kept.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from airbyte_cdk.models import ConnectorSpecification, SyncMode, Type
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read

import cdk_extensions.incremental
from cdk_extensions.incremental import Window, WindowCursor, WindowedStream

START = datetime(2024, 1, 1, tzinfo=UTC)
BULK_UPDATE = START + timedelta(hours=5)
INCREMENTAL_PACKAGE = str(Path(cdk_extensions.incremental.__file__).parent)
CHECKPOINT_EVERY = 1_000


class BulkUpdatedContacts(WindowedStream):
    """`count` contacts all modified at the same moment, as after a bulk import."""

    primary_key = "id"
    state_checkpoint_interval = CHECKPOINT_EVERY

    def __init__(self, count: int) -> None:
        self._count = count
        self.window_cursor = WindowCursor(
            stream_name="contacts",
            cursor_field="updatedAt",
            primary_key=["id"],
            start=START,
            end=START + timedelta(days=1),
            step=timedelta(days=1),
            sorted_by_cursor=True,
        )

    @property
    def name(self) -> str:
        return "contacts"

    def read_window(self, window: Window[Any]) -> Iterator[dict[str, Any]]:
        updated_at = BULK_UPDATE.isoformat()
        return ({"id": str(index), "updatedAt": updated_at} for index in range(self._count))

    def get_json_schema(self) -> Mapping[str, Any]:
        return {"type": "object", "properties": {"id": {"type": "string"}, "updatedAt": {"type": "string"}}}


class BulkUpdateSource(AbstractSource):
    def __init__(self, count: int) -> None:
        self._count = count

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(connectionSpecification={"type": "object"})

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        return [BulkUpdatedContacts(self._count)]


class IncrementalLineCounter:
    """Counts the Python lines run in `cdk_extensions.incremental` (a deterministic cost measure)."""

    def __init__(self) -> None:
        self.lines = 0

    def on_call(self, frame: FrameType, event: str, arg: object) -> Any:
        return self.on_line if frame.f_code.co_filename.startswith(INCREMENTAL_PACKAGE) else None

    def on_line(self, frame: FrameType, event: str, arg: object) -> Any:
        if event == "line":
            self.lines += 1
        return self.on_line


def read_bulk_update(count: int) -> tuple[EntrypointOutput, int]:
    catalog = CatalogBuilder().with_stream("contacts", SyncMode.incremental).build()
    counter = IncrementalLineCounter()
    sys.settrace(counter.on_call)
    try:
        output = read(BulkUpdateSource(count), {}, catalog)
    finally:
        sys.settrace(None)
    return output, counter.lines


def test_reading_the_state_per_record_costs_the_same_however_many_keys_it_holds() -> None:
    small, lines_small = read_bulk_update(1_000)
    large, lines_large = read_bulk_update(4_000)

    assert len(small.records) == 1_000 and len(large.records) == 4_000
    assert lines_small > 0, "the read must run through cdk_extensions.incremental in this thread"
    # Linear work gives about the same lines per record; dumping every key per record gives
    # about k/2 more per record, i.e. 3.5 times as many at 4,000 keys as at 1,000.
    assert lines_large / 4_000 < 1.5 * lines_small / 1_000


def test_the_checkpoints_still_carry_every_key_read_at_the_cursor() -> None:
    output, _ = read_bulk_update(2_500)

    states = [
        dict(message.state.stream.stream_state.__dict__)
        for message in output.get_message_iterator()
        if message.type == Type.STATE and message.state is not None and message.state.stream is not None
    ]
    key_counts = [len(state["keys_at_cursor"]) for state in states]
    assert key_counts == [1_000, 2_000, 2_500]  # every 1,000 records, then the end of the window
    assert states[-1]["keys_at_cursor"] == [[str(index)] for index in range(2_500)]
    assert {state["cursor"] for state in states} == {"2024-01-01T05:00:00Z"}
