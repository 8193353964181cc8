"""Several streams of a source read at once, each exactly as the CDK reads it alone.

The CDK's `AbstractSource.read` reads the catalog's streams one after another, so a sync of ten
HubSpot streams waits for ten APIs' answers in turn while its rate budget sits mostly unused. A
source that mixes in `ConcurrentStreams` (before `AbstractSource` in its bases) and overrides
`stream_concurrency` reads up to that many streams at once, through `parallel.merged`.

Each stream is read by the CDK's own sequential `read` over a catalog of that one stream, in a
worker thread: its STARTED / RUNNING / COMPLETE / INCOMPLETE statuses, its STATE checkpoints (from
its own ConnectorStateManager; STREAM states never mix streams) and its error trace are the
CDK's, and its messages keep their order. Messages of different streams interleave; only the main thread
consumes them, so the entrypoint (record counts per stream, secret masking, printing) is unchanged.

What the threads share must be thread-safe: the source's streams (built once, here, before the
workers start; `streams(config)` must then return the same instances, e.g. cached, because each
per-stream read calls it again), their API client, rate budget and authenticator. The CDK's
message repository is drained under a lock.

Failures: a stream that fails reports INCOMPLETE and its error, and the other streams go on; at
the end one summary error lists the failed streams, as the CDK's. When the source says
`stop_sync_on_stream_failure`, the first failure stops the other streams at their next message:
a stream that had started reports INCOMPLETE (its records and states already emitted stay
valid; a STATE still in flight is let through, since it covers records already emitted), the
streams not started are not read, and only the first failure is reported, as when reading in turn.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from typing import Any

from airbyte_cdk.exception_handler import generate_failed_streams_error_message
from airbyte_cdk.models import (  # type: ignore[attr-defined]  # re-exported via a star import
    AirbyteMessage,
    AirbyteStateMessage,
    AirbyteStreamStatus,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteStream,
    FailureType,
    TraceType,
    Type,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.utils.schema_helpers import split_config
from airbyte_cdk.utils.stream_status_utils import as_airbyte_message as stream_status_message
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.parallel import merged

# Messages waiting for the main thread: a few pages of records per worker. A full queue makes the
# workers wait, so memory stays flat however fast the API answers.
QUEUE_SIZE = 1_000
_ENDED = (AirbyteStreamStatus.COMPLETE, AirbyteStreamStatus.INCOMPLETE)


class ConcurrentStreams(AbstractSource):
    """Reads up to `stream_concurrency(config)` streams at once (see the module docstring)."""

    # The CDK's message repository is one per process, so its lock is too.
    _message_queue_lock = threading.Lock()

    def stream_concurrency(self, config: Mapping[str, Any]) -> int:
        """How many streams to read at once; 1 reads them in turn, exactly as the CDK does."""
        return 1

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None = None,
    ) -> Iterator[AirbyteMessage]:
        workers = min(self.stream_concurrency(config), len(catalog.streams))
        if workers <= 1:
            yield from super().read(logger, config, catalog, state)
            return
        self.streams(split_config(config)[0])  # in this thread: a failure to build them fails the read now
        read_alone = functools.partial(super().read, logger, config, state=state)
        sync = _SyncFailures(lambda: self.stop_sync_on_stream_failure)
        readers = [_StreamReader(read_alone, stream, sync) for stream in catalog.streams]
        yield from merged([reader.messages for reader in readers], workers=workers, queue_size=QUEUE_SIZE)
        sync.raise_summary(logger, [stream.stream.name for stream in catalog.streams])

    def _emit_queued_messages(self) -> Iterable[AirbyteMessage]:
        """Every worker drains the shared queue: one at a time, or two could pop its last message."""
        with self._message_queue_lock:
            return list(super()._emit_queued_messages())


class _SyncFailures:
    """What the streams read at once share: the failures so far, and whether the others must stop.

    Claiming a failure and stopping the sync happen under one lock, and so does asking whether
    the sync stopped: a stream never slips a message past a failure that is deciding to stop it."""

    def __init__(self, stop_on_failure: Callable[[], bool]) -> None:
        self._stop_on_failure = stop_on_failure
        self._summaries: dict[str, AirbyteTracedException] = {}
        self._lock = threading.Lock()
        self._stopped = False

    def stopped(self) -> bool:
        with self._lock:
            return self._stopped

    def claim(self) -> bool:
        """A stream failed. False when an earlier failure already stopped the sync: this one is
        then its consequence (say, the same exhausted quota), and is not reported."""
        with self._lock:
            if self._stopped:
                return False
            self._stopped = self._stop_on_failure()  # asked after the failure, as the CDK does
            return True

    def add(self, stream: str, summary: AirbyteTracedException) -> None:
        with self._lock:
            self._summaries[stream] = summary

    def raise_summary(self, logger: logging.Logger, streams_in_order: list[str]) -> None:
        """The CDK's closing error (it ends the sync with a failure), for all the streams that failed.

        Each per-stream read raised the CDK's summary of its one stream: the lines after the
        CDK's heading, joined, are the summary the CDK writes when it reads them in turn."""
        if not self._summaries:
            return
        heading = generate_failed_streams_error_message({})
        lines = [
            (self._summaries[name].message or "").removeprefix(heading)
            for name in streams_in_order
            if name in self._summaries
        ]
        message = heading + "\n".join(lines)
        logger.info(message)
        raise AirbyteTracedException(message=message, failure_type=FailureType.config_error)


class _StreamReader:
    """One stream's messages, read by the CDK alone, stopped when another stream's failure says so."""

    def __init__(
        self,
        read_alone: Callable[[ConfiguredAirbyteCatalog], Iterator[AirbyteMessage]],
        configured_stream: ConfiguredAirbyteStream,
        sync: _SyncFailures,
    ) -> None:
        self._read_alone = read_alone
        self._stream = configured_stream
        self._sync = sync

    def messages(self) -> Iterator[AirbyteMessage]:
        if self._sync.stopped():
            return  # a stream not started when the sync stopped is not read, as in the CDK's loop
        name = self._stream.stream.name
        started = ended = failed = False
        messages = self._read_alone(ConfiguredAirbyteCatalog(streams=[self._stream]))
        try:
            for message in messages:
                if self._sync.stopped() and not failed and message.type != Type.STATE:
                    _close(messages)  # first: its requests in flight end before it says INCOMPLETE
                    if started and not ended:
                        yield stream_status_message(self._stream.stream, AirbyteStreamStatus.INCOMPLETE)
                    return
                status = _status(message)
                started = started or status == AirbyteStreamStatus.STARTED
                ended = ended or status in _ENDED
                if _is_error(message):
                    failed = self._sync.claim()
                    if not failed:
                        return
                yield message
        except AirbyteTracedException as summary:
            if not failed:  # not the CDK's summary of this stream's failure: the read itself failed
                raise
            self._sync.add(name, summary)
        finally:
            _close(messages)


def _close(messages: Iterator[AirbyteMessage]) -> None:
    """End the CDK's read of a stream (its `finally` blocks run) here, in its worker thread."""
    if isinstance(messages, Generator):
        messages.close()


def _status(message: AirbyteMessage) -> AirbyteStreamStatus | None:
    trace = message.trace if message.type == Type.TRACE else None
    return trace.stream_status.status if trace and trace.stream_status else None


def _is_error(message: AirbyteMessage) -> bool:
    return message.type == Type.TRACE and message.trace is not None and message.trace.type == TraceType.ERROR
