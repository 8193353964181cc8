"""Runs the BigQuery source as the platform does, against the local emulator, and reads its stdout
strictly (every line must be a valid Airbyte message).

`launch` is the connector's real entry point (`source-bigquery`): secrets masked, and records of
bulk reads written as pre-serialised lines. Raw lines are kept, so tests can read numbers exactly
(`exact_records`: NUMERIC literals as Decimal) where the protocol models would turn them to floats.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from airbyte_cdk.exception_handler import assemble_uncaught_exception
from airbyte_cdk.models import (
    AirbyteMessageSerializer,
    AirbyteStateMessage,
    AirbyteStateMessageSerializer,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    ConfiguredAirbyteStream,
    DestinationSyncMode,
    SyncMode,
)
from airbyte_cdk.test.state_builder import StateBuilder

from cdk_extensions.backoff import BackoffPolicy
from sandbox.bigquery.emulator import BigQueryEmulator
from sandbox.protocol import ConnectorOutput, parse_messages
from source_bigquery.run import launch_source
from source_bigquery.source import SourceBigquery

# Retries wait a millisecond: tests of persistent failures stay fast.
FAST_RETRIES = BackoffPolicy(base_seconds=0.001, max_wait_seconds=0.001, max_attempts=3, random=lambda: 1.0)


def stream_state(stream: str, state: Mapping[str, Any]) -> list[AirbyteStateMessage]:
    """The --state a sync resumes from: one stream's state."""
    return StateBuilder().with_stream_state(stream, dict(state)).build()


def emulator_config(emulator: BigQueryEmulator, dataset: str, **options: Any) -> dict[str, Any]:
    """A config reading `dataset` of the emulator (which takes no credentials)."""
    return {
        "project_id": emulator.project,
        "dataset_id": dataset,
        "api_endpoint": emulator.rest_url,
        "storage_api_endpoint": f"http://{emulator.grpc_target}",
        **options,
    }


def configured_catalog(
    discovered: Any,
    streams: Mapping[str, SyncMode],
    *,
    cursor: Mapping[str, str] | None = None,
    columns: Mapping[str, Sequence[str]] | None = None,
    primary_key: Mapping[str, Sequence[str]] | None = None,
) -> ConfiguredAirbyteCatalog:
    """Select discovered streams: their sync mode, the cursor column of incremental ones, and
    (optionally) only some columns or a primary key of the user's, as the UI lets users do."""
    configured = []
    for stream in discovered.streams:
        if stream.name not in streams:
            continue
        if columns and stream.name in columns:
            properties = stream.json_schema["properties"]
            schema = {**stream.json_schema, "properties": {c: properties[c] for c in columns[stream.name]}}
            stream = dataclasses.replace(stream, json_schema=schema)
        mode = streams[stream.name]
        configured.append(
            ConfiguredAirbyteStream(
                stream=stream,
                sync_mode=mode,
                destination_sync_mode=DestinationSyncMode.append_dedup
                if mode == SyncMode.incremental
                else DestinationSyncMode.overwrite,
                cursor_field=[cursor[stream.name]] if cursor and stream.name in cursor else None,
                primary_key=[[column] for column in primary_key[stream.name]]
                if primary_key and stream.name in primary_key
                else stream.source_defined_primary_key,
            )
        )
    assert len(configured) == len(streams), (
        f"not discovered: {set(streams) - {c.stream.name for c in configured}}"
    )
    return ConfiguredAirbyteCatalog(streams=configured)


@dataclass(frozen=True)
class Output(ConnectorOutput):
    """A command's output lines and messages, and the exception it ended with (if any)."""

    lines: list[str]
    failure: BaseException | None = None

    def exact_records(self, stream: str) -> list[dict[str, Any]]:
        """The records as written, numbers with a fraction as Decimal (no float rounding)."""
        found = []
        for line in self.lines:
            message = json.loads(line, parse_float=Decimal)
            if message["type"] == "RECORD" and message["record"]["stream"] == stream:
                found.append(message["record"]["data"])
        return found

    def records_before_each_state(self, stream: str) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """For each STATE of `stream`: its stream state, and the stream's records emitted before it."""
        found, records = [], []
        for message in self.messages:
            if message.record is not None and message.record.stream == stream:
                records.append(message.record.data)
            state = message.state.stream if message.state is not None else None
            if state is not None and state.stream_descriptor.name == stream:
                found.append((dict(state.stream_state.__dict__), list(records)))
        return found


@dataclass
class Connector:
    """Runs `source-bigquery` commands in this process; output captured from the file descriptors."""

    capfd: pytest.CaptureFixture[str]
    workdir: Path
    page_rows: int | None = None  # rows per record batch and incremental checkpoint (small: many pages)
    runs: int = 0

    def check(self, config: Mapping[str, Any]) -> Output:
        return self.run(["check", "--config", self._file("config", config)])

    def discover(self, config: Mapping[str, Any]) -> Output:
        return self.run(["discover", "--config", self._file("config", config)])

    def read(
        self,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: Iterable[AirbyteStateMessage] | None = None,
    ) -> Output:
        catalog_file = self._file("catalog", ConfiguredAirbyteCatalogSerializer.dump(catalog))
        args = ["read", "--config", self._file("config", config), "--catalog", catalog_file]
        if state is not None:
            args += ["--state", self._file("state", [AirbyteStateMessageSerializer.dump(s) for s in state])]
        return self.run(args)

    def run(self, args: list[str]) -> Output:
        self.capfd.readouterr()  # drop what earlier steps printed
        failure: BaseException | None = None
        try:
            launch_source(args, SourceBigquery(backoff=FAST_RETRIES, page_rows=self.page_rows))
        except Exception as error:  # a failed read raises after its messages, as in production
            failure = error
        # Lines end with "\n" only: splitlines() would also cut at U+2028 inside strings.
        lines = [line for line in self.capfd.readouterr().out.split("\n") if line.strip()]
        if failure is not None:  # what the uncaught-exception hook would print
            trace = assemble_uncaught_exception(type(failure), failure).as_airbyte_message()
            lines.append(orjson.dumps(AirbyteMessageSerializer.dump(trace)).decode())
        return Output(parse_messages(lines), lines, failure)

    def _file(self, kind: str, content: Any) -> str:
        self.runs += 1
        path = self.workdir / f"{kind}-{self.runs}.json"
        path.write_bytes(orjson.dumps(content))
        return str(path)
