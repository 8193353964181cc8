"""`contacts_property_history`, `companies_property_history`, `deals_property_history`: every
value each property of each record has had, one record per (record, property, change).

Read from the list endpoint with `propertiesWithHistory`, 50 records per page (HubSpot's limit
for history). The histories that do not fit in its URL come from one batch read per page, whose
body carries them (50 ids per request, HubSpot's limit for history too): see `properties.py`.
Each change gives `<object>Id` (`contactId`, `companyId`, `dealId`, as the official connector
names them), `property`, `value` (as HubSpot stores it: text), `timestamp`, `sourceType`,
`sourceId`, `sourceLabel`, `updatedByUserId`, and the record's `archived` flag. Primary key:
the id, property and timestamp.

Full refresh only: the list endpoint cannot filter by modification time. An incremental read
would first find the records changed since the last sync through the search API (5 requests per
second), then batch-read their histories; not done yet.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from cdk_extensions.full_refresh import FullRefreshStream
from source_hubspot.schema import JSON_SCHEMA_DRAFT_07
from source_hubspot.scopes import Probe
from source_hubspot.streams.crm_object import CrmObjectStream

RECORD_ID_FIELDS: Mapping[str, str] = {"contacts": "contactId", "companies": "companyId", "deals": "dealId"}

_STRING = {"type": ["null", "string"]}


def history_schema(id_field: str) -> dict[str, Any]:
    return {
        "$schema": JSON_SCHEMA_DRAFT_07,
        "type": ["null", "object"],
        "additionalProperties": True,
        "properties": {
            id_field: _STRING,
            "property": _STRING,
            "value": _STRING,
            "timestamp": {"type": ["null", "string"], "format": "date-time"},
            "sourceType": _STRING,
            "sourceId": _STRING,
            "sourceLabel": _STRING,
            "updatedByUserId": {"type": ["null", "integer"]},
            "archived": {"type": ["null", "boolean"]},
        },
    }


class PropertyHistoryStream(FullRefreshStream):
    """The property history of one object's live records (see the module docstring)."""

    def __init__(self, records: CrmObjectStream) -> None:
        self._records = records
        self._id_field = RECORD_ID_FIELDS[records.name]

    @property
    def name(self) -> str:
        return f"{self._records.name}_property_history"

    @property
    def primary_key(self) -> list[str]:
        return [self._id_field, "property", "timestamp"]

    def probes(self) -> Sequence[Probe]:
        return self._records.probes()

    def get_json_schema(self) -> Mapping[str, Any]:
        return history_schema(self._id_field)

    def records(self) -> Iterator[Mapping[str, Any]]:
        for page in self._records.record_pages(stream=self.name, history=True):
            for record in page:
                record_id, archived = str(record["id"]), record.get("archived")
                for name, versions in (record.get("propertiesWithHistory") or {}).items():
                    for version in versions:
                        yield {
                            self._id_field: record_id,
                            "property": name,
                            "value": version.get("value"),
                            "timestamp": version.get("timestamp"),
                            "sourceType": version.get("sourceType"),
                            "sourceId": version.get("sourceId"),
                            "sourceLabel": version.get("sourceLabel"),
                            "updatedByUserId": version.get("updatedByUserId"),
                            "archived": archived,
                        }
