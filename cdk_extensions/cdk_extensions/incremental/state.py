"""The per-stream state we emit, and how incoming states are validated and migrated.

Our shape: `{"version": 2, "cursor": "2024-05-01T10:00:00Z", "keys_at_cursor": [["101"], ["102"]]}`
-- every record before `cursor` was emitted, and so were the records AT `cursor` with those primary
keys. Where the user picks the cursor column (databases), the state also names it
(`"cursor_field": "updated_at"`), so a state saved for another column is refused, not misread.

Older shapes are migrated on read, so users switching from the official connectors keep their
progress (the records at the cursor value are then read again, their keys being unknown):
- version 1, the official Python connectors' plain `{"<cursor_field>": <value>}`, whose value
  may be an ISO datetime, a date-only string, GA4's YYYYMMDD or epoch milliseconds;
- the official Java (JDBC-based) sources' `{"cursor_field": ["<column>"], "cursor": "<value>", ...}`;
- the official declarative (low-code) connectors' per-partition state,
  `{"states": [{"partition": {...}, "cursor": {"<cursor_field>": <value>}}], "state": {...},
  "use_global_cursor": false, ...}`, read for the one partition the stream covers (see `load_state`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any, Literal

from airbyte_cdk.models import FailureType  # type: ignore[attr-defined]  # re-exported via a star import
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import BaseModel, ConfigDict, ValidationError

from cdk_extensions.incremental.boundary import HighWaterMark, JsonScalar, MarkSnapshot
from cdk_extensions.incremental.values import CursorPoint, CursorValues

STATE_VERSION = 2


class _PartitionCursor(BaseModel):
    model_config = ConfigDict(strict=True)

    partition: dict[str, Any]
    cursor: dict[str, Any]


class _PerPartitionState(BaseModel):
    """A declarative connector's state; its lookback and parent streams' states are not ours to use."""

    model_config = ConfigDict(strict=True)

    states: list[_PartitionCursor] = []
    state: dict[str, Any] | None = None  # the global cursor
    use_global_cursor: bool = False


_PER_PARTITION_KEYS = frozenset(_PerPartitionState.model_fields)


class CursorState(BaseModel):
    """Version 2 of a stream's state (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    version: Literal[2]
    cursor: str
    keys_at_cursor: list[list[JsonScalar]] = []
    cursor_field: str | None = None


def dump_state(
    mark: HighWaterMark[CursorPoint] | MarkSnapshot[CursorPoint],
    values: CursorValues[CursorPoint],
    cursor_field: str | None = None,
) -> dict[str, Any]:
    """The state to emit; {} before any progress. It lists every key at the mark: give the CDK a
    `DeferredState` instead where it asks after every record.
    Give `cursor_field` when the user chose it (it is then recorded and checked on resume)."""
    if mark.value is None:
        return {}
    state: dict[str, Any] = {
        "version": STATE_VERSION,
        "cursor": values.format(mark.value),
        "keys_at_cursor": [list(key) for key in mark.keys_at_value],
    }
    return {**state, "cursor_field": cursor_field} if cursor_field is not None else state


class DeferredState(MutableMapping[str, Any]):
    """The dict `dump_state` returns for the mark as it is now, built only if it is used.

    The CDK reads a stream's `state` after every record but uses it only to checkpoint (every N
    records and after each slice). Dumped at each read, a state holding the k keys read at one
    cursor value (a bulk update) would cost k per record, quadratic over the read. This takes the
    mark's snapshot (constant time) and dumps it on first use; from then on it is that dict.
    """

    def __init__(
        self,
        mark: HighWaterMark[CursorPoint],
        values: CursorValues[CursorPoint],
        cursor_field: str | None = None,
    ) -> None:
        self._snapshot: MarkSnapshot[Any] = mark.snapshot()
        self._values: CursorValues[Any] = values
        self._cursor_field = cursor_field
        self._dumped: dict[str, Any] | None = None

    def _state(self) -> dict[str, Any]:
        if self._dumped is None:
            self._dumped = dump_state(self._snapshot, self._values, self._cursor_field)
        return self._dumped

    def __bool__(self) -> bool:
        # The CDK tests every state it reads: answered without dumping it.
        return bool(self._dumped) if self._dumped is not None else self._snapshot.value is not None

    def __getitem__(self, key: str) -> Any:
        return self._state()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._state()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._state()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._state())

    def __len__(self) -> int:
        return len(self._state())

    def __repr__(self) -> str:
        return repr(self._state())


