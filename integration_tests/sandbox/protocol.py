"""Strict reading of a connector's output: every line must be a valid Airbyte protocol message.

The CDK's own test wrapper turns a line it cannot parse into a LOG message, which would hide
exactly the bugs we want tests to catch, so tests read output through this module instead.
`ConnectorOutput` then answers what tests and the demo ask of the parsed messages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from airbyte_cdk.models import (
    AirbyteCatalog,
    AirbyteConnectionStatus,
    AirbyteErrorTraceMessage,
    AirbyteEstimateTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteStateMessage,
    AirbyteStreamStatus,
    Level,
    Type,
)
from airbyte_cdk.test.state_builder import StateBuilder


class ProtocolViolation(AssertionError):
    """A line of connector output that is not a valid Airbyte message."""


def parse_message(line: str) -> AirbyteMessage:
    """Parse one output line, refusing anything the protocol models reject."""
    try:
        raw = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise ProtocolViolation(f"not JSON: {line[:200]!r}") from error
    try:
        message = AirbyteMessageSerializer.load(raw)
    except Exception as error:  # serpyco-rs raises its own validation error types
        raise ProtocolViolation(f"not an Airbyte message ({error}): {line[:200]!r}") from error
    if AirbyteMessageSerializer.dump(message)["type"] != raw.get("type"):
        raise ProtocolViolation(f"message type does not round-trip: {line[:200]!r}")
    return message


def parse_messages(lines: Iterable[str]) -> list[AirbyteMessage]:
    """Parse every non-empty line of a connector's stdout."""
    return [parse_message(line) for line in lines if line.strip()]


def parse_output(stdout: str) -> list[AirbyteMessage]:
    """Parse a connector's whole stdout. Messages end at "\\n" only: `str.splitlines` would also
    cut at characters such as U+2028 that JSON strings may hold unescaped."""
    return parse_messages(stdout.split("\n"))


@dataclass(frozen=True)
class ConnectorOutput:
    """The messages one connector command printed, in order, with the questions tests ask of them."""

    messages: list[AirbyteMessage]

    def of_type(self, kind: Type) -> list[AirbyteMessage]:
        return [message for message in self.messages if message.type == kind]

    def records(self, stream: str | None = None) -> list[dict[str, Any]]:
        """The data of the records of `stream` (of every stream if None)."""
        return [
            message.record.data
            for message in self.of_type(Type.RECORD)
            if message.record is not None and (stream is None or message.record.stream == stream)
        ]

    def records_per_stream(self) -> Counter[str]:
        return Counter(message.record.stream for message in self.of_type(Type.RECORD) if message.record)

    def state_messages(self) -> list[AirbyteStateMessage]:
        found = []
        for message in self.of_type(Type.STATE):
            assert message.state is not None, f"a STATE message without its state: {message}"
            found.append(message.state)
        return found

    def states(self, stream: str) -> list[dict[str, Any]]:
        """The stream states of `stream`, in order."""
        return [state for name, state in self._stream_states() if name == stream]

    def final_state(self) -> list[AirbyteStateMessage]:
        """The last state of every stream, as the platform would pass it to the next sync."""
        builder = StateBuilder()
        for name, state in dict(self._stream_states()).items():
            builder.with_stream_state(name, state)
        return builder.build()

    def _stream_states(self) -> list[tuple[str, dict[str, Any]]]:
        """(stream name, state) of every STATE, in order. Our connectors emit per-stream states only."""
        found = []
        for state in self.state_messages():
            assert state.stream is not None, f"not a per-stream state: {state}"
            blob = state.stream.stream_state
            stream_state = dict(blob.__dict__) if blob is not None else {}
            found.append((state.stream.stream_descriptor.name, stream_state))
        return found

    def errors(self) -> list[AirbyteErrorTraceMessage]:
        return [m.trace.error for m in self.of_type(Type.TRACE) if m.trace and m.trace.error]

    def estimates(self) -> list[AirbyteEstimateTraceMessage]:
        return [m.trace.estimate for m in self.of_type(Type.TRACE) if m.trace and m.trace.estimate]

    def statuses(self, stream: str) -> list[AirbyteStreamStatus]:
        return [
            m.trace.stream_status.status
            for m in self.of_type(Type.TRACE)
            if m.trace and m.trace.stream_status and m.trace.stream_status.stream_descriptor.name == stream
        ]

    def logs(self, level: Level | None = None) -> list[str]:
        """The texts of the LOG messages (of one level if given)."""
        return [
            m.log.message
            for m in self.of_type(Type.LOG)
            if m.log is not None and (level is None or m.log.level == level)
        ]

    @property
    def connection_status(self) -> AirbyteConnectionStatus:
        """The one CONNECTION_STATUS a check prints."""
        (message,) = self.of_type(Type.CONNECTION_STATUS)
        assert message.connectionStatus is not None
        return message.connectionStatus

    @property
    def catalog(self) -> AirbyteCatalog:
        """The one CATALOG a discover prints."""
        (message,) = self.of_type(Type.CATALOG)
        assert message.catalog is not None
        return message.catalog
