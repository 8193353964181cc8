"""Property history streams: one record per (record, property, change), read 50 records per page
with `propertiesWithHistory`; histories that overflow the URL come from a batch read per page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from airbyte_cdk.models import SyncMode
from hubspot_harness import HubSpotSandbox

from sandbox.hubspot import FakeHubSpot, HubSpotScenario
from source_hubspot.properties import MAX_REQUEST_TARGET

Start = Callable[..., HubSpotSandbox]
FULL = SyncMode.full_refresh
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
