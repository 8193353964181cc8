"""Bearer authentication from an OAuth2 refresh token, for `HttpStream`s (HubSpot).

Compared with the CDK's `Oauth2Authenticator`: the access token survives restarts (encrypted
cache), all streams of a process refresh it once, and a refresh token the provider rotates is
both remembered in the cache and announced to the platform with a CONTROL message carrying the
full connector config, as the CDK's `SingleUseRefreshTokenOauth2Authenticator` does.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import dpath
import requests
from airbyte_cdk.config_observation import emit_configuration_as_airbyte_control_message
from airbyte_cdk.models import FailureType  # type: ignore[attr-defined]  # re-exported via a star import
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from requests.auth import AuthBase

from cdk_extensions.auth.refreshing import DEFAULT_MARGIN, RefreshingToken
from cdk_extensions.auth.token_cache import CachedToken, TokenCache, credential_key, shared_token_cache
from cdk_extensions.auth.token_endpoint import TOKEN_ENDPOINT_BACKOFF, request_token
from cdk_extensions.backoff import BackoffPolicy
from cdk_extensions.secrets import register_secret

DEFAULT_LIFETIME_SECONDS = 1800  # HubSpot's; used when the answer has no expires_in


class OAuth2RefreshTokenAuthenticator(AuthBase):
    """Adds `Authorization: Bearer <access token>` to each request, refreshing the token through
    the `grant_type=refresh_token` form POST to `token_url` shortly before it expires.

    The config paths default to the official HubSpot connector's `credentials` object. The CDK's
    HttpClient calls `refresh_and_set_access_token` when the API rejects a token.
    """

    def __init__(
        self,
        config: Mapping[str, Any],
        token_url: str,
        *,
        client_id_path: Sequence[str] = ("credentials", "client_id"),
        client_secret_path: Sequence[str] = ("credentials", "client_secret"),
        refresh_token_path: Sequence[str] = ("credentials", "refresh_token"),
        cache: TokenCache | None = None,
        margin: timedelta = DEFAULT_MARGIN,
        clock: Callable[[], float] = time.time,
        retry_policy: BackoffPolicy = TOKEN_ENDPOINT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self._config = copy.deepcopy(dict(config))  # the copy we update and announce on rotation
        self._token_url = token_url
        self._refresh_token_path = list(refresh_token_path)
        self._client_id = _config_value(self._config, client_id_path)
        self._client_secret = _config_value(self._config, client_secret_path)
        configured_refresh_token = _config_value(self._config, refresh_token_path)
        register_secret(self._client_secret)
        register_secret(configured_refresh_token)
        self._clock = clock
        self._retry_policy = retry_policy
        self._sleep = sleep
        self._session = session or requests.Session()
        self._token = RefreshingToken(
            credential_key("oauth2-refresh-token", token_url, self._client_id, configured_refresh_token),
            self._fetch,
            cache or shared_token_cache(),
            margin,
            clock,
        )
        self._last_access_token: str | None = None
        self._last_access_token_guard = threading.Lock()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(self.get_auth_header())
        return request

    def get_auth_header(self) -> Mapping[str, str]:
        access_token = self._token.current().access_token
        with self._last_access_token_guard:
            self._last_access_token = access_token
        return {"Authorization": f"Bearer {access_token}"}

    def refresh_and_set_access_token(self) -> None:
        """Replace the token the API just rejected, unless another thread already did."""
        with self._last_access_token_guard:
            rejected = self._last_access_token  # read before waiting for the refresh lock
        self._token.force_refresh(rejected)

    def _fetch(self, previous: CachedToken | None) -> CachedToken:
        """Runs under the credential's refresh lock."""
        refresh_token = (previous and previous.refresh_token) or self._configured_refresh_token()
        answer = request_token(
            self._session,
            self._token_url,
            {
                "grant_type": "refresh_token",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
                "refresh_token": refresh_token,
            },
            policy=self._retry_policy,
            sleep=self._sleep,
        )
        next_refresh_token = answer.get("refresh_token") or refresh_token
        if next_refresh_token != self._configured_refresh_token():
            self._announce_refresh_token(next_refresh_token)
        return CachedToken(
            access_token=answer["access_token"],
            expires_at=self._clock() + _lifetime_seconds(answer),
            refresh_token=next_refresh_token,
        )

    def _configured_refresh_token(self) -> str:
        return _config_value(self._config, self._refresh_token_path)

    def _announce_refresh_token(self, refresh_token: str) -> None:
        """The old refresh token may be dead already: the platform must store the new one."""
        dpath.set(self._config, self._refresh_token_path, refresh_token)
        emit_configuration_as_airbyte_control_message(self._config)


def _config_value(config: Mapping[str, Any], path: Sequence[str]) -> str:
    value = dpath.get(config, list(path), default=None)  # type: ignore[arg-type]  # dpath wants MutableMapping
    if not isinstance(value, str) or not value:
        raise AirbyteTracedException(
            message=f"The config has no {'.'.join(path)}; set it in the source's OAuth credentials.",
            failure_type=FailureType.config_error,
        )
    return value


def _lifetime_seconds(answer: Mapping[str, Any]) -> float:
    expires_in = answer.get("expires_in", DEFAULT_LIFETIME_SECONDS)
    try:
        return float(expires_in)
    except (TypeError, ValueError) as error:
        raise AirbyteTracedException(
            message="The OAuth token endpoint answered with an unreadable token lifetime.",
            internal_message=f"expires_in={expires_in!r}",
            failure_type=FailureType.system_error,
        ) from error
