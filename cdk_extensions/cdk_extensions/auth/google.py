"""google-auth credentials (GA4, BigQuery) whose access tokens go through our cache and lock.

A google-auth credentials object refreshes its own token, per object and per process. Wrapped
here, a restarted sync reuses a still-valid token from the encrypted cache and concurrent
threads refresh once. The wrapper is itself a `google.auth.credentials.Credentials`: pass it to
the Google clients as usual.

Only this module imports google-auth, and nothing imports this module implicitly: connectors
without Google never load it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import google.auth.credentials
import google.auth.exceptions
import google.auth.transport.requests
import google.oauth2.credentials
import google.oauth2.service_account
from airbyte_cdk.models import FailureType  # type: ignore[attr-defined]  # re-exported via a star import
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.auth.refreshing import DEFAULT_MARGIN, RefreshingToken
from cdk_extensions.auth.token_cache import CachedToken, TokenCache, credential_key, shared_token_cache

DEFAULT_LIFETIME_SECONDS = 3600  # Google's; used when a token comes without an expiry


def cached_google_credentials(
    credentials: google.auth.credentials.Credentials,
    *,
    cache: TokenCache | None = None,
    margin: timedelta = DEFAULT_MARGIN,
    clock: Callable[[], float] = time.time,
) -> google.auth.credentials.Credentials:
    """Wrap scoped service-account or OAuth user credentials. Scopes must be set before wrapping:
    the clients cannot add their default scopes to the wrapper."""
    return CachedGoogleCredentials(credentials, cache or shared_token_cache(), margin, clock)


class CachedGoogleCredentials(google.auth.credentials.Credentials):
    """Credentials whose `refresh` takes the token from the cache, or from the wrapped
    credentials under the credential's refresh lock."""

    def __init__(
        self,
        wrapped: google.auth.credentials.Credentials,
        cache: TokenCache,
        margin: timedelta,
        clock: Callable[[], float],
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # google-auth is partly typed
        self._wrapped = wrapped
        self._clock = clock
        self._quota_project_id = wrapped.quota_project_id
        self._universe_domain = wrapped.universe_domain
        # Our own transport: the refresh may run on behalf of another thread's request.
        self._transport = google.auth.transport.requests.Request()
        self._token = RefreshingToken(_cache_key(wrapped), self._fetch, cache, margin, clock)

    def refresh(self, request: Any) -> None:
        token = self._token.current()
        self.token = token.access_token
        self.expiry = datetime.fromtimestamp(token.expires_at, UTC).replace(
            tzinfo=None
        )  # naive UTC, as google

    def _fetch(self, previous: CachedToken | None) -> CachedToken:
        try:
            self._wrapped.refresh(self._transport)  # type: ignore[no-untyped-call]
        except google.auth.exceptions.GoogleAuthError as error:
            raise _traced(error) from error
        expiry: datetime | None = self._wrapped.expiry
        expires_at = (
            expiry.replace(tzinfo=UTC).timestamp() if expiry else self._clock() + DEFAULT_LIFETIME_SECONDS
        )
        return CachedToken(access_token=str(self._wrapped.token), expires_at=expires_at)


def _cache_key(credentials: google.auth.credentials.Credentials) -> str:
    """The identity of a credential: who, with which key, for which scopes."""
    if isinstance(credentials, google.oauth2.service_account.Credentials):
        return credential_key(
            "google-service-account",
            credentials.service_account_email,
            credentials.signer.key_id or "",
            # Domain-wide delegation: one token per impersonated user (no public accessor).
            credentials._subject or "",
            _scopes_text(credentials.scopes),
        )
    if isinstance(credentials, google.oauth2.credentials.Credentials):
        return credential_key(
            "google-authorized-user",
            credentials.client_id or "",
            credentials.refresh_token or "",
            _scopes_text(credentials.scopes),
        )
    raise TypeError(
        f"cannot cache tokens of {type(credentials).__name__}: not a service account or OAuth user"
    )


def _scopes_text(scopes: Any) -> str:
    return " ".join(sorted(scopes or ()))


def _traced(error: google.auth.exceptions.GoogleAuthError) -> AirbyteTracedException:
    if isinstance(error, google.auth.exceptions.TransportError) or error.retryable:
        return AirbyteTracedException(
            message="Google's token endpoint could not be reached; the sync can be retried later.",
            internal_message=f"{type(error).__name__}: {error}",
            failure_type=FailureType.transient_error,
            exception=error,
        )
    return AirbyteTracedException(
        message=(
            "Google rejected this source's credentials. For a service account, check that its key "
            "is still active and has access; for OAuth, re-authenticate the source."
        ),
        internal_message=f"{type(error).__name__}: {error}",
        failure_type=FailureType.config_error,
        exception=error,
    )
