"""`owners` and `owners_archived` (as the official connector names them): the users records are
assigned to (`hubspot_owner_id`), from /crm/v3/owners; the archived ones are the deactivated users
that older records may still point at (`archived=true`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any

from cdk_extensions.full_refresh import FullRefreshStream
from source_hubspot.api import HubSpotApi
from source_hubspot.schema import JSON_SCHEMA_DRAFT_07
from source_hubspot.scopes import Probe

OWNERS_PATH = "/crm/v3/owners"
PAGE_SIZE = 500  # the endpoint's maximum

_STRING = {"type": ["null", "string"]}
_INTEGER = {"type": ["null", "integer"]}
_DATETIME = {"type": ["null", "string"], "format": "date-time"}
OWNER_SCHEMA: Mapping[str, Any] = {
    "$schema": JSON_SCHEMA_DRAFT_07,
    "type": ["null", "object"],
    "additionalProperties": True,
    "properties": {
        "id": _STRING,
        "email": _STRING,
        "type": _STRING,
        "firstName": _STRING,
        "lastName": _STRING,
        "userId": _INTEGER,
        "userIdIncludingInactive": _INTEGER,
        "createdAt": _DATETIME,
        "updatedAt": _DATETIME,
        "archived": {"type": ["null", "boolean"]},
        "teams": {
            "type": ["null", "array"],
            "items": {
                "type": ["null", "object"],
                "properties": {"id": _STRING, "name": _STRING, "primary": {"type": ["null", "boolean"]}},
            },
        },
    },
}


class OwnersStream(FullRefreshStream):
    """Every active (or, with `archived`, every archived) owner, full refresh: the endpoint has no
    modification filter."""

    primary_key = "id"

    def __init__(self, api: HubSpotApi, *, archived: bool = False) -> None:
        self._api = api
        self._archived = archived

    @property
    def name(self) -> str:
        return "owners_archived" if self._archived else "owners"

    def probes(self) -> Sequence[Probe]:
        """The same probe for both: archived owners need no other scope."""
        return [Probe(OWNERS_PATH, {"limit": 1})]

    # Cached as the CDK's own, which asks for it with every record; streams live as long as the source.
    @cache  # noqa: B019
    def get_json_schema(self) -> Mapping[str, Any]:
        return OWNER_SCHEMA

    def records(self) -> Iterator[Mapping[str, Any]]:
        params = {"limit": PAGE_SIZE, **({"archived": "true"} if self._archived else {})}
        for page in self._api.pages(OWNERS_PATH, params, stream=self.name):
            yield from page.get("results", [])
