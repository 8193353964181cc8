"""`<object>_web_analytics` streams (`contacts_web_analytics`, `engagements_calls_web_analytics`,
...): the web analytics events linked to an object's records (page views, form submissions,
custom events), from HubSpot's Events API (`GET /events/v3/events`, Enterprise accounts).

Experimental, as in the official connector: offered only with `enable_experimental_streams`,
under its stream names and record shape (`id`, `objectType`, `objectId`, `eventType`,
`occurredAt`, and the event's properties flattened as `properties_<name>` only).

The official connector asks for each record's events, one request (or more) per record. HubSpot
documents `objectId` as optional: given `objectType` alone, the endpoint lists the events of
every record of the type, so here each window costs one request per page of 100 events,
whatever the number of records. Incremental on `occurredAt`, in the object's windows: events
are asked `sort=ASCENDING`, so the state may be checkpointed every N events as well as after
each window. The time filters' bounds are not documented as inclusive or exclusive, so the
request's bounds are widened by a millisecond and the window's [start, end) applied here.
Reading events needs read access to the object's records: the probes are the object's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from cdk_extensions.incremental import Window, WindowedStream
from source_hubspot.api import HubSpotApi
from source_hubspot.schema import JSON_SCHEMA_DRAFT_07
from source_hubspot.scopes import Probe
from source_hubspot.streams.crm_object import CrmObjectStream

EVENTS_PATH = "/events/v3/events"
PAGE_SIZE = 100  # HubSpot documents no maximum; the CRM lists' one
CURSOR_FIELD = "occurredAt"
# The objects the official connector offers web analytics for, and its stream name prefixes.
WEB_ANALYTICS_PREFIXES: Mapping[str, str] = {
    "contacts": "contacts",
    "companies": "companies",
    "deals": "deals",
    "tickets": "tickets",
    "calls": "engagements_calls",
    "emails": "engagements_emails",
    "meetings": "engagements_meetings",
    "notes": "engagements_notes",
    "tasks": "engagements_tasks",
    "line_items": "line_items",
    "products": "products",
}
# HubSpot's default event properties; custom events add their own (kept: additionalProperties).
EVENT_PROPERTIES = (
    "hs_asset_description",
    "hs_asset_type",
    "hs_browser",
    "hs_campaign_id",
    "hs_city",
    "hs_country",
    "hs_device_name",
    "hs_device_type",
    "hs_element_class",
    "hs_element_id",
    "hs_element_text",
    "hs_language",
    "hs_link_href",
    "hs_operating_system",
    "hs_operating_version",
    "hs_page_content_type",
    "hs_page_id",
    "hs_page_title",
    "hs_page_url",
    "hs_parent_module_id",
    "hs_referrer",
    "hs_region",
    "hs_screen_height",
    "hs_screen_width",
    "hs_session_id",
    "hs_session_source",
    "hs_touchpoint_source",
    "hs_tracking_name",
    "hs_url",
    "hs_user_agent",
    "hs_utm_campaign",
    "hs_utm_content",
    "hs_utm_medium",
    "hs_utm_source",
    "hs_utm_term",
)

_STRING = {"type": ["null", "string"]}
EVENT_SCHEMA: Mapping[str, Any] = {
    "$schema": JSON_SCHEMA_DRAFT_07,
    "type": ["null", "object"],
    "additionalProperties": True,
    "properties": {
        "id": _STRING,
        "objectType": _STRING,
        "objectId": _STRING,
        "eventType": _STRING,
        "occurredAt": {"type": ["null", "string"], "format": "date-time"},
        **{f"properties_{name}": _STRING for name in EVENT_PROPERTIES},
    },
}
_MILLISECOND = timedelta(milliseconds=1)


class WebAnalyticsStream(WindowedStream):
    """The web analytics events of one object type's records (see the module docstring)."""

    primary_key = "id"

    def __init__(self, api: HubSpotApi, records: CrmObjectStream) -> None:
        self._api = api
        self._records = records
        self.window_cursor = records.derived_window_cursor(self.name, CURSOR_FIELD, [self.primary_key])

    @property
    def name(self) -> str:
        return f"{WEB_ANALYTICS_PREFIXES[self._records.name]}_web_analytics"

    @property
    def state_checkpoint_interval(self) -> int | None:
        return self._records.state_checkpoint_interval

    def probes(self) -> Sequence[Probe]:
        records = self._records.records_probe()
        events = Probe(EVENTS_PATH, {"objectType": self._object_type, "limit": 1}, scopes=records.scopes)
        return [records, events]

    # Cached as the CDK's own, which asks for it with every record; streams live as long as the source.
    @cache  # noqa: B019
    def get_json_schema(self) -> Mapping[str, Any]:
        return EVENT_SCHEMA

    def read_window(self, window: Window[Any]) -> Iterator[Mapping[str, Any]]:
        params = {
            "objectType": self._object_type,
            "occurredAfter": _iso(window.start - _MILLISECOND),
            "occurredBefore": _iso(window.end),
            "sort": "ASCENDING",
            "limit": PAGE_SIZE,
        }
        for page in self._api.pages(EVENTS_PATH, params, stream=self.name):
            for event in page.get("results", []):
                if window.start <= datetime.fromisoformat(event[CURSOR_FIELD]) < window.end:
                    yield _flattened(event)

    @property
    def _object_type(self) -> str:
        return self._records.object_type.type_id


def _flattened(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event with its properties as `properties_<name>` fields, as the official connector emits it."""
    record = {key: value for key, value in event.items() if key != "properties"}
    record.update((f"properties_{name}", value) for name, value in (event.get("properties") or {}).items())
    return record


def _iso(moment: datetime) -> str:
    """`2024-01-17T19:55:04.281Z`: milliseconds, HubSpot's precision."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
