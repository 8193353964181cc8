"""FullRefreshStream: the base of the streams that are read whole on every sync."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any

from airbyte_cdk.models import SyncMode  # type: ignore[attr-defined]  # re-exported via a star import
from airbyte_cdk.sources.streams import Stream


class FullRefreshStream(Stream, ABC):
    """Subclasses say what their records are in `records()`: the arguments the CDK passes to
    `read_records` (sync mode, slice, state) mean nothing to a stream that is read whole."""

    @abstractmethod
    def records(self) -> Iterable[Mapping[str, Any]]:
        """Every record of the stream, in the order the API returns them."""

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        return self.records()
