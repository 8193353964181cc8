"""Full refresh: CRM objects through the list endpoint (100 per request, properties that overflow
the URL added by one batch read per page), owners and pipelines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from airbyte_cdk.models import AirbyteStreamStatus, SyncMode
from hubspot_harness import HubSpotSandbox

from sandbox.hubspot import HubSpotScenario
from sandbox.hubspot.account import PIPELINES
from source_hubspot.properties import MAX_REQUEST_TARGET

Start = Callable[..., HubSpotSandbox]
FULL = SyncMode.full_refresh


def live_ids(sandbox: HubSpotSandbox, object_name: str) -> list[str]:
    store = sandbox.fake.store(object_name)
    return [str(store.id_of(index)) for index in store.snapshot().live_by_id]


def requests_to(sandbox: HubSpotSandbox, path: str) -> list[Any]:
    return [request for request in sandbox.fake.requests if request.path == path]


def test_every_live_contact_once_typed_nested_and_flattened(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=1_000))
    output = sandbox.read(sandbox.private_app_config(), {"contacts": FULL})

    assert output.failure is None
    assert output.record_ids("contacts") == live_ids(sandbox, "contacts")  # 990: 1% is archived
    assert output.statuses("contacts")[-1] == AirbyteStreamStatus.COMPLETE
    store = sandbox.fake.store("contacts")
    snapshot = store.snapshot()
    for record in output.records("contacts"):
        index = store.index_of(record["id"])
        assert index is not None
        properties = record["properties"]
        assert len(properties) == len(store.object_type.properties)  # every property was asked for
        assert properties["email"] == store.value(snapshot, index, "email")
        num_notes = store.value(snapshot, index, "num_notes")
        assert properties["num_notes"] == (int(num_notes) if num_notes is not None else None)
        optout = store.value(snapshot, index, "hs_email_optout")
        assert properties["hs_email_optout"] == (None if optout is None else optout == "true")
        for name, value in properties.items():
            assert record.get(f"properties_{name}") == value  # the CDK drops top-level nulls
        assert record["updatedAt"] == properties["lastmodifieddate"]
        assert record["archived"] is False
    # One list request per 100 records, plus the account's time zone, its custom objects and the
    # property definitions of contacts.
    assert len(requests_to(sandbox, "/crm/v3/objects/contacts")) == 10
    assert len(sandbox.fake.requests) == 10 + 3


def test_an_800_property_object_never_gets_a_414_and_every_property_is_merged(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=250, extra_properties={"contacts": 800}))
    output = sandbox.read(sandbox.private_app_config(), {"contacts": FULL})

    assert output.failure is None
    assert output.record_ids("contacts") == live_ids(sandbox, "contacts")
    store = sandbox.fake.store("contacts")
    snapshot = store.snapshot()
    wide = "custom_property_with_a_deliberately_long_internal_name_0798"  # a string property
    for record in output.records("contacts"):
        assert len(record["properties"]) == 800 + 23
        assert record["properties"][wide] == store.value(snapshot, store.index_of(record["id"]), wide)
    assert any(record["properties"][wide] is not None for record in output.records("contacts"))
    lists = requests_to(sandbox, "/crm/v3/objects/contacts")
    batch_reads = requests_to(sandbox, "/crm/v3/objects/contacts/batch/read")
    assert len(lists) == len(batch_reads) == 3  # two requests per page of 100, whatever the width
    for request in lists:
        target = f"{request.path}?{urlencode(request.query, doseq=True)}"
        assert len(target) <= MAX_REQUEST_TARGET < sandbox.fake.scenario.max_url_length
    in_url = lists[0].query["properties"][0].split(",")
    in_body = batch_reads[0].json()["properties"]
    assert sorted(in_url + in_body) == sorted(spec.name for spec in store.object_type.properties)


def test_selected_properties_only_plus_the_cursor_and_id(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    config = sandbox.private_app_config(objects=[{"name": "deals", "properties": ["dealname", "amount"]}])
    output = sandbox.read(config, {"deals": FULL})

    (request,) = requests_to(sandbox, "/crm/v3/objects/deals")
    assert request.query["properties"] == ["dealname,amount,hs_lastmodifieddate,hs_object_id"]
    asked = {"dealname", "amount", "hs_lastmodifieddate", "hs_object_id"}
    for record in output.records("deals"):
        assert set(record["properties"]) == {*asked, "createdate"}  # HubSpot adds createdate
        assert record["properties"]["amount"] is None or isinstance(record["properties"]["amount"], float)
        assert record.get("properties_amount") == record["properties"]["amount"]
    assert any(isinstance(record.get("properties_amount"), float) for record in output.records("deals"))


def test_full_refresh_with_filters_reads_the_matching_records_by_search(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=600))
    customer = {"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"}
    config = sandbox.private_app_config(
        start_date="2015-01-01T00:00:00Z",
        objects=[{"name": "contacts", "properties": ["email"], "filters": [{"filters": [customer]}]}],
    )
    output = sandbox.read(config, {"contacts": FULL})

    store = sandbox.fake.store("contacts")
    snapshot = store.snapshot()
    expected = [
        str(store.id_of(index))
        for index in snapshot.live_by_id
        if store.value(snapshot, index, "lifecyclestage") == "customer"
    ]
    assert sorted(output.record_ids("contacts")) == sorted(expected) and expected
    assert not requests_to(sandbox, "/crm/v3/objects/contacts")


def test_owners_are_paged_and_archived_ones_left_out(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=100, owners=1_200))
    output = sandbox.read(sandbox.private_app_config(), {"owners": FULL})

    owners = output.records("owners")
    assert [owner["id"] for owner in owners] == [o.id for o in sandbox.fake.owners if not o.archived]
    assert owners[0]["email"] == sandbox.fake.owners[0].email
    assert len(requests_to(sandbox, "/crm/v3/owners")) == 3  # 500 per page


def test_archived_owners_are_their_own_stream(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    output = sandbox.read(sandbox.private_app_config(), {"owners_archived": FULL})

    assert output.failure is None
    archived = [owner for owner in sandbox.fake.owners if owner.archived]
    assert [owner["id"] for owner in output.records("owners_archived")] == [owner.id for owner in archived]
    assert archived and all(owner["archived"] for owner in output.records("owners_archived"))
    assert [request.query.get("archived") for request in requests_to(sandbox, "/crm/v3/owners")] == [["true"]]


def test_deal_and_ticket_pipelines_with_their_stages(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    output = sandbox.read(sandbox.private_app_config(), {"deal_pipelines": FULL, "ticket_pipelines": FULL})

    for stream, object_name in (("deal_pipelines", "deals"), ("ticket_pipelines", "tickets")):
        pipelines = output.records(stream)
        assert [p["id"] for p in pipelines] == [p.id for p in PIPELINES[object_name]]
        assert [len(p["stages"]) for p in pipelines] == [len(p.stages) for p in PIPELINES[object_name]]
    assert output.records("deal_pipelines")[0]["stages"][0]["metadata"]["probability"] == "0.2"


def test_every_object_type_reads_in_one_sync(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    names = [*(store.object_type.name for store in sandbox.fake.stores.values()), "owners"]
    output = sandbox.read(sandbox.private_app_config(), dict.fromkeys(names, FULL))

    assert output.failure is None
    for name in names[:-1]:
        assert output.record_ids(name) == live_ids(sandbox, name), name
        assert output.statuses(name) == [
            AirbyteStreamStatus.STARTED, AirbyteStreamStatus.RUNNING, AirbyteStreamStatus.COMPLETE
        ]  # fmt: skip
