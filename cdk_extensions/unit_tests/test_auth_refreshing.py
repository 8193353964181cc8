from __future__ import annotations

from datetime import timedelta

from cdk_extensions.auth.refreshing import RefreshingToken
from cdk_extensions.auth.token_cache import CachedToken, TokenCache

NOW = 1_800_000_000.0


class CountingProvider:
    """Hands out token-1, token-2, ... each valid for an hour, and remembers what it was given."""

    def __init__(self) -> None:
        self.previous_tokens: list[CachedToken | None] = []

    def fetch(self, previous: CachedToken | None) -> CachedToken:
        self.previous_tokens.append(previous)
        number = len(self.previous_tokens)
        return CachedToken(f"token-{number}", NOW + 3600, refresh_token=f"refresh-{number}")


def refreshing(provider: CountingProvider, cache: TokenCache, margin: timedelta) -> RefreshingToken:
    return RefreshingToken("credential", provider.fetch, cache, margin=margin, clock=lambda: NOW)


def test_the_margin_is_configurable() -> None:
    provider = CountingProvider()
    cache = TokenCache()
    cache.put("credential", CachedToken("cached", NOW + 600))

    assert refreshing(provider, cache, timedelta(minutes=5)).current().access_token == "cached"
    assert refreshing(provider, cache, timedelta(minutes=15)).current().access_token == "token-1"


def test_a_refresh_receives_the_previous_token_with_its_rotated_refresh_token() -> None:
    provider = CountingProvider()
    cache = TokenCache()
    expired = CachedToken("old", NOW - 1, refresh_token="rotated-earlier")
    cache.put("credential", expired)

    refreshing(provider, cache, timedelta(minutes=5)).current()

    assert provider.previous_tokens == [expired]


def test_a_forced_refresh_is_skipped_when_the_rejected_token_was_already_replaced() -> None:
    provider = CountingProvider()
    token = refreshing(provider, TokenCache(), timedelta(minutes=5))
    first = token.current()

    second = token.force_refresh(rejected_access_token=first.access_token)
    assert second.access_token == "token-2"
    # A second thread that saw the same rejection finds the token replaced: no new fetch.
    assert token.force_refresh(rejected_access_token=first.access_token) == second
    assert len(provider.previous_tokens) == 2
