"""`num_worker` streams read at once: the same records and states as reading them in turn, requests
of several streams in flight together, one search budget of 5 per second for all of them, and the
daily limit still stopping the sync cleanly with every state reached, and one OAuth refresh for all.

Streams meet through events at the fake HubSpot, never through sleeps; pacing runs on the
VirtualClock the fake and the connector share.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, FailureType, SyncMode
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from hubspot_harness import HubSpotSandbox, Output

from sandbox.fake_server import Request, Response
from sandbox.hubspot import HubSpotScenario
from source_hubspot.streams.crm_object import ReadSettings

Start = Callable[..., HubSpotSandbox]
FULL, INCREMENTAL = SyncMode.full_refresh, SyncMode.incremental
STARTED, RUNNING = AirbyteStreamStatus.STARTED, AirbyteStreamStatus.RUNNING
COMPLETE, INCOMPLETE = AirbyteStreamStatus.COMPLETE, AirbyteStreamStatus.INCOMPLETE
DATA_START = "2015-01-01T00:00:00Z"
ACCOUNT = HubSpotScenario(contacts=600, owners=5)
# 12 pages per stream and room for 15 pages in all: the limit stops all three streams midway.
DAILY_LIMITED_ACCOUNT = HubSpotScenario(
    contacts=600, counts={"companies": 600, "deals": 600}, owners=1, daily_limit=20
)
# 3 searches of 50 per stream: 12 searches, 2 s of real time at 5 per second.
SEARCHED_ACCOUNT = HubSpotScenario(
    contacts=120, counts=dict.fromkeys(("companies", "deals", "tickets"), 120), owners=1
)
SMALL_PAGES = ReadSettings(list_page_size=50, search_page_size=50, checkpoint_interval=100)
WAIT = 10.0  # seconds; only reached when streams are not read at once
# Seconds a first request is held for others to come meanwhile; waited out when none are to come.
RACE_WINDOW = 1.0
MIXED = {
    "contacts": INCREMENTAL,
    "companies": FULL,
    "deals": INCREMENTAL,
    "tickets": FULL,
    "contacts_archived": FULL,
    "owners": FULL,
    "deal_pipelines": FULL,
}


def config(sandbox: HubSpotSandbox, workers: int) -> dict[str, Any]:
    return sandbox.private_app_config(start_date=DATA_START, num_worker=workers)


def live_ids(sandbox: HubSpotSandbox, object_name: str) -> list[str]:
    store = sandbox.fake.store(object_name)
    return sorted(str(store.id_of(index)) for index in store.snapshot().live_by_id)


def by_key(output: Output, stream: str) -> list[dict[str, Any]]:
    return sorted(output.records(stream), key=lambda record: str(record.get("id")))


def assert_no_record_after_its_end(output: Output) -> None:
    ended: set[str] = set()
    for message in output.messages:
        if message.record:
            assert message.record.stream not in ended, f"a record of {message.record.stream} after its end"
        status = message.trace.stream_status if message.trace else None
        if status and status.status in (COMPLETE, INCOMPLETE):
            ended.add(status.stream_descriptor.name)


def test_four_workers_read_the_same_records_and_states_as_one(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(ACCOUNT)
    in_turn = sandbox.read(config(sandbox, 1), MIXED, settings=SMALL_PAGES)
    at_once = sandbox.read(config(sandbox, 4), MIXED, settings=SMALL_PAGES)

    assert in_turn.failure is None and at_once.failure is None, at_once.errors()
    for stream in MIXED:
        assert by_key(at_once, stream) == by_key(in_turn, stream), stream
        assert at_once.states(stream) == in_turn.states(stream), stream
        # (RUNNING may repeat: a 429 retry says RATE_LIMITED. On the VirtualClock one stream's wait
        # can make another's request reach the fake late, in a busier second: see RealTime below.)
        statuses = at_once.statuses(stream)
        assert (statuses[0], set(statuses[1:-1]), statuses[-1]) == (STARTED, {RUNNING}, COMPLETE), stream
    assert [record["id"] for record in by_key(at_once, "contacts")] == live_ids(sandbox, "contacts")
    assert_no_record_after_its_end(at_once)


def test_requests_of_several_streams_are_in_flight_together(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(ACCOUNT)
    fake = sandbox.fake
    deals_asked = threading.Event()
    held: list[bool] = []  # whether the first companies page saw a deals request arrive meanwhile

    def list_objects(request: Request) -> Response:
        if request.path_params["object_type"] == "deals":
            deals_asked.set()
        elif request.path_params["object_type"] == "companies" and not held:
            held.append(deals_asked.wait(WAIT))  # answered only once deals asked for a page too
        return fake.list_objects(request)

    fake.add_route("GET", "/crm/v3/objects/{object_type}", list_objects)
    output = sandbox.read(config(sandbox, 2), {"companies": FULL, "deals": FULL}, settings=SMALL_PAGES)

    assert held == [True]
    assert output.failure is None, output.errors()
    assert sorted(output.record_ids("companies")) == live_ids(sandbox, "companies")
    assert sorted(output.record_ids("deals")) == live_ids(sandbox, "deals")


class RealTime:
    """Time as it passes. The VirtualClock moves when any thread sleeps on it, so a stream paced
    by the budget can see its request reach the fake "later" by another stream's wait: pacing at
    once is only meaningful in real time."""

    def __call__(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def advance(self, seconds: float) -> None:
        """Nothing to clear: the one sync of the test starts with the fake's windows empty."""


