"""The one pooled `requests.Session` a connector sends all its API calls through.

It owns what every request needs and a plain `requests` call forgets: a timeout (requests waits
forever by default), a bounded connection pool, gzip, an honest User-Agent, and optionally a
`RateBudget` that paces every request (retries included) and learns from every response.
urllib3's own retries are off: `http_retry` decides about retries, and two retry layers would
multiply attempts and hide failures from the sync log.

`SessionHttpStream` plugs the session into a CDK `HttpStream`.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Callable, Mapping
from importlib.metadata import version

import requests
from airbyte_cdk.sources.message.repository import InMemoryMessageRepository
from airbyte_cdk.sources.streams.http import HttpStream
from airbyte_cdk.sources.streams.http.http_client import HttpClient
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from cdk_extensions.rate_budget import DEFAULT_GROUP, RateBudget

Timeout = tuple[float, float]  # (connect, read) seconds, as requests takes it
DEFAULT_TIMEOUT: Timeout = (10.0, 120.0)


class _ConnectorAdapter(HTTPAdapter):
    """Applies the default timeout and the rate budget to every request it sends."""

    def __init__(
        self,
        timeout: Timeout,
        budget: RateBudget | None,
        endpoint_group: Callable[[requests.PreparedRequest], str],
        pool_connections: int,
        pool_maxsize: int,
    ) -> None:
        super().__init__(pool_connections=pool_connections, pool_maxsize=pool_maxsize, max_retries=0)
        self._timeout = timeout
        self._budget = budget
        self._endpoint_group = endpoint_group

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        group = self._endpoint_group(request)
        if self._budget is not None:
            self._budget.acquire(group)
        response = super().send(
            request, stream, self._timeout if timeout is None else timeout, verify, cert, proxies
        )
        if self._budget is not None:
            self._budget.adapt_from_headers(group, response.headers)
        return response


def connector_session(
    connector_name: str,
    connector_version: str,
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
    pool_connections: int = 4,
    pool_maxsize: int = 20,
    rate_budget: RateBudget | None = None,
    endpoint_group: Callable[[requests.PreparedRequest], str] = lambda _request: DEFAULT_GROUP,
    headers: Mapping[str, str] | None = None,
) -> requests.Session:
    """A session for one connector: share it between all its streams (and threads).

    `pool_connections` is how many hosts keep a pool, `pool_maxsize` how many connections each
    pool keeps open: make it at least the number of concurrent workers. `endpoint_group` names
    the `rate_budget` group of a request (e.g. "search" for HubSpot's CRM search API).
    """
    session = requests.Session()
    adapter = _ConnectorAdapter(timeout, rate_budget, endpoint_group, pool_connections, pool_maxsize)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update(
        {
            "User-Agent": user_agent(connector_name, connector_version),
            "Accept-Encoding": "gzip, deflate",
            **(headers or {}),
        }
    )
    return session


def user_agent(connector_name: str, connector_version: str) -> str:
    """`source-hubspot/1.2.0 (airbyte-cdk/7.39.1)`: lets API owners see who calls them."""
    return f"{connector_name}/{connector_version} (airbyte-cdk/{version('airbyte-cdk')})"


class SessionHttpStream(HttpStream, ABC):
    """An `HttpStream` whose requests go through a session made by `connector_session`.

    HttpStream builds its `HttpClient` without a way to pass a session, while `HttpClient` takes
    one. The least invasive hook is therefore to rebuild the client exactly as HttpStream does,
    with our session. The CDK's own `api_budget` and response cache are not used: `RateBudget`
    paces requests in the session instead. The session's `auth` is set to `authenticator`,
    so streams sharing a session must share the authenticator too.
    """

    def __init__(self, session: requests.Session, authenticator: AuthBase | None = None) -> None:
        super().__init__(authenticator=authenticator)
        self._http_client = HttpClient(
            name=self.name,
            logger=self.logger,
            error_handler=self.get_error_handler(),
            session=session,
            authenticator=authenticator,
            backoff_strategy=self.get_backoff_strategy(),
            message_repository=InMemoryMessageRepository(),
        )
