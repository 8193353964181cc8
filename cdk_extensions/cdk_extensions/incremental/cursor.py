"""WindowCursor: one stream's incremental progress, its windows and its record filter."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from datetime import timedelta
from typing import Any, Generic

from airbyte_cdk.models import FailureType  # type: ignore[attr-defined]  # re-exported via a star import
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.incremental.boundary import HighWaterMark, RecordKey
from cdk_extensions.incremental.state import DeferredState, load_state
from cdk_extensions.incremental.values import CursorValues, TimePoint, values_for
from cdk_extensions.incremental.windows import Align, Window, lookback_start, windows

Record = Mapping[str, Any]


class WindowCursor(Generic[TimePoint]):
    """Reads a stream window by window from its last state and says which records are new.

    Progress is the highest cursor value emitted plus the primary keys emitted at it (see
    `boundary`). With `sorted_by_cursor` (HubSpot search, sorted ascending on the cursor) it moves
    with every record, so a checkpoint in the middle of a window is safe. Without it (GA4
    reports) it moves only when a window has been read completely.

    `start` is the configured start date and its type picks the kind of cursor: a `datetime`
    (aware, UTC) or a `date`. `end` is exclusive, usually "now" from an injectable clock.
    `align` keeps calendar periods whole (see `windows`): a read starts at the beginning of the
    period its lookback start falls in, never before `start`.
    `partition` names what this stream covers in an official declarative connector's
    per-partition state (e.g. `{"property_id": "123"}`), so that such a state resumes it.
    """

    def __init__(
        self,
        *,
        stream_name: str,
        cursor_field: str,
        primary_key: Sequence[str],
        start: TimePoint,
        end: TimePoint,
        step: timedelta,
        sorted_by_cursor: bool,
        lookback: timedelta = timedelta(0),
        align: Align[TimePoint] | None = None,
        partition: Mapping[str, str] | None = None,
    ) -> None:
        if sorted_by_cursor and not primary_key:
            raise ValueError("a cursor that checkpoints within windows needs the records' primary key")
        self.stream_name = stream_name
        self.cursor_field = cursor_field
        self._primary_key = tuple(primary_key)
        self._start: TimePoint = start
        self._end: TimePoint = end
        self._step, self._lookback = step, lookback
        self._sorted_by_cursor = sorted_by_cursor
        self._align: Align[TimePoint] | None = align
        self._partition = partition
        self._values: CursorValues[TimePoint] = values_for(start)
        self._mark: HighWaterMark[TimePoint] = HighWaterMark()
        self._highest_in_window: TimePoint | None = None

    @property
    def state(self) -> MutableMapping[str, Any]:
        """The state to checkpoint now ({} until there is progress), in constant time: the CDK
        asks after every record, and the keys at the cursor are listed only if it is used."""
        return DeferredState(self._mark, self._values)

    def load_state(self, raw: object) -> None:
        """Resume from an incoming state (migrating older shapes); config_error if it is invalid."""
        self._mark = load_state(
            raw,
            stream_name=self.stream_name,
            cursor_field=self.cursor_field,
            values=self._values,
            partition=self._partition,
        )

    def stream_slices(self) -> Iterator[StreamSlice]:
        """The windows still to read, as CDK slices; the start is fixed when this is called."""
        start = lookback_start(self._start, self._mark.value, self._lookback)
        if self._align is not None:
            start = max(self._start, self._align(start))
        return (self._as_slice(window) for window in windows(start, self._end, self._step, self._align))

    def window_of(self, stream_slice: Mapping[str, Any]) -> Window[TimePoint]:
        return Window(self._values.parse(stream_slice["start"]), self._values.parse(stream_slice["end"]))

    def read(
        self, stream_slice: Mapping[str, Any], fetch: Callable[[Window[TimePoint]], Iterable[Record]]
    ) -> Iterator[Record]:
        """The new records of one slice's window, fetched by the connector; then the window is closed."""
        window = self.window_of(stream_slice)
        for record in fetch(window):
            if self.observe(record):
                yield record
        self.complete(window)

    def observe(self, record: Record) -> bool:
        """Account for one record in the current window; False if it was already emitted."""
        value, key = self._cursor_value(record), self._key(record)
        if self._sorted_by_cursor:
            return self._mark.admit(value, key)
        if self._highest_in_window is None or value > self._highest_in_window:
            self._highest_in_window = value
        return not self._mark.already_emitted(value, key)

    def complete(self, window: Window[TimePoint]) -> None:
        """Every record of `window` was read: unsorted progress may now move."""
        if self._highest_in_window is not None:
            self._mark.raise_to(self._highest_in_window)
            self._highest_in_window = None
        if self._mark.value is None:
            # Nothing found yet: record where we began so that even an empty read emits a state.
            self._mark.raise_to(window.start)

    def _as_slice(self, window: Window[TimePoint]) -> StreamSlice:
        bounds = {"start": self._values.format(window.start), "end": self._values.format(window.end)}
        return StreamSlice(partition={}, cursor_slice=bounds)

    def _cursor_value(self, record: Record) -> TimePoint:
        try:
            return self._values.parse(record.get(self.cursor_field))
        except ValueError as error:
            raise self._bad_record(f"its '{self.cursor_field}' is not usable: {error}") from error

    def _key(self, record: Record) -> RecordKey:
        missing = [field for field in self._primary_key if record.get(field) is None]
        if missing:
            raise self._bad_record(f"it has no primary key field {missing}")
        return tuple(record[field] for field in self._primary_key)

    def _bad_record(self, problem: str) -> AirbyteTracedException:
        return AirbyteTracedException(
            message=(
                f"Stream '{self.stream_name}' received a record it cannot checkpoint ({problem}). "
                "The API's response format may have changed: report this with the sync logs."
            ),
            internal_message=f"Record of stream '{self.stream_name}' rejected: {problem}",
            failure_type=FailureType.system_error,
        )
