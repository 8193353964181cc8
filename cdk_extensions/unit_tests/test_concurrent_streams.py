"""ConcurrentStreams: several streams read at once, each exactly as the CDK reads it alone.

A small real source of in-memory incremental streams runs through the masking entrypoint; its
stdout is parsed strictly (every line a valid Airbyte message). Streams meet at barriers and wait
on events, never on sleeps: a test whose behaviour is missing fails on a timeout, it cannot pass
by luck of timing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from airbyte_cdk.models import (
    AirbyteLogMessage,
    AirbyteMessage,
    AirbyteStreamStatus,
    ConfiguredAirbyteCatalogSerializer,
    ConnectorSpecification,
    FailureType,
    Level,
    SyncMode,
    Type,
)
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.concurrent_streams import ConcurrentStreams
from cdk_extensions.secrets import launch
from sandbox.protocol import ConnectorOutput, parse_messages

WAIT = 10.0  # seconds; only reached when the behaviour under test is missing
STARTED, RUNNING = AirbyteStreamStatus.STARTED, AirbyteStreamStatus.RUNNING
COMPLETE, INCOMPLETE = AirbyteStreamStatus.COMPLETE, AirbyteStreamStatus.INCOMPLETE

BeforeRecord = Callable[[int], None]


class Numbers(CheckpointMixin, Stream):
    """Records n = 0 .. count-1, cursor `n`, a checkpoint every 2 records; `before_record(n)` runs
    before each record is made (to wait, meet other streams, or fail)."""

    primary_key = "id"
    cursor_field = "n"
    state_checkpoint_interval = 2

    def __init__(self, name: str, count: int = 7, before_record: BeforeRecord = lambda n: None) -> None:
        self._name = name
        self._count = count
        self._before_record = before_record
        self._state: dict[str, Any] = {}
        self.threads: set[str] = set()

    @property
    def name(self) -> str:
        return self._name

    @property
    def state(self) -> Mapping[str, Any]:
        return self._state

    @state.setter
    def state(self, value: Mapping[str, Any]) -> None:
        self._state = dict(value)

    def get_json_schema(self) -> Mapping[str, Any]:
        return {"type": "object", "properties": {"id": {"type": "string"}, "n": {"type": "integer"}}}

    def read_records(self, sync_mode: SyncMode, *args: Any, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        self.threads.add(threading.current_thread().name)
        for n in range(self._count):
            self._before_record(n)
            self._state = {"n": n}
            yield {"id": f"{self.name}-{n}", "n": n}


class NumbersSource(ConcurrentStreams):
    def __init__(
        self, streams: list[Stream], *, workers: int, stop_on_failure: Callable[[], bool] = lambda: False
    ) -> None:
        self._streams = streams
        self._workers = workers
        self._stop_on_failure = stop_on_failure
        self.builds = 0

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(connectionSpecification={"type": "object", "properties": {}})

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        self.builds += 1
        return self._streams

    def stream_concurrency(self, config: Mapping[str, Any]) -> int:
        return self._workers

    @property
    def stop_sync_on_stream_failure(self) -> bool:
        return self._stop_on_failure()


@dataclass(frozen=True)
class Output(ConnectorOutput):
    failure: BaseException | None = None

    def of_stream(self, stream: str) -> list[tuple[Any, ...]]:
        """The stream's records, states (with their record counts), statuses and errors, in order."""
        return [seen for message in self.messages if (seen := _summary(message, stream))]

    def numbers(self, stream: str) -> list[int]:
        return [record["n"] for record in self.records(stream)]


def _summary(message: AirbyteMessage, stream: str) -> tuple[Any, ...] | None:
    record, state, trace = message.record, message.state, message.trace
    if record and record.stream == stream:
        return ("RECORD", record.data["n"])
    if state and state.stream and state.stream.stream_descriptor.name == stream:
        count = state.sourceStats.recordCount if state.sourceStats else None
        return ("STATE", state.stream.stream_state.n, count)
    status = trace.stream_status if trace else None
    if status and status.stream_descriptor.name == stream:
        return ("STATUS", status.status)
    error = trace.error if trace else None
    if error and error.stream_descriptor and error.stream_descriptor.name == stream:
        return ("ERROR", error.message)
    return None


