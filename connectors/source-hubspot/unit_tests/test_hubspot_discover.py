"""`discover`: a stream per object the credentials may read, custom objects included, with
schemas built from HubSpot's property definitions, and the streams derived from objects (archived
records, property history, associations); streams lacking scopes are left out, saying why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from airbyte_cdk.models import Level, SyncMode
from hubspot_harness import SMALL_ACCOUNT, HubSpotSandbox

from sandbox.hubspot import HubSpotScenario
from sandbox.hubspot.catalog import STANDARD_OBJECTS, all_scopes, custom_object
from source_hubspot.associations import STANDARD_PAIRS
from source_hubspot.schema import SCHEMA_BY_TYPE

Start = Callable[..., HubSpotSandbox]
STANDARD_STREAMS = [object_type.name for object_type in STANDARD_OBJECTS]
OTHER_STREAMS = ["owners", "owners_archived", "deal_pipelines", "ticket_pipelines"]
ARCHIVED_STREAMS = [f"{name}_archived" for name in [*STANDARD_STREAMS, "cars"]]
HISTORY_STREAMS = ["contacts_property_history", "companies_property_history", "deals_property_history"]
ASSOCIATION_STREAMS = [
    *(f"{a}_to_{b}" for a, b in STANDARD_PAIRS),
    "cars_to_contacts",
]  # cars: from its schema


def catalog_streams(sandbox: HubSpotSandbox, config: dict[str, Any] | None = None) -> dict[str, Any]:
    output = sandbox.discover(config or sandbox.private_app_config())
    return {stream.name: stream for stream in output.catalog.streams}


def test_every_object_is_a_stream_with_its_cursor_and_key(hubspot_sandbox: Start) -> None:
    streams = catalog_streams(hubspot_sandbox())

    assert sorted(streams) == sorted(
        [*STANDARD_STREAMS, "cars", *OTHER_STREAMS, *ARCHIVED_STREAMS, *HISTORY_STREAMS, *ASSOCIATION_STREAMS]
    )
    for name in [*STANDARD_STREAMS, "cars"]:
        stream = streams[name]
        assert stream.supported_sync_modes == [SyncMode.full_refresh, SyncMode.incremental]
        assert (stream.source_defined_cursor, stream.default_cursor_field) == (True, ["updatedAt"])
        assert stream.source_defined_primary_key == [["id"]]
    for name in [*OTHER_STREAMS, *ARCHIVED_STREAMS, *ASSOCIATION_STREAMS]:
        assert streams[name].supported_sync_modes == [SyncMode.full_refresh]
    for name in HISTORY_STREAMS:
        stream = streams[name]
        assert stream.supported_sync_modes == [SyncMode.full_refresh, SyncMode.incremental]
        assert (stream.source_defined_cursor, stream.default_cursor_field) == (True, ["timestamp"])
    for name in [*OTHER_STREAMS, *ARCHIVED_STREAMS]:
        assert streams[name].source_defined_primary_key == [["id"]]
    assert streams["deals_property_history"].source_defined_primary_key == [
        ["dealId"],
        ["property"],
        ["timestamp"],
    ]
    assert streams["contacts_to_companies"].source_defined_primary_key == [
        ["from_id"],
        ["to_id"],
        ["category"],
        ["type_id"],
    ]


def test_schemas_follow_the_property_definitions_nested_and_flattened(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(replace(SMALL_ACCOUNT, extra_properties={"deals": 12}))
    streams = catalog_streams(sandbox)

    for name in [*STANDARD_STREAMS, "cars"]:
        fields = streams[name].json_schema["properties"]
        definitions = sandbox.fake.store(name).object_type.properties
        nested = fields["properties"]["properties"]
        assert sorted(nested) == sorted(spec.name for spec in definitions)
        for spec in definitions:
            assert nested[spec.name] == SCHEMA_BY_TYPE[spec.type], (name, spec.name)
            assert fields[f"properties_{spec.name}"] == nested[spec.name]
        assert fields["id"] == {"type": ["null", "string"]}
        assert fields["updatedAt"] == {"type": ["null", "string"], "format": "date-time"}
    deal_fields = streams["deals"].json_schema["properties"]
    assert deal_fields["properties_custom_property_with_a_deliberately_long_internal_name_0001"] == {
        "type": ["null", "number"]
    }


def test_the_type_mapping(hubspot_sandbox: Start) -> None:
    contact = catalog_streams(hubspot_sandbox())["contacts"].json_schema["properties"]
    assert contact["properties_num_notes"] == {"type": ["null", "number"]}
    assert contact["properties_hs_email_optout"] == {"type": ["null", "boolean"]}
    assert contact["properties_date_of_birth"] == {"type": ["null", "string"], "format": "date"}
    assert contact["properties_notes_last_updated"] == {"type": ["null", "string"], "format": "date-time"}
    assert contact["properties_lifecyclestage"] == {"type": ["null", "string"]}  # enumeration
    assert contact["properties_mobilephone"] == {"type": ["null", "string"]}  # phone_number


def test_streams_lacking_scopes_are_left_out_and_the_log_says_why(hubspot_sandbox: Start) -> None:
    every_scope = all_scopes((*STANDARD_OBJECTS, custom_object("cars", 0, SMALL_ACCOUNT.hub_id)))
    lacking = {"crm.schemas.deals.read", "sales-email-read"}
    sandbox = hubspot_sandbox(replace(SMALL_ACCOUNT, scopes=tuple(set(every_scope) - lacking)))

    output = sandbox.discover(sandbox.oauth_config())

    # The schema scope hides what needs the deals' property definitions, not their associations.
    left_out = {"deals", "deals_archived", "deals_property_history", "emails", "emails_archived"}
    left_out |= {f"emails_to_{target}" for target in ("contacts", "companies", "deals", "tickets")}
    every_stream = [*STANDARD_STREAMS, "cars", *OTHER_STREAMS, *ARCHIVED_STREAMS, *HISTORY_STREAMS]
    assert sorted(stream.name for stream in output.catalog.streams) == sorted(
        {*every_stream, *ASSOCIATION_STREAMS} - left_out
    )
    assert output.logs(Level.WARN) == [
        "Left out of the catalog because the app lacks scopes (streams, then the scopes they lack): "
        "deals, deals_archived, deals_property_history (crm.schemas.deals.read); emails, emails_archived, "
        "emails_to_companies, emails_to_contacts, emails_to_deals, emails_to_tickets "
        "(crm.objects.contacts.read, sales-email-read)."
    ]


def test_without_the_custom_schema_scope_custom_objects_are_not_offered(hubspot_sandbox: Start) -> None:
    every_scope = all_scopes((*STANDARD_OBJECTS, custom_object("cars", 0, SMALL_ACCOUNT.hub_id)))
    sandbox = hubspot_sandbox(
        replace(SMALL_ACCOUNT, scopes=tuple(s for s in every_scope if s != "crm.schemas.custom.read"))
    )
    output = sandbox.discover(sandbox.private_app_config())

    assert "cars" not in {stream.name for stream in output.catalog.streams}
    assert output.logs(Level.WARN) == [
        "Custom objects are not offered: the app lacks the scopes to list them (crm.schemas.custom.read)."
    ]


def test_several_custom_objects(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=100, custom_objects=("cars", "boats")))
    streams = catalog_streams(sandbox)
    assert {"cars", "boats"} <= set(streams)
    assert "properties_vin" in streams["boats"].json_schema["properties"]


def test_discover_asks_hubspot_little(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    catalog_streams(sandbox)
    # /schemas; per standard object its properties, a probe of each (properties + records);
    # cars: a records probe; owners and the pipelines: a probe each. Archived owners, archived
    # records, history and association streams make the probes of what they derive from, sent once.
    assert len(sandbox.fake.requests) == 1 + 12 * 3 + 1 + 3
