"""`CrmObjectStream`: the records of one CRM object type (contacts, deals, a custom object, ...).

- Full refresh reads the list endpoint, 100 records per request, paging by id: HubSpot's
  fastest read, with no result cap. Properties that do not fit in its URL come from a batch
  read per page (see `properties.py`). With user filters, the search API is read instead, since
  only the search filters.
- Incremental reads the search API sorted by the last-modified property, window by window
  (`WindowSearch`), through a `WindowCursor` that checkpoints after every window and every N
  records and skips, on resume, the records read at the saved cursor.
- With `embed_associations`, records also carry the ids of their associated records, as the
  official connector's do (`AssociatedIds`: one batch read per page and associated type).
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.incremental import Window, WindowCursor, WindowedOrWholeStream, windows
from source_hubspot.api import HubSpotApi
from source_hubspot.associations import EMBEDDED_ASSOCIATIONS, STANDARD_OBJECT_TYPE_IDS, AssociatedIds
from source_hubspot.config import HubspotConfig, ObjectSettings
from source_hubspot.filters import FilterableProperty, validate_object_filters
from source_hubspot.properties import HISTORY_PAGE_SIZE, add_batch_read_properties, in_batches, list_pages
from source_hubspot.schema import PropertyDefinition, RecordShaper, object_schema
from source_hubspot.scopes import CUSTOM_OBJECT_SCOPES, REQUIRED_SCOPES, Probe
from source_hubspot.streams.search import CURSOR_FILTER_COUNT, RECORD_ID, WindowSearch

STANDARD_OBJECTS = (
    "contacts",
    "companies",
    "deals",
    "tickets",
    "line_items",
    "products",
    "quotes",
    "calls",
    "emails",
    "meetings",
    "notes",
    "tasks",
)
CURSOR_FIELD = "updatedAt"


@dataclass(frozen=True)
class ReadSettings:
    """How CRM objects are read; the defaults are HubSpot's limits, tests shrink them."""

    list_page_size: int = 100  # the list endpoint's maximum
    search_page_size: int = 200  # the search endpoint's maximum
    # One window per sync by default: the search reader never nears the 10,000 cap whatever the
    # window, and each window costs at least one search (5 per second), so small windows would
    # only add requests; the every-N-records checkpoints make interrupted syncs resumable.
    window: timedelta = timedelta(days=100 * 365)
    checkpoint_interval: int = 1_000


DEFAULT_SETTINGS = ReadSettings()


_TYPE_IDS = {name: type_id for type_id, name in STANDARD_OBJECT_TYPE_IDS.items()}


@dataclass(frozen=True)
class CrmObjectType:
    """A CRM object type as the API addresses it.

    `path` names it in URLs (a custom object's objectTypeId); `aliases` are the names the config's
    per-object settings may use; `type_id` is HubSpot's object type id ("0-1", "2-123"). A custom
    object's property definitions and associated object types come with its schema.
    """

    name: str
    path: str
    aliases: frozenset[str]
    definitions: tuple[PropertyDefinition, ...] | None = None
    type_id: str = ""
    associated_type_ids: tuple[str, ...] = ()

    @classmethod
    def standard(cls, name: str) -> CrmObjectType:
        return cls(name, name, frozenset({name}), type_id=_TYPE_IDS.get(name, ""))

    @classmethod
    def custom(cls, schema: Mapping[str, Any]) -> CrmObjectType:
        """From one entry of /crm/v3/schemas."""
        type_id = str(schema["objectTypeId"])
        names = (schema.get("name"), type_id, schema.get("fullyQualifiedName"))
        associated = (
            str(association["toObjectTypeId"])
            for association in schema.get("associations", [])
            if str(association.get("fromObjectTypeId")) == type_id and association.get("toObjectTypeId")
        )
        return cls(
            name=str(schema["name"]),
            path=type_id,
            aliases=frozenset(str(name) for name in names if name),
            definitions=tuple(PropertyDefinition.from_api(prop) for prop in schema.get("properties", [])),
            type_id=type_id,
            associated_type_ids=tuple(dict.fromkeys(associated)),
        )

    @property
    def last_modified_property(self) -> str:
        """What the search sorts and filters on; contacts keep HubSpot's older name for it."""
        return "lastmodifieddate" if self.name == "contacts" else "hs_lastmodifieddate"