def load_state(
    raw: object,
    *,
    stream_name: str,
    cursor_field: str,
    values: CursorValues[CursorPoint],
    partition: Mapping[str, str] | None = None,
) -> HighWaterMark[CursorPoint]:
    """The progress recorded in an incoming state, or a config_error naming what is wrong.

    `partition` is what this stream covers in a declarative connector's per-partition state
    (e.g. `{"property_id": "123"}`): see `_from_per_partition_state`.

    A cursor in the future is accepted: it is legitimate after clock skew, and the read then
    simply finds nothing newer.
    """
    if not raw:
        return HighWaterMark()
    try:
        if not isinstance(raw, Mapping):
            raise ValueError(f"expected a JSON object, got {type(raw).__name__}")
        if isinstance(raw.get("cursor_field"), list):  # an official Java source's state
            return _from_jdbc_state(raw, cursor_field, values)
        if "version" in raw:
            state = CursorState.model_validate(dict(raw))  # strict: a dict, not any Mapping
            _check_cursor_field(state.cursor_field, cursor_field)
            return HighWaterMark(values.parse(state.cursor), [tuple(key) for key in state.keys_at_cursor])
        if cursor_field in raw:
            return HighWaterMark(values.parse(raw[cursor_field]))
        if _PER_PARTITION_KEYS & raw.keys():
            return _from_per_partition_state(raw, partition, cursor_field, values)
        raise ValueError(f"expected a 'version' {STATE_VERSION} state or a '{cursor_field}' value")
    except ValidationError as error:
        problem = "; ".join(f"{_location(detail['loc'])}: {detail['msg']}" for detail in error.errors())
        raise _invalid_state(stream_name, raw, problem) from error
    except ValueError as error:
        raise _invalid_state(stream_name, raw, str(error)) from error


def _from_jdbc_state(
    raw: Mapping[str, Any], cursor_field: str, values: CursorValues[CursorPoint]
) -> HighWaterMark[CursorPoint]:
    saved_for = raw["cursor_field"]
    _check_cursor_field(".".join(str(part) for part in saved_for) or None, cursor_field)
    cursor = raw.get("cursor")
    return HighWaterMark() if cursor in (None, "") else HighWaterMark(values.parse(cursor))


def _from_per_partition_state(
    raw: Mapping[str, Any],
    partition: Mapping[str, str] | None,
    cursor_field: str,
    values: CursorValues[CursorPoint],
) -> HighWaterMark[CursorPoint]:
    """Resume from the earliest cursor among the saved partitions that may be this stream's (those
    whose partition agrees with `partition` on every key both name): no data is skipped when
    several match. As in the declarative CDK, the global cursor serves when the state says to use
    it, or when no partition of ours was saved."""
    state = _PerPartitionState.model_validate(dict(raw))
    cursors = (
        []
        if state.use_global_cursor
        else [saved.cursor for saved in state.states if _may_be(saved.partition, partition)]
    )
    if not cursors and state.state:
        cursors = [state.state]
    points = [values.parse(_value_in(cursor, cursor_field)) for cursor in cursors]
    return HighWaterMark(min(points)) if points else HighWaterMark()


def _may_be(saved: Mapping[str, Any], ours: Mapping[str, str] | None) -> bool:
    return ours is None or all(str(saved[key]) == value for key, value in ours.items() if key in saved)


def _value_in(cursor: Mapping[str, Any], cursor_field: str) -> Any:
    if cursor_field not in cursor:
        raise ValueError(f"the saved cursor {cursor!r} has no '{cursor_field}' value")
    return cursor[cursor_field]


def _check_cursor_field(saved_for: str | None, cursor_field: str) -> None:
    if saved_for is not None and saved_for != cursor_field:
        raise ValueError(
            f"it was saved for cursor '{saved_for}', but the stream's cursor is now '{cursor_field}'"
        )


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "state"


def _invalid_state(stream_name: str, raw: object, problem: str) -> AirbyteTracedException:
    return AirbyteTracedException(
        message=(
            f"The saved state of stream '{stream_name}' is invalid ({problem}). "
            "Clear or reset this stream's data in the connection to sync it again from the start date."
        ),
        internal_message=f"Invalid state for stream '{stream_name}': {problem}. State: {raw!r}",
        failure_type=FailureType.config_error,
    )
