"""The fake HubSpot's web analytics events: seeded per object type, filtered by record and by
time (strict bounds), ordered as asked, paged by an opaque cursor, guarded by the object's scopes."""

from __future__ import annotations

from typing import Any

import pytest
from fake_hubspot_client import HubSpotApi

from sandbox.hubspot import FakeHubSpot, HubSpotScenario
from sandbox.hubspot.timestamps import iso

EVENTS_PATH = "/events/v3/events"


@pytest.fixture
def fake(fake_hubspot: Any) -> FakeHubSpot:
    server: FakeHubSpot = fake_hubspot(HubSpotScenario(contacts=400))
    return server


def every_page(api: HubSpotApi, **params: Any) -> list[dict[str, Any]]:
    events, after = [], None
    while True:
        page = api.get(EVENTS_PATH, **params, **({"after": after} if after else {})).json()
        events += page["results"]
        after = (page.get("paging") or {}).get("next", {}).get("after")
        if not after:
            return events


def test_events_are_seeded_deterministically_and_paged(fake: FakeHubSpot, fake_hubspot: Any) -> None:
    api = HubSpotApi(fake)
    ascending = every_page(api, objectType="contacts", sort="ASCENDING", limit=100)

    assert len(ascending) > 100
    assert [event["occurredAt"] for event in ascending] == sorted(event["occurredAt"] for event in ascending)
    assert len({event["id"] for event in ascending}) == len(ascending)
    first = ascending[0]
    assert first["objectType"] == "CONTACT" and set(first) == {
        "objectType", "objectId", "eventType", "occurredAt", "id", "properties"
    }  # fmt: skip
    assert every_page(api, objectType="0-1", limit=100) == ascending[::-1]  # newest first unless asked
    again = HubSpotApi(fake_hubspot(HubSpotScenario(contacts=400)))
    assert every_page(again, objectType="contact", sort="ASCENDING", limit=100) == ascending
    assert len(api.get(EVENTS_PATH, objectType="contacts", limit=500).json()["results"]) == 100  # capped


def test_filters_by_record_and_strictly_by_time(fake: FakeHubSpot) -> None:
    api = HubSpotApi(fake)
    events = every_page(api, objectType="contacts", sort="ASCENDING", limit=100)
    middle = events[len(events) // 2]

    of_one = every_page(api, objectType="contacts", objectId=middle["objectId"], limit=100)
    assert of_one and {event["objectId"] for event in of_one} == {middle["objectId"]}
    after = every_page(api, objectType="contacts", occurredAfter=middle["occurredAt"], sort="ASCENDING")
    assert all(event["occurredAt"] > middle["occurredAt"] for event in after)
    assert middle["id"] not in {event["id"] for event in after}
    moment = fake.events("contacts").record([middle["objectId"]], 1_800_000_000_000)[0].occurred_ms
    before = every_page(api, objectType="contacts", occurredBefore=str(moment), occurredAfter=moment - 1)
    assert before == []
    (added,) = every_page(api, objectType="contacts", occurredAfter=iso(moment - 1))
    assert added["occurredAt"] == iso(moment)


def test_objectid_needs_an_object_type_and_scopes_apply(fake_hubspot: Any) -> None:
    fake = fake_hubspot(HubSpotScenario(contacts=100, scopes=("crm.objects.companies.read",)))
    api = HubSpotApi(fake)
    assert api.get(EVENTS_PATH, objectId="1001").status_code == 400
    assert api.get(EVENTS_PATH, objectType="companies").status_code == 200
    assert api.get(EVENTS_PATH, objectType="contacts").json()["category"] == "MISSING_SCOPES"
