"""Associations: the `<from>_to_<to>` streams (one record per association type, labels included)
and, with `embed_associations`, the official connector's id arrays in object records. Both read
HubSpot's v4 batch endpoint per page of records, never per record."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from airbyte_cdk.models import FailureType, SyncMode
from hubspot_harness import HubSpotSandbox

from sandbox.fake_server import Request, Response
from sandbox.hubspot import FakeHubSpot, HubSpotScenario
from sandbox.hubspot.catalog import STANDARD_OBJECTS, all_scopes, custom_object

Start = Callable[..., HubSpotSandbox]
FULL, INCREMENTAL = SyncMode.full_refresh, SyncMode.incremental
BATCH_READ = "/crm/v4/associations/{}/{}/batch/read"


def expected_rows(fake: FakeHubSpot, from_name: str, to_name: str) -> list[dict[str, Any]]:
    """Every association type between live records, in the order of the source's ids."""
    source, target = fake.store(from_name), fake.store(to_name)
    archived_targets = target.snapshot().archived_at
    return [
        {
            "from_id": str(source.id_of(index)),
            "to_id": str(target.id_of(found.index)),
            "category": kind.category,
            "type_id": kind.type_id,
            "label": kind.label,
        }
        for index in source.snapshot().live_by_id
        for found in fake.associations.targets(from_name, index, to_name)
        if found.index not in archived_targets
        for kind in found.types
    ]


def associated_ids(fake: FakeHubSpot, from_name: str, record_id: str, to_name: str) -> list[int]:
    source, target = fake.store(from_name), fake.store(to_name)
    index = source.index_of(record_id)
    assert index is not None
    archived = target.snapshot().archived_at
    return [
        target.id_of(found.index)
        for found in fake.associations.targets(from_name, index, to_name)
        if found.index not in archived
    ]


def emitted_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    fields = ("from_id", "to_id", "category", "type_id", "label")
    return [{field: record.get(field) for field in fields} for record in records]  # null labels dropped


def batch_reads(sandbox: HubSpotSandbox, from_name: str, to_name: str) -> list[list[dict[str, Any]]]:
    path = BATCH_READ.format(from_name, to_name)
    return [request.json()["inputs"] for request in sandbox.fake.requests if request.path == path]


def test_each_association_type_is_a_record_with_its_label(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=1_000))
    streams = ("contacts_to_companies", "deals_to_contacts", "cars_to_contacts")
    output = sandbox.read(sandbox.private_app_config(), dict.fromkeys(streams, FULL))

    assert output.failure is None
    for name, (from_name, to_name) in zip(
        streams, [("contacts", "companies"), ("deals", "contacts"), ("cars", "contacts")], strict=True
    ):
        assert emitted_rows(output.records(name)) == expected_rows(sandbox.fake, from_name, to_name)
    kinds = {
        (row["category"], row["type_id"], row.get("label")) for row in output.records("contacts_to_companies")
    }
    assert kinds == {
        ("HUBSPOT_DEFINED", 1, "Primary"),
        ("HUBSPOT_DEFINED", 279, None),
        ("USER_DEFINED", 37, "Billing contact"),  # the account's own label, on every fifth contact
    }
    assert {row["category"] for row in output.records("cars_to_contacts")} == {"USER_DEFINED"}


def test_one_batch_read_per_thousand_source_records(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=2_500))
    output = sandbox.read(sandbox.private_app_config(), {"contacts_to_companies": FULL})

    assert output.failure is None
    live = [
        str(sandbox.fake.store("contacts").id_of(i))
        for i in sandbox.fake.store("contacts").snapshot().live_by_id
    ]
    inputs = batch_reads(sandbox, "contacts", "companies")
    assert [len(batch) for batch in inputs] == [1_000, 1_000, len(live) - 2_000]
    assert [item["id"] for batch in inputs for item in batch] == live
    lists = [r for r in sandbox.fake.requests if r.path == "/crm/v3/objects/contacts"]
    assert len(lists) == math.ceil(len(live) / 100)
    assert all(r.query["properties"] == ["hs_object_id"] for r in lists)  # ids only, no property values


