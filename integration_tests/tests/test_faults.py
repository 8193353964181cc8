"""Each fault kind as a real `requests` client sees it."""

from __future__ import annotations

import threading
import time
from email.utils import parsedate_to_datetime

import pytest
import requests

from sandbox.fake_server import FakeServer, Fault, Request, Response
from sandbox.faults import FaultPlan
from sandbox.pytest_plugin import FakeServerFactory

FROZEN_NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def contacts(request: Request) -> Response:
    return Response.json({"results": [{"id": str(number)} for number in range(20)]})


@pytest.fixture
def server(fake_server: FakeServerFactory) -> FakeServer:
    server = fake_server("faulty", clock=lambda: FROZEN_NOW)
    server.add_route("GET", "/crm/v3/objects/contacts", contacts)
    server.add_route("GET", "/crm/v3/objects/companies", contacts)
    return server


def get_contacts(server: FakeServer, session: requests.Session | None = None) -> requests.Response:
    return (session or requests).get(f"{server.url}/crm/v3/objects/contacts", timeout=5)


def test_status_without_retry_after_fires_once_by_default(server: FakeServer) -> None:
    server.faults.add(Fault.status(429))

    first, second = get_contacts(server), get_contacts(server)

    assert (first.status_code, second.status_code) == (429, 200)
    assert "Retry-After" not in first.headers
    assert server.faults.fired == {"status 429 * .*": 1}


def test_retry_after_in_seconds(server: FakeServer) -> None:
    server.faults.add(Fault.status(429, retry_after=7))

    assert get_contacts(server).headers["Retry-After"] == "7"


def test_retry_after_as_http_date_follows_the_injected_clock(server: FakeServer) -> None:
    server.faults.add(Fault.status(503, retry_after=90, retry_after_as="http-date"))

    answer = get_contacts(server)

    assert answer.headers["Retry-After"] == "Thu, 01 Jan 2026 00:01:30 GMT"
    assert parsedate_to_datetime(answer.headers["Retry-After"]).timestamp() == FROZEN_NOW + 90


def test_custom_json_body_and_headers(server: FakeServer) -> None:
    hubspot_429 = {
        "status": "error",
        "message": "You have reached your ten_secondly_rolling limit.",
        "errorType": "RATE_LIMIT",
        "policyName": "TEN_SECONDLY_ROLLING",
    }
    server.faults.add(Fault.status(429, body=hubspot_429, headers={"X-HubSpot-RateLimit-Remaining": "0"}))

    answer = get_contacts(server)

    assert answer.json() == hubspot_429
    assert answer.headers["X-HubSpot-RateLimit-Remaining"] == "0"


def test_raw_non_json_body(server: FakeServer) -> None:
    page = b"<html><body>502 Bad Gateway</body></html>"
    server.faults.add(Fault.status(502, body=page, headers={"Content-Type": "text/html"}))

    answer = get_contacts(server)

    assert (answer.status_code, answer.content, answer.headers["Content-Type"]) == (502, page, "text/html")


def test_5xx_burst_then_recovery(server: FakeServer) -> None:
    server.faults.add(Fault.status(503, times=3))

    with requests.Session() as session:
        statuses = [get_contacts(server, session).status_code for _ in range(5)]

    assert statuses == [503, 503, 503, 200, 200]


def test_every_nth_request_without_limit(server: FakeServer) -> None:
    server.faults.add(Fault.status(500, every=3, name="every third"))

    statuses = [get_contacts(server).status_code for _ in range(9)]

    assert statuses == [200, 200, 500] * 3
    assert server.faults.fired == {"every third": 3}


def test_every_combined_with_times(server: FakeServer) -> None:
    server.faults.add(Fault.status(500, every=2, times=1))

    assert [get_contacts(server).status_code for _ in range(6)] == [200, 500, 200, 200, 200, 200]