def test_one_search_budget_of_five_per_second_holds_for_all_streams(
    fake_hubspot: Any, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake = fake_hubspot(SEARCHED_ACCOUNT, clock=time.time)
    sandbox = HubSpotSandbox(fake, RealTime(), capfd, tmp_path)  # type: ignore[arg-type]  # a clock like VirtualClock
    searches: list[tuple[float, str]] = []

    def timed_search(request: Request) -> Response:
        searches.append((time.time(), request.path_params["object_type"]))
        return fake.search(request)

    fake.add_route("POST", "/crm/v3/objects/{object_type}/search", timed_search)
    streams = dict.fromkeys(("contacts", "companies", "deals", "tickets"), INCREMENTAL)
    output = sandbox.read(config(sandbox, 4), streams, settings=SMALL_PAGES)

    assert output.failure is None, output.errors()
    assert output.retries() == []  # the fake answers 429 beyond 5 per second: none came
    assert {stream for _, stream in searches} == set(streams) and len(searches) > 10
    moments = [moment for moment, _ in searches]
    assert max(sum(1 for later in moments if start <= later < start + 1.0) for start in moments) == 5


def test_the_daily_limit_stops_every_stream_cleanly_and_the_states_resume_the_next_day(
    hubspot_sandbox: Start,
) -> None:
    sandbox = hubspot_sandbox(DAILY_LIMITED_ACCOUNT)
    streams = {"contacts": INCREMENTAL, "deals": INCREMENTAL, "companies": FULL}
    output = sandbox.read(config(sandbox, 3), streams, settings=SMALL_PAGES)

    assert isinstance(output.failure, AirbyteTracedException)
    assert output.failure.failure_type == FailureType.transient_error
    per_stream = [error for error in output.errors() if error.stream_descriptor is not None]
    assert len(per_stream) == 1  # the first stream to meet the limit; the others only stop
    assert all(error.failure_type == FailureType.transient_error for error in output.errors())
    midnight = datetime.fromtimestamp(sandbox.clock(), ZoneInfo("America/New_York")).date() + timedelta(
        days=1
    )
    for error in output.errors():
        assert f"It resets at {midnight:%Y-%m-%d} 00:00 America/New_York" in error.message
        assert "Traceback" not in error.message
    for stream in streams:
        assert output.statuses(stream)[-1:] in ([], [COMPLETE], [INCOMPLETE]), stream
    assert INCOMPLETE in [output.statuses(stream)[-1] for stream in streams if output.statuses(stream)]
    assert_no_record_after_its_end(output)

    sandbox.clock.now = datetime.combine(
        midnight, datetime.min.time(), ZoneInfo("America/New_York")
    ).timestamp()
    sandbox.fake.limits.daily.limit = 1_000_000
    resumed = sandbox.read(config(sandbox, 3), streams, state=output.final_state(), settings=SMALL_PAGES)

    assert resumed.failure is None, resumed.errors()
    for stream in ("contacts", "deals"):  # what the states covered, then what the next day read
        combined = committed_ids(output, stream) + resumed.record_ids(stream)
        assert sorted(combined) == live_ids(sandbox, stream) and len(combined) == len(set(combined)), stream


def committed_ids(output: Output, stream: str) -> list[str]:
    """The ids of `stream`'s records emitted before its last STATE (the progress that state saved)."""
    ids: list[str] = []
    committed = 0
    for message in output.messages:
        if message.record and message.record.stream == stream:
            ids.append(message.record.data["id"])
        elif message.state and message.state.stream and message.state.stream.stream_descriptor.name == stream:
            committed = len(ids)
    return ids[:committed]


def test_streams_of_one_object_read_at_once_ask_for_its_properties_once(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(ACCOUNT)
    fake = sandbox.fake
    asked: list[str] = []
    another_asked = threading.Event()

    def properties(request: Request) -> Response:
        asked.append(request.path_params["object_type"])
        if len(asked) == 1:  # held, so that the other streams would ask meanwhile if they were to
            another_asked.wait(RACE_WINDOW)
        else:
            another_asked.set()
        return fake.properties(request)

    fake.add_route("GET", "/crm/v3/properties/{object_type}", properties)
    streams = dict.fromkeys(("contacts", "contacts_archived", "contacts_property_history"), FULL)
    output = sandbox.read(config(sandbox, 3), streams, settings=SMALL_PAGES)

    assert output.failure is None, output.errors()
    assert asked == ["contacts"]
    assert sorted(output.record_ids("contacts")) == live_ids(sandbox, "contacts")
    assert output.records("contacts_property_history")


def test_an_access_token_dying_under_three_streams_is_refreshed_once_for_all(hubspot_sandbox: Start) -> None:
    """HubSpot rotates refresh tokens: a second refresh would present the rotated-out one and fail,
    so one refresh for all the threads is the only way this sync completes."""
    sandbox = hubspot_sandbox(ACCOUNT)
    fake, lists = sandbox.fake, [0]

    def list_objects(request: Request) -> Response:
        lists[0] += 1
        if lists[0] == 6:  # the three streams are under way: half an hour passes for HubSpot
            sandbox.clock.advance(fake.scenario.access_token_lifetime_seconds + 1)
        return fake.list_objects(request)

    fake.add_route("GET", "/crm/v3/objects/{object_type}", list_objects)
    streams = dict.fromkeys(("contacts", "companies", "deals"), FULL)
    output = sandbox.read(sandbox.oauth_config(num_worker=3), streams, settings=SMALL_PAGES)

    assert output.failure is None, output.errors()
    token_requests = [request for request in fake.requests if request.path == "/oauth/v1/token"]
    assert len(token_requests) == 2  # the first access token, then one refresh for every stream
    for stream in streams:
        assert sorted(output.record_ids(stream)) == live_ids(sandbox, stream), stream
        assert output.statuses(stream)[-1] == COMPLETE
