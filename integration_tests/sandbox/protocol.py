"""Strict reading of a connector's output: every line must be a valid Airbyte protocol message.

The CDK's own test wrapper turns a line it cannot parse into a LOG message, which would hide
exactly the bugs we want tests to catch, so tests read output through this module instead.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from airbyte_cdk.models import AirbyteMessage, AirbyteMessageSerializer


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
