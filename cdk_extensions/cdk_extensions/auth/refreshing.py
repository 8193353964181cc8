"""An access token that renews itself shortly before it expires, once for all threads.

Concurrent streams share one credential. When its token is about to expire they must not all
call the token endpoint: with rotating refresh tokens (HubSpot may rotate them) every call but
the first would present an already-used refresh token. So renewals are serialised per
credential key, and a thread that waited re-reads the cache before deciding to refresh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

from cdk_extensions.auth.token_cache import CachedToken, TokenCache
from cdk_extensions.secrets import register_secret

# Google's clients treat a token as expired 3 min 45 s before its expiry; renewing earlier than
# that keeps them from asking again on every request.
DEFAULT_MARGIN = timedelta(minutes=5)

FetchToken = Callable[[CachedToken | None], CachedToken]
"""Obtains a new token from the provider; receives the previous one (possibly expired), whose
`refresh_token` is the latest one when the provider rotates them."""

_locks_guard = threading.Lock()
_locks_by_key: dict[str, threading.Lock] = {}


def _lock_for(cache_key: str) -> threading.Lock:
    """One lock per credential, shared by every RefreshingToken of the process using it."""
    with _locks_guard:
        return _locks_by_key.setdefault(cache_key, threading.Lock())


class RefreshingToken:
    """The current access token of one credential, fetched through `fetch` only when the cached
    one expires within `margin`."""

    def __init__(
        self,
        cache_key: str,
        fetch: FetchToken,
        cache: TokenCache,
        margin: timedelta = DEFAULT_MARGIN,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._cache_key = cache_key
        self._fetch = fetch
        self._cache = cache
        self._margin_seconds = margin.total_seconds()
        self._clock = clock
        self._lock = _lock_for(cache_key)

    def current(self) -> CachedToken:
        """A token valid for at least `margin`, refreshing it if needed."""
        token = self._cache.get(self._cache_key)
        if token is not None and self._is_fresh(token):
            return _registered(token)
        with self._lock:
            token = self._cache.get(self._cache_key)  # another thread may have refreshed meanwhile
            if token is not None and self._is_fresh(token):
                return _registered(token)
            return self._refresh(token)

    def force_refresh(self, rejected_access_token: str | None) -> CachedToken:
        """A new token after the API rejected `rejected_access_token` (401), unless another thread
        already replaced it."""
        with self._lock:
            token = self._cache.get(self._cache_key)
            if token is not None and token.access_token != rejected_access_token:
                return _registered(token)
            return self._refresh(token)

    def _is_fresh(self, token: CachedToken) -> bool:
        return self._clock() + self._margin_seconds < token.expires_at

    def _refresh(self, previous: CachedToken | None) -> CachedToken:
        token = _registered(self._fetch(previous))
        self._cache.put(self._cache_key, token)
        return token


def _registered(token: CachedToken) -> CachedToken:
    """Tokens obtained at run time are secrets too: mask them in every log line and trace."""
    register_secret(token.access_token)
    if token.refresh_token:
        register_secret(token.refresh_token)
    return token
