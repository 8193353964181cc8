"""Exactly-once at the cursor boundary.

Reads use an inclusive lower bound (`cursor >= last value`): a strict one would lose records that
share the last timestamp but were not yet read when the sync stopped. Inclusive bounds re-read the
records AT the last value, so we remember their primary keys and skip exactly those.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Generic

from cdk_extensions.incremental.values import CursorPoint

JsonScalar = str | int | float | bool | None
RecordKey = tuple[JsonScalar, ...]  # the values of a record's primary key fields, in order


class HighWaterMark(Generic[CursorPoint]):
    """The highest cursor value emitted so far, and the keys of the records emitted at it."""

    def __init__(self, value: CursorPoint | None = None, keys_at_value: Iterable[RecordKey] = ()) -> None:
        self._value: CursorPoint | None = value
        # An insertion-ordered set that only ever grows: a move of the mark replaces it with a
        # new one. `snapshot` relies on this.
        self._keys_at_value = dict.fromkeys(keys_at_value)

    @property
    def value(self) -> CursorPoint | None:
        return self._value

    @property
    def keys_at_value(self) -> list[RecordKey]:
        return list(self._keys_at_value)

    def snapshot(self) -> MarkSnapshot[CursorPoint]:
        """The mark as it is now, taken in constant time however many keys it holds."""
        return MarkSnapshot(self._value, self._keys_at_value, len(self._keys_at_value))

    def already_emitted(self, value: CursorPoint, key: RecordKey) -> bool:
        return value == self._value and key in self._keys_at_value

    def admit(self, value: CursorPoint, key: RecordKey) -> bool:
        """Record a record's arrival; False if it was already emitted at the mark.

        Records below the mark are kept without moving it: they are re-read on purpose by a
        lookback, and their keys are not remembered.
        """
        if self._value is None or value > self._value:
            self._value, self._keys_at_value = value, {key: None}
            return True
        if value == self._value:
            if key in self._keys_at_value:
                return False
            self._keys_at_value[key] = None
        return True

    def raise_to(self, value: CursorPoint) -> None:
        """Move the mark up to `value` (never down), e.g. to the end of a fully read window."""
        if self._value is None or value > self._value:
            self._value, self._keys_at_value = value, {}


@dataclass(frozen=True)
class MarkSnapshot(Generic[CursorPoint]):
    """A `HighWaterMark` as it was at one moment.

    It shares the mark's set of keys instead of copying it: that set only grows until the mark
    moves (then a new set replaces it), so its first `key_count` keys are the keys at the moment.
    """

    value: CursorPoint | None
    _keys: dict[RecordKey, None]
    _key_count: int

    @property
    def keys_at_value(self) -> list[RecordKey]:
        return list(islice(self._keys, self._key_count))
