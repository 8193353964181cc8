"""Incremental reads through the search API: no record lost or repeated, whatever the data does.

The hard case is HubSpot's: 10,000 results at most per query, and thousands of records sharing
one `lastmodifieddate` after a bulk update. Reads must survive both, checkpoint per window and
every N records, and resume from ANY emitted state to the same set of records.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, FailureType, SyncMode, Type
from hubspot_harness import HubSpotSandbox, Output, resume_state

from sandbox.fake_server import Request, Response
from sandbox.hubspot import HubSpotScenario
from source_hubspot.streams.crm_object import ReadSettings

Start = Callable[..., HubSpotSandbox]
INCREMENTAL = SyncMode.incremental
SEARCH_PATH = "/crm/v3/objects/contacts/search"
EMAIL_ONLY = [{"name": "contacts", "properties": ["email"]}]  # keeps the fake quick to render
DATA_START = "2015-01-01T00:00:00Z"  # the fake's first record


def epoch_ms(cursor: str) -> int:
    return round(datetime.fromisoformat(cursor).timestamp() * 1000)


def live_ids(sandbox: HubSpotSandbox) -> list[str]:
    store = sandbox.fake.store("contacts")
    return sorted(str(store.id_of(index)) for index in store.snapshot().live_by_id)


def searches(sandbox: HubSpotSandbox) -> list[dict[str, Any]]:
    return [request.json() for request in sandbox.fake.requests if request.path == SEARCH_PATH]


def read_contacts(sandbox: HubSpotSandbox, state: dict[str, Any] | None = None, **settings: Any) -> Output:
    config = sandbox.private_app_config(start_date=DATA_START, objects=EMAIL_ONLY)
    return sandbox.read(
        config,
        {"contacts": INCREMENTAL},
        resume_state("contacts", state) if state is not None else None,
        ReadSettings(**settings) if settings else None,
    )


def test_25000_contacts_12000_sharing_one_timestamp_arrive_exactly_once(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=25_000, shared_timestamp_contacts=12_000))
    output = read_contacts(sandbox)

    ids = output.record_ids("contacts")
    assert len(ids) == len(set(ids)) == len(live_ids(sandbox))
    assert sorted(ids) == live_ids(sandbox)
    bulk_update = sandbox.fake.store("contacts").bulk_update_ms
    bodies = searches(sandbox)
    assert all("after" not in body for body in bodies), "no page is read by offset"
    inside_the_bulk_update = [
        body
        for body in bodies
        if {"propertyName": "lastmodifieddate", "operator": "EQ", "value": str(bulk_update)}
        in body["filterGroups"][0]["filters"]
    ]
    assert len(inside_the_bulk_update) >= 12_000 // 200  # paged by hs_object_id inside the timestamp
    assert output.statuses("contacts")[-1] == AirbyteStreamStatus.COMPLETE
    assert output.retries() == []  # paced at 5 searches per second, HubSpot never refused one
    # States within the bulk update remember the ids read at its timestamp ...
    inside = [state for state in output.states("contacts") if epoch_ms(state["cursor"]) == bulk_update]
    assert max(len(state["keys_at_cursor"]) for state in inside) >= 11_000
    # ... so that resuming from one, at full scale too, reads exactly the rest.
    for state in (inside[0], inside[len(inside) // 2], inside[-1]):
        read_before = ids[: ids.index(state["keys_at_cursor"][-1][0]) + 1]
        resumed = read_contacts(sandbox, state).record_ids("contacts")
        assert sorted(read_before + resumed) == live_ids(sandbox)
        assert len(read_before) + len(resumed) == len(ids)


def test_resuming_from_every_emitted_state_reaches_the_same_set(hubspot_sandbox: Start) -> None:
    """The same shapes, scaled down: 2,000 contacts, 900 sharing a timestamp, pages of 50."""
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=2_000, shared_timestamp_contacts=900))
    small = {"search_page_size": 50, "checkpoint_interval": 150, "window": timedelta(days=200)}
    first = read_contacts(sandbox, **small)
    every_id = live_ids(sandbox)
    assert sorted(first.record_ids("contacts")) == every_id

    states_seen = 0
    read_before_state: list[str] = []
    for message in first.messages:
        if message.type == Type.RECORD and message.record is not None:
            read_before_state.append(message.record.data["id"])
        if message.type != Type.STATE or message.state is None or message.state.stream is None:
            continue
        states_seen += 1
        state = dict(message.state.stream.stream_state.__dict__)
        resumed = read_contacts(sandbox, state, **small).record_ids("contacts")
        combined = read_before_state + resumed
        assert sorted(combined) == every_id, f"resuming from state {states_seen}: {state['cursor']}"
        assert len(combined) == len(set(combined)), f"duplicates resuming from state {states_seen}"
    assert states_seen >= 2_000 // 150


def test_the_final_state_reads_nothing_and_stays_where_it_is(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=500, shared_timestamp_contacts=50))
    final_state = read_contacts(sandbox).states("contacts")[-1]

    again = read_contacts(sandbox, final_state)

    assert again.record_ids("contacts") == []
    assert again.states("contacts")[-1] == final_state


def test_the_next_sync_reads_exactly_the_records_changed_since(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=500))
    final_state = read_contacts(sandbox).states("contacts")[-1]
    changed = live_ids(sandbox)[10:15]
    sandbox.fake.touch("contacts", changed)

    again = read_contacts(sandbox, final_state)

    assert sorted(again.record_ids("contacts")) == changed


def test_a_record_edited_mid_read_makes_no_other_record_skip_a_page(hubspot_sandbox: Start) -> None:
    """Offset paging would skip one record per edit: the edited record leaves its place."""
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=600))
    fake = sandbox.fake
    served: list[str] = []

    def search_then_edit(request: Request) -> Response:
        answer = fake.search(request)
        first_page = not served
        served.extend(record["id"] for record in answer_json(answer)["results"])
        if first_page:  # edit a record of the first page: all behind it move up one place
            fake.touch("contacts", [served[10]])
        return answer

    fake.add_route("POST", "/crm/v3/objects/{object_type}/search", search_then_edit)
    one_window = timedelta(days=365 * 30)
    ids = read_contacts(sandbox, search_page_size=50, window=one_window).record_ids("contacts")

    assert sorted(set(ids)) == live_ids(sandbox)
    assert ids.count(served[10]) == 2  # before and after its edit; nothing else twice
    assert len(ids) == len(live_ids(sandbox)) + 1


def test_a_state_in_the_official_connectors_shape_is_migrated(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=500))
    store = sandbox.fake.store("contacts")
    snapshot = store.snapshot()
    cut = "2024-01-01T00:00:00.000Z"
    expected = sorted(
        str(store.id_of(index))
        for index in snapshot.live_by_id
        if store.value(snapshot, index, "lastmodifieddate") >= cut  # ISO strings sort in time order
    )

    output = read_contacts(sandbox, {"updatedAt": cut})

    assert sorted(output.record_ids("contacts")) == expected and expected
    assert output.states("contacts")[-1]["version"] == 2


@pytest.mark.parametrize(
    "state", [{"version": 2, "cursor": "yesterday"}, {"updatedAt": {"nested": 1}}, {"what": "ever"}]
)
def test_a_malformed_state_is_a_config_error_naming_the_stream(
    hubspot_sandbox: Start, state: dict[str, Any]
) -> None:
    sandbox = hubspot_sandbox()
    output = read_contacts(sandbox, state)

    assert output.failure is not None
    stream_errors = [error for error in output.errors() if error.stream_descriptor is not None]
    (error,) = stream_errors
    assert error.failure_type == FailureType.config_error
    assert error.message.startswith("The saved state of stream 'contacts' is invalid")
    assert output.statuses("contacts")[-1] == AirbyteStreamStatus.INCOMPLETE
    assert not any(request.path == SEARCH_PATH for request in sandbox.fake.requests)


def test_lookback_re_reads_the_recent_past(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=500))
    final_state = read_contacts(sandbox).states("contacts")[-1]
    config = sandbox.private_app_config(
        start_date=DATA_START, objects=EMAIL_ONLY, lookback_window_minutes=60 * 24 * 30
    )
    again = sandbox.read(config, {"contacts": INCREMENTAL}, resume_state("contacts", final_state))

    assert again.record_ids("contacts"), "the last 30 days are read again"
    assert all(record["updatedAt"] <= final_state["cursor"] for record in again.records("contacts"))


def answer_json(answer: Response) -> dict[str, Any]:
    return dict(json.loads(answer.body))


def test_a_first_sync_from_the_default_start_costs_one_search_per_page(hubspot_sandbox: Start) -> None:
    """No window of the 20 years since HubSpot's launch costs a search of its own."""
    sandbox = hubspot_sandbox(HubSpotScenario(contacts=300))
    config = sandbox.private_app_config(objects=EMAIL_ONLY)  # no start date: from 2006
    output = sandbox.read(config, {"contacts": INCREMENTAL})

    assert sorted(output.record_ids("contacts")) == live_ids(sandbox)
    assert len(searches(sandbox)) == 2  # 297 records: two pages of 200
