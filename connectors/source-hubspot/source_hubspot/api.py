"""`HubSpotApi`: the one connection to HubSpot that every stream of a sync shares.

It owns what no stream should decide alone: the base URL, one pooled session, the credentials
(an OAuth refresh token renewed through the shared token cache, or a private app's token), the
account's rate budget and the retry policy. Streams ask it for JSON (`get`, `post`); requests are
paced BEFORE HubSpot would answer 429:
- "search": HubSpot's CRM search allows 5 requests per second per account, and its answers carry
  no rate-limit headers, so the budget is fixed;
- everything else ("default") starts at HubSpot's smallest burst limit (100 per 10 s) and follows
  the `X-HubSpot-RateLimit-Max` / `-Interval-Milliseconds` / `-Remaining` headers of each answer.

Streams read at once (`num_worker`) call it from several threads: the rate budget, the token
refresh (one for all threads) and the session's pool are thread-safe; its own mutable parts are
guarded here (see `HubSpotApi`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import ErrorHandler, ErrorResolution, ResponseAction
from airbyte_cdk.sources.streams.http.http_client import HttpClient
from airbyte_cdk.sources.streams.http.requests_native_auth import TokenAuthenticator
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from requests.auth import AuthBase

from cdk_extensions.auth.oauth2 import OAuth2RefreshTokenAuthenticator
from cdk_extensions.backoff import BackoffPolicy
from cdk_extensions.errors import ApiFailure, ErrorTaxonomy
from cdk_extensions.http_retry import HttpRetry
from cdk_extensions.http_session import connector_session
from cdk_extensions.rate_budget import DEFAULT_GROUP, Rate, RateBudget
from source_hubspot.config import HubspotConfig, OAuthCredentials
from source_hubspot.errors import (
    DAILY_LIMIT,
    OAUTH_ERRORS,
    PRIVATE_APP_ERRORS,
    ErrorTables,
    describe_failure,
    required_scopes,
)

CONNECTOR_NAME = "source-hubspot"
SEARCH_GROUP = "search"
# 5 per second as HubSpot documents, counted over 1.1 s: our clock and HubSpot's see each request
# at slightly different moments, and a 6th request must never land inside one of HubSpot's seconds.
SEARCH_RATE = Rate(5, per=1.1)
# The smallest burst limit HubSpot documents (Free and Starter accounts); the first answer's
# headers replace it with the account's own.
STARTING_BURST_RATE = Rate(100, per=10.0)
TOKEN_PATH = "/oauth/v1/token"
ACCOUNT_DETAILS_PATH = "/account-info/v3/details"
NOT_STREAM_SPECIFIC = "hubspot"  # names the HTTP client of requests that serve no one stream

logger = logging.getLogger("airbyte")


class HubSpotApi:
    """One sync's connection to HubSpot (see the module docstring).

    `clock` and `sleep` drive the rate budget (monotonic seconds), `backoff` the retries,
    `wall_clock` (epoch seconds) dates the daily limit's reset: tests inject the clock of the fake
    HubSpot, so that pacing costs no real time.

    Thread safety: the HTTP clients are created under a lock; `time_zone` is learned before the
    streams start; `daily_limit_failure` is only ever set, by whichever thread meets the limit
    first (every later one would say the same).
    """

    def __init__(
        self,
        config: HubspotConfig,
        raw_config: Mapping[str, Any],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
        backoff: BackoffPolicy | None = None,
    ) -> None:
        self.base_url = config.api_base_url
        self._wall_clock = wall_clock
        self.budget = RateBudget(
            {SEARCH_GROUP: SEARCH_RATE, DEFAULT_GROUP: STARTING_BURST_RATE}, clock=clock, sleep=sleep
        )
        self.authenticator = hubspot_authenticator(config, raw_config)
        oauth = isinstance(config.credentials, OAuthCredentials)
        self.errors: ErrorTables = OAUTH_ERRORS if oauth else PRIVATE_APP_ERRORS
        self.session = connector_session(
            CONNECTOR_NAME,
            version(CONNECTOR_NAME),
            rate_budget=self.budget,
            endpoint_group=_endpoint_group,
            # Each stream read at once may hold two connections: a page's batch read while the
            # next page is prefetched (`pages`). Fewer would open and drop connections all along.
            pool_maxsize=max(2 * config.num_worker, 4),
        )
        self.session.auth = self.authenticator
        self._backoff = backoff or BackoffPolicy()
        self._clients: dict[tuple[str, int, bool], HttpClient] = {}
        self._clients_lock = threading.Lock()
        self.time_zone: ZoneInfo | None = None
        self.daily_limit_failure: ApiFailure | None = None  # set when HubSpot's daily limit runs out

    # --- requests -------------------------------------------------------------------------------

    def get(
        self, path: str, params: Mapping[str, Any] | None = None, *, stream: str = NOT_STREAM_SPECIFIC
    ) -> Any:
        """The JSON answer of a GET, retried as the error table says, or the table's error."""
        return _json(self._send("GET", path, params=params, stream=stream))

    def post(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        stream: str = NOT_STREAM_SPECIFIC,
        user_filters: bool = False,
    ) -> Any:
        """The JSON answer of a POST; `user_filters` for a search carrying the user's filters."""
        errors = self.errors.user_filter_searches if user_filters else self.errors.requests
        return _json(self._send("POST", path, body=body, stream=stream, errors=errors))

    def pages(self, path: str, params: Mapping[str, Any], *, stream: str) -> Iterator[Any]:
        """Every page of a list endpoint, following HubSpot's `paging.next.after` cursor.

        The next page is already requested while the caller works on the current one, so
        HubSpot's time to answer and ours to emit records overlap instead of adding up.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{stream}-next-page") as prefetch:
            pending: Future[Any] | None = prefetch.submit(self.get, path, params, stream=stream)
            while pending is not None:
                page = pending.result()
                after = ((page.get("paging") or {}).get("next") or {}).get("after")
                pending = (
                    prefetch.submit(self.get, path, {**params, "after": after}, stream=stream)
                    if after
                    else None
                )
                yield page

    def get_unless_forbidden(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The JSON answer of a GET, or `Forbidden` with the scopes HubSpot's 403 names.

        For scope probes and optional metadata; any other failure is raised as usual.
        """
        response = self._send("GET", path, params=params, stream=NOT_STREAM_SPECIFIC, probe=True)
        if response.status_code != requests.codes.forbidden:
            return _json(response)
        try:
            return Forbidden(required_scopes(response.json()))
        except ValueError:
            return Forbidden([])

    def learn_account_time_zone(self) -> None:
        """Remember the account's time zone, so a daily-limit error can say when the limit resets.

        Asked at the start of a read because, once the daily limit is used up, HubSpot answers
        nothing else. Best effort: without it, the message says "midnight in the account's time zone".
        """
        try:
            details = self.get(ACCOUNT_DETAILS_PATH)
            self.time_zone = ZoneInfo(str(details["timeZone"]))
        except (AirbyteTracedException, KeyError, TypeError, ValueError, ZoneInfoNotFoundError) as error:
            logger.info(f"HubSpot's account time zone is unknown ({error}); continuing without it.")

    # --- plumbing -------------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        stream: str,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        errors: ErrorTaxonomy | None = None,
        probe: bool = False,
    ) -> requests.Response:
        client = self._client(stream, errors or self.errors.requests, probe)
        _request, response = client.send_request(
            method, f"{self.base_url}{path}", request_kwargs={}, params=params, json=body
        )
        return response

    def _client(self, stream: str, errors: ErrorTaxonomy, probe: bool) -> HttpClient:
        """One CDK HttpClient per stream (it names the stream in RATE_LIMITED status messages)."""
        key = (stream, id(errors), probe)
        with self._clients_lock:
            if key not in self._clients:
                self._clients[key] = self._new_client(stream, errors, probe)
            return self._clients[key]

    def _new_client(self, stream: str, errors: ErrorTaxonomy, probe: bool) -> HttpClient:
        retry = HttpRetry(self._backoff, errors, describe=self._describe, api_name="HubSpot")
        handler: ErrorHandler = _AcceptForbidden(retry) if probe else retry
        return HttpClient(
            name=stream,
            logger=logger,
            error_handler=handler,
            session=self.session,
            authenticator=self.authenticator,
            backoff_strategy=retry,
        )

    def _describe(self, response: requests.Response) -> ApiFailure:
        failure = describe_failure(response, self.time_zone, datetime.fromtimestamp(self._wall_clock(), UTC))
        if failure.reason == DAILY_LIMIT:
            self.daily_limit_failure = failure  # the source stops the sync: every further request fails
        return failure


