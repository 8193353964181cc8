"""Reading every property of wide objects without a URL too long for HubSpot (414).

The list endpoint (`GET /crm/v3/objects/{type}`) takes the properties to return in its query
string, and HubSpot's edge rejects request targets beyond about 16 KB with an HTML 414: an object
with a few hundred custom properties does not fit. Two ways around it:
- chunked list requests, one per slice of the properties, merged per record: N requests per page,
  and the pages of different chunks only line up if no record is created or deleted between them;
- (chosen) the first slice in the list request itself, and ALL the remaining properties in one
  `POST /crm/v3/objects/{type}/batch/read` per page, which names the page's record ids and carries
  the properties in its body, where no URL limit applies. Two requests per page whatever the width,
  and the merge is by record id, so it is exact.
Objects that fit (all standard objects with their default properties) cost one request per page.
Property history (`propertiesWithHistory`) is split the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlencode

from source_hubspot.api import HubSpotApi

# The request target (path and query) a list request may use. HubSpot's edge rejects ~16 KB;
# the margin leaves room for what `url_budget` does not count, such as a long paging cursor.
MAX_REQUEST_TARGET = 12_000
# HubSpot's largest list page and batch read when they return property histories.
HISTORY_PAGE_SIZE = 50
# Each property costs its URL-encoded name plus the encoded comma between names ("%2C").
_SEPARATOR_LENGTH = len(quote(","))

# The two ways to ask for properties, both as a list parameter and as a batch read's body field.
PropertyField = Literal["properties", "propertiesWithHistory"]
T = TypeVar("T")


@dataclass(frozen=True)
class PropertySplit:
    """Which properties a list request names in its URL, and which a batch read adds per page."""

    in_url: tuple[str, ...]
    in_batch_read: tuple[str, ...]

    @classmethod
    def for_list_request(
        cls, names: Sequence[str], fixed_target: str, field: PropertyField = "properties"
    ) -> PropertySplit:
        """Fill the URL up to MAX_REQUEST_TARGET; `fixed_target` is the target without properties."""
        room = MAX_REQUEST_TARGET - len(fixed_target) - len(f"&{field}=")
        taken = 0
        for name in names:
            cost = len(quote(name, safe="")) + (_SEPARATOR_LENGTH if taken else 0)
            if cost > room:
                break
            room -= cost
            taken += 1
        return cls(tuple(names[:taken]), tuple(names[taken:]))


def list_pages(
    api: HubSpotApi,
    object_path: str,
    names: Sequence[str],
    *,
    stream: str,
    page_size: int,
    archived: bool = False,
    field: PropertyField = "properties",
) -> Iterator[list[dict[str, Any]]]:
    """Every page of the list endpoint, each record carrying every property in `names` (its values,
    or with `field="propertiesWithHistory"` their histories), however many there are."""
    path = f"/crm/v3/objects/{object_path}"
    params: dict[str, Any] = {"limit": page_size}
    if archived:
        params["archived"] = "true"
    split = PropertySplit.for_list_request(names, f"{path}?{urlencode(params)}", field)
    params[field] = ",".join(split.in_url)
    for page in api.pages(path, params, stream=stream):
        records: list[dict[str, Any]] = page.get("results", [])
        add_batch_read_properties(
            api, object_path, records, split.in_batch_read, stream=stream, archived=archived, field=field
        )
        yield records


def add_batch_read_properties(
    api: HubSpotApi,
    object_path: str,
    records: Sequence[dict[str, Any]],
    properties: Sequence[str],
    *,
    stream: str,
    archived: bool = False,
    field: PropertyField = "properties",
) -> None:
    """Read `properties` of the page's records in one batch read and merge them in, by record id.

    HubSpot takes at most 100 ids per batch read, and HISTORY_PAGE_SIZE when it reads histories:
    the list pages these records come from are never larger. A record deleted between the two requests
    keeps what the list page gave it.
    """
    if not records or not properties:
        return
    body = {
        "inputs": [{"id": record["id"]} for record in records],
        field: list(properties),
        "archived": archived,
    }
    answer = api.post(f"/crm/v3/objects/{object_path}/batch/read", body, stream=stream)
    found: Mapping[str, Mapping[str, Any]] = {
        str(result["id"]): result.get(field) or {} for result in answer.get("results", [])
    }
    for record in records:
        extra = found.get(str(record["id"]))
        if extra:
            record.setdefault(field, {}).update(extra)


def in_batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last one shorter), e.g. the ids of one batch read."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
