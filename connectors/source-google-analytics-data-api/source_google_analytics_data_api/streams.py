"""The two kinds of stream every report becomes: read by date window, or read whole each sync.

Both are thin: what to request and how rows become records is decided per report type in
`report_streams`, and handed in as functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from datetime import date
from functools import cache
from typing import Any

from airbyte_cdk.sources.streams import Stream

from cdk_extensions.full_refresh import FullRefreshStream
from cdk_extensions.incremental import Window, WindowCursor, WindowedStream
from source_google_analytics_data_api.official_state import as_our_state
from source_google_analytics_data_api.records import Record
from source_google_analytics_data_api.request_parts import ApiRequest

SchemaOf = Callable[[], Mapping[str, Any]]


class ReportStream(Stream):
    """A report of one property as a stream. Its schema is asked of GA4 (the property's metadata)
    once, when first needed."""

    def __init__(self, name: str, property_id: str, primary_key: list[str], schema_of: SchemaOf) -> None:
        self._name = name
        self.property_id = property_id
        self._primary_key = primary_key
        self._schema_of = schema_of

    @property
    def name(self) -> str:
        return self._name

    @property
    def primary_key(self) -> list[str]:
        return self._primary_key

    # Cached as the CDK's own, which asks for it with every record; a stream lives as long as the
    # source, so the cache holding it is no leak.
    @cache  # noqa: B019
    def get_json_schema(self) -> Mapping[str, Any]:
        return self._schema_of()


class FullRefreshReport(ReportStream, FullRefreshStream):
    """Read whole at every sync: realtime, cohort and funnel reports, and reports without a date."""

    def __init__(
        self,
        name: str,
        property_id: str,
        primary_key: list[str],
        schema_of: SchemaOf,
        read: Callable[[], Iterable[Record]],
    ) -> None:
        super().__init__(name, property_id, primary_key, schema_of)
        self._read = read

    def records(self) -> Iterable[Record]:
        return self._read()


class IncrementalReport(ReportStream, WindowedStream):
    """Read window by window from the saved state, re-reading the lookback; checkpointed per window.

    Reports with one row per period give their `batch_request` (the request of a window): the
    source may fetch them together (`batching`).
    """

    def __init__(
        self,
        name: str,
        property_id: str,
        primary_key: list[str],
        schema_of: SchemaOf,
        cursor: WindowCursor[date],
        read_window: Callable[[Window[date]], Iterable[Record]],
        *,
        batch_request: Callable[[Window[date]], ApiRequest] | None = None,
    ) -> None:
        super().__init__(name, property_id, primary_key, schema_of)
        self.window_cursor = cursor
        self._read_window = read_window
        self.batch_request = batch_request

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self.window_cursor.state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        # A state saved by the official connector for a weekly or monthly report resumes it too.
        self.window_cursor.load_state(as_our_state(value, self.window_cursor.cursor_field))

    def read_window(self, window: Window[date]) -> Iterable[Record]:
        return self._read_window(window)

    def planned_windows(self, state: Mapping[str, Any]) -> list[Window[date]]:
        """The windows a sync from `state` will read (and takes `state` on)."""
        self.state = dict(state)
        return [
            self.window_cursor.window_of(stream_slice) for stream_slice in self.window_cursor.stream_slices()
        ]
