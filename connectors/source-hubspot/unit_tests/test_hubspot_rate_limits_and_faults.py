"""Rate limits and failures: paced before HubSpot refuses, retried when it does, and every sync
that HubSpot lets finish ends with the complete record set. The daily limit stops the sync
cleanly: states kept, the stream INCOMPLETE, a transient_error saying when the limit resets.

Every retried failure costs a real second here: the CDK sleeps one second more than asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, FailureType, OrchestratorType, SyncMode, Type
from hubspot_harness import HubSpotSandbox, Output, resume_state

from sandbox.fake_server import Fault, Request, Response
from sandbox.hubspot import HubSpotScenario
from source_hubspot.streams.crm_object import ReadSettings

Start = Callable[..., HubSpotSandbox]
FULL, INCREMENTAL = SyncMode.full_refresh, SyncMode.incremental
DATA_START = "2015-01-01T00:00:00Z"
SMALL_PAGES = ReadSettings(list_page_size=50, search_page_size=50, checkpoint_interval=100)
ACCOUNT = HubSpotScenario(contacts=1_000, shared_timestamp_contacts=120, owners=3)
SEARCH = r"/crm/v3/objects/contacts/search"
LIST = r"/crm/v3/objects/companies"


def live_ids(sandbox: HubSpotSandbox, object_name: str) -> list[str]:
    store = sandbox.fake.store(object_name)
    return sorted(str(store.id_of(index)) for index in store.snapshot().live_by_id)


def read_both(sandbox: HubSpotSandbox, config: dict[str, Any], **options: Any) -> Output:
    """contacts through the search (incremental), companies through the list (full refresh)."""
    return sandbox.read(config, {"contacts": INCREMENTAL, "companies": FULL}, settings=SMALL_PAGES, **options)


def assert_complete(sandbox: HubSpotSandbox, output: Output) -> None:
    assert output.failure is None, output.errors()
    for stream in ("contacts", "companies"):
        ids = output.record_ids(stream)
        assert sorted(ids) == live_ids(sandbox, stream) and len(ids) == len(set(ids)), stream
        assert output.statuses(stream)[-1] == AirbyteStreamStatus.COMPLETE


def config(sandbox: HubSpotSandbox) -> dict[str, Any]:
    return sandbox.private_app_config(
        start_date=DATA_START, objects=[{"name": "contacts", "properties": ["email"]}]
    )


# --- paced before HubSpot refuses --------------------------------------------------------------


def test_searches_never_exceed_five_per_second(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(ACCOUNT)
    moments: list[float] = []
    fake = sandbox.fake

    def timed_search(request: Request) -> Response:
        moments.append(fake.clock())
        return fake.search(request)

    fake.add_route("POST", "/crm/v3/objects/{object_type}/search", timed_search)
    output = sandbox.read(config(sandbox), {"contacts": INCREMENTAL}, settings=SMALL_PAGES)

    assert output.retries() == []
    assert len(moments) > 20
    busiest = max(sum(1 for later in moments if start <= later < start + 1.0) for start in moments)
    assert busiest == 5  # HubSpot's limit, used fully


def test_the_burst_limit_in_the_headers_is_followed(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(replace(ACCOUNT, contacts=3_000, burst_limit=12))
    output = sandbox.read(config(sandbox), {"companies": FULL, "deals": FULL}, settings=SMALL_PAGES)

    assert output.retries() == []  # 12 requests per 10 s, learned from the first answer
    assert sorted(output.record_ids("deals")) == live_ids(sandbox, "deals")


def test_requests_of_other_apps_count_against_the_burst_limit(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(replace(ACCOUNT, contacts=3_000, burst_limit=12))
    fake = sandbox.fake

    def busy_neighbour(request: Request) -> Response:
        """Another app of the account spends 8 of the 12 requests just before our first one."""
        for _ in range(8):
            fake.limits.admit(search=False, private_app=True)
        return fake.account_details(request)

    fake.add_route("GET", "/account-info/v3/details", busy_neighbour)
    output = sandbox.read(config(sandbox), {"deals": FULL}, settings=SMALL_PAGES)

    assert output.retries() == []
    assert sorted(output.record_ids("deals")) == live_ids(sandbox, "deals")


# --- retried when HubSpot refuses: the fault matrix --------------------------------------------

RATE_LIMITED = {"status": "error", "errorType": "RATE_LIMIT", "message": "You have reached your limit."}
# Each fault fires twice on the search and once on the list; every retry costs the CDK's second.
FAULTS = {
    "429 with Retry-After": [
        Fault.status(
            429, body={**RATE_LIMITED, "policyName": "SECONDLY"}, retry_after=1, path=SEARCH, every=3, times=2
        ),
        Fault.status(
            429, body={**RATE_LIMITED, "policyName": "TEN_SECONDLY_ROLLING"}, retry_after=1, path=LIST
        ),
    ],
    "429 without Retry-After": [
        Fault.status(429, body={**RATE_LIMITED, "policyName": "SECONDLY"}, path=SEARCH, every=4, times=2),
        Fault.status(
            429, body={**RATE_LIMITED, "policyName": "TEN_SECONDLY_ROLLING"}, path=LIST, every=2, times=1
        ),
    ],
    "5xx bursts": [
        Fault.status(502, body=b"<html>Bad Gateway</html>", path=SEARCH, every=5, times=2),
        Fault.status(503, path=LIST, every=2, times=1),
    ],
    "connection reset mid-page": [
        Fault.reset(path=SEARCH, every=4, times=2),
        Fault.reset(path=LIST, every=2, times=1),
    ],
}


@pytest.mark.parametrize("faults", FAULTS.values(), ids=FAULTS.keys())
def test_every_fault_ends_with_the_complete_record_set(hubspot_sandbox: Start, faults: list[Fault]) -> None:
    sandbox = hubspot_sandbox(ACCOUNT)
    for fault in faults:
        sandbox.fake.faults.add(fault)

    output = read_both(sandbox, config(sandbox))

    assert_complete(sandbox, output)
    assert sum(sandbox.fake.faults.fired.values()) >= 2
    assert len(output.retries()) == sum(sandbox.fake.faults.fired.values())


def test_an_access_token_expiring_mid_sync_is_refreshed(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(ACCOUNT)
    fake, lists = sandbox.fake, []

    def list_then_expire(request: Request) -> Response:
        lists.append(request)
        if len(lists) == 2:  # half an hour passes for HubSpot: the token dies
            sandbox.clock.advance(fake.scenario.access_token_lifetime_seconds + 1)
        return fake.list_objects(request)

    fake.add_route("GET", "/crm/v3/objects/{object_type}", list_then_expire)
    output = read_both(sandbox, sandbox.oauth_config(start_date=DATA_START))

    assert_complete(sandbox, output)
    token_requests = [request for request in fake.requests if request.path == "/oauth/v1/token"]
    assert len(token_requests) == 2  # the first token, and one refresh after the 401
    rejected, retried = lists[1], lists[2]
    assert retried.query == rejected.query  # the same page again ...
    assert retried.headers["Authorization"] != rejected.headers["Authorization"]  # ... with a new token


def test_a_private_app_token_expiring_mid_sync_stops_the_stream_at_once(hubspot_sandbox: Start) -> None:
    """Nothing renews a private app's token (it expires once rotated): no refresh, no retry."""
    sandbox = hubspot_sandbox()
    expired = {
        "category": "EXPIRED_AUTHENTICATION",
        "message": "The access token used to make this call expired.",
    }
    sandbox.fake.faults.add(Fault.status(401, body=expired, path=SEARCH, times=100))  # rotated mid-sync
    output = sandbox.read(config(sandbox), {"contacts": INCREMENTAL})

    (error,) = [error for error in output.errors() if error.stream_descriptor is not None]
    assert error.failure_type == FailureType.config_error
    assert error.message.startswith("HubSpot says the private app's access token expired (The access token")
    assert "Paste the private app's current access token into the source" in error.message
    assert output.statuses("contacts")[-1] == AirbyteStreamStatus.INCOMPLETE
    searches = [request for request in sandbox.fake.requests if request.path == SEARCH]
    assert len(searches) == 1 and output.retries() == []


