"""HttpRetry in a real CDK HttpStream reading a real local server that misbehaves on purpose.

The CDK sleeps with `time.sleep` inside its `backoff` decorators and adds one second to every
wait, so these tests keep the policy's waits small and read them from the retry log records.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from airbyte_cdk.models import AirbyteStreamStatusReasonType, FailureType, Level, SyncMode, Type
from airbyte_cdk.sources.streams.http.error_handlers import ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from contacts_source import CONTACTS_PATH, FAST_POLICY, Contacts, hubspot_like_retry

from cdk_extensions.auth.oauth2 import OAuth2RefreshTokenAuthenticator
from cdk_extensions.auth.token_cache import TokenCache
from cdk_extensions.backoff import RETRY_LOGGER, BackoffPolicy
from sandbox.fake_server import FakeServer, Fault, Request, Response
from sandbox.protocol import parse_output
from sandbox.pytest_plugin import FakeServerFactory
from sandbox.tokens import TokenIssuer, add_oauth_token_route

CONTACTS_SOURCE = Path(__file__).with_name("contacts_source.py")
CONTACTS = [{"id": str(number), "updatedAt": f"2024-01-0{number}T00:00:00Z"} for number in range(1, 6)]
TOKEN_PATH = "/oauth/v1/token"
RATE_LIMITED = {"status": "error", "message": "You have reached your ten_secondly_rolling limit."}


def contacts_page(request: Request) -> Response:
    """HubSpot-style paging: `limit` and `after` in, `results` and `paging.next.after` out."""
    after, limit = int(request.query.get("after", ["0"])[0]), int(request.query["limit"][0])
    body: dict[str, Any] = {"results": CONTACTS[after : after + limit]}
    if after + limit < len(CONTACTS):
        body["paging"] = {"next": {"after": str(after + limit)}}
    return Response.json(body)


def serve_contacts(server: FakeServer) -> FakeServer:
    server.add_route("GET", CONTACTS_PATH, contacts_page)
    return server


@pytest.fixture
def contacts_api(fake_server: FakeServerFactory) -> FakeServer:
    return serve_contacts(fake_server("contacts-api"))


@pytest.fixture
def retry_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=RETRY_LOGGER.name)
    return caplog


def read_all(api: FakeServer, policy: BackoffPolicy = FAST_POLICY) -> list[Any]:
    stream = Contacts(f"{api.url}/", hubspot_like_retry(policy))
    return list(stream.read_records(SyncMode.full_refresh))


def retries(retry_log: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in retry_log.records if record.name == RETRY_LOGGER.name]


def waits(retry_log: pytest.LogCaptureFixture) -> list[float]:
    return [record.retry_wait_seconds for record in retries(retry_log)]


def rate_limit_fault(**options: Any) -> Fault:
    headers = {"X-HubSpot-Correlation-Id": "corr-429"}
    return Fault.status(
        429, body={**RATE_LIMITED, "policyName": "TEN_SECONDLY_ROLLING"}, headers=headers, **options
    )


# --- retried failures: every record still arrives, exactly once -------------------------------


def test_429_with_retry_after_seconds_waits_what_the_server_asks(
    contacts_api: FakeServer, retry_log: pytest.LogCaptureFixture
) -> None:
    contacts_api.faults.add(rate_limit_fault(retry_after=1))
    assert read_all(contacts_api) == CONTACTS
    assert waits(retry_log) == [1.0]  # not the 0.05 s the jitter would have drawn
    assert retries(retry_log)[0].getMessage() == (
        "Retry 1/3 in 1.00s after HTTP 429 TEN_SECONDLY_ROLLING (request id: corr-429)."
    )


def test_429_with_retry_after_http_date_is_honoured_up_to_the_cap(
    contacts_api: FakeServer, retry_log: pytest.LogCaptureFixture
) -> None:
    contacts_api.faults.add(rate_limit_fault(retry_after=30, retry_after_as="http-date"))
    capped = dataclasses.replace(FAST_POLICY, max_wait_seconds=0.25)
    assert read_all(contacts_api, capped) == CONTACTS
    assert waits(retry_log) == [0.25]  # about 30 s asked, capped; the jitter would have drawn 0.05 s


def test_429_without_retry_after_backs_off_with_jitter(
    contacts_api: FakeServer, retry_log: pytest.LogCaptureFixture
) -> None:
    contacts_api.faults.add(rate_limit_fault())
    assert read_all(contacts_api) == CONTACTS
    assert waits(retry_log) == [0.05]  # 0.5 (pinned draw) x 0.1 s base


def test_a_5xx_burst_backs_off_exponentially_then_the_page_is_read(
    contacts_api: FakeServer, retry_log: pytest.LogCaptureFixture
) -> None:
    contacts_api.faults.add(Fault.status(503, times=3))
    assert read_all(contacts_api) == CONTACTS
    assert waits(retry_log) == [0.05, 0.1, 0.2]
    assert len(contacts_api.requests) == 3 + 3  # three failures, then the three pages


def test_a_connection_reset_mid_body_is_retried_and_the_page_read_again(
    contacts_api: FakeServer, retry_log: pytest.LogCaptureFixture
) -> None:
    contacts_api.faults.add(Fault.reset(every=2, times=1))  # the head and half of page 2, then a RST
    assert read_all(contacts_api) == CONTACTS
    (retry,) = retries(retry_log)
    assert "after ChunkedEncodingError" in retry.getMessage()  # the body broke off, no API verdict
    pages = [request.query.get("after", ["0"])[0] for request in contacts_api.requests]
    assert pages == ["0", "2", "2", "4"]


def test_an_expired_access_token_is_refreshed_once_then_the_page_is_read_again(
    fake_server: FakeServerFactory,
) -> None:
    """The API expires the token after the first page (its clock jumps); the connector's clock
    still trusts it, so only the 401 can tell it to refresh."""
    api_clock = [1_800_000_000.0]
    issuer = TokenIssuer(1800, clock=lambda: api_clock[0])
    api = fake_server("oauth-contacts-api")
    add_oauth_token_route(api, issuer, TOKEN_PATH)

    @api.route("GET", CONTACTS_PATH)
    def contacts_with_bearer_check(request: Request) -> Response:
        if not issuer.validate(request.headers.get("Authorization")):
            return Response.json({"category": "EXPIRED_AUTHENTICATION", "message": "expired"}, status=401)
        if "after" not in request.query:
            api_clock[0] += 1800  # the token that read the first page has now expired
        return contacts_page(request)

    credentials = {"client_id": "sandbox-client-id", "client_secret": "sandbox-client-secret"}
    config = {"credentials": {**credentials, "refresh_token": issuer.issue_refresh_token()}}
    authenticator = OAuth2RefreshTokenAuthenticator(config, api.url + TOKEN_PATH, cache=TokenCache())
    stream = Contacts(f"{api.url}/", hubspot_like_retry(), authenticator=authenticator)

    assert list(stream.read_records(SyncMode.full_refresh)) == CONTACTS
    calls = [(request.path, request.query.get("after", [""])[0]) for request in api.requests]
    assert calls == [
        (TOKEN_PATH, ""),
        (CONTACTS_PATH, ""),
        (CONTACTS_PATH, "2"),  # 401 EXPIRED_AUTHENTICATION
        (TOKEN_PATH, ""),  # one refresh ...
        (CONTACTS_PATH, "2"),  # ... and the same page again
        (CONTACTS_PATH, "4"),
    ]


# --- giving up -------------------------------------------------------------------------------


def test_persistent_5xx_gives_up_with_the_taxonomy_message(contacts_api: FakeServer) -> None:
    contacts_api.faults.add(Fault.status(502, times=10))
    with pytest.raises(AirbyteTracedException) as raised:
        read_all(contacts_api, BackoffPolicy(base_seconds=0.01, max_attempts=2))
    assert raised.value.failure_type == FailureType.transient_error
    assert raised.value.message == "HubSpot had a server error (502)."
    assert len(contacts_api.requests) == 2


def test_a_retry_after_beyond_the_elapsed_budget_gives_up_without_waiting(
    contacts_api: FakeServer, retry_log: pytest.LogCaptureFixture
) -> None:
    contacts_api.faults.add(rate_limit_fault(retry_after=3600))
    with pytest.raises(AirbyteTracedException) as raised:
        read_all(contacts_api, BackoffPolicy(max_elapsed_seconds=600))
    assert (
        raised.value.message
        == "HubSpot is rate limiting (You have reached your ten_secondly_rolling limit.)."
    )
    assert waits(retry_log) == []
    assert len(contacts_api.requests) == 1


def test_a_persistently_unreachable_api_is_a_transient_error(contacts_api: FakeServer) -> None:
    contacts_api.faults.add(Fault.reset(after_partial_body=False, times=10))
    with pytest.raises(AirbyteTracedException) as raised:
        read_all(contacts_api, BackoffPolicy(base_seconds=0.01, max_attempts=2))
    assert raised.value.failure_type == FailureType.transient_error
    assert raised.value.message == "Could not reach HubSpot after 2 attempts; try the sync again later."


@pytest.mark.parametrize(
    ("fault", "failure_type", "message"),
    [
        (
            Fault.status(
                403, body={"category": "MISSING_SCOPES", "message": "needs crm.objects.contacts.read"}
            ),
            FailureType.config_error,
            "The token may not read contacts (needs crm.objects.contacts.read).",
        ),
        (
            Fault.status(429, body={"message": "Daily limit reached.", "policyName": "DAILY"}),
            FailureType.transient_error,
            "HubSpot's daily API limit is used up (Daily limit reached.); the sync can resume tomorrow.",
        ),
    ],
    ids=["403", "429-daily"],
)
def test_non_retryable_failures_fail_at_once_through_the_taxonomy(
    contacts_api: FakeServer, fault: Fault, failure_type: FailureType, message: str
) -> None:
    contacts_api.faults.add(fault)
    with pytest.raises(AirbyteTracedException) as raised:
        read_all(contacts_api)
    assert (raised.value.failure_type, raised.value.message) == (failure_type, message)
    assert len(contacts_api.requests) == 1


# --- interpreting single responses -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "action"),
    [
        (200, {}, ResponseAction.SUCCESS),
        (429, {"policyName": "TEN_SECONDLY_ROLLING"}, ResponseAction.RATE_LIMITED),
        (500, {}, ResponseAction.RETRY),
        (504, {}, ResponseAction.RETRY),
        (403, {}, ResponseAction.FAIL),
        (404, {}, ResponseAction.FAIL),
        (429, {"policyName": "DAILY"}, ResponseAction.FAIL),
        (401, {"category": "EXPIRED_AUTHENTICATION"}, ResponseAction.REFRESH_TOKEN_THEN_RETRY),
        (401, {"category": "INVALID_AUTHENTICATION"}, ResponseAction.FAIL),
    ],
)
def test_response_actions(
    fake_server: FakeServerFactory, status: int, body: dict[str, str], action: ResponseAction
) -> None:
    server = fake_server("status")
    server.add_route("GET", "/", lambda _request: Response.json(body, status=status))
    assert (
        hubspot_like_retry().interpret_response(requests.get(server.url, timeout=5)).response_action == action
    )


# --- a whole CDK run: the retry line is a LOG message on stdout --------------------------------


def test_a_cdk_read_prints_the_retry_as_an_airbyte_log_message(
    contacts_api: FakeServer, tmp_path: Path
) -> None:
    contacts_api.faults.add(rate_limit_fault())
    config, catalog = tmp_path / "config.json", tmp_path / "catalog.json"
    config.write_text(json.dumps({"url_base": f"{contacts_api.url}/"}))
    stream = {"name": "contacts", "json_schema": {}, "supported_sync_modes": ["full_refresh"]}
    catalog.write_text(
        json.dumps(
            {
                "streams": [
                    {"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
                ]
            }
        )
    )
    completed = subprocess.run(
        [sys.executable, str(CONTACTS_SOURCE), "read", "--config", str(config), "--catalog", str(catalog)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr

    messages = parse_output(completed.stdout)  # every line must be a valid message
    logs = [message.log for message in messages if message.type == Type.LOG and message.log is not None]
    retry_lines = [log for log in logs if log.message.startswith("Retry 1/3 in 0.05s after HTTP 429")]
    assert [log.level for log in retry_lines] == [Level.INFO]
    # The CDK's own line for the same retry ("Rate limit exceeded", whatever the failure) is gone.
    assert not [log for log in logs if "UserDefinedBackoffException" in log.message]
    records = [message.record.data for message in messages if message.type == Type.RECORD and message.record]
    assert records == CONTACTS
    statuses = [
        message.trace.stream_status for message in messages if message.trace and message.trace.stream_status
    ]
    assert any(
        reason.type == AirbyteStreamStatusReasonType.RATE_LIMITED
        for status in statuses
        for reason in status.reasons or []
    )