def test_embedded_ids_cost_one_request_per_page_and_associated_type(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=1_000))
    config = sandbox.private_app_config(embed_associations=True)
    output = sandbox.read(config, {"contacts": FULL, "deals": FULL})

    assert output.failure is None
    contacts = output.records("contacts")
    for record in contacts:
        assert record["companies"] == associated_ids(sandbox.fake, "contacts", record["id"], "companies")
        assert record["contacts"] == []  # the official connector asks for contacts' contacts too
    for record in output.records("deals"):
        for target in ("companies", "contacts", "line_items"):
            assert record[target] == associated_ids(sandbox.fake, "deals", record["id"], target)
    pages = [r for r in sandbox.fake.requests if r.path == "/crm/v3/objects/contacts"]
    for target in ("companies", "contacts"):
        inputs = batch_reads(sandbox, "contacts", target)
        assert len(inputs) == len(pages) == 10  # one per page of 100 contacts
        assert [item["id"] for batch in inputs for item in batch] == [record["id"] for record in contacts]


def test_embedded_ids_in_incremental_reads_too(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=1_000))
    output = sandbox.read(sandbox.private_app_config(embed_associations=True), {"contacts": INCREMENTAL})

    assert output.failure is None
    records = output.records("contacts")
    assert len(records) == 990
    for record in records:
        assert record["companies"] == associated_ids(sandbox.fake, "contacts", record["id"], "companies")
    assert len(batch_reads(sandbox, "contacts", "companies")) == math.ceil(990 / 200)  # per search page


def test_embedded_ids_are_in_the_schema_only_when_asked_for(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    plain = sandbox.discover(sandbox.private_app_config())
    embedded = sandbox.discover(sandbox.private_app_config(embed_associations=True))

    def fields(output: Any, stream: str) -> dict[str, Any]:
        (found,) = [s for s in output.catalog.streams if s.name == stream]
        return dict(found.json_schema["properties"])

    assert "companies" not in fields(plain, "contacts")
    id_array = {"type": ["null", "array"], "items": {"type": ["null", "integer"]}}
    assert fields(embedded, "contacts")["companies"] == id_array
    assert {
        name for name in fields(embedded, "calls") if name in {"companies", "contacts", "deals", "tickets"}
    } == {
        "companies",
        "contacts",
        "deals",
        "tickets",
    }


def test_records_with_many_associations_are_asked_again_in_batches(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=1_000))  # 10 contacts per company
    page_every(sandbox.fake, 4)
    output = sandbox.read(sandbox.private_app_config(embed_associations=True), {"companies": FULL})

    assert output.failure is None
    for record in output.records("companies"):
        expected = associated_ids(sandbox.fake, "companies", record["id"], "contacts")
        assert len(expected) > 4
        assert record["contacts"] == expected
    inputs = batch_reads(sandbox, "companies", "contacts")
    assert len(inputs) == 3  # the page of 99 companies, then twice the companies with more to read
    assert all("after" not in item for item in inputs[0])
    assert all("after" in item for batch in inputs[1:] for item in batch)
    assert len(inputs[1]) == len(output.records("companies"))


def test_reading_without_the_target_object_scope_fails_naming_it(hubspot_sandbox: Start) -> None:
    every = all_scopes((*STANDARD_OBJECTS, custom_object("cars", 0, 4_242_424)))
    scenario = replace(
        HubSpotScenario(contacts=100), scopes=tuple(s for s in every if s != "crm.objects.companies.read")
    )
    sandbox = hubspot_sandbox(scenario)
    catalog = {stream.name for stream in sandbox.discover(sandbox.private_app_config()).catalog.streams}
    assert "contacts_to_companies" not in catalog and "contacts_to_deals" not in catalog
    assert {"deals_to_contacts", "contacts", "contacts_archived", "contacts_property_history"} <= catalog

    output = sandbox.read(sandbox.private_app_config(), {"contacts_to_companies": FULL})
    assert output.failure is not None
    stream_error = output.errors()[0]
    assert stream_error.failure_type == FailureType.config_error
    assert "lacks the scopes crm.objects.companies.read" in stream_error.message


def page_every(fake: FakeHubSpot, size: int) -> None:
    """Make the fake's v4 batch read page each record's associations `size` at a time, as HubSpot
    does for records with many (the fake itself answers them all at once)."""
    answer_all = fake.associations_batch_read

    def paged(request: Request) -> Response:
        response = answer_all(request)
        body = json.loads(response.body)
        offsets = {item["id"]: int(item.get("after", 0)) for item in request.json()["inputs"]}
        for result in body.get("results", []):
            start = offsets[result["from"]["id"]]
            every = result["to"]
            result["to"] = every[start : start + size]
            if start + size < len(every):
                result["paging"] = {"next": {"after": str(start + size), "link": None}}
        return Response.json(body, status=response.status, headers=response.headers)

    fake.add_route("POST", "/crm/v4/associations/{from_type}/{to_type}/batch/read", paged)
