"""`python -m sandbox.demo` (`make demo`): the sandbox's self-check, then every connector against it.

Each `DemoStep` is a name plus a function that returns what happened (a line, or a per-stream
table for a connector) or raises. The sandbox steps check the fake servers themselves (every fault
kind, seen by a plain `requests` client); the connector steps run each connector's console script
(check, discover, read of every stream) against its local stand-in. Exit code 0 when every step
passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from sandbox.connections import bigquery_connection, google_analytics_connection, hubspot_connection
from sandbox.connector_run import LocalConnector, demo_connector
from sandbox.fake_server import FakeServer, Fault, Request, Response
from sandbox.tokens import TokenIssuer, add_oauth_token_route


@dataclass(frozen=True)
class DemoStep:
    name: str
    run: Callable[[], str]  # returns what happened, in a few words; raises if the step failed


class DemoFailure(Exception):
    """A step saw something other than what it expected."""


def expect(actual: Any, expected: Any, what: str) -> None:
    if actual != expected:
        raise DemoFailure(f"{what}: expected {expected!r}, got {actual!r}")


def contacts_server() -> FakeServer:
    """A tiny API the sandbox steps aim their faults at."""
    server = FakeServer("demo-api")

    @server.route("GET", "/crm/v3/objects/{object_type}")
    def list_objects(request: Request) -> Response:
        return Response.json({"results": [{"id": "1", "type": request.path_params["object_type"]}]})

    return server


def against_contacts_server(check: Callable[[FakeServer, requests.Session], str]) -> Callable[[], str]:
    """Run `check` with a started demo API and a fresh keep-alive client session."""

    def run() -> str:
        with contacts_server() as server, requests.Session() as session:
            return check(server, session)

    return run


def contacts_url(server: FakeServer) -> str:
    return f"{server.url}/crm/v3/objects/contacts"


def check_routing(server: FakeServer, session: requests.Session) -> str:
    found = session.get(contacts_url(server), timeout=5)
    missing = session.get(f"{server.url}/nowhere", timeout=5)
    expect((found.status_code, missing.status_code), (200, 404), "known and unknown route")
    expect(len({request.client_address for request in server.requests}), 1, "keep-alive connections")
    return "200 for a route, JSON 404 otherwise, one keep-alive connection"


def check_retry_after_seconds(server: FakeServer, session: requests.Session) -> str:
    server.faults.add(Fault.status(429, retry_after=2))
    limited, recovered = session.get(contacts_url(server)), session.get(contacts_url(server))
    expect((limited.status_code, limited.headers.get("Retry-After")), (429, "2"), "rate-limited answer")
    expect(recovered.status_code, 200, "next answer")
    return "429 with Retry-After: 2, then 200"


def check_retry_after_date(server: FakeServer, session: requests.Session) -> str:
    server.faults.add(Fault.status(503, retry_after=30, retry_after_as="http-date"))
    answer = session.get(contacts_url(server))
    expect(answer.status_code, 503, "status")
    if not answer.headers.get("Retry-After", "").endswith(" GMT"):
        raise DemoFailure(f"Retry-After is not an HTTP-date: {answer.headers.get('Retry-After')!r}")
    return f"503 with Retry-After: {answer.headers['Retry-After']}"


def check_hubspot_style_body(server: FakeServer, session: requests.Session) -> str:
    body = {"status": "error", "errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"}
    server.faults.add(Fault.status(429, body=body))
    expect(session.get(contacts_url(server)).json(), body, "JSON error body")
    return "429 carrying policyName TEN_SECONDLY_ROLLING"


def check_5xx_burst(server: FakeServer, session: requests.Session) -> str:
    server.faults.add(Fault.status(503, times=3))
    statuses = [session.get(contacts_url(server)).status_code for _ in range(4)]
    expect(statuses, [503, 503, 503, 200], "statuses")
    expect(list(server.faults.fired.values()), [3], "fired count")
    return "503 x3, then 200"


def check_reset(server: FakeServer, session: requests.Session) -> str:
    server.faults.add(Fault.reset())
    try:
        session.get(contacts_url(server)).json()
    except requests.exceptions.ChunkedEncodingError as error:
        seen = type(error).__name__
    else:
        raise DemoFailure("the client read a whole body despite the reset")
    expect(session.get(contacts_url(server)).status_code, 200, "answer after the reset")
    return f"client saw {seen} mid-body, then 200 on a new connection"


def check_slow(server: FakeServer, session: requests.Session) -> str:
    server.faults.add(Fault.slow(0.5))
    try:
        session.get(contacts_url(server), timeout=0.1)
    except requests.exceptions.ReadTimeout:
        pass
    else:
        raise DemoFailure("a 0.5 s answer did not trip a 0.1 s read timeout")
    return "0.5 s delay tripped a 0.1 s client read timeout"


def check_handler_error() -> str:
    server = FakeServer("demo-broken")
    server.add_route("GET", "/boom", lambda request: Response.json(1 // 0))
    with server:
        answer = requests.get(f"{server.url}/boom", timeout=5)
    expect(answer.status_code, 500, "status of a raising handler")
    expect(len(server.handler_errors), 1, "recorded handler errors")
    return "raising handler answered JSON 500, traceback logged"


def check_token_rotation() -> str:
    clock_now = [0.0]
    issuer = TokenIssuer(lifetime_seconds=1800, clock=lambda: clock_now[0], rotate_refresh_tokens=True)
    server = FakeServer("demo-oauth")
    add_oauth_token_route(server, issuer, client_id="demo", client_secret="demo-secret")
    original = issuer.issue_refresh_token()
    form = {"grant_type": "refresh_token", "client_id": "demo", "client_secret": "demo-secret"}
    with server:
        token_url = f"{server.url}/oauth/v1/token"
        grant = requests.post(token_url, data={**form, "refresh_token": original}, timeout=5).json()
        reused = requests.post(token_url, data={**form, "refresh_token": original}, timeout=5)
    expect(bool(issuer.validate(f"Bearer {grant['access_token']}")), True, "fresh access token")
    clock_now[0] += 1800
    expect(issuer.validate(f"Bearer {grant['access_token']}").status, "expired", "token after its lifetime")
    expect((reused.status_code, reused.json()["error"]), (400, "invalid_grant"), "reused refresh token")
    return "refresh rotated the token; reuse -> invalid_grant; access token expired on the clock"


SANDBOX_STEPS = [
    DemoStep("routing and keep-alive", against_contacts_server(check_routing)),
    DemoStep("handler error", check_handler_error),
    DemoStep("429 + Retry-After seconds", against_contacts_server(check_retry_after_seconds)),
    DemoStep("503 + Retry-After HTTP-date", against_contacts_server(check_retry_after_date)),
    DemoStep("HubSpot-style 429 body", against_contacts_server(check_hubspot_style_body)),
    DemoStep("5xx burst", against_contacts_server(check_5xx_burst)),
    DemoStep("connection reset", against_contacts_server(check_reset)),
    DemoStep("slow response", against_contacts_server(check_slow)),
    DemoStep("OAuth refresh + rotation", check_token_rotation),
]


def demo_hubspot() -> str:
    with hubspot_connection(contacts=5_000) as config:
        return demo_connector(LocalConnector("source-hubspot"), config)


def demo_google_analytics() -> str:
    with google_analytics_connection(properties=2, days=90) as config:
        return demo_connector(LocalConnector("source-google-analytics-data-api"), config)


def demo_bigquery() -> str:
    with bigquery_connection(big_table_rows=100_000) as config:
        return demo_connector(LocalConnector("source-bigquery"), config)


CONNECTOR_STEPS = [
    DemoStep("source-hubspot against the fake HubSpot (5,000 contacts)", demo_hubspot),
    DemoStep(
        "source-google-analytics-data-api against the fake GA4 (2 properties, 90 days)", demo_google_analytics
    ),
    DemoStep("source-bigquery against the BigQuery emulator (100,000-row big table)", demo_bigquery),
]


def run_steps(steps: Sequence[DemoStep], print_line: Callable[[str], None] = print) -> bool:
    """Run every step (a failure does not stop the others); True when all passed."""
    failures = 0
    for step in steps:
        try:
            outcome = step.run()
        except Exception as error:
            failures += 1
            print_line(f"FAIL  {step.name}: {type(error).__name__}: {error}")
        else:
            print_line(f"ok    {step.name}: {outcome}")
    print_line(f"{len(steps) - failures}/{len(steps)} demo steps passed")
    return failures == 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.demo", description=__doc__)
    parser.add_argument("--verbose", action="store_true", help="show the fake servers' logs")
    parser.add_argument(
        "--sandbox-only", action="store_true", help="run the sandbox's self-check, not the connectors"
    )
    arguments = parser.parse_args(argv)
    # The steps provoke errors on purpose; their server-side logs are noise unless asked for.
    # (The CDK has already configured the root logger on import, so set its level directly.)
    logging.getLogger().setLevel(logging.DEBUG if arguments.verbose else logging.CRITICAL)
    steps = SANDBOX_STEPS if arguments.sandbox_only else [*SANDBOX_STEPS, *CONNECTOR_STEPS]
    return 0 if run_steps(steps) else 1


if __name__ == "__main__":
    sys.exit(main())
