"""How the fake-GA4 tests talk to the fake: the official client over REST, or raw JSON."""

from __future__ import annotations

import time
from typing import Any

import requests
from google.analytics.data_v1alpha import AlphaAnalyticsDataClient
from google.analytics.data_v1beta import BetaAnalyticsDataClient
from google.auth.credentials import Credentials
from google.oauth2 import credentials as oauth2
from google.oauth2 import service_account

from sandbox.ga4 import ANALYTICS_READONLY_SCOPE, FakeGA4, ServiceAccountKey
from sandbox.virtual_clock import VirtualClock


def service_account_credentials(key: ServiceAccountKey) -> service_account.Credentials:
    return service_account.Credentials.from_service_account_info(key.info, scopes=[ANALYTICS_READONLY_SCOPE])


def oauth_credentials(ga4: FakeGA4) -> oauth2.Credentials:
    """User credentials of the fake's OAuth client: google-auth refreshes them at the fake."""
    return oauth2.Credentials(
        token=None,
        refresh_token=ga4.new_refresh_token(),
        client_id=ga4.options.oauth_client.client_id,
        client_secret=ga4.options.oauth_client.client_secret,
        token_uri=ga4.token_uri,
        scopes=[ANALYTICS_READONLY_SCOPE],
    )


def beta_client(ga4: FakeGA4, credentials: Credentials | None = None) -> BetaAnalyticsDataClient:
    """The official v1beta client on its REST transport, aimed at the fake."""
    credentials = credentials or service_account_credentials(ga4.new_service_account())
    return BetaAnalyticsDataClient(
        transport="rest", credentials=credentials, client_options={"api_endpoint": ga4.url}
    )


def alpha_client(ga4: FakeGA4, credentials: Credentials | None = None) -> AlphaAnalyticsDataClient:
    credentials = credentials or service_account_credentials(ga4.new_service_account())
    return AlphaAnalyticsDataClient(
        transport="rest", credentials=credentials, client_options={"api_endpoint": ga4.url}
    )


def access_token(ga4: FakeGA4) -> str:
    """A bearer token from the fake's token endpoint (OAuth refresh grant)."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": ga4.new_refresh_token(),
        "client_id": ga4.options.oauth_client.client_id,
        "client_secret": ga4.options.oauth_client.client_secret,
    }
    answer = requests.post(ga4.token_uri, data=form, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def post_raw(
    ga4: FakeGA4, path: str, body: dict[str, Any], token: str | None, *, integer_enums: bool = True
) -> requests.Response:
    """POST JSON as the REST transport does, to see exactly what the fake answers."""
    params = {"$alt": "json;enum-encoding=int"} if integer_enums else {}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{ga4.url}{path}", json=body, params=params, headers=headers, timeout=30)


def real_time_clock() -> VirtualClock:
    """A clock the test moves by hand. It starts at the real time, because google-auth stamps
    the JWTs it signs with the real time and the fake checks them against this clock."""
    return VirtualClock(time.time())
