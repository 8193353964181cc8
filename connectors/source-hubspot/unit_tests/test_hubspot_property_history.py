"""Property history streams: one record per (record, property, change), read 50 records per page
with `propertiesWithHistory`; histories that overflow the URL come from a batch read per page.
Incremental reads find the records changed since the state by search, batch-read their histories
and emit exactly the changes made since."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, FailureType, SyncMode, Type
from hubspot_harness import HubSpotSandbox, Output, resume_state

from sandbox.hubspot import FakeHubSpot, HubSpotScenario
from sandbox.hubspot.timestamps import iso
from source_hubspot.properties import MAX_REQUEST_TARGET
from source_hubspot.streams.crm_object import ReadSettings

Start = Callable[..., HubSpotSandbox]
FULL = SyncMode.full_refresh
INCREMENTAL = SyncMode.incremental
HISTORY = "contacts_property_history"
DATA_START = "2015-01-01T00:00:00Z"  # the fake's first record
FIELDS = (
    "property",
    "value",
    "timestamp",
    "sourceType",
    "sourceId",
    "sourceLabel",
    "updatedByUserId",
    "archived",
)


def expected_changes(fake: FakeHubSpot, object_name: str, id_field: str) -> list[dict[str, Any]]:
    """Every version of every property of the live records, as the fake renders their history."""
    store = fake.store(object_name)
    snapshot = store.snapshot()
    names = [spec.name for spec in store.object_type.properties]
    changes = []
    for index in snapshot.live_by_id:
        record = store.render(snapshot, index, [], names)
        for name, versions in record["propertiesWithHistory"].items():  # type: ignore[union-attr]
            for version in versions:
                changes.append({id_field: record["id"], "property": name, "archived": False} | version)
    return changes


def emitted(records: list[dict[str, Any]], id_field: str) -> list[dict[str, Any]]:
    """The records without their null fields (the CDK drops them, the fake never sends them)."""
    return [
        {key: record[key] for key in (id_field, *FIELDS) if record.get(key) is not None} for record in records
    ]


def history_requests(sandbox: HubSpotSandbox, object_name: str) -> tuple[list[Any], list[Any]]:
    requests = sandbox.fake.requests
    lists = [r for r in requests if r.path == f"/crm/v3/objects/{object_name}"]
    batch_reads = [r for r in requests if r.path == f"/crm/v3/objects/{object_name}/batch/read"]
    return lists, batch_reads


def test_every_change_of_every_property_once(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(
        HubSpotScenario(contacts=100, counts={"contacts": 120, "companies": 30, "deals": 40})
    )
    streams = {"contacts_property_history": "contactId", "companies_property_history": "companyId"}
    streams |= {"deals_property_history": "dealId"}
    output = sandbox.read(sandbox.private_app_config(), dict.fromkeys(streams, FULL))

    assert output.failure is None
    for stream, id_field in streams.items():
        object_name = stream.removesuffix("_property_history")
        assert emitted(output.records(stream), id_field) == expected_changes(
            sandbox.fake, object_name, id_field
        )
    sources = {record["sourceType"] for record in output.records("deals_property_history")}
    assert sources == {"CRM_UI", "API", "IMPORT", "INTEGRATION", "CALCULATED"}
    assert any(
        isinstance(record.get("updatedByUserId"), int) for record in output.records("deals_property_history")
    )
    lists, batch_reads = history_requests(sandbox, "contacts")
    assert [r.query["limit"] for r in lists] == [["50"], ["50"], ["50"]]  # 119 live contacts
    assert batch_reads == []  # every contact property fits in the URL


def test_a_wide_object_history_without_414(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(
        HubSpotScenario(contacts=100, counts={"deals": 56}, extra_properties={"deals": 300})
    )
    output = sandbox.read(sandbox.private_app_config(), {"deals_property_history": FULL})

    assert output.failure is None
    changes = expected_changes(sandbox.fake, "deals", "dealId")
    assert emitted(output.records("deals_property_history"), "dealId") == changes
    assert any(change["property"].endswith("_0299") for change in changes)
    lists, batch_reads = history_requests(sandbox, "deals")
    assert len(lists) == len(batch_reads) == 2  # two requests per page of 50, whatever the width
    for request in lists:
        target = f"{request.path}?{urlencode(request.query, doseq=True)}"
        assert len(target) <= MAX_REQUEST_TARGET < sandbox.fake.scenario.max_url_length
    live = len(sandbox.fake.store("deals").snapshot().live_by_id)
    assert [len(r.json()["inputs"]) for r in batch_reads] == [50, live - 50]  # HubSpot's limit with history
    in_url = lists[0].query["propertiesWithHistory"][0].split(",")
    in_body = batch_reads[0].json()["propertiesWithHistory"]
    every_property = [spec.name for spec in sandbox.fake.store("deals").object_type.properties]
    assert sorted(in_url + in_body) == sorted(every_property)


def test_history_follows_the_property_selection(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    config = sandbox.private_app_config(objects=[{"name": "companies", "properties": ["name", "domain"]}])
    output = sandbox.read(config, {"companies_property_history": FULL})

    assert output.failure is None
    properties = {record["property"] for record in output.records("companies_property_history")}
    assert properties == {"name", "domain", "hs_lastmodifieddate", "hs_object_id"}


def read_history(
    sandbox: HubSpotSandbox, state: dict[str, Any] | None = None, settings: ReadSettings | None = None
) -> Output:
    config = sandbox.private_app_config(start_date=DATA_START)
    return sandbox.read(
        config, {HISTORY: INCREMENTAL}, resume_state(HISTORY, state) if state is not None else None, settings
    )


def key(change: dict[str, Any]) -> tuple[str, str, str]:
    return change["contactId"], change["property"], change["timestamp"]


def test_incremental_reads_every_change_then_exactly_the_new_ones(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=120))
    first = read_history(sandbox)

    assert first.failure is None
    every_change = expected_changes(sandbox.fake, "contacts", "contactId")
    assert sorted(map(key, emitted(first.records(HISTORY), "contactId"))) == sorted(map(key, every_change))
    assert len(first.records(HISTORY)) == len(every_change)
    searches_, batch_reads = history_searches(sandbox), history_requests(sandbox, "contacts")[1]
    assert searches_ and [len(r.json()["inputs"]) for r in batch_reads] == [50, 50, 19]  # 119 live contacts
    assert all(
        len(r.json()["propertiesWithHistory"]) == 23 for r in batch_reads
    )  # every property, in the body
    state = first.states(HISTORY)[-1]
    newest = max(change["timestamp"] for change in every_change)
    assert datetime.fromisoformat(state["cursor"]) == datetime.fromisoformat(newest)
    assert state["keys_at_cursor"]  # the changes at the cursor, which the next sync skips

    edited = [str(sandbox.fake.store("contacts").id_of(index)) for index in (3, 40, 77)]
    at_ms = sandbox.fake.touch("contacts", edited)
    second = read_history(sandbox, state)

    now_changes = expected_changes(sandbox.fake, "contacts", "contactId")
    new_changes = [change for change in now_changes if change["timestamp"] == iso(at_ms)]
    assert {change["contactId"] for change in new_changes} == set(edited)
    assert sorted(map(key, emitted(second.records(HISTORY), "contactId"))) == sorted(map(key, new_changes))
    assert second.statuses(HISTORY)[-1] == AirbyteStreamStatus.COMPLETE

    requests_before = len(sandbox.fake.requests)
    third = read_history(sandbox, second.states(HISTORY)[-1])
    assert third.records(HISTORY) == []
    # Not for want of looking: the records changed at the cursor were read, their changes skipped.
    later = sandbox.fake.requests[requests_before:]
    batch_inputs = [r.json()["inputs"] for r in later if r.path.endswith("/contacts/batch/read")]
    assert sorted(item["id"] for inputs in batch_inputs for item in inputs) == sorted(edited)
    assert third.states(HISTORY)[-1] == second.states(HISTORY)[-1]


def test_windows_checkpoint_and_resume_from_any_of_them(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=120))
    yearly = ReadSettings(window=timedelta(days=365))
    output = read_history(sandbox, settings=yearly)

    changes = output.records(HISTORY)
    assert sorted(map(key, changes)) == sorted(
        map(key, expected_changes(sandbox.fake, "contacts", "contactId"))
    )
    assert len(set(map(key, changes))) == len(changes)
    states = output.states(HISTORY)
    assert len(states) >= 10  # one per year since 2015
    emitted_before: list[int] = []  # changes emitted before each state
    count = 0
    for message in output.messages:
        if message.type == Type.RECORD:
            count += 1
        elif message.type == Type.STATE:
            emitted_before.append(count)
    for position in (1, len(states) // 2, len(states) - 2):
        resumed = read_history(sandbox, states[position], settings=yearly).records(HISTORY)
        before = changes[: emitted_before[position]]
        assert sorted(map(key, before + resumed)) == sorted(map(key, changes)), position


@pytest.mark.parametrize("state", [{"version": 2, "cursor": "yesterday"}, {"what": "ever"}])
def test_a_malformed_history_state_is_a_config_error_naming_the_stream(
    hubspot_sandbox: Start, state: dict[str, Any]
) -> None:
    sandbox = hubspot_sandbox()
    output = read_history(sandbox, state)

    (error,) = [error for error in output.errors() if error.stream_descriptor is not None]
    assert error.failure_type == FailureType.config_error
    assert error.message.startswith(f"The saved state of stream '{HISTORY}' is invalid")
    assert history_searches(sandbox) == []


def history_searches(sandbox: HubSpotSandbox) -> list[Any]:
    return [r for r in sandbox.fake.requests if r.path == "/crm/v3/objects/contacts/search"]
