"""`<object>_archived` streams: exactly the records in HubSpot's recycle bin, typed like the live
ones, with `archived` and `archivedAt`."""

from __future__ import annotations

from collections.abc import Callable

from airbyte_cdk.models import SyncMode
from hubspot_harness import HubSpotSandbox

from sandbox.hubspot import HubSpotScenario
from sandbox.hubspot.timestamps import iso

Start = Callable[..., HubSpotSandbox]
FULL = SyncMode.full_refresh
DELETED_AT_MS = 1_751_000_000_000  # 2025-06-27


def test_archived_records_exactly(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=1_000, extra_properties={"contacts": 300}))
    deals = sandbox.fake.store("deals")
    deleted = [str(deals.id_of(index)) for index in (3, 7, 11)]
    deals.archive(deleted, DELETED_AT_MS)
    streams = ("contacts_archived", "deals_archived", "cars_archived")
    output = sandbox.read(sandbox.private_app_config(), dict.fromkeys(streams, FULL))

    assert output.failure is None
    for name in ("contacts", "deals", "cars"):
        store = sandbox.fake.store(name)
        snapshot = store.snapshot()
        records = output.records(f"{name}_archived")
        assert [record["id"] for record in records] == [str(store.id_of(i)) for i in snapshot.archived_by_id]
        for record in records:
            index = store.index_of(record["id"])
            assert index is not None
            assert record["archived"] is True
            assert record["archivedAt"] == iso(snapshot.archived_at[index])
    assert {record["id"] for record in output.records("deals_archived")} >= set(deleted)
    assert len(output.records("contacts_archived")) == 10  # 1% of the contacts
    contacts = sandbox.fake.store("contacts")
    wide = "custom_property_with_a_deliberately_long_internal_name_0295"  # a number, beyond the URL
    for record in output.records("contacts_archived"):
        value = contacts.value(contacts.snapshot(), contacts.index_of(record["id"]), wide)  # type: ignore[arg-type]
        assert record["properties"][wide] == (None if value is None else int(value))
        assert record.get(f"properties_{wide}") == record["properties"][wide]
    (batch_read,) = [r for r in sandbox.fake.requests if r.path == "/crm/v3/objects/contacts/batch/read"]
    assert batch_read.json()["archived"] is True  # the properties beyond the URL, of archived records


def test_archived_streams_schema_adds_archived_at(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    streams = {
        stream.name: stream for stream in sandbox.discover(sandbox.private_app_config()).catalog.streams
    }
    archived = streams["deals_archived"].json_schema["properties"]
    assert archived == {**streams["deals"].json_schema["properties"], "archivedAt": archived["archivedAt"]}
    assert archived["archivedAt"] == {"type": ["null", "string"], "format": "date-time"}
