"""`<from>_to_<to>` streams (`contacts_to_companies`, `calls_to_deals`, `cars_to_contacts`, ...):
the associations between two object types, with their labels.

One record per association type between two records: a contact that is both the "Primary"
contact and a "Billing contact" of a company gives two records (and HubSpot's unlabeled type a
third), so `WHERE label = 'Billing contact'` needs no JSON. Primary key: from_id, to_id, category,
type_id (user-defined type ids are the account's own numbers, so the category is part of the key).

Full refresh only, not following the source object's windows: HubSpot does not document that
adding or removing an association moves a record's last-modified time, and a removed association
leaves nothing to read, so an incremental read could miss both. A full read costs little: the
source's ids from the list endpoint (100 per request, no properties) and one batch read per 1,000.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import Any

from cdk_extensions.full_refresh import FullRefreshStream
from source_hubspot.api import HubSpotApi
from source_hubspot.associations import MAX_BATCH_INPUTS, read_associations
from source_hubspot.schema import JSON_SCHEMA_DRAFT_07
from source_hubspot.scopes import Probe
from source_hubspot.streams.crm_object import CrmObjectStream

LIST_PAGE_SIZE = 100  # the list endpoint's maximum

_STRING = {"type": ["null", "string"]}
ASSOCIATION_SCHEMA: Mapping[str, Any] = {
    "$schema": JSON_SCHEMA_DRAFT_07,
    "type": ["null", "object"],
    "additionalProperties": True,
    "properties": {
        "from_id": _STRING,
        "to_id": _STRING,
        "category": _STRING,  # HUBSPOT_DEFINED or USER_DEFINED
        "type_id": {"type": ["null", "integer"]},
        "label": _STRING,  # null for unlabeled types
    },
}


class AssociationsStream(FullRefreshStream):
    """The associations from one object type's live records to another's (see the module docstring)."""

    primary_key = ["from_id", "to_id", "category", "type_id"]

    def __init__(self, api: HubSpotApi, source: CrmObjectStream, target: CrmObjectStream) -> None:
        self._api = api
        self._source = source
        self._target = target

    @property
    def name(self) -> str:
        return f"{self._source.name}_to_{self._target.name}"

    def probes(self) -> Sequence[Probe]:
        """Reading associations needs read access to the records of both types, not their schemas."""
        return [self._source.records_probe(), self._target.records_probe()]

    # Cached as the CDK's own, which asks for it with every record; streams live as long as the source.
    @cache  # noqa: B019
    def get_json_schema(self) -> Mapping[str, Any]:
        return ASSOCIATION_SCHEMA

    def records(self) -> Iterator[Mapping[str, Any]]:
        for ids in self._source_ids(MAX_BATCH_INPUTS):
            found = read_associations(
                self._api, self._source.object_type.path, self._target.object_type.path, ids, stream=self.name
            )
            for from_id in ids:
                for linked in found.get(from_id, []):
                    to_id = str(linked["toObjectId"])
                    for kind in linked.get("associationTypes", []):
                        yield {
                            "from_id": from_id,
                            "to_id": to_id,
                            "category": kind.get("category"),
                            "type_id": kind.get("typeId"),
                            "label": kind.get("label") or None,
                        }

    def _source_ids(self, batch_size: int) -> Iterator[list[str]]:
        """The ids of the source object's live records, `batch_size` at a time."""
        path = f"/crm/v3/objects/{self._source.object_type.path}"
        params = {"limit": LIST_PAGE_SIZE, "properties": "hs_object_id"}
        batch: list[str] = []
        for page in self._api.pages(path, params, stream=self.name):
            batch.extend(str(record["id"]) for record in page.get("results", []))
            if len(batch) >= batch_size:
                yield batch[:batch_size]
                batch = batch[batch_size:]
        if batch:
            yield batch


def association_pairs(
    streams: Sequence[CrmObjectStream], standard_pairs: Iterable[tuple[str, str]]
) -> list[tuple[CrmObjectStream, CrmObjectStream]]:
    """The pairs to offer: the standard ones, then each custom object's associations as its
    schema defines them (to standard or custom objects, named by object type id)."""
    by_name = {stream.name: stream for stream in streams}
    by_type_id = {stream.object_type.type_id: stream for stream in streams if stream.object_type.type_id}
    pairs = [(by_name[a], by_name[b]) for a, b in standard_pairs if a in by_name and b in by_name]
    for stream in streams:
        for type_id in stream.object_type.associated_type_ids:
            target = by_type_id.get(type_id)
            if target is not None and target is not stream:
                pairs.append((stream, target))
    return pairs
