"""Records in bulk: many RECORD messages, serialised by the stream, passed through the CDK as one.

The CDK handles every record on its own: a message object, counters, serpyco and orjson, a print.
That is about 109,000 records per second, the ceiling of a bulk source (BigQuery reads a million
rows in well under a second). A stream that can write its records' JSON faster, e.g. straight from
Arrow, yields `RecordBatch`es instead: the records as ready lines, and how many there are.

- Under `RecordBatchEntrypoint` (the connector's own command: `launch(source, args,
  entrypoint=RecordBatchEntrypoint)`), each batch's lines are written to stdout as they are, in
  order with every other message, and its count is added to the stream's record count, so the
  next STATE's `sourceStats.recordCount` is right. STATE, TRACE (stream status, errors,
  estimates) and LOG messages keep going through the CDK and its secret masking.
- Anywhere else (the CDK's test wrapper, any tool driving `AirbyteEntrypoint`), a
  `RecordBatchSource` expands each batch into ordinary RECORD messages, parsed from the lines
  with number literals kept exact, so both paths print the same records.

A batch travels through the CDK as ONE RECORD message: the CDK marks the stream RUNNING at the
first one and counts `state_checkpoint_interval` in batches (1 = a checkpoint after each). Its
`record` is None, so a plain entrypoint that received one anyway fails loudly instead of
printing a wrong record. Its count is also added to the CDK's "Read N records from S stream" log
line, which counts messages, so the line tells the user how many records were read.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import (  # type: ignore[attr-defined]  # re-exported via a star import
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    Type,
)
from airbyte_cdk.sources import AbstractSource, Source
from airbyte_cdk.sources.connector_state_manager import HashableStreamDescriptor
from airbyte_cdk.utils.print_buffer import PrintBuffer

from cdk_extensions.secrets import MaskingEntrypoint


class RecordBatch(AirbyteMessage):
    """`count` RECORD messages of the stream `stream` (in `namespace`), as newline-terminated JSON
    lines (any bytes-like object)."""

    def __init__(self, stream: str, lines: Any, count: int, namespace: str | None = None) -> None:
        super().__init__(type=Type.RECORD)
        self.stream = stream
        self.namespace = namespace
        self.lines = lines
        self.count = count

    def messages(self) -> Iterator[AirbyteMessage]:
        """The records as ordinary messages; numbers keep their exact text (orjson.Fragment)."""
        for line in bytes(self.lines).splitlines():
            yield AirbyteMessageSerializer.load(json.loads(line, parse_float=orjson.Fragment))


class RecordBatchSource(AbstractSource):
    """A source whose streams may yield `RecordBatch`es; set `writes_record_batches` (the
    RecordBatchEntrypoint does) when the entrypoint writes them itself."""

    writes_record_batches = False

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None = None,
    ) -> Iterator[AirbyteMessage]:
        read_count = _ReadCountCorrection()
        logger.addFilter(read_count)
        try:
            for message in super().read(logger, config, catalog, state):
                if isinstance(message, RecordBatch):
                    read_count.add(message)
                    if not self.writes_record_batches:
                        yield from message.messages()
                        continue
                yield message
        finally:
            logger.removeFilter(read_count)


class _ReadCountCorrection(logging.Filter):
    """Rewrites the CDK's "Read N records from S stream" line (AbstractSource._read_stream counts
    each batch as one record) with the records of the batches read. The CDK logs it after the
    stream's last message, so every batch of the stream has been added by then."""

    _LINE = re.compile(r"Read (\d+) records from (.+) stream")

    def __init__(self) -> None:
        super().__init__()
        self._uncounted_records: defaultdict[str, int] = defaultdict(int)

    def add(self, batch: RecordBatch) -> None:
        self._uncounted_records[batch.stream] += batch.count - 1

    def filter(self, record: logging.LogRecord) -> bool:
        line = self._LINE.fullmatch(record.msg) if isinstance(record.msg, str) else None
        if line:
            stream = line[2]
            record.msg = f"Read {int(line[1]) + self._uncounted_records[stream]} records from {stream} stream"
        return True


class RecordBatchEntrypoint(MaskingEntrypoint):
    """The masking entrypoint that also writes record batches as they are (see the module docstring)."""

    def __init__(self, source: Source) -> None:
        super().__init__(source)
        if isinstance(source, RecordBatchSource):
            source.writes_record_batches = True

    def read(
        self, source_spec: ConnectorSpecification, config: Mapping[str, Any], catalog: Any, state: list[Any]
    ) -> Iterable[AirbyteMessage]:
        for message in super().read(source_spec, config, catalog, state):
            if isinstance(message, RecordBatch):
                write_lines(message.lines)
            else:
                yield message

    @staticmethod
    def handle_record_counts(
        message: AirbyteMessage, stream_message_count: defaultdict[HashableStreamDescriptor, float]
    ) -> AirbyteMessage:
        if isinstance(message, RecordBatch):
            stream_message_count[
                HashableStreamDescriptor(name=message.stream, namespace=message.namespace)
            ] += message.count
            return message
        return AirbyteEntrypoint.handle_record_counts(message, stream_message_count)


def write_lines(lines: Any) -> None:
    """Write ready lines to stdout after everything printed before them (the CDK buffers its
    prints and logs in PRINT_BUFFER, which is flushed first)."""
    PRINT_BUFFER.flush()
    sys.stdout.flush()
    stream = sys.__stdout__ if isinstance(sys.stdout, PrintBuffer) else sys.stdout
    assert stream is not None, "stdout is closed"
    stream.buffer.write(lines)
