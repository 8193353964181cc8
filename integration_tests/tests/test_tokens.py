"""Expiring tokens and the OAuth2 refresh_token endpoint, through real HTTP."""

from __future__ import annotations

import pytest
import requests

from sandbox.fake_server import FakeServer, Request, Response
from sandbox.pytest_plugin import FakeServerFactory
from sandbox.tokens import InvalidGrant, TokenIssuer, add_oauth_token_route
from sandbox.virtual_clock import VirtualClock

CLIENT = {"client_id": "sandbox-client-id", "client_secret": "sandbox-client-secret"}


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(1_000_000.0)


def refresh(server: FakeServer, refresh_token: str, **overrides: str) -> requests.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, **CLIENT, **overrides}
    return requests.post(f"{server.url}/oauth/v1/token", data=form, timeout=5)


def test_access_token_is_valid_until_its_lifetime_ends(clock: VirtualClock) -> None:
    issuer = TokenIssuer(lifetime_seconds=1800, clock=clock)
    token = issuer.issue_access_token()

    assert issuer.validate(f"Bearer {token}")
    clock.now += 1799
    assert issuer.validate(f"bearer {token}").status == "valid"
    clock.now += 1
    check = issuer.validate(f"Bearer {token}")
    assert not check
    assert check.status == "expired"


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, "missing"),
        ("", "missing"),
        ("Basic abc", "malformed"),
        ("Bearer ", "malformed"),
        ("Bearer nope", "unknown"),
    ],
)
def test_bad_authorization_headers(header: str | None, status: str) -> None:
    assert TokenIssuer(60).validate(header).status == status


def test_revoked_access_token(clock: VirtualClock) -> None:
    issuer = TokenIssuer(60, clock=clock)
    token = issuer.issue_access_token()

    issuer.revoke(token)

    assert issuer.validate(f"Bearer {token}").status == "revoked"


def test_refresh_without_rotation_keeps_the_refresh_token(clock: VirtualClock) -> None:
    issuer = TokenIssuer(60, clock=clock)
    refresh_token = issuer.issue_refresh_token("demo-refresh-token")

    first, second = issuer.refresh(refresh_token), issuer.refresh(refresh_token)

    assert first.refresh_token == second.refresh_token == "demo-refresh-token"
    assert first.access_token != second.access_token
    assert first.expires_in == 60


def test_rotation_invalidates_the_used_refresh_token(clock: VirtualClock) -> None:
    issuer = TokenIssuer(60, clock=clock, rotate_refresh_tokens=True)
    original = issuer.issue_refresh_token()

    rotated = issuer.refresh(original).refresh_token

    assert rotated != original
    with pytest.raises(InvalidGrant):
        issuer.refresh(original)
    assert issuer.refresh(rotated).refresh_token not in (original, rotated)


def test_revoked_refresh_token_is_an_invalid_grant() -> None:
    issuer = TokenIssuer(60)
    refresh_token = issuer.issue_refresh_token()
    issuer.revoke(refresh_token)

    with pytest.raises(InvalidGrant):
        issuer.refresh(refresh_token)


@pytest.fixture
def issuer(clock: VirtualClock) -> TokenIssuer:
    return TokenIssuer(lifetime_seconds=1800, clock=clock, rotate_refresh_tokens=True)


@pytest.fixture
def api(fake_server: FakeServerFactory, issuer: TokenIssuer) -> FakeServer:
    """A protected endpoint plus the token endpoint, as the HubSpot fake will combine them."""
    server = fake_server("oauth-api")
    add_oauth_token_route(server, issuer)

    @server.route("GET", "/crm/v3/objects/contacts")
    def contacts(request: Request) -> Response:
        check = issuer.validate(request.headers.get("Authorization"))
        if not check:
            return Response.json({"status": "error", "category": check.status.upper()}, status=401)
        return Response.json({"results": []})

    return server


def test_refresh_grant_over_http_then_call_then_expiry(
    api: FakeServer, issuer: TokenIssuer, clock: VirtualClock
) -> None:
    answer = refresh(api, issuer.issue_refresh_token())

    assert answer.status_code == 200
    grant = answer.json()
    assert set(grant) == {"access_token", "expires_in", "refresh_token", "token_type"}
    assert (grant["expires_in"], grant["token_type"]) == (1800, "bearer")
    headers = {"Authorization": f"Bearer {grant['access_token']}"}
    assert requests.get(f"{api.url}/crm/v3/objects/contacts", headers=headers).status_code == 200
    clock.now += 1800
    expired = requests.get(f"{api.url}/crm/v3/objects/contacts", headers=headers)
    assert (expired.status_code, expired.json()["category"]) == (401, "EXPIRED")


def test_rotated_away_refresh_token_is_invalid_grant_over_http(api: FakeServer, issuer: TokenIssuer) -> None:
    original = issuer.issue_refresh_token()
    assert refresh(api, original).ok

    answer = refresh(api, original)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_unknown_refresh_token_is_invalid_grant(api: FakeServer) -> None:
    answer = refresh(api, "never-issued")

    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize("overrides", [{"client_secret": "wrong"}, {"client_id": "someone-else"}])
def test_wrong_client_is_invalid_client(
    api: FakeServer, issuer: TokenIssuer, overrides: dict[str, str]
) -> None:
    answer = refresh(api, issuer.issue_refresh_token(), **overrides)

    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")


def test_client_credentials_as_http_basic_auth(api: FakeServer, issuer: TokenIssuer) -> None:
    form = {"grant_type": "refresh_token", "refresh_token": issuer.issue_refresh_token()}
    auth = (CLIENT["client_id"], CLIENT["client_secret"])

    assert requests.post(f"{api.url}/oauth/v1/token", data=form, auth=auth).status_code == 200
    garbled = requests.post(f"{api.url}/oauth/v1/token", data=form, headers={"Authorization": "Basic %%%"})
    assert garbled.json()["error"] == "invalid_client"


def test_other_grant_types_and_missing_refresh_token(api: FakeServer, issuer: TokenIssuer) -> None:
    password_grant = refresh(api, issuer.issue_refresh_token(), grant_type="password")
    missing = requests.post(
        f"{api.url}/oauth/v1/token", data={"grant_type": "refresh_token", **CLIENT}, timeout=5
    )

    assert (password_grant.status_code, password_grant.json()["error"]) == (400, "unsupported_grant_type")
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
