"""The fake HubSpot's rate limits, OAuth tokens and scopes, on a clock the tests move by hand."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from fake_hubspot_client import TEST_START, HubSpotApi

from sandbox.hubspot import FakeHubSpot, HubSpotScenario
from sandbox.virtual_clock import VirtualClock

SEARCH = "/crm/v3/objects/contacts/search"
OAUTH_FORM = {
    "grant_type": "refresh_token",
    "client_id": "sandbox-client-id",
    "client_secret": "sandbox-client-secret",
}
RATE_LIMIT_HEADERS = {
    "X-HubSpot-RateLimit-Max",
    "X-HubSpot-RateLimit-Remaining",
    "X-HubSpot-RateLimit-Interval-Milliseconds",
    "X-HubSpot-RateLimit-Daily",
    "X-HubSpot-RateLimit-Daily-Remaining",
}


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(TEST_START)


def start(fake_hubspot: Any, clock: VirtualClock, **scenario: Any) -> FakeHubSpot:
    server: FakeHubSpot = fake_hubspot(HubSpotScenario(contacts=100, **scenario), clock=clock)
    return server


def refresh(server: FakeHubSpot, refresh_token: str, **overrides: str) -> requests.Response:
    form = {**OAUTH_FORM, "refresh_token": refresh_token, **overrides}
    return requests.post(f"{server.url}/oauth/v1/token", data=form, timeout=10)


# --- rate limits ---------------------------------------------------------------------------------


def test_search_allows_five_requests_per_second(fake_hubspot: Any, clock: VirtualClock) -> None:
    api = HubSpotApi(start(fake_hubspot, clock))

    answers = [api.post(SEARCH, {}) for _ in range(6)]
    clock.now += 1.0
    after_a_second = api.post(SEARCH, {})

    assert [answer.status_code for answer in answers] == [200] * 5 + [429]
    limited = answers[-1]
    assert limited.json()["policyName"] == "SECONDLY"
    assert limited.json()["errorType"] == "RATE_LIMIT"
    assert limited.json()["message"] == "You have reached your secondly limit."
    assert "Retry-After" not in limited.headers
    assert not RATE_LIMIT_HEADERS & set(answers[0].headers), "search answers carry no rate-limit headers"
    assert after_a_second.status_code == 200


def test_retry_after_is_sent_when_the_scenario_asks_for_it(fake_hubspot: Any, clock: VirtualClock) -> None:
    api = HubSpotApi(start(fake_hubspot, clock, retry_after_seconds=2, burst_limit=1))

    search_limited = [api.post(SEARCH, {}) for _ in range(6)][-1]
    burst_limited = [api.get("/crm/v3/objects/contacts") for _ in range(2)][-1]

    assert (search_limited.status_code, search_limited.headers["Retry-After"]) == (429, "2")
    assert (burst_limited.status_code, burst_limited.headers["Retry-After"]) == (429, "2")


def test_burst_headers_count_down_in_a_rolling_window(fake_hubspot: Any, clock: VirtualClock) -> None:
    api = HubSpotApi(start(fake_hubspot, clock, burst_limit=3))

    answers = []
    for _ in range(4):
        answers.append(api.get("/crm/v3/objects/contacts", limit=1))
        clock.now += 1
    clock.now += 7  # 10 s after the first request: it leaves the window
    recovered = api.get("/crm/v3/objects/contacts", limit=1)

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert [answer.headers["X-HubSpot-RateLimit-Remaining"] for answer in answers] == ["2", "1", "0", "0"]
    assert answers[0].headers["X-HubSpot-RateLimit-Max"] == "3"
    assert answers[0].headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    body = answers[-1].json()
    assert (body["policyName"], body["errorType"]) == ("TEN_SECONDLY_ROLLING", "RATE_LIMIT")
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert recovered.status_code == 200


def test_daily_headers_go_to_private_apps_only(fake_hubspot: Any, clock: VirtualClock) -> None:
    server = start(fake_hubspot, clock, daily_limit=500)
    private = HubSpotApi(server).get("/crm/v3/owners")
    oauth = HubSpotApi(server, token=server.auth.issue_access_token()).get("/crm/v3/owners")

    assert (
        private.headers["X-HubSpot-RateLimit-Daily"],
        private.headers["X-HubSpot-RateLimit-Daily-Remaining"],
    ) == (
        "500",
        "499",
    )
    assert "X-HubSpot-RateLimit-Daily" not in oauth.headers
    assert oauth.headers["X-HubSpot-RateLimit-Max"] == "190"


def test_the_daily_budget_runs_out_until_midnight_in_the_account_time_zone(
    fake_hubspot: Any, clock: VirtualClock
) -> None:
    api = HubSpotApi(start(fake_hubspot, clock, daily_limit=3))

    usage = api.get("/account-info/v3/api-usage/daily/private-apps").json()["results"][0]
    answers = [api.get("/crm/v3/objects/contacts") for _ in range(3)]
    clock.now += 8 * 3600 + 59 * 60  # 23:59 in New York
    still_exhausted = api.get("/crm/v3/objects/contacts")
    clock.now += 60  # midnight in New York
    next_day = api.get("/crm/v3/objects/contacts")

    assert usage["resetsAt"] == "2025-03-11T04:00:00.000Z"  # midnight EDT
    assert (usage["usageLimit"], usage["currentUsage"]) == (3, 1)  # the usage call counts too
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    for exhausted in (answers[-1], still_exhausted):
        assert exhausted.json()["policyName"] == "DAILY"
        assert exhausted.json()["message"] == "You have reached your daily limit."
    assert next_day.status_code == 200


def test_account_details_give_the_time_zone_the_daily_limit_follows(
    fake_hubspot: Any, clock: VirtualClock
) -> None:
    details = HubSpotApi(start(fake_hubspot, clock)).get("/account-info/v3/details").json()

    assert (details["timeZone"], details["portalId"]) == ("America/New_York", 4_242_424)
    assert (details["utcOffset"], details["utcOffsetMilliseconds"]) == ("-04:00", -14_400_000)  # EDT


# --- authentication ----------------------------------------------------------------------------


def test_oauth_access_tokens_expire_after_30_minutes(fake_hubspot: Any, clock: VirtualClock) -> None:
    server = start(fake_hubspot, clock)
    grant = refresh(server, "sandbox-refresh-token").json()
    api = HubSpotApi(server, token=grant["access_token"])

    clock.now += 1799
    fresh = api.get("/crm/v3/objects/contacts")
    clock.now += 6
    expired = api.get("/crm/v3/objects/contacts")

    assert (grant["token_type"], grant["expires_in"]) == ("bearer", 1800)
    assert fresh.status_code == 200
    assert expired.status_code == 401
    body = expired.json()
    assert (body["status"], body["category"]) == ("error", "EXPIRED_AUTHENTICATION")
    assert body["message"] == "The OAuth token used to make this call expired 5 second(s) ago."
    assert body["correlationId"]


def test_refresh_without_rotation_keeps_the_refresh_token(fake_hubspot: Any, clock: VirtualClock) -> None:
    server = start(fake_hubspot, clock)

    first, second = (
        refresh(server, "sandbox-refresh-token").json(),
        refresh(server, "sandbox-refresh-token").json(),
    )

    assert first["refresh_token"] == second["refresh_token"] == "sandbox-refresh-token"
    assert first["access_token"] != second["access_token"]


def test_rotated_refresh_tokens_cannot_be_reused(fake_hubspot: Any, clock: VirtualClock) -> None:
    server = start(fake_hubspot, clock, rotate_refresh_tokens=True)

    grant = refresh(server, "sandbox-refresh-token").json()
    reused = refresh(server, "sandbox-refresh-token")
    rotated = refresh(server, grant["refresh_token"])

    assert grant["refresh_token"] != "sandbox-refresh-token"
    assert reused.status_code == 400
    assert reused.json()["status"] == "BAD_REFRESH_TOKEN"
    assert rotated.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "status"),
    [({"client_id": "someone-else"}, "BAD_CLIENT_ID"), ({"client_secret": "guess"}, "BAD_CLIENT_SECRET")],
)
def test_bad_client_credentials(
    fake_hubspot: Any, clock: VirtualClock, overrides: dict[str, str], status: str
) -> None:
    answer = refresh(start(fake_hubspot, clock), "sandbox-refresh-token", **overrides)

    assert (answer.status_code, answer.json()["status"]) == (400, status)


def test_access_token_info_tells_scopes_hub_and_remaining_lifetime(
    fake_hubspot: Any, clock: VirtualClock
) -> None:
    server = start(fake_hubspot, clock)
    token = refresh(server, "sandbox-refresh-token").json()["access_token"]
    clock.now += 600

    info = requests.get(f"{server.url}/oauth/v1/access-tokens/{token}", timeout=10).json()
    clock.now += 1200
    expired = requests.get(f"{server.url}/oauth/v1/access-tokens/{token}", timeout=10)

    assert (info["hub_id"], info["expires_in"], info["token_type"]) == (4_242_424, 1200, "access")
    assert "crm.objects.contacts.read" in info["scopes"]
    assert expired.json()["category"] == "EXPIRED_AUTHENTICATION"


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic c2FuZGJveDpzYW5kYm94"])
def test_missing_or_unknown_credentials(fake_hubspot: Any, clock: VirtualClock, header: str | None) -> None:
    server = start(fake_hubspot, clock)
    headers = {"Authorization": header} if header else {}

    answer = requests.get(f"{server.url}/crm/v3/objects/contacts", headers=headers, timeout=10)

    assert answer.status_code == 401
    assert answer.json()["category"] == "INVALID_AUTHENTICATION"
    assert answer.json()["message"].startswith("Authentication credentials not found.")


def test_missing_scopes_are_named_in_the_403(fake_hubspot: Any, clock: VirtualClock) -> None:
    server = start(fake_hubspot, clock, scopes=("crm.objects.contacts.read", "crm.objects.companies.read"))
    api = HubSpotApi(server)

    emails = api.get("/crm/v3/objects/emails")
    contacts = api.get("/crm/v3/objects/contacts")
    company_properties = api.get("/crm/v3/properties/companies")
    token_info = api.post(
        "/oauth/v2/private-apps/get/access-token-info", {"tokenKey": server.scenario.private_app_token}
    )

    assert contacts.status_code == 200
    assert emails.status_code == 403
    body = emails.json()
    assert (body["status"], body["category"]) == ("error", "MISSING_SCOPES")
    assert body["message"].startswith("This app hasn't been granted all required scopes to make this call.")
    assert body["errors"] == [
        {
            "message": "One or more of the following scopes are required.",
            "context": {"requiredGranularScopes": ["crm.objects.contacts.read", "sales-email-read"]},
        }
    ]
    assert company_properties.json()["errors"][0]["context"]["requiredGranularScopes"] == [
        "crm.schemas.companies.read"
    ]
    assert token_info.json()["scopes"] == ["crm.objects.companies.read", "crm.objects.contacts.read"]
