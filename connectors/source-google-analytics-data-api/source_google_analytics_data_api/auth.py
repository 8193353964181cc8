"""The google-auth credentials the Data API clients get, with their access tokens from our cache.

Given service-account credentials, the official client would never ask the token endpoint: it
signs a new self-signed JWT for itself (`always_use_jwt_access`). We want the key's `token_uri`
honoured and one access token, kept in the shared encrypted cache, serving the whole sync (and
the next one while it is valid). So the clients get `cached_google_credentials`: plain
credentials that carry the cached token and renew it, once for all streams, shortly before it
expires.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import google.auth
import google.auth.credentials
import google.auth.exceptions
import google.oauth2.credentials
import google.oauth2.service_account
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.auth.google import cached_google_credentials
from cdk_extensions.auth.token_cache import TokenCache
from cdk_extensions.google_credentials import (
    GoogleCredentials,
    OAuthClient,
    ServiceAccountKey,
    service_account_info,
)

ANALYTICS_READONLY_SCOPE = "https://www.googleapis.com/auth/analytics.readonly"


def google_credentials(
    credentials: GoogleCredentials | None,
    *,
    cache: TokenCache | None = None,
    clock: Callable[[], float] = time.time,
) -> google.auth.credentials.Credentials:
    """Credentials for the Data API clients; application default credentials when none are configured."""
    if isinstance(credentials, ServiceAccountKey):
        key = google.oauth2.service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            service_account_info(credentials.credentials_json), scopes=[ANALYTICS_READONLY_SCOPE]
        )
        return cached_google_credentials(key, cache=cache, clock=clock)
    if isinstance(credentials, OAuthClient):
        user = google.oauth2.credentials.Credentials(  # type: ignore[no-untyped-call]
            token=None,
            refresh_token=credentials.refresh_token.get_secret_value(),
            client_id=credentials.client_id,
            client_secret=credentials.client_secret.get_secret_value(),
            token_uri=credentials.token_uri,
            scopes=[ANALYTICS_READONLY_SCOPE],
        )
        return cached_google_credentials(user, cache=cache, clock=clock)
    # Inside Google Cloud: the environment's own credentials, which google-auth renews itself.
    try:
        default, _project = google.auth.default(scopes=[ANALYTICS_READONLY_SCOPE])
    except google.auth.exceptions.DefaultCredentialsError as error:
        raise AirbyteTracedException(
            message=(
                "No credentials are configured and this environment has no Google application default "
                "credentials. Configure a service account key or sign in with Google (OAuth)."
            ),
            internal_message=str(error),
            failure_type=FailureType.config_error,
        ) from error
    return default