@dataclass(frozen=True)
class Forbidden:
    """HubSpot's 403 answer to a request: the scopes it says the request needs ([] if it names none)."""

    scopes: list[str]


def hubspot_authenticator(config: HubspotConfig, raw_config: Mapping[str, Any]) -> AuthBase:
    """OAuth: an access token from the refresh token (cached, renewed, rotation announced); private
    app: its access token as a bearer token."""
    credentials = config.credentials
    if isinstance(credentials, OAuthCredentials):
        return OAuth2RefreshTokenAuthenticator(raw_config, f"{config.api_base_url}{TOKEN_PATH}")
    return TokenAuthenticator(credentials.access_token.get_secret_value())


class _AcceptForbidden(ErrorHandler):
    """For scope probes: a 403 is the answer sought, not a failure; the rest is handled as usual."""

    def __init__(self, retry: HttpRetry) -> None:
        self._retry = retry

    @property
    def max_retries(self) -> int | None:
        return self._retry.max_retries

    @property
    def max_time(self) -> int | None:
        return self._retry.max_time

    def interpret_response(self, response_or_exception: Any = None) -> ErrorResolution:
        if (
            isinstance(response_or_exception, requests.Response)
            and response_or_exception.status_code == requests.codes.forbidden
        ):
            return ErrorResolution(ResponseAction.IGNORE, error_message="Missing scopes (probe).")
        return self._retry.interpret_response(response_or_exception)


def _endpoint_group(request: requests.PreparedRequest) -> str:
    path = request.path_url.partition("?")[0]
    return SEARCH_GROUP if request.method == "POST" and path.endswith("/search") else DEFAULT_GROUP


def _json(response: requests.Response) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError as error:
        raise AirbyteTracedException(
            message="HubSpot answered with something other than JSON. Report this with the sync logs.",
            internal_message=f"HTTP {response.status_code} from {response.url}: {response.text[:300]!r}",
            failure_type=FailureType.system_error,
        ) from error
