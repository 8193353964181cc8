"""Record batches: written as they are by the RecordBatchEntrypoint, expanded into ordinary records
anywhere else; either way the same valid messages, correct record counts and checkpoints."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, MutableMapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import (
    AirbyteStreamStatus,
    ConfiguredAirbyteCatalogSerializer,
    ConnectorSpecification,
    SyncMode,
    Type,
)
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.test import entrypoint_wrapper
from airbyte_cdk.test.catalog_builder import CatalogBuilder

from cdk_extensions.record_batches import RecordBatch, RecordBatchEntrypoint, RecordBatchSource
from cdk_extensions.secrets import launch
from sandbox.protocol import parse_messages

STREAM = "measurements"
SECRET = "s3cr3t-api-key"
EMITTED_AT = 1767225600000
# Values the CDK's own path cannot write exactly: a 39-digit decimal and a tiny float literal.
BATCHES = [
    [{"id": 1, "amount": "12345678901234567890123456789.123456789", "note": 'quote " and é'}],
    [{"id": 2, "amount": "0.5", "note": None}, {"id": 3, "amount": "-1E-300", "note": "line\nbreak"}],
]


def batch(rows: list[dict[str, Any]]) -> RecordBatch:
    """Lines as a fast producer writes them: numbers as literals (orjson.Fragment)."""
    lines = b"".join(
        orjson.dumps(
            {
                "type": "RECORD",
                "record": {
                    "stream": STREAM,
                    "data": {**row, "amount": orjson.Fragment(row["amount"])},
                    "emitted_at": EMITTED_AT,
                },
            },
            option=orjson.OPT_APPEND_NEWLINE,
        )
        for row in rows
    )
    return RecordBatch(STREAM, memoryview(lines), len(rows))


class MeasurementStream(Stream, CheckpointMixin):
    """Incremental by `id`, a checkpoint after each batch."""

    primary_key = "id"
    cursor_field = "id"
    state_checkpoint_interval = 1

    def __init__(self) -> None:
        self._state: MutableMapping[str, Any] = {}

    @property
    def name(self) -> str:
        return STREAM

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self._state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._state = dict(value)

    def get_json_schema(self) -> Mapping[str, Any]:
        return {"type": "object", "properties": {"id": {"type": "integer"}, "amount": {"type": "number"}}}

    def read_records(self, *args: Any, **kwargs: Any) -> Iterable[Any]:
        logging.getLogger("airbyte").info(f"reading with {SECRET}")
        for rows in BATCHES:
            self._state = {"id": rows[-1]["id"]}  # the CDK checkpoints right after the batch
            yield batch(rows)


class MeasurementSource(RecordBatchSource):
    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(
            connectionSpecification={
                "type": "object",
                "properties": {"key": {"type": "string", "airbyte_secret": True}},
            }
        )

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        return [MeasurementStream()]


CATALOG = CatalogBuilder().with_stream(STREAM, SyncMode.incremental).build()
CONFIG = {"key": SECRET}


def read_args(tmp_path: Path) -> list[str]:
    config, catalog = tmp_path / "config.json", tmp_path / "catalog.json"
    config.write_text(json.dumps(CONFIG))
    catalog.write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(CATALOG)))
    return ["read", "--config", str(config), "--catalog", str(catalog)]


def fast_path_lines(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> list[str]:
    capfd.readouterr()
    launch(MeasurementSource(), read_args(tmp_path), entrypoint_class=RecordBatchEntrypoint)
    return [line for line in capfd.readouterr().out.splitlines() if line.strip()]


def exact_records(lines: Iterable[str]) -> list[dict[str, Any]]:
    messages = [json.loads(line, parse_float=Decimal) for line in lines]
    return [message["record"] for message in messages if message["type"] == "RECORD"]


def without_nulls(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The CDK's serializer leaves out null fields that the batches write: the same record."""
    return [
        {**record, "data": {k: v for k, v in record["data"].items() if v is not None}} for record in records
    ]


def test_the_entrypoint_writes_batches_as_they_are(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    lines = fast_path_lines(tmp_path, capfd)

    parse_messages(lines)  # every line is a valid Airbyte message
    assert exact_records(lines) == [
        {"stream": STREAM, "data": {**row, "amount": Decimal(row["amount"])}, "emitted_at": EMITTED_AT}
        for rows in BATCHES
        for row in rows
    ]


def test_each_checkpoint_counts_the_records_of_its_batches(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    messages = parse_messages(fast_path_lines(tmp_path, capfd))

    sequence = [
        (m.type, m.state.stream.stream_state.__dict__, m.state.sourceStats.recordCount)
        if m.type == Type.STATE
        else m.type
        for m in messages
        if m.type in (Type.RECORD, Type.STATE)
    ]
    assert sequence == [
        Type.RECORD,
        (Type.STATE, {"id": 1}, 1.0),
        Type.RECORD,
        Type.RECORD,
        (Type.STATE, {"id": 3}, 2.0),
        (Type.STATE, {"id": 3}, 0.0),  # the CDK's final checkpoint
    ]


def test_stream_statuses_and_logs_still_go_through_the_cdk_with_secrets_masked(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    messages = parse_messages(fast_path_lines(tmp_path, capfd))

    statuses = [m.trace.stream_status.status for m in messages if m.trace and m.trace.stream_status]
    assert statuses == [
        AirbyteStreamStatus.STARTED,
        AirbyteStreamStatus.RUNNING,
        AirbyteStreamStatus.COMPLETE,
    ]
    logs = [m.log.message for m in messages if m.type == Type.LOG and m.log]
    assert "reading with ****" in logs
    assert not any(SECRET in message for message in logs)


def test_the_cdks_own_entrypoint_gets_the_same_records_and_counts(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    fast = fast_path_lines(tmp_path, capfd)
    entrypoint = AirbyteEntrypoint(MeasurementSource())

    plain = list(entrypoint.run(entrypoint.parse_args(read_args(tmp_path))))

    assert without_nulls(exact_records(plain)) == without_nulls(exact_records(fast))
    states = [message.state for message in parse_messages(plain) if message.state]
    assert [state.sourceStats.recordCount for state in states] == [1.0, 2.0, 0.0]


def read_counts_logged(messages: Iterable[Any]) -> list[str]:
    return [
        m.log.message for m in messages if m.type == Type.LOG and m.log and m.log.message.startswith("Read ")
    ]


def test_the_logged_read_count_counts_records_not_batches(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    fast = parse_messages(fast_path_lines(tmp_path, capfd))
    entrypoint = AirbyteEntrypoint(MeasurementSource())
    list(entrypoint.run(entrypoint.parse_args(read_args(tmp_path))))
    plain_logs = parse_messages(line for line in capfd.readouterr().out.splitlines() if line.strip())

    expected = [f"Read {sum(len(rows) for rows in BATCHES)} records from {STREAM} stream"]
    assert read_counts_logged(fast) == expected
    assert read_counts_logged(plain_logs) == expected  # the CDK's own entrypoint prints its logs


def test_the_cdks_test_wrapper_reads_batches_as_ordinary_records() -> None:
    output = entrypoint_wrapper.read(MeasurementSource(), CONFIG, CATALOG)

    assert [record.record.data["id"] for record in output.records] == [1, 2, 3]


def test_a_plain_entrypoint_refuses_a_batch_it_was_not_meant_to_see() -> None:
    with pytest.raises(ValueError, match="must have a record"):
        AirbyteEntrypoint.handle_record_counts(batch(BATCHES[0]), defaultdict(float))
