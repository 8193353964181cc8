"""Resuming from EVERY state a full-scale incremental sync emits reaches the same set of records.

The account is the issue's hard case: 25,000 contacts, 12,000 of them sharing one
`lastmodifieddate` (a bulk update), so that most states fall inside that one timestamp and the
resume depends on the ids the state remembers there. For each state S emitted after the first k
records of the first sync, the sync resumed from S must emit exactly the records not among those
k, each once: "before S" and "resumed from S" partition the account's contacts.

That is stricter than the usual rule for inclusive bounds (records AT the cursor may be read
twice): a state lists the ids emitted at its cursor (`keys_at_cursor`), so the resumed read
re-reads the boundary timestamp from HubSpot but emits none of those again. And nothing older
is even asked for: the resumed sync's first search starts at the state's cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from airbyte_cdk.models import AirbyteStreamStatus, SyncMode, Type
from hubspot_harness import HubSpotSandbox, Output, resume_state

from sandbox.fake_server import Request
from sandbox.hubspot import HubSpotScenario

Start = Callable[..., HubSpotSandbox]
SEARCH_PATH = "/crm/v3/objects/contacts/search"
DATA_START = "2015-01-01T00:00:00Z"
EMAIL_ONLY = [{"name": "contacts", "properties": ["email"]}]  # keeps the fake quick to render
CONTACTS, SHARING_ONE_TIMESTAMP = 25_000, 12_000


def read_contacts(sandbox: HubSpotSandbox, state: dict[str, Any] | None = None) -> Output:
    config = sandbox.private_app_config(start_date=DATA_START, objects=EMAIL_ONLY)
    resume = resume_state("contacts", state) if state is not None else None
    return sandbox.read(config, {"contacts": SyncMode.incremental}, resume)


def epoch_ms(cursor: str) -> int:
    return round(datetime.fromisoformat(cursor).timestamp() * 1000)


def states_with_records_before(output: Output) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each contacts state the sync emitted, with the records it emitted before that state."""
    emitted: list[dict[str, Any]] = []
    states = []
    for message in output.messages:
        if message.type == Type.RECORD and message.record is not None:
            emitted.append(message.record.data)
        elif message.type == Type.STATE and message.state is not None and message.state.stream is not None:
            states.append((dict(message.state.stream.stream_state.__dict__), list(emitted)))
    return states


def searches(sandbox: HubSpotSandbox) -> list[Request]:
    return [request for request in sandbox.fake.requests if request.path == SEARCH_PATH]


def lower_bound(search: Request) -> int:
    """The lowest `lastmodifieddate` a search asks for."""
    filters = search.json()["filterGroups"][0]["filters"]
    (lower,) = [
        condition["value"]
        for condition in filters
        if condition["propertyName"] == "lastmodifieddate" and condition["operator"] in ("GTE", "EQ")
    ]
    return int(lower)


def test_resuming_from_every_state_of_the_25000_contact_sync_reaches_the_same_set(
    hubspot_sandbox: Start,
) -> None:
    sandbox = hubspot_sandbox(
        HubSpotScenario(contacts=CONTACTS, shared_timestamp_contacts=SHARING_ONE_TIMESTAMP)
    )
    store = sandbox.fake.store("contacts")
    every_id = {str(store.id_of(index)) for index in store.snapshot().live_by_id}
    first = read_contacts(sandbox)
    assert sorted(first.record_ids("contacts")) == sorted(every_id)

    states = states_with_records_before(first)
    bulk_update = store.bulk_update_ms
    assert len(states) >= CONTACTS // 1_000
    assert sum(epoch_ms(state["cursor"]) == bulk_update for state, _ in states) >= 10
    for number, (state, before) in enumerate(states, start=1):
        where = f"state {number}/{len(states)} at {state['cursor']}"
        assert_state_describes(state, before, where)

        searches_before = len(searches(sandbox))
        resumed = read_contacts(sandbox, state)
        resumed_ids = resumed.record_ids("contacts")
        before_ids = {record["id"] for record in before}
        assert len(resumed_ids) == len(set(resumed_ids)), f"{where}: an id twice in the resumed sync"
        assert before_ids.isdisjoint(resumed_ids), f"{where}: ids emitted again"
        lost = every_id - before_ids - set(resumed_ids)
        assert not lost, f"{where}: {len(lost)} ids lost"
        assert resumed.statuses("contacts")[-1] == AirbyteStreamStatus.COMPLETE, where
        # Nothing before the state's cursor is asked of HubSpot again.
        assert lower_bound(searches(sandbox)[searches_before]) == epoch_ms(state["cursor"]), where


def assert_state_describes(state: dict[str, Any], before: list[dict[str, Any]], where: str) -> None:
    """A state says exactly what was emitted before it: the newest cursor and every id at it."""
    cursor = max(epoch_ms(record["updatedAt"]) for record in before)
    assert epoch_ms(state["cursor"]) == cursor, where
    at_cursor = {record["id"] for record in before if epoch_ms(record["updatedAt"]) == cursor}
    assert {key for (key,) in state["keys_at_cursor"]} == at_cursor, where