class CrmObjectStream(WindowedOrWholeStream):
    """One CRM object type, in full refresh or incremental (see the module docstring)."""

    primary_key = "id"

    def __init__(
        self,
        api: HubSpotApi,
        object_type: CrmObjectType,
        config: HubspotConfig,
        *,
        now: datetime,
        settings: ReadSettings = DEFAULT_SETTINGS,
    ) -> None:
        self._api = api
        self.object_type = object_type
        self._settings = settings
        self._object_settings = settings_for(object_type, config)
        self._start = config.start_date
        self._now = now
        self._lookback = timedelta(minutes=config.lookback_window_minutes)
        self.window_cursor = self.derived_window_cursor(object_type.name, CURSOR_FIELD, [self.primary_key])
        # Streams read at once may share this object (its archived records, its history): its
        # definitions are fetched, and its shaper built, by the first to ask while the others wait.
        self._metadata_lock = threading.RLock()
        self._definitions = object_type.definitions
        self._shaper: RecordShaper | None = None
        targets = EMBEDDED_ASSOCIATIONS.get(object_type.name, ()) if config.embed_associations else ()
        self._associated_ids = AssociatedIds(api, object_type.path, targets, stream=object_type.name)

    @property
    def name(self) -> str:
        return self.object_type.name

    @property
    def state_checkpoint_interval(self) -> int:
        return self._settings.checkpoint_interval

    # --- metadata ---------------------------------------------------------------------------------

    def probes(self) -> Sequence[Probe]:
        records = self.records_probe()
        if self.object_type.definitions is not None:  # known from the schema: only records to probe
            return [records]
        return [Probe(f"/crm/v3/properties/{self.object_type.path}", scopes=records.scopes), records]

    def records_probe(self) -> Probe:
        """Reading this object's records, without their property definitions."""
        scopes = REQUIRED_SCOPES.get(self.name, CUSTOM_OBJECT_SCOPES)
        return Probe(f"/crm/v3/objects/{self.object_type.path}", {"limit": 1}, scopes=scopes)

    def definitions(self) -> tuple[PropertyDefinition, ...]:
        """The object's property definitions, asked of HubSpot once."""
        with self._metadata_lock:
            if self._definitions is None:
                answer = self._api.get(f"/crm/v3/properties/{self.object_type.path}", stream=self.name)
                self._definitions = tuple(
                    PropertyDefinition.from_api(prop) for prop in answer.get("results", [])
                )
            return self._definitions

    # Cached as the CDK's own, which asks for it with every record; streams live as long as the source.
    @cache  # noqa: B019
    def get_json_schema(self) -> Mapping[str, Any]:
        schema = object_schema(self.definitions())
        schema["properties"].update(self._associated_ids.json_schema())
        return schema

    def selected_properties(self) -> list[str]:
        """The properties to read: the configured ones (plus last-modified and id), or all."""
        known = [definition.name for definition in self.definitions()]
        chosen = self._object_settings.properties
        if not chosen:
            return known
        unknown = [name for name in chosen if name not in set(known)]
        if unknown:
            raise _unknown_properties(self.name, unknown, known)
        return list(dict.fromkeys([*chosen, self.object_type.last_modified_property, RECORD_ID]))

    def validate_settings(self) -> None:
        """Config errors naming what HubSpot would reject: unknown properties, unfit filters."""
        self.selected_properties()
        if self._object_settings.filters:
            validate_object_filters(
                self.name, self._object_settings.filters, self._catalog(), CURSOR_FILTER_COUNT
            )

    # --- reading ----------------------------------------------------------------------------------

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        shape = self.record_shaper()
        return map(shape, super().read_records(sync_mode, cursor_field, stream_slice, stream_state))

    def read_window(self, window: Window[Any]) -> Iterable[Mapping[str, Any]]:
        return self._with_associated_ids(self._search().read(window))

    def derived_window_cursor(
        self, stream_name: str, cursor_field: str, primary_key: Sequence[str]
    ) -> WindowCursor[datetime]:
        """A cursor over this object's period (start date to the start of the sync), windows and
        lookback: this stream's, or one for a stream derived from it, such as its property history."""
        return WindowCursor(
            stream_name=stream_name,
            cursor_field=cursor_field,
            primary_key=primary_key,
            start=self._start,
            end=self._now,
            step=self._settings.window,
            sorted_by_cursor=True,
            lookback=self._lookback,
        )

    def changed_history_pages(self, since: datetime, *, stream: str) -> Iterator[list[dict[str, Any]]]:
        """Pages of the live records last modified at or after `since` (and before the sync began),
        oldest first, each record carrying the histories of the selected properties.

        The search finds them (ids only; the per-object filters do not apply, as for full refresh),
        then one batch read per HISTORY_PAGE_SIZE records reads their histories, the properties in
        its body. A record deleted in between comes without history.
        """
        search = self._search(stream=stream, ids_only=True)
        path, properties = self.object_type.path, self.selected_properties()
        for page in in_batches(search.read(Window(since, self._now)), HISTORY_PAGE_SIZE):
            add_batch_read_properties(
                self._api, path, page, properties, stream=stream, field="propertiesWithHistory"
            )
            yield page

    def record_pages(
        self, *, stream: str, archived: bool = False, history: bool = False
    ) -> Iterator[list[dict[str, Any]]]:
        """The list endpoint's pages of live (or archived) records with every selected property:
        their values, or with `history` their histories. `stream` names the stream served."""
        return list_pages(
            self._api,
            self.object_type.path,
            self.selected_properties(),
            stream=stream,
            page_size=HISTORY_PAGE_SIZE if history else self._settings.list_page_size,
            archived=archived,
            field="propertiesWithHistory" if history else "properties",
        )

    def read_whole(self) -> Iterator[dict[str, Any]]:
        """The list endpoint, unpaced and uncapped; the search (by window) when the user filters."""
        if not self._object_settings.filters:
            for page in self.record_pages(stream=self.name):
                self._associated_ids.add_to(page)
                yield from page
            return
        search = self._search()  # only the search applies the user's filters
        every_window = windows(self._start, self._now, self._settings.window)
        found = (record for window in every_window for record in search.read(window))
        yield from self._with_associated_ids(found)

    def _with_associated_ids(self, records: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        if not self._associated_ids.targets:
            return records
        return self._associated_ids.in_pages(records, self._settings.search_page_size)

    def _search(self, *, stream: str | None = None, ids_only: bool = False) -> WindowSearch:
        """The search of this object's records: with the selected properties and the user's
        filters, or (`ids_only`, for another stream of the object) their ids alone, unfiltered."""
        return WindowSearch(
            self._api,
            stream=stream or self.name,
            object_path=self.object_type.path,
            last_modified=self.object_type.last_modified_property,
            properties=[] if ids_only else self.selected_properties(),
            filter_groups=[] if ids_only else self._object_settings.filters,
            catalog=None if ids_only else self._catalog(),
            page_size=self._settings.search_page_size,
        )

    def _catalog(self) -> dict[str, FilterableProperty]:
        return {d.name: FilterableProperty(d.type, frozenset(d.options)) for d in self.definitions()}

    def record_shaper(self) -> RecordShaper:
        """Turns the records HubSpot sends into those this object's streams emit."""
        with self._metadata_lock:
            if self._shaper is None:
                self._shaper = RecordShaper(self.definitions())
            return self._shaper


def settings_for(object_type: CrmObjectType, config: HubspotConfig) -> ObjectSettings:
    """The per-object settings naming this object by any of its names, or the defaults."""
    return next(
        (settings for settings in config.objects if settings.name in object_type.aliases),
        ObjectSettings(name=object_type.name),
    )


def _unknown_properties(stream: str, unknown: Sequence[str], known: Sequence[str]) -> AirbyteTracedException:
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1)
        hints.append(f"'{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    return AirbyteTracedException(
        message=(
            f"The properties chosen for '{stream}' include some HubSpot does not know: {', '.join(hints)}. "
            "Correct them in the per-object settings."
        ),
        internal_message=f"Unknown properties for {stream}: {list(unknown)}",
        failure_type=FailureType.config_error,
    )
