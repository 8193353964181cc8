"""The search reader that never loses a record: every record of a time window, ascending by its
last-modified time, through HubSpot's CRM search API.

HubSpot's search has two traps. It never pages past its 10,000th result, and paging by offset
(`after`) over a result that changes under it skips records: a record edited mid-read leaves the
window, everything behind it moves up one place, and the next page starts one record too late.
So no page here uses an offset. Each request asks again for the records at or after the last
timestamp read (keyset paging), which narrows the window after every page and keeps every query
far from the 10,000 cap; the records of that boundary timestamp that were already read are
skipped by id. When a whole page shares one timestamp (a bulk update can give 12,000 records the
same `lastmodifieddate`), the reader pages inside that timestamp by `hs_object_id` instead, again
by key, then moves on to the next millisecond.

Bounds are inclusive below, exclusive above, in epoch milliseconds (HubSpot's precision).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from cdk_extensions.incremental import Window
from source_hubspot.api import HubSpotApi
from source_hubspot.config import FilterGroup
from source_hubspot.filters import PropertyCatalog, combine_with_cursor

RECORD_ID = "hs_object_id"
# The conditions a search adds to each filter group: two bounds, or a timestamp and an id bound.
CURSOR_FILTER_COUNT = 2
MAX_PAGE_SIZE = 200  # HubSpot's maximum `limit` for search

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)

Record = dict[str, Any]


class WindowSearch:
    """Reads windows of one object's records (see the module docstring).

    `filter_groups` are the user's filters, ANDed with the window's conditions by `filters.py`;
    `catalog` (the object's property definitions) converts their values by property type.
    """

    def __init__(
        self,
        api: HubSpotApi,
        *,
        stream: str,
        object_path: str,
        last_modified: str,
        properties: Sequence[str],
        filter_groups: Sequence[FilterGroup] = (),
        catalog: PropertyCatalog | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        self._api = api
        self._stream = stream
        self._path = f"/crm/v3/objects/{object_path}/search"
        self._last_modified = last_modified
        self._properties = list(dict.fromkeys([*properties, last_modified, RECORD_ID]))
        self._filter_groups = filter_groups
        self._catalog = catalog
        self._page_size = page_size

    def read(self, window: Window[datetime]) -> Iterator[Record]:
        """Every record with window.start <= last-modified < window.end, each once, ascending."""
        lower, end = epoch_ms(window.start), epoch_ms(window.end)
        read_at_lower: set[str] = set()  # ids already read whose timestamp is `lower`
        while lower < end:
            query_lower = lower
            page = self._page(self._between(lower, end), sort_by=self._last_modified)
            for record in page["results"]:
                modified = self._modified_ms(record)
                if modified > lower:
                    lower, read_at_lower = modified, set()
                elif record["id"] in read_at_lower:
                    continue
                read_at_lower.add(record["id"])
                yield record
            if not _has_more(page):
                return
            if lower == query_lower:  # a full page of one timestamp: page inside it by id
                yield from self._read_timestamp(lower, skip=read_at_lower)
                lower, read_at_lower = lower + 1, set()

    def _read_timestamp(self, moment: int, skip: set[str]) -> Iterator[Record]:
        """Every record last modified at `moment` (epoch ms), by ascending id, but those in `skip`."""
        after_id = 0
        while True:
            page = self._page(self._at(moment, after_id), sort_by=RECORD_ID)
            for record in page["results"]:
                if record["id"] not in skip:
                    yield record
            if not page["results"] or not _has_more(page):
                return
            after_id = int(page["results"][-1]["id"])

    def _between(self, lower: int, end: int) -> list[dict[str, Any]]:
        return [
            {"propertyName": self._last_modified, "operator": "GTE", "value": lower},
            {"propertyName": self._last_modified, "operator": "LT", "value": end},
        ]

    def _at(self, moment: int, after_id: int) -> list[dict[str, Any]]:
        return [
            {"propertyName": self._last_modified, "operator": "EQ", "value": moment},
            {"propertyName": RECORD_ID, "operator": "GT", "value": after_id},
        ]

    def _page(self, cursor_filters: list[dict[str, Any]], *, sort_by: str) -> Any:
        body = {
            "filterGroups": combine_with_cursor(
                self._filter_groups, cursor_filters, properties=self._catalog
            ),
            "sorts": [{"propertyName": sort_by, "direction": "ASCENDING"}],
            "properties": self._properties,
            "limit": self._page_size,
        }
        return self._api.post(self._path, body, stream=self._stream, user_filters=bool(self._filter_groups))

    def _modified_ms(self, record: Mapping[str, Any]) -> int:
        """The record's last-modified time as the search sorts it (its property, else updatedAt)."""
        value = (record.get("properties") or {}).get(self._last_modified) or record.get("updatedAt")
        text = str(value)
        if text.isdigit():
            return int(text)
        moment = datetime.fromisoformat(text)
        return epoch_ms(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def epoch_ms(moment: datetime) -> int:
    """Whole milliseconds since 1970 (rounded down), exactly: no float arithmetic."""
    return (moment - _EPOCH) // _MILLISECOND


def _has_more(page: Mapping[str, Any]) -> bool:
    return bool(((page.get("paging") or {}).get("next") or {}).get("after"))
