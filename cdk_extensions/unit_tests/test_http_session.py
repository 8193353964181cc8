"""The connector session against a real local server: headers, gzip, timeouts, pooling, pacing."""

from __future__ import annotations

import gzip
import json
import logging
import threading
from importlib.metadata import version

import pytest
import requests
from airbyte_cdk.models import SyncMode
from contacts_source import CONTACTS_PATH, Contacts, hubspot_like_retry

from cdk_extensions.http_session import connector_session
from cdk_extensions.rate_budget import Rate, RateBudget
from sandbox.fake_server import FakeServer, Fault, Request, Response
from sandbox.pytest_plugin import FakeServerFactory
from sandbox.virtual_clock import VirtualClock


@pytest.fixture
def api(fake_server: FakeServerFactory) -> FakeServer:
    server = fake_server("session-api")
    server.add_route("GET", "/ping", lambda _request: Response.json({"pong": True}))
    return server


def test_every_request_names_the_connector_and_accepts_gzip(api: FakeServer) -> None:
    payload = {"results": [{"id": "1"}] * 100}
    api.add_route(
        "GET",
        "/gzipped",
        lambda _request: Response(
            200, gzip.compress(json.dumps(payload).encode()), {"Content-Encoding": "gzip"}
        ),
    )
    session = connector_session("source-hubspot", "1.2.3")

    assert session.get(f"{api.url}/gzipped").json() == payload
    (request,) = api.requests
    assert request.headers["User-Agent"] == f"source-hubspot/1.2.3 (airbyte-cdk/{version('airbyte-cdk')})"
    assert "gzip" in request.headers["Accept-Encoding"]


def test_the_default_timeout_applies_unless_a_request_sets_its_own(api: FakeServer) -> None:
    api.faults.add(Fault.slow(0.5, path="/ping", times=2))
    session = connector_session("source-test", "0.0.1", timeout=(5.0, 0.1))

    with pytest.raises(requests.exceptions.ReadTimeout):
        session.get(f"{api.url}/ping")
    assert session.get(f"{api.url}/ping", timeout=5).ok


def test_urllib3_does_not_retry_behind_our_back(api: FakeServer) -> None:
    api.faults.add(Fault.reset(after_partial_body=False))
    session = connector_session("source-test", "0.0.1")

    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(f"{api.url}/ping")
    assert len(api.requests) == 1


def test_sequential_requests_reuse_one_pooled_connection(api: FakeServer) -> None:
    session = connector_session("source-test", "0.0.1")
    for _ in range(5):
        session.get(f"{api.url}/ping").raise_for_status()
    assert len({request.client_address for request in api.requests}) == 1


@pytest.mark.parametrize(("pool_maxsize", "discarded"), [(1, 2), (3, 0)])
def test_the_pool_keeps_at_most_pool_maxsize_connections(
    api: FakeServer, caplog: pytest.LogCaptureFixture, pool_maxsize: int, discarded: int
) -> None:
    all_in_flight = threading.Barrier(3, timeout=10)

    def answer_once_all_three_arrived(_request: Request) -> Response:
        all_in_flight.wait()  # three requests in flight at once need three connections
        return Response.json({})

    api.add_route("GET", "/together", answer_once_all_three_arrived)
    session = connector_session("source-test", "0.0.1", pool_maxsize=pool_maxsize)
    callers = [threading.Thread(target=session.get, args=(f"{api.url}/together",)) for _ in range(3)]
    with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join()

    full_pool_warnings = [
        record for record in caplog.records if "Connection pool is full" in record.getMessage()
    ]
    assert len(full_pool_warnings) == discarded


def test_the_rate_budget_paces_each_endpoint_group_and_learns_from_responses(api: FakeServer) -> None:
    api.add_route("POST", "/crm/v3/objects/contacts/search", lambda _request: Response.json({"results": []}))
    hubspot_limits = {
        "X-HubSpot-RateLimit-Max": "3",
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        "X-HubSpot-RateLimit-Remaining": "0",  # other apps of the account used the rest
    }
    api.add_route("GET", "/limited", lambda _request: Response.json({}, headers=hubspot_limits))
    fake = VirtualClock()
    budget = RateBudget(
        {"search": Rate(1, per=1.0), "default": Rate(100, per=1.0)}, clock=fake, sleep=fake.sleep
    )
    session = connector_session(
        "source-test",
        "0.0.1",
        rate_budget=budget,
        endpoint_group=lambda request: "search" if str(request.url).endswith("/search") else "default",
    )

    session.post(f"{api.url}/crm/v3/objects/contacts/search", json={}).raise_for_status()
    session.get(f"{api.url}/ping").raise_for_status()
    session.post(f"{api.url}/crm/v3/objects/contacts/search", json={}).raise_for_status()
    assert fake.slept == [1.0]  # only the second search waited, for its own group

    session.get(f"{api.url}/limited").raise_for_status()
    session.get(f"{api.url}/ping").raise_for_status()
    assert fake.slept == [1.0, 10.0]  # HubSpot said the 3-per-10-s window was full


def test_an_http_stream_sends_through_the_connector_session(api: FakeServer) -> None:
    api.add_route("GET", CONTACTS_PATH, lambda _request: Response.json({"results": [{"id": "1"}]}))
    session = connector_session("source-hubspot", "9.9.9")
    stream = Contacts(f"{api.url}/", hubspot_like_retry(), session=session)

    assert list(stream.read_records(SyncMode.full_refresh)) == [{"id": "1"}]
    assert api.requests[0].headers["User-Agent"].startswith("source-hubspot/9.9.9 (airbyte-cdk/")
