"""WindowedStream: a CDK Stream whose incremental reads are driven by a WindowCursor.

The CDK's own checkpointing does the rest (see `airbyte_cdk.sources.streams.core.Stream.read`):
a stream with a `cursor_field` and a `state` getter/setter (`CheckpointMixin`) gets an
`IncrementalCheckpointReader`, which emits our `state` after every slice (= window) and, when
the subclass sets `state_checkpoint_interval = N`, after every N records. Set N only when the
cursor is `sorted_by_cursor`; otherwise state only moves between windows.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from airbyte_cdk.models import SyncMode  # type: ignore[attr-defined]  # re-exported via a star import
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.sources.streams.checkpoint import Cursor
from airbyte_cdk.sources.types import StreamSlice

from cdk_extensions.incremental.cursor import Record, WindowCursor
from cdk_extensions.incremental.windows import Window


class WindowedStream(Stream, CheckpointMixin):
    """Subclasses set `window_cursor` in `__init__` and implement `read_window`; that is all."""

    window_cursor: WindowCursor[Any]

    @abstractmethod
    def read_window(self, window: Window[Any]) -> Iterable[Record]:
        """Every record with window.start <= cursor value < window.end, ascending when sorted."""

    @property
    def cursor_field(self) -> str:
        return self.window_cursor.cursor_field

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self.window_cursor.state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self.window_cursor.load_state(value)

    def get_cursor(self) -> Cursor | None:
        # The window cursor owns the state; a CDK Cursor (e.g. HttpStream's resumable full
        # refresh one) would take over checkpointing.
        return None

    def stream_slices(
        self,
        *,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[StreamSlice]:
        return self.window_cursor.stream_slices()

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Record]:
        if stream_slice is None:
            raise ValueError(f"stream '{self.name}' is read by window: it needs a slice")
        return self.window_cursor.read(stream_slice, self.read_window)


class WindowedOrWholeStream(WindowedStream):
    """Incremental by window; a full refresh reads everything in one go through `read_whole`.

    For APIs whose listing is faster and unlimited where their windowed search is paced and
    capped (HubSpot's list endpoints against its search API): a full refresh has no state to
    keep, so it need not pay for windows."""

    @abstractmethod
    def read_whole(self) -> Iterable[Record]:
        """Every record of the stream, in any order."""

    def stream_slices(
        self,
        *,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[StreamSlice]:
        if sync_mode == SyncMode.full_refresh:
            return [StreamSlice(partition={}, cursor_slice={})]
        return self.window_cursor.stream_slices()

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Record]:
        if sync_mode == SyncMode.full_refresh:
            return self.read_whole()
        return super().read_records(sync_mode, cursor_field, stream_slice, stream_state)
