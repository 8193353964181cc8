"""`contacts_property_history`, `companies_property_history`, `deals_property_history`: every
value each property of each record has had, one record per (record, property, change).

Each change gives `<object>Id` (`contactId`, `companyId`, `dealId`, as the official connector
names them), `property`, `value` (as HubSpot stores it: text), `timestamp`, `sourceType`,
`sourceId`, `sourceLabel`, `updatedByUserId`, and the record's `archived` flag. Primary key:
the id, property and timestamp.

- Full refresh reads the list endpoint with `propertiesWithHistory`, 50 records per page
  (HubSpot's limit for history); the histories that do not fit in its URL come from one batch
  read per page, whose body carries them (see `properties.py`).
- Incremental (cursor: the change's `timestamp`) reads, for each window [start, end) of change
  times, the records last modified since the window's start (a change is never newer than its
  record's last modification) through the search API, their histories by batch reads of 50,
  and keeps the changes inside the window. Changes do not come in time order, so the state
  is checkpointed only when a window is complete: then every change before the window's end has
  been emitted, and the state holds the newest change time read and the keys of the changes at
  it. The next read starts at that time (inclusive) and skips those changes, wherever they come
  in the window. Each window searches every record changed since its start, so the object's
  windows (one per sync by default) are not made finer for history.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from cdk_extensions.incremental import Window, WindowedOrWholeStream
from source_hubspot.schema import JSON_SCHEMA_DRAFT_07
from source_hubspot.scopes import Probe
from source_hubspot.streams.crm_object import CrmObjectStream

RECORD_ID_FIELDS: Mapping[str, str] = {"contacts": "contactId", "companies": "companyId", "deals": "dealId"}
CURSOR_FIELD = "timestamp"

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


class PropertyHistoryStream(WindowedOrWholeStream):
    """The property history of one object's live records (see the module docstring).

    No `state_checkpoint_interval`: a state in the middle of a window could claim changes not yet
    read, since they do not arrive in time order; the CDK then checkpoints after each window only.
    """

    def __init__(self, records: CrmObjectStream) -> None:
        self._records = records
        self._id_field = RECORD_ID_FIELDS[records.name]
        self.window_cursor = records.derived_window_cursor(self.name, CURSOR_FIELD, self.primary_key)
        self._emitted_at_start: tuple[datetime, set[tuple[Any, ...]]] | None = None

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self.window_cursor.state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        """Also remember the changes the saved state says were emitted at its cursor.

        The window cursor skips them only until a newer change moves its mark, which for
        changes out of time order may come first: they are skipped here, all window long.
        """
        self.window_cursor.load_state(value)
        saved = self.window_cursor.state
        if saved:
            keys = {tuple(key) for key in saved["keys_at_cursor"]}
            self._emitted_at_start = datetime.fromisoformat(saved["cursor"]), keys

    @property
    def name(self) -> str:
        return f"{self._records.name}_property_history"

    @property
    def primary_key(self) -> list[str]:
        return [self._id_field, "property", "timestamp"]

    def probes(self) -> Sequence[Probe]:
        return self._records.probes()

    # Cached as the CDK's own, which asks for it with every record; streams live as long as the source.
    @cache  # noqa: B019
    def get_json_schema(self) -> Mapping[str, Any]:
        return history_schema(self._id_field)

    def read_whole(self) -> Iterator[dict[str, Any]]:
        return self._changes(self._records.record_pages(stream=self.name, history=True))

    def read_window(self, window: Window[Any]) -> Iterator[Mapping[str, Any]]:
        pages = self._records.changed_history_pages(window.start, stream=self.name)
        cursor, emitted = self._emitted_at_start or (None, set())
        for change in self._changes(pages):
            moment = datetime.fromisoformat(change[CURSOR_FIELD])
            if not window.start <= moment < window.end:
                continue
            if moment == cursor and tuple(change[field] for field in self.primary_key) in emitted:
                continue
            yield change

    def _changes(self, pages: Iterable[list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
        for page in pages:
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
