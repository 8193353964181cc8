"""Associations between CRM records, read through HubSpot's v4 associations API.

`POST /crm/v4/associations/{from}/{to}/batch/read` answers, for up to 1,000 record ids at once,
which records of another type each one is associated with, and how: every association type of
the pair (HubSpot-defined ones such as "Primary", and the account's own labels). Reading it per
page of records, never per record, keeps associations cheap. A record with very many associated
records gets a `paging.next.after` cursor of its own; those records are asked again, batched too.

Two shapes use it: the `<from>_to_<to>` streams (one record per association type, with its label)
and, when the config asks for it, the id arrays the official connector adds to object records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from source_hubspot.api import HubSpotApi

# HubSpot's documented maximum of ids per batch read of associations (since 2025-02-10).
MAX_BATCH_INPUTS = 1_000

ENGAGEMENTS = ("calls", "emails", "meetings", "notes", "tasks")
ENGAGED = ("contacts", "companies", "deals", "tickets")  # what engagements are logged on

# The pairs offered as `<from>_to_<to>` streams, one direction each (from the record that
# usually belongs to the other: a contact to its companies, a line item to its deal).
STANDARD_PAIRS: tuple[tuple[str, str], ...] = (
    ("contacts", "companies"),
    ("deals", "contacts"),
    ("deals", "companies"),
    ("tickets", "contacts"),
    ("tickets", "companies"),
    ("tickets", "deals"),
    ("line_items", "deals"),
    ("quotes", "deals"),
    *((engagement, target) for engagement in ENGAGEMENTS for target in ENGAGED),
)

# The id arrays the official connector adds to each object's records (its `associations` lists).
EMBEDDED_ASSOCIATIONS: Mapping[str, tuple[str, ...]] = {
    "contacts": ("contacts", "companies"),
    "companies": ("contacts",),
    "deals": ("companies", "contacts", "line_items"),
    "tickets": ("companies", "contacts", "deals"),
    **{engagement: ("companies", "contacts", "deals", "tickets") for engagement in ENGAGEMENTS},
}

# HubSpot's object type ids of the standard objects (custom objects' schemas name their
# associations by these).
STANDARD_OBJECT_TYPE_IDS: Mapping[str, str] = {
    "0-1": "contacts",
    "0-2": "companies",
    "0-3": "deals",
    "0-5": "tickets",
    "0-7": "products",
    "0-8": "line_items",
    "0-14": "quotes",
    "0-27": "tasks",
    "0-46": "notes",
    "0-47": "meetings",
    "0-48": "calls",
    "0-49": "emails",
}

AssociatedRecord = Mapping[str, Any]  # {"toObjectId": ..., "associationTypes": [...]}


def read_associations(
    api: HubSpotApi, from_path: str, to_path: str, ids: Sequence[str], *, stream: str
) -> dict[str, list[AssociatedRecord]]:
    """Record id -> the records of type `to_path` it is associated with, every page of them.

    Ids without associations are absent: HubSpot lists them as per-id errors of a 207 answer
    (NO_ASSOCIATIONS_FOUND), which are no failure here, and neither is a record deleted since
    its id was read.
    """
    found: dict[str, list[AssociatedRecord]] = {}
    pending: list[dict[str, str]] = [{"id": str(record_id)} for record_id in ids]
    path = f"/crm/v4/associations/{from_path}/{to_path}/batch/read"
    while pending:
        inputs, pending = pending[:MAX_BATCH_INPUTS], pending[MAX_BATCH_INPUTS:]
        answer = api.post(path, {"inputs": inputs}, stream=stream)
        for result in answer.get("results", []):
            from_id = str(result["from"]["id"])
            found.setdefault(from_id, []).extend(result.get("to", []))
            after = ((result.get("paging") or {}).get("next") or {}).get("after")
            if after:
                pending.append({"id": from_id, "after": str(after)})
    return found


class AssociatedIds:
    """Adds to records of one object the ids of their associated records, one array per target
    type (`companies: [1234, ...]` on a contact), as the official connector's records carry them.

    Each page of records costs one batch read per target type.
    """

    def __init__(self, api: HubSpotApi, from_path: str, targets: Sequence[str], *, stream: str) -> None:
        self._api = api
        self._from_path = from_path
        self.targets = tuple(targets)
        self._stream = stream

    def json_schema(self) -> dict[str, Any]:
        """The fields added, for the object's schema (ids are integers, as HubSpot sends them)."""
        id_array = {"type": ["null", "array"], "items": {"type": ["null", "integer"]}}
        return {target: dict(id_array) for target in self.targets}

    def add_to(self, records: Sequence[dict[str, Any]]) -> None:
        """Set each target's id array on every record ([] when there is none)."""
        ids = [str(record["id"]) for record in records]
        for target in self.targets if records else ():
            associated = read_associations(self._api, self._from_path, target, ids, stream=self._stream)
            for record in records:
                linked = associated.get(str(record["id"]), [])
                record[target] = list(dict.fromkeys(int(link["toObjectId"]) for link in linked))

    def in_pages(self, records: Iterable[dict[str, Any]], page_size: int) -> Iterator[dict[str, Any]]:
        """`records` with their ids added, `page_size` records per batch read."""
        page: list[dict[str, Any]] = []
        for record in records:
            page.append(record)
            if len(page) == page_size:
                self.add_to(page)
                yield from page
                page = []
        self.add_to(page)
        yield from page
