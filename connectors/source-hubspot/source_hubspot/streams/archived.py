"""`<object>_archived` streams (`deals_archived` as the official connector names it): the records
HubSpot keeps in its recycle bin, 90 days after they were deleted.

Full refresh only: the list endpoint with `archived=true` (the search API never returns archived
records, so neither an incremental read nor the per-object filters apply here). Records carry
the object's properties as its own stream emits them, plus `archived` and `archivedAt`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any

from cdk_extensions.full_refresh import FullRefreshStream
from source_hubspot.schema import object_schema
from source_hubspot.scopes import Probe
from source_hubspot.streams.crm_object import CrmObjectStream

_DATETIME = {"type": ["null", "string"], "format": "date-time"}


class ArchivedObjectsStream(FullRefreshStream):
    """The archived records of one CRM object type (see the module docstring)."""

    primary_key = "id"

    def __init__(self, live: CrmObjectStream) -> None:
        self._live = live

    @property
    def name(self) -> str:
        return f"{self._live.name}_archived"

    def probes(self) -> Sequence[Probe]:
        return self._live.probes()

    # Cached as the CDK's own, which asks for it with every record; streams live as long as the source.
    @cache  # noqa: B019
    def get_json_schema(self) -> Mapping[str, Any]:
        schema = object_schema(self._live.definitions())
        schema["properties"]["archivedAt"] = dict(_DATETIME)
        return schema

    def records(self) -> Iterator[Mapping[str, Any]]:
        shape = self._live.record_shaper()
        for page in self._live.record_pages(stream=self.name, archived=True):
            yield from map(shape, page)