def test_a_rotated_refresh_token_is_announced_and_used(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(replace(ACCOUNT, rotate_refresh_tokens=True))
    fake = sandbox.fake
    sent = 0

    def expire_every_few_searches(request: Request) -> Response:
        nonlocal sent
        sent += 1
        if sent % 12 == 0:
            sandbox.clock.advance(fake.scenario.access_token_lifetime_seconds + 1)
        return fake.search(request)

    fake.add_route("POST", "/crm/v3/objects/{object_type}/search", expire_every_few_searches)
    oauth = sandbox.oauth_config(start_date=DATA_START)
    output = read_both(sandbox, oauth)

    assert_complete(sandbox, output)
    announced = [message.control for message in output.of_type(Type.CONTROL) if message.control]
    assert len(announced) >= 2
    for control in announced:
        assert control.type == OrchestratorType.CONNECTOR_CONFIG
        announced_config = control.connectorConfig.config
        assert announced_config["start_date"] == DATA_START  # the whole config, for the platform to store
    sent_tokens = [
        request.form()["refresh_token"] for request in fake.requests if request.path == "/oauth/v1/token"
    ]
    newest = [control.connectorConfig.config["credentials"]["refresh_token"] for control in announced]
    assert sent_tokens == [oauth["credentials"]["refresh_token"], *newest[:-1]]


# --- failures that stop the sync ---------------------------------------------------------------


def test_the_daily_limit_stops_the_sync_cleanly_and_it_resumes_the_next_day(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(replace(ACCOUNT, daily_limit=15))
    # The streams read in turn, so which one meets the limit is known (at once: test_hubspot_concurrency.py).
    output = read_both(sandbox, {**config(sandbox), "num_worker": 1})

    contacts_states = output.states("contacts")
    assert contacts_states, "the progress reached is saved"
    assert output.statuses("contacts")[-1] == AirbyteStreamStatus.INCOMPLETE
    assert output.statuses("companies") == []  # not started: it could only have failed the same way
    errors = output.errors()
    assert {error.failure_type for error in errors} == {FailureType.transient_error}
    midnight = datetime.fromtimestamp(sandbox.clock(), ZoneInfo("America/New_York")).date() + timedelta(
        days=1
    )
    for error in errors:
        assert error.message.startswith("HubSpot's daily API request limit for this account is used up.")
        assert f"It resets at {midnight:%Y-%m-%d} 00:00 America/New_York" in error.message
    assert "Traceback" not in " ".join(error.message for error in errors)

    next_day = datetime.combine(midnight, datetime.min.time(), ZoneInfo("America/New_York")).timestamp()
    sandbox.clock.now = next_day  # the budget refills at the account's midnight ...
    sandbox.fake.limits.daily.limit = 1_000_000  # ... and this time it is enough
    resumed = read_both(sandbox, config(sandbox), state=resume_state("contacts", contacts_states[-1]))
    committed = [
        message.record.data["id"]
        for message in output.messages[
            : max(i for i, m in enumerate(output.messages) if m.type == Type.STATE)
        ]
        if message.type == Type.RECORD and message.record and message.record.stream == "contacts"
    ]
    combined = committed + resumed.record_ids("contacts")
    assert sorted(combined) == live_ids(sandbox, "contacts") and len(combined) == len(set(combined))


@pytest.mark.parametrize(
    ("status", "body", "failure_type", "message"),
    [
        (
            401,
            {"category": "INVALID_AUTHENTICATION", "message": "Authentication credentials not found."},
            FailureType.config_error,
            "HubSpot rejected the source's credentials (Authentication credentials not found.). "
            "Re-authenticate the source",
        ),
        (
            403,
            {
                "category": "MISSING_SCOPES",
                "message": "This app hasn't been granted all required scopes to make this call.",
                "errors": [{"context": {"requiredGranularScopes": ["crm.objects.contacts.read"]}}],
            },
            FailureType.config_error,
            "The HubSpot app this source uses lacks the scopes crm.objects.contacts.read. Grant them",
        ),
        (
            400,
            {"category": "VALIDATION_ERROR", "message": "There was a problem with the request."},
            FailureType.system_error,
            "HubSpot rejected a request the connector built (There was a problem with the request.)",
        ),
        (
            414,
            b"<html>414 Request-URI Too Large</html>",
            FailureType.system_error,
            "A request to HubSpot had too long",
        ),
    ],
    ids=["401", "403-missing-scopes", "400", "414"],
)
def test_failures_that_no_retry_fixes_stop_the_stream_with_an_actionable_message(
    hubspot_sandbox: Start, status: int, body: Any, failure_type: FailureType, message: str
) -> None:
    sandbox = hubspot_sandbox()
    sandbox.fake.faults.add(Fault.status(status, body=body, path=SEARCH))
    output = sandbox.read(config(sandbox), {"contacts": INCREMENTAL})

    stream_errors = [error for error in output.errors() if error.stream_descriptor is not None]
    (error,) = stream_errors
    assert error.failure_type == failure_type
    assert error.message.startswith(message)
    assert output.statuses("contacts")[-1] == AirbyteStreamStatus.INCOMPLETE
    assert output.retries() == []


def test_a_400_on_a_search_with_user_filters_is_the_users_to_fix(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    sandbox.fake.faults.add(
        Fault.status(400, body={"category": "VALIDATION_ERROR", "message": "Bad filter."}, path=SEARCH)
    )
    has_email = {"propertyName": "email", "operator": "HAS_PROPERTY"}
    settings = {"name": "contacts", "properties": ["email"], "filters": [{"filters": [has_email]}]}
    output = sandbox.read(sandbox.private_app_config(objects=[settings]), {"contacts": INCREMENTAL})

    (error,) = [error for error in output.errors() if error.stream_descriptor is not None]
    assert error.failure_type == FailureType.config_error
    assert error.message.startswith("HubSpot's search rejected the request made with this object's filters")


def test_a_stream_lacking_scopes_fails_its_read_naming_them(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(
        replace(ACCOUNT, scopes=("crm.objects.contacts.read", "crm.schemas.contacts.read"))
    )
    output = sandbox.read(config(sandbox), {"contacts": INCREMENTAL, "deals": FULL}, settings=SMALL_PAGES)

    assert sorted(output.record_ids("contacts")) == live_ids(sandbox, "contacts")
    (error,) = [error for error in output.errors() if error.stream_descriptor is not None]
    assert error.stream_descriptor.name == "deals"
    assert error.failure_type == FailureType.config_error
    assert "lacks the scopes crm.schemas.deals.read" in error.message
    assert output.statuses("deals")[-1] == AirbyteStreamStatus.INCOMPLETE
