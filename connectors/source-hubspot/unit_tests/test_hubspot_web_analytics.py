"""Web analytics streams (`enable_experimental_streams`): the Events API's events of each object
type, one request per page of events (not per record), incremental on `occurredAt`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, FailureType, SyncMode
from hubspot_harness import SMALL_ACCOUNT, HubSpotSandbox, Output, resume_state

from sandbox.hubspot import HubSpotScenario
from sandbox.hubspot.catalog import STANDARD_OBJECTS, all_scopes, custom_object
from sandbox.hubspot.server import DATA_END_MS

Start = Callable[..., HubSpotSandbox]
INCREMENTAL = SyncMode.incremental
STREAM = "contacts_web_analytics"
EVENTS_PATH = "/events/v3/events"
WEB_ANALYTICS_STREAMS = [
    "contacts_web_analytics",
    "companies_web_analytics",
    "deals_web_analytics",
    "tickets_web_analytics",
    "engagements_calls_web_analytics",
    "engagements_emails_web_analytics",
    "engagements_meetings_web_analytics",
    "engagements_notes_web_analytics",
    "engagements_tasks_web_analytics",
    "line_items_web_analytics",
    "products_web_analytics",
]


def experimental(sandbox: HubSpotSandbox, **options: Any) -> dict[str, Any]:
    return sandbox.private_app_config(enable_experimental_streams=True, **options)


def expected_events(sandbox: HubSpotSandbox, object_name: str = "contacts") -> list[dict[str, Any]]:
    """Every event of the type, as the official connector emits them: properties flattened only."""
    log = sandbox.fake.events(object_name)
    name = log.store.object_type.singular.upper()
    events = [
        event.as_json(name)
        for event in log.query(object_id=None, after_ms=None, before_ms=None, ascending=True)
    ]
    return [
        {key: value for key, value in event.items() if key != "properties"}
        | {f"properties_{prop}": value for prop, value in event["properties"].items()}
        for event in events
    ]


def event_requests(sandbox: HubSpotSandbox) -> list[Any]:
    return [request for request in sandbox.fake.requests if request.path == EVENTS_PATH]


def read_events(sandbox: HubSpotSandbox, state: dict[str, Any] | None = None) -> Output:
    return sandbox.read(
        experimental(sandbox),
        {STREAM: INCREMENTAL},
        resume_state(STREAM, state) if state is not None else None,
    )


def test_offered_only_with_the_experimental_flag(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    plain = {stream.name for stream in sandbox.discover(sandbox.private_app_config()).catalog.streams}
    flagged = {stream.name: stream for stream in sandbox.discover(experimental(sandbox)).catalog.streams}

    assert not any(name.endswith("_web_analytics") for name in plain)
    assert sorted(name for name in flagged if name.endswith("_web_analytics")) == sorted(
        WEB_ANALYTICS_STREAMS
    )
    assert set(flagged) - set(WEB_ANALYTICS_STREAMS) == plain
    stream = flagged[STREAM]
    assert stream.supported_sync_modes == [SyncMode.full_refresh, SyncMode.incremental]
    assert (stream.default_cursor_field, stream.source_defined_primary_key) == (["occurredAt"], [["id"]])
    assert "properties_hs_url" in stream.json_schema["properties"]


def test_streams_lacking_scopes_are_left_out(hubspot_sandbox: Start) -> None:
    every_scope = all_scopes((*STANDARD_OBJECTS, custom_object("cars", 0, SMALL_ACCOUNT.hub_id)))
    sandbox = hubspot_sandbox(replace(SMALL_ACCOUNT, scopes=tuple(s for s in every_scope if s != "tickets")))
    names = {stream.name for stream in sandbox.discover(experimental(sandbox)).catalog.streams}

    assert "tickets_web_analytics" not in names
    assert "contacts_web_analytics" in names


def test_every_event_in_one_request_per_page_then_only_new_ones(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=1_000))
    first = read_events(sandbox)

    assert first.failure is None
    expected = expected_events(sandbox)
    assert len(expected) > 300 and first.records(STREAM) == expected  # ascending, complete, official shape
    requests = event_requests(sandbox)
    assert len(requests) == -(-len(expected) // 100)  # pages of 100 events, not one request per contact
    assert all("objectId" not in request.query for request in requests)
    assert {request.query["objectType"][0] for request in requests} == {"0-1"}
    assert {request.query["sort"][0] for request in requests} == {"ASCENDING"}
    state = first.states(STREAM)[-1]

    contacts = sandbox.fake.store("contacts")
    new = sandbox.fake.events("contacts").record([contacts.id_of(5), contacts.id_of(6)], DATA_END_MS + 60_000)
    second = read_events(sandbox, state)
    assert [record["id"] for record in second.records(STREAM)] == [event.id for event in new]
    assert second.statuses(STREAM)[-1] == AirbyteStreamStatus.COMPLETE

    third = read_events(sandbox, second.states(STREAM)[-1])
    assert third.records(STREAM) == []


def test_a_malformed_state_is_a_config_error_naming_the_stream(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    output = read_events(sandbox, {"version": 2, "cursor": "last tuesday"})

    (error,) = [error for error in output.errors() if error.stream_descriptor is not None]
    assert error.failure_type == FailureType.config_error
    assert error.message.startswith(f"The saved state of stream '{STREAM}' is invalid")
    assert event_requests(sandbox) == []


@pytest.mark.parametrize("stream", ["engagements_calls_web_analytics", "line_items_web_analytics"])
def test_engagements_and_line_items_read_their_own_events(hubspot_sandbox: Start, stream: str) -> None:
    sandbox = hubspot_sandbox()
    object_name = {"engagements_calls_web_analytics": "calls", "line_items_web_analytics": "line_items"}[
        stream
    ]
    output = sandbox.read(experimental(sandbox), {stream: SyncMode.full_refresh})

    assert output.failure is None
    expected = expected_events(sandbox, object_name)
    assert expected and output.records(stream) == expected