def test_matching_by_method_and_full_path_regex(server: FakeServer) -> None:
    server.faults.add(Fault.status(502, method="get", path=r"/crm/v3/objects/compan\w+", times=5))
    server.add_route("POST", "/crm/v3/objects/companies", contacts)

    assert get_contacts(server).status_code == 200
    assert requests.post(f"{server.url}/crm/v3/objects/companies").status_code == 200
    assert requests.get(f"{server.url}/crm/v3/objects/companies").status_code == 502
    assert requests.get(f"{server.url}/crm/v3/objects/companies/extra").status_code == 404  # no prefix match


def test_first_added_fault_wins_and_names_stay_unique(server: FakeServer) -> None:
    first = server.faults.add(Fault.status(429))
    second = server.faults.add(Fault.status(429))

    assert [get_contacts(server).status_code for _ in range(3)] == [429, 429, 200]
    assert server.faults.fired == {first.name: 1, second.name: 1}
    assert second.name == "status 429 * .* #2"


def test_faults_apply_to_unknown_routes_too(server: FakeServer) -> None:
    server.faults.add(Fault.status(503))

    assert requests.get(f"{server.url}/not/routed").status_code == 503


def test_reset_after_partial_body(server: FakeServer) -> None:
    server.faults.add(Fault.reset())

    with requests.Session() as session:
        answer = session.get(f"{server.url}/crm/v3/objects/contacts", stream=True, timeout=5)
        assert answer.status_code == 200  # the head arrived...
        with pytest.raises(requests.exceptions.ChunkedEncodingError, match="ConnectionResetError"):
            _ = answer.content  # ...but the body is cut by a reset (RST, not a clean close)
        assert get_contacts(server, session).json()["results"][0] == {"id": "0"}  # pool recovers

    assert server.faults.fired == {"reset * .*": 1}


def test_reset_before_anything_is_sent(server: FakeServer) -> None:
    server.faults.add(Fault.reset(after_partial_body=False))

    with pytest.raises(requests.exceptions.ConnectionError, match=r"reset by peer|aborted"):
        get_contacts(server)
    assert get_contacts(server).ok


def test_reset_of_an_empty_body_still_leaves_the_client_short(server: FakeServer) -> None:
    server.add_route("DELETE", "/crm/v3/objects/contacts/{id}", lambda request: Response(200))
    server.faults.add(Fault.reset())

    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        requests.delete(f"{server.url}/crm/v3/objects/contacts/1", timeout=5).raise_for_status()


def test_slow_response_trips_a_client_timeout(server: FakeServer) -> None:
    server.faults.add(Fault.slow(1.0))

    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{server.url}/crm/v3/objects/contacts", timeout=0.1)


def test_slow_response_then_the_real_answer(server: FakeServer) -> None:
    server.faults.add(Fault.slow(0.2))

    started = time.monotonic()
    answer = get_contacts(server)

    assert time.monotonic() - started >= 0.2  # a lower bound only: cannot flake
    assert len(answer.json()["results"]) == 20


def test_every_is_exact_under_concurrent_clients(server: FakeServer) -> None:
    server.faults.add(Fault.status(503, every=10, name="tenth"))
    statuses: list[int] = []

    def client() -> None:
        with requests.Session() as session:
            statuses.extend(get_contacts(server, session).status_code for _ in range(25))

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] * 90 + [503] * 10
    assert server.faults.fired == {"tenth": 10}


def test_faults_can_be_cleared(server: FakeServer) -> None:
    server.faults.add(Fault.status(500, every=1))
    server.faults.clear()

    assert get_contacts(server).ok
    assert server.faults.fired == {}


@pytest.mark.parametrize("limits", [{"times": 0}, {"every": 0}])
def test_nonsense_limits_are_refused(limits: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Fault.status(500, **limits)  # type: ignore[arg-type]


def test_bad_path_regex_is_refused_where_written() -> None:
    with pytest.raises(Exception, match="unterminated"):
        FaultPlan().add(Fault.status(500, path="/crm/(v3"))
