"""Auth against the fake's token endpoint, which verifies every service-account JWT with the key's
public half: the key's token_uri is honoured, and one cached access token serves a whole command
(the official client alone would sign a self-signed JWT per request and never ask for a token)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from airbyte_cdk.models import FailureType, Status
from ga4_harness import Ga4Sandbox

from sandbox.ga4 import FakeGA4, GA4Options


def api_authorizations(fake: FakeGA4) -> list[str]:
    return [
        request.headers.get("Authorization") or ""
        for request in fake.requests
        if request.path.startswith(("/v1beta/", "/v1alpha/"))
    ]


def token_grants(fake: FakeGA4) -> list[str]:
    return [request.form().get("grant_type", "") for request in fake.requests if request.path == "/token"]


def test_a_service_account_gets_one_access_token_from_its_token_uri(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox()

    output = sandbox.check(sandbox.service_account_config())

    assert output.connection_status.status == Status.SUCCEEDED
    assert token_grants(sandbox.fake) == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    authorizations = api_authorizations(sandbox.fake)
    assert len(authorizations) == 3  # metadata of properties/0 and of both properties
    assert len(set(authorizations)) == 1
    assert authorizations[0].count(".") == 0  # an issued access token, not a self-signed JWT


def test_oauth_credentials_refresh_once_at_the_token_endpoint(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    sandbox = ga4_sandbox()

    output = sandbox.check(sandbox.oauth_config())

    assert output.connection_status.status == Status.SUCCEEDED
    assert token_grants(sandbox.fake) == ["refresh_token"]


def test_the_next_command_reuses_the_cached_token(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    sandbox = ga4_sandbox()
    config = sandbox.service_account_config()

    sandbox.check(config)
    sandbox.discover(config)

    assert len(token_grants(sandbox.fake)) == 1


def test_a_revoked_refresh_token_is_a_config_error_asking_to_re_authenticate(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox()

    output = sandbox.check(sandbox.oauth_config(refresh_token="revoked-refresh-token"))

    status = output.connection_status
    assert status.status == Status.FAILED
    assert "re-authenticate the source" in status.message
    assert [error.failure_type for error in output.errors()] == [FailureType.config_error]
    assert api_authorizations(sandbox.fake) == []


def test_a_key_google_does_not_know_is_refused_by_the_token_endpoint(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox()
    config = sandbox.service_account_config()
    other_fake_key = sandbox.fake.new_service_account().info | {"private_key_id": "deleted-key"}
    config["credentials"]["credentials_json"] = json.dumps(other_fake_key)

    output = sandbox.check(config)

    status = output.connection_status
    assert status.status == Status.FAILED
    assert "check that its key is still active" in status.message
    assert "PRIVATE KEY" not in str(status.message)


@pytest.mark.parametrize(("elapsed", "tokens"), [(500, 1), (700, 2)])
def test_the_token_is_renewed_only_when_it_nears_expiry(
    ga4_sandbox: Callable[..., Ga4Sandbox], elapsed: float, tokens: int
) -> None:
    """Tokens of 15 minutes, renewed 5 minutes before they expire."""
    sandbox = ga4_sandbox(GA4Options(days=10, cardinality=2, token_lifetime_seconds=900))
    config = sandbox.service_account_config()
    sandbox.check(config)

    sandbox.clock.sleep(elapsed)
    output = sandbox.read(config, ["daily_active_users"])

    assert output.errors() == []
    assert len(token_grants(sandbox.fake)) == tokens
