"""The issue's hard case at full scale: 25,000 contacts, 12,000 of them sharing one
`lastmodifieddate` (a bulk update), read incrementally.

Resuming from EVERY state the sync emits reaches the same set of records. Most states fall inside
the bulk update, so the resume depends on the ids the state remembers there. For each state S
emitted after the first k records of the first sync, the sync resumed from S must emit exactly
the records not among those k, each once: "before S" and "resumed from S" partition the account's
contacts. That is stricter than the usual rule for inclusive bounds (records AT the cursor may be
read twice): a state lists the ids emitted at its cursor (`keys_at_cursor`), so the resumed read
re-reads the boundary timestamp from HubSpot but emits none of those again. And nothing older is
even asked for: the resumed sync's first search starts at the state's cursor.

The fault matrix strikes while the read pages INSIDE the bulk update (by `hs_object_id`), the
part of the read most easily broken by a retry; each sync still ends with every contact once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, SyncMode, Type
from hubspot_harness import HubSpotSandbox, Output, resume_state

from sandbox.fake_server import Fault, Request, Response
from sandbox.hubspot import HubSpotScenario

Start = Callable[..., HubSpotSandbox]
SEARCH_PATH = "/crm/v3/objects/contacts/search"
DATA_START = "2015-01-01T00:00:00Z"
EMAIL_ONLY = [{"name": "contacts", "properties": ["email"]}]  # keeps the fake quick to render
CONTACTS, SHARING_ONE_TIMESTAMP = 25_000, 12_000
BULK_UPDATE_ACCOUNT = HubSpotScenario(contacts=CONTACTS, shared_timestamp_contacts=SHARING_ONE_TIMESTAMP)


def read_contacts(
    sandbox: HubSpotSandbox, state: dict[str, Any] | None = None, *, oauth: bool = False
) -> Output:
    configure = sandbox.oauth_config if oauth else sandbox.private_app_config
    config = configure(start_date=DATA_START, objects=EMAIL_ONLY)
    resume = resume_state("contacts", state) if state is not None else None
    return sandbox.read(config, {"contacts": SyncMode.incremental}, resume)


def live_ids(sandbox: HubSpotSandbox) -> set[str]:
    store = sandbox.fake.store("contacts")
    return {str(store.id_of(index)) for index in store.snapshot().live_by_id}


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
    sandbox = hubspot_sandbox(BULK_UPDATE_ACCOUNT)
    store = sandbox.fake.store("contacts")
    every_id = live_ids(sandbox)
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


# --- the fault matrix, inside the bulk update ------------------------------------------------

Strike = Callable[[HubSpotSandbox], None]
RATE_LIMITED = {"status": "error", "errorType": "RATE_LIMIT", "message": "You have reached your limit."}
# From the moment the read enters the bulk update: the 9th, 18th and 27th search after it, all
# among the 60 pages of 200 read inside that one timestamp.
INSIDE = {"path": SEARCH_PATH, "every": 9, "times": 3}


def faults(*added: Fault) -> Strike:
    def strike(sandbox: HubSpotSandbox) -> None:
        for fault in added:
            sandbox.fake.faults.add(fault)

    return strike


def expire_the_access_token(sandbox: HubSpotSandbox) -> None:
    """Half an hour passes for HubSpot: the OAuth access token in use dies."""
    sandbox.clock.advance(sandbox.fake.scenario.access_token_lifetime_seconds + 1)


FAULT_MATRIX: dict[str, Strike] = {
    "429 with Retry-After": faults(
        Fault.status(429, body={**RATE_LIMITED, "policyName": "SECONDLY"}, retry_after=1, **INSIDE)
    ),
    "429 without Retry-After": faults(
        Fault.status(429, body={**RATE_LIMITED, "policyName": "TEN_SECONDLY_ROLLING"}, **INSIDE)
    ),
    "5xx bursts": faults(
        Fault.status(503, path=SEARCH_PATH, times=3),  # the same request fails three times in a row
        Fault.status(502, body=b"<html>502 Bad Gateway</html>", **INSIDE),
    ),
    "connection reset mid-page": faults(Fault.reset(**INSIDE)),
    "access token expiry": expire_the_access_token,
}


def strike_inside_the_bulk_update(sandbox: HubSpotSandbox, strike: Strike) -> list[int]:
    """Strike when the first search inside the bulk update's timestamp arrives; returns the
    number of searches seen at that moment (empty until it struck)."""
    fake, struck_at, seen = sandbox.fake, [], [0]

    def search(request: Request) -> Response:
        seen[0] += 1
        if not struck_at and is_inside_one_timestamp(request):
            struck_at.append(seen[0])
            strike(sandbox)
        return fake.search(request)

    fake.add_route("POST", "/crm/v3/objects/{object_type}/search", search)
    return struck_at


def is_inside_one_timestamp(search: Request) -> bool:
    filters = search.json()["filterGroups"][0]["filters"]
    return {"propertyName": "lastmodifieddate", "operator": "EQ"} in [
        {"propertyName": condition["propertyName"], "operator": condition["operator"]}
        for condition in filters
    ]


@pytest.mark.parametrize("strike", FAULT_MATRIX.values(), ids=FAULT_MATRIX.keys())
def test_each_fault_inside_the_bulk_update_still_ends_with_every_contact_once(
    hubspot_sandbox: Start, cdk_sleeps: list[float], strike: Strike
) -> None:
    sandbox = hubspot_sandbox(BULK_UPDATE_ACCOUNT)
    struck_at = strike_inside_the_bulk_update(sandbox, strike)

    output = read_contacts(sandbox, oauth=True)

    assert struck_at and struck_at[0] > 1, "the fault struck inside the bulk update, not before it"
    assert output.failure is None, output.errors()
    ids = output.record_ids("contacts")
    assert len(ids) == len(set(ids)), "no contact twice"
    assert set(ids) == live_ids(sandbox), "no contact lost"
    assert output.statuses("contacts")[-1] == AirbyteStreamStatus.COMPLETE
    token_requests = sum(request.path == "/oauth/v1/token" for request in sandbox.fake.requests)
    failures = sum(sandbox.fake.faults.fired.values()) + token_requests - 1  # the first token is no failure
    assert failures >= 1
    assert len(output.retries()) == failures == len(cdk_sleeps)
