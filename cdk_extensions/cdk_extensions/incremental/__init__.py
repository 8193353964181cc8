"""Incremental reads by time window, with exact resumption and CDK checkpointing.

- `windows`: half-open [start, end) windows, lookback, splitting a window in half
- `values`: parsing every spelling of a cursor value (ISO, epoch ms, YYYYMMDD)
- `boundary`: the high-water mark that makes an inclusive lower bound exactly-once
- `state`: the emitted state, its validation and migration from older shapes
- `cursor`: `WindowCursor`, tying these together for one stream
- `stream`: `WindowedStream`, the CDK Stream base that uses a `WindowCursor`, and
  `WindowedOrWholeStream`, whose full refresh reads everything in one go
"""

from cdk_extensions.incremental.cursor import WindowCursor
from cdk_extensions.incremental.state import CursorState
from cdk_extensions.incremental.stream import WindowedOrWholeStream, WindowedStream
from cdk_extensions.incremental.windows import Window, lookback_start, windows

__all__ = [
    "CursorState",
    "Window",
    "WindowCursor",
    "WindowedOrWholeStream",
    "WindowedStream",
    "lookback_start",
    "windows",
]
