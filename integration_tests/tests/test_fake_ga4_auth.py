"""The fake's token endpoint verifies service-account JWTs like Google's, and the API accepts
only live credentials."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
import requests
from fake_ga4_client import (
    beta_client,
    oauth_credentials,
    post_raw,
    real_time_clock,
    service_account_credentials,
)
from google.analytics.data_v1beta import types as beta
from google.api_core import exceptions
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2 import credentials as oauth2

from sandbox.ga4 import (
    ANALYTICS_READONLY_SCOPE,
    FakeGA4,
    GA4Options,
    ServiceAccountKey,
    generate_service_account,
)
from sandbox.pytest_plugin import FakeServerFactory

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def small_report(ga4: FakeGA4) -> beta.RunReportRequest:
    return beta.RunReportRequest(
        property=f"properties/{ga4.property_ids[0]}",
        dimensions=[beta.Dimension(name="date")],
        metrics=[beta.Metric(name="activeUsers")],
        date_ranges=[beta.DateRange(start_date="7daysAgo", end_date="yesterday")],
    )


def signed_assertion(key: ServiceAccountKey, now: float, **claims: Any) -> str:
    """A JWT-bearer assertion as google-auth makes it, with `claims` changed."""
    payload = {
        "iss": key.client_email,
        "aud": key.info["token_uri"],
        "scope": ANALYTICS_READONLY_SCOPE,
        "iat": int(now),
        "exp": int(now) + 3600,
        **claims,
    }
    return jwt.encode(payload, key.info["private_key"], algorithm="RS256", headers={"kid": key.key_id})


def token_request(ga4: FakeGA4, assertion: str) -> requests.Response:
    return requests.post(ga4.token_uri, data={"grant_type": JWT_BEARER, "assertion": assertion}, timeout=10)


def test_service_account_jwt_grant_gives_a_token_the_api_accepts(fake_ga4: FakeGA4) -> None:
    credentials = service_account_credentials(fake_ga4.new_service_account())

    credentials.refresh(AuthRequest())
    response = beta_client(fake_ga4, oauth2.Credentials(credentials.token)).run_report(small_report(fake_ga4))

    assert response.row_count == 7
    form = parse_qs(next(request for request in fake_ga4.requests if request.path == "/token").body.decode())
    assert form["grant_type"] == [JWT_BEARER]
    claims = jwt.decode(form["assertion"][0], options={"verify_signature": False})
    assert claims["aud"] == "https://oauth2.googleapis.com/token"  # google-auth's, whatever the token_uri
    assert claims["scope"] == ANALYTICS_READONLY_SCOPE
    assert fake_ga4.requests[-1].headers["Authorization"] == f"Bearer {credentials.token}"


def test_the_official_client_s_self_signed_jwt_is_accepted_without_the_token_endpoint(
    fake_ga4: FakeGA4,
) -> None:
    beta_client(fake_ga4).run_report(small_report(fake_ga4))

    assert [request.path for request in fake_ga4.requests] == [
        f"/v1beta/properties/{fake_ga4.property_ids[0]}:runReport"
    ]
    assert fake_ga4.requests[0].headers["Authorization"].count(".") == 2  # a JWT, not an issued token


def test_a_jwt_signed_with_another_key_is_refused(fake_ga4: FakeGA4) -> None:
    key = fake_ga4.new_service_account()
    impostor = generate_service_account(fake_ga4.token_uri)
    forged = ServiceAccountKey({**key.info, "private_key": impostor.info["private_key"]}, key.public_key_pem)

    with pytest.raises(RefreshError, match="Invalid JWT Signature"):
        service_account_credentials(forged).refresh(AuthRequest())
    with pytest.raises(exceptions.Unauthorized):
        beta_client(fake_ga4, service_account_credentials(forged)).run_report(small_report(fake_ga4))
    with pytest.raises(exceptions.Unauthorized):  # a key the fake was never told about
        beta_client(fake_ga4, service_account_credentials(impostor)).run_report(small_report(fake_ga4))


@pytest.mark.parametrize(
    ("claims", "error", "description"),
    [
        ({"aud": "https://example.com/token"}, "invalid_grant", "Failed audience check"),
        ({"scope": "https://www.googleapis.com/auth/bigquery"}, "invalid_scope", "Invalid OAuth scope"),
        (
            {"iss": "someone-else@sandbox-project.iam.gserviceaccount.com"},
            "invalid_grant",
            "account not found",
        ),
        ({"exp": int(time.time()) + 7200}, "invalid_grant", "short-lived token"),
        (
            {"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600},
            "invalid_grant",
            "short-lived token",
        ),
        (
            {"iat": int(time.time()) + 3600, "exp": int(time.time()) + 4000},
            "invalid_grant",
            "short-lived token",
        ),
    ],
    ids=[
        "wrong audience",
        "no analytics scope",
        "unknown issuer",
        "lives over an hour",
        "expired",
        "from the future",
    ],
)
def test_assertions_with_bad_claims_are_refused(
    fake_ga4: FakeGA4, claims: dict[str, Any], error: str, description: str
) -> None:
    key = fake_ga4.new_service_account()

    answer = token_request(fake_ga4, signed_assertion(key, time.time(), **claims))

    assert answer.status_code == 400
    assert answer.json()["error"] == error
    assert description in answer.json()["error_description"]
    assert token_request(fake_ga4, signed_assertion(key, time.time())).status_code == 200


def test_issued_access_tokens_expire_on_the_fake_s_clock(fake_server: FakeServerFactory) -> None:
    clock = real_time_clock()
    ga4 = fake_server(FakeGA4, options=GA4Options(token_lifetime_seconds=600), clock=clock)
    key = ga4.new_service_account()
    grant = token_request(ga4, signed_assertion(key, clock.now)).json()
    body = {"metrics": [{"name": "activeUsers"}], "dateRanges": [{"startDate": "today", "endDate": "today"}]}
    path = f"/v1beta/properties/{ga4.property_ids[0]}:runReport"

    assert grant["expires_in"] == 600 and grant["token_type"] == "Bearer"
    clock.now += 599
    assert post_raw(ga4, path, body, grant["access_token"]).status_code == 200
    clock.now += 1
    expired = post_raw(ga4, path, body, grant["access_token"])
    assert expired.status_code == 401
    assert expired.json()["error"]["status"] == "UNAUTHENTICATED"
    assert expired.json()["error"]["details"][0]["reason"] == "ACCESS_TOKEN_EXPIRED"
    assert post_raw(ga4, path, body, "made-up-token").status_code == 401


def test_oauth_user_credentials_refresh_at_the_fake_when_their_token_expires(
    fake_server: FakeServerFactory,
) -> None:
    clock = real_time_clock()
    ga4 = fake_server(FakeGA4, options=GA4Options(token_lifetime_seconds=600), clock=clock)
    client = beta_client(ga4, oauth_credentials(ga4))

    client.run_report(small_report(ga4))
    clock.now += 601  # the fake expired the token; google-auth still thinks it is fresh
    client.run_report(small_report(ga4))

    paths = [request.path for request in ga4.requests]
    report_path = small_report(ga4).property + ":runReport"
    assert paths == [
        "/token",
        f"/v1beta/{report_path}",
        f"/v1beta/{report_path}",
        "/token",
        f"/v1beta/{report_path}",
    ]
    assert parse_qs(ga4.requests[0].body.decode())["grant_type"] == ["refresh_token"]


def test_refresh_grant_needs_the_right_client_and_a_live_refresh_token(fake_ga4: FakeGA4) -> None:
    credentials = oauth_credentials(fake_ga4)
    wrong_secret = oauth2.Credentials(
        None,
        refresh_token=credentials.refresh_token,
        client_id=credentials.client_id,
        client_secret="not-the-secret",
        token_uri=fake_ga4.token_uri,
    )

    with pytest.raises(RefreshError, match="invalid_client"):
        wrong_secret.refresh(AuthRequest())
    fake_ga4.authenticator.issuer.revoke(credentials.refresh_token)
    with pytest.raises(RefreshError, match="Token has been expired or revoked"):
        credentials.refresh(AuthRequest())