@pytest.fixture
def read(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> Callable[[NumbersSource, list[str]], Output]:
    """Runs `read` of the named streams (incremental) as the platform does, parsing stdout strictly."""

    def run(source: NumbersSource, names: list[str]) -> Output:
        builder = CatalogBuilder()
        for name in names:
            builder.with_stream(name, SyncMode.incremental)
        config, catalog = tmp_path / "config.json", tmp_path / "catalog.json"
        config.write_bytes(b"{}")
        catalog.write_bytes(orjson.dumps(ConfiguredAirbyteCatalogSerializer.dump(builder.build())))
        capfd.readouterr()
        failure: BaseException | None = None
        try:
            launch(source, ["read", "--config", str(config), "--catalog", str(catalog)])
        except AirbyteTracedException as error:
            failure = error
        return Output(parse_messages(capfd.readouterr().out.splitlines()), failure)

    return run


Read = Callable[[NumbersSource, list[str]], Output]
NAMES = ["a", "b", "c", "d"]


def fail_at(record: int) -> BeforeRecord:
    def maybe_fail(n: int) -> None:
        if n == record:
            raise ValueError(f"record {n} is unreadable")

    return maybe_fail


def test_each_stream_gets_exactly_the_messages_of_the_cdks_read_in_turn(read: Read) -> None:
    in_turn = read(NumbersSource([Numbers(name) for name in NAMES], workers=1), NAMES)
    source = NumbersSource([Numbers(name) for name in NAMES], workers=3)
    at_once = read(source, NAMES)

    assert at_once.failure is None
    for name in NAMES:
        assert at_once.of_stream(name) == in_turn.of_stream(name)
        assert at_once.numbers(name) == list(range(7))
        assert at_once.statuses(name) == [STARTED, RUNNING, COMPLETE]
        # every checkpoint comes after the records it covers
        last_record = None
        for seen in at_once.of_stream(name):
            if seen[0] == "RECORD":
                last_record = seen[1]
            elif seen[0] == "STATE":
                assert seen[1] == last_record
    assert source.builds == 1 + len(NAMES)  # once before the workers, then by each stream's CDK read


def test_streams_are_read_at_the_same_time(read: Read) -> None:
    all_at_record_1 = threading.Barrier(3, timeout=WAIT)  # broken (the stream fails) unless all 3 meet

    def meet(n: int) -> None:
        if n == 1:
            all_at_record_1.wait()

    output = read(
        NumbersSource([Numbers(name, before_record=meet) for name in "abc"], workers=3), list("abc")
    )

    assert output.failure is None, output.errors()
    assert all(output.numbers(name) == list(range(7)) for name in "abc")
    streams_in_order = [message.record.stream for message in output.messages if message.record]
    for name in "abc":  # each stream's first record comes before the others' last ones
        first = streams_in_order.index(name)
        assert all(first < last_index(streams_in_order, other) for other in "abc" if other != name)


def last_index(items: list[str], item: str) -> int:
    return len(items) - 1 - items[::-1].index(item)


@pytest.mark.parametrize(("workers", "names"), [(1, ["a", "b"]), (4, ["a"])])
def test_one_worker_or_one_stream_is_the_cdks_own_read_in_this_thread(
    read: Read, workers: int, names: list[str]
) -> None:
    streams = [Numbers(name) for name in names]
    output = read(NumbersSource(list(streams), workers=workers), names)

    assert all(stream.threads == {threading.current_thread().name} for stream in streams)
    assert [message.record.stream for message in output.messages if message.record] == [
        name for name in names for _ in range(7)
    ]


@pytest.mark.parametrize("broken", [["b"], ["b", "d"]])
def test_failing_streams_do_not_stop_the_others_and_the_sync_ends_with_the_cdks_summary(
    read: Read, broken: list[str]
) -> None:
    def streams() -> list[Stream]:
        return [
            Numbers(name, before_record=fail_at(3) if name in broken else lambda n: None) for name in NAMES
        ]

    in_turn = read(NumbersSource(streams(), workers=1), NAMES)
    at_once = read(NumbersSource(streams(), workers=3), NAMES)

    for name in NAMES:
        assert at_once.of_stream(name) == in_turn.of_stream(name)
        if name in broken:
            assert at_once.numbers(name) == [0, 1, 2]
            assert at_once.statuses(name) == [STARTED, RUNNING, INCOMPLETE]
        else:
            assert at_once.numbers(name) == list(range(7))
            assert at_once.statuses(name) == [STARTED, RUNNING, COMPLETE]
    # streams read at once fail in whichever order their threads get there
    assert sorted(error.stream_descriptor.name for error in at_once.errors()) == broken
    assert isinstance(at_once.failure, AirbyteTracedException)
    assert isinstance(in_turn.failure, AirbyteTracedException)
    assert at_once.failure.failure_type == FailureType.config_error
    assert at_once.failure.message == in_turn.failure.message
    assert all(f"{name}: " in (at_once.failure.message or "") for name in broken)


def test_stop_sync_on_stream_failure_stops_the_others_at_their_next_message(read: Read) -> None:
    asked = threading.Event()  # the source is asked whether to stop only once a stream failed

    def stop_on_failure() -> bool:
        asked.set()
        return True

    def slow(n: int) -> None:
        if n == 2 and not asked.wait(WAIT):
            raise AssertionError("the broken stream never failed")

    streams: list[Stream] = [Numbers("slow", before_record=slow), Numbers("broken", before_record=fail_at(1))]
    source = NumbersSource([*streams, Numbers("later")], workers=2, stop_on_failure=stop_on_failure)
    output = read(source, ["slow", "broken", "later"])

    assert output.numbers("slow") == [0, 1]  # record 2 came after the failure: not emitted
    assert output.of_stream("slow")[-2:] == [("STATE", 1, 2.0), ("STATUS", INCOMPLETE)]  # progress kept
    assert output.statuses("slow") == [STARTED, RUNNING, INCOMPLETE]
    assert output.of_stream("later") == []  # not started: it is not read, as when read in turn
    assert [error.stream_descriptor.name for error in output.errors()] == ["broken"]
    assert isinstance(output.failure, AirbyteTracedException)
    assert (output.failure.message or "").count(": ") == 2  # the heading's and broken's line


def test_messages_queued_in_the_cdks_repository_arrive_once(read: Read) -> None:
    source: NumbersSource

    def queue_logs(stream: str) -> BeforeRecord:
        def queue_a_log(n: int) -> None:
            repository = source.message_repository
            assert repository is not None
            log = AirbyteLogMessage(level=Level.INFO, message=f"{stream} queued {n}")
            repository.emit_message(AirbyteMessage(type=Type.LOG, log=log))

        return queue_a_log

    source = NumbersSource(
        [Numbers(name, count=50, before_record=queue_logs(name)) for name in NAMES], workers=4
    )
    output = read(source, NAMES)

    queued = [log for log in output.logs() if " queued " in log]
    assert sorted(queued) == sorted(f"{name} queued {n}" for name in NAMES for n in range(50))
