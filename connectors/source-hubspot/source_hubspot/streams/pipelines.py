"""`deal_pipelines` and `ticket_pipelines`: the pipelines and their stages, from
/crm/v3/pipelines/{deals|tickets} (one answer, no paging)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from cdk_extensions.full_refresh import FullRefreshStream
from source_hubspot.api import HubSpotApi
from source_hubspot.schema import JSON_SCHEMA_DRAFT_07
from source_hubspot.scopes import Probe

PIPELINE_OBJECTS = {"deal_pipelines": "deals", "ticket_pipelines": "tickets"}

_STRING = {"type": ["null", "string"]}
_DATETIME = {"type": ["null", "string"], "format": "date-time"}
_TIMESTAMPS = {"createdAt": _DATETIME, "updatedAt": _DATETIME, "archived": {"type": ["null", "boolean"]}}
PIPELINE_SCHEMA: Mapping[str, Any] = {
    "$schema": JSON_SCHEMA_DRAFT_07,
    "type": ["null", "object"],
    "additionalProperties": True,
    "properties": {
        "id": _STRING,
        "label": _STRING,
        "displayOrder": {"type": ["null", "integer"]},
        **_TIMESTAMPS,
        "stages": {
            "type": ["null", "array"],
            "items": {
                "type": ["null", "object"],
                "properties": {
                    "id": _STRING,
                    "label": _STRING,
                    "displayOrder": {"type": ["null", "integer"]},
                    # deals: isClosed, probability; tickets: ticketState (all strings)
                    "metadata": {"type": ["null", "object"], "additionalProperties": True},
                    "writePermissions": _STRING,
                    **_TIMESTAMPS,
                },
            },
        },
    },
}


class PipelinesStream(FullRefreshStream):
    """The pipelines of deals or tickets, full refresh."""

    primary_key = "id"

    def __init__(self, api: HubSpotApi, name: str) -> None:
        self._api = api
        self._name = name
        self._path = f"/crm/v3/pipelines/{PIPELINE_OBJECTS[name]}"

    @property
    def name(self) -> str:
        return self._name

    def probes(self) -> Sequence[Probe]:
        return [Probe(self._path)]

    # Cached as the CDK's own, which asks for it with every record; streams live as long as the source.
    @cache  # noqa: B019
    def get_json_schema(self) -> Mapping[str, Any]:
        return PIPELINE_SCHEMA

    def records(self) -> Iterable[Mapping[str, Any]]:
        return list(self._api.get(self._path, stream=self.name).get("results", []))
