"""The refresh-token authenticator against a real OAuth token endpoint and API on 127.0.0.1."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from airbyte_cdk.models import FailureType, OrchestratorType, Type
from airbyte_cdk.sources.streams.http.error_handlers import HttpStatusErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.sources.streams.http.http_client import HttpClient
from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from cryptography.fernet import Fernet

from cdk_extensions.auth.oauth2 import OAuth2RefreshTokenAuthenticator
from cdk_extensions.auth.token_cache import TokenCache
from cdk_extensions.auth.token_endpoint import request_token
from cdk_extensions.backoff import BackoffPolicy
from sandbox.fake_server import FakeServer, Fault, Request, Response
from sandbox.protocol import parse_messages
from sandbox.tokens import TokenIssuer, add_oauth_token_route
from sandbox.virtual_clock import VirtualClock

TOKEN_PATH = "/oauth/v1/token"
LIFETIME = 1800  # HubSpot access tokens live 30 minutes
START = 1_800_000_000.0
NO_JITTER = BackoffPolicy(max_attempts=5, random=lambda: 1.0)  # waits 1, 2, 4, 8 s


class HubSpotSandbox:
    """A fake HubSpot: its OAuth token endpoint and one API route that checks bearer tokens."""

    def __init__(self, fake_server: Callable[..., FakeServer], rotate_refresh_tokens: bool = False) -> None:
        self.clock = VirtualClock(START)
        self.issuer = TokenIssuer(LIFETIME, clock=self.clock, rotate_refresh_tokens=rotate_refresh_tokens)
        self.refresh_token = self.issuer.issue_refresh_token()
        self.server = fake_server("fake-hubspot")
        add_oauth_token_route(self.server, self.issuer, TOKEN_PATH)
        self.server.add_route("GET", "/crm/v3/objects/contacts", self._contacts)
        self.sleeps: list[float] = []

    def _contacts(self, request: Request) -> Response:
        if not self.issuer.validate(request.headers.get("Authorization")):
            return Response.json({"category": "EXPIRED_AUTHENTICATION"}, status=401)
        return Response.json({"results": []})

    @property
    def config(self) -> dict[str, Any]:
        return {
            "credentials": {
                "credentials_title": "OAuth Credentials",
                "client_id": "sandbox-client-id",
                "client_secret": "sandbox-client-secret",
                "refresh_token": self.refresh_token,
            },
            "start_date": "2024-01-01T00:00:00Z",
        }

    def authenticator(
        self, cache: TokenCache | None = None, config: dict[str, Any] | None = None
    ) -> OAuth2RefreshTokenAuthenticator:
        return OAuth2RefreshTokenAuthenticator(
            config or self.config,
            self.server.url + TOKEN_PATH,
            cache=cache or TokenCache(clock=self.clock),
            clock=self.clock,
            retry_policy=NO_JITTER,
            sleep=self.sleeps.append,
        )

    def token_requests(self) -> list[Request]:
        return [request for request in self.server.requests if request.path == TOKEN_PATH]

    def get_contacts(self, auth: OAuth2RefreshTokenAuthenticator) -> requests.Response:
        return requests.get(self.server.url + "/crm/v3/objects/contacts", auth=auth, timeout=10)


@pytest.fixture
def hubspot(fake_server: Callable[..., FakeServer]) -> HubSpotSandbox:
    return HubSpotSandbox(fake_server)


@pytest.fixture
def rotating_hubspot(fake_server: Callable[..., FakeServer]) -> HubSpotSandbox:
    return HubSpotSandbox(fake_server, rotate_refresh_tokens=True)


def test_requests_carry_a_token_the_api_accepts(hubspot: HubSpotSandbox) -> None:
    auth = hubspot.authenticator()

    assert hubspot.get_contacts(auth).status_code == 200
    assert hubspot.get_contacts(auth).status_code == 200
    [token_request] = hubspot.token_requests()
    assert token_request.form() == {
        "grant_type": "refresh_token",
        "client_id": "sandbox-client-id",
        "client_secret": "sandbox-client-secret",
        "refresh_token": hubspot.refresh_token,
    }


def test_the_token_is_renewed_only_within_the_margin_before_expiry(hubspot: HubSpotSandbox) -> None:
    auth = hubspot.authenticator()  # default margin: 5 minutes
    first = auth.get_auth_header()

    hubspot.clock.now = START + LIFETIME - 301
    assert auth.get_auth_header() == first
    hubspot.clock.now = START + LIFETIME - 299
    assert auth.get_auth_header() != first
    assert len(hubspot.token_requests()) == 2


@pytest.mark.parametrize("instances", ["one shared authenticator", "one authenticator per thread"])
def test_eight_threads_on_an_expired_token_cause_exactly_one_refresh(
    hubspot: HubSpotSandbox, instances: str
) -> None:
    cache = TokenCache(clock=hubspot.clock)
    shared = hubspot.authenticator(cache)
    shared.get_auth_header()
    hubspot.clock.now += LIFETIME  # the cached token has expired
    # A slow token endpoint keeps the refresh in flight while every thread asks for a token.
    hubspot.server.faults.add(Fault.slow(0.3, path=TOKEN_PATH))
    authenticators = [
        shared if instances.startswith("one shared") else hubspot.authenticator(cache) for _ in range(8)
    ]
    barrier = threading.Barrier(len(authenticators))
    headers: list[Any] = []

    def ask_for_a_token(auth: OAuth2RefreshTokenAuthenticator) -> None:
        barrier.wait()
        headers.append(auth.get_auth_header())

    threads = [threading.Thread(target=ask_for_a_token, args=(auth,)) for auth in authenticators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(hubspot.token_requests()) == 2  # the first token, then ONE refresh for the 8 threads
    assert len(headers) == 8 and all(header == headers[0] for header in headers)
    assert hubspot.issuer.validate(headers[0]["Authorization"])


def test_a_restart_reuses_the_cached_token(hubspot: HubSpotSandbox, tmp_path: Path) -> None:
    key = Fernet.generate_key()
    first_run = hubspot.authenticator(TokenCache(tmp_path / "tokens", key, clock=hubspot.clock))
    assert hubspot.get_contacts(first_run).status_code == 200

    second_run = hubspot.authenticator(TokenCache(tmp_path / "tokens", key, clock=hubspot.clock))
    assert hubspot.get_contacts(second_run).status_code == 200
    assert len(hubspot.token_requests()) == 1


def test_a_rotated_refresh_token_is_announced_in_a_control_message(
    rotating_hubspot: HubSpotSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = rotating_hubspot.authenticator()
    auth.get_auth_header()
    rotating_hubspot.clock.now += LIFETIME
    auth.get_auth_header()  # the second refresh must present the rotated token, or it fails

    messages = parse_messages(capsys.readouterr().out.splitlines())
    assert [message.type for message in messages] == [Type.CONTROL, Type.CONTROL]
    announced = []
    for message in messages:
        assert message.control is not None and message.control.type == OrchestratorType.CONNECTOR_CONFIG
        config = message.control.connectorConfig.config
        assert config["start_date"] == "2024-01-01T00:00:00Z"  # the FULL config
        assert config["credentials"]["client_secret"] == "sandbox-client-secret"
        announced.append(config["credentials"]["refresh_token"])
    sent = [request.form()["refresh_token"] for request in rotating_hubspot.token_requests()]
    assert sent == [rotating_hubspot.refresh_token, announced[0]]
    assert len(set(announced) | {rotating_hubspot.refresh_token}) == 3


def test_after_a_restart_with_a_stale_config_the_cached_rotated_token_is_used(
    rotating_hubspot: HubSpotSandbox, tmp_path: Path
) -> None:
    """The platform may not have stored the announced token (a local run): the cache has it."""
    key = Fernet.generate_key()
    rotating_hubspot.authenticator(TokenCache(tmp_path / "tokens", key)).get_auth_header()
    rotating_hubspot.clock.now += LIFETIME

    restarted = rotating_hubspot.authenticator(TokenCache(tmp_path / "tokens", key))  # same, stale config
    assert rotating_hubspot.get_contacts(restarted).status_code == 200


def test_a_fresh_token_is_a_registered_secret(rotating_hubspot: HubSpotSandbox) -> None:
    auth = rotating_hubspot.authenticator()
    access_token = auth.get_auth_header()["Authorization"].removeprefix("Bearer ")

    assert filter_secrets(f"token={access_token}") == "token=****"


@pytest.mark.parametrize(
    ("break_the_grant", "reason"),
    [
        pytest.param(lambda sandbox, config: sandbox.issuer.revoke(sandbox.refresh_token), "invalid_grant"),
        pytest.param(
            lambda sandbox, config: config["credentials"].update(client_secret="wrong-client-secret"),
            "invalid_client",
        ),
        pytest.param(
            lambda sandbox, config: sandbox.server.faults.add(
                Fault.status(
                    400, body={"status": "BAD_REFRESH_TOKEN", "message": "missing or unknown refresh token"}
                )
            ),
            "BAD_REFRESH_TOKEN",
            id="hubspot-bad-refresh-token",
        ),
    ],
)
def test_a_rejected_grant_is_a_config_error_asking_to_re_authenticate(
    hubspot: HubSpotSandbox, break_the_grant: Callable[[HubSpotSandbox, dict[str, Any]], None], reason: str
) -> None:
    config = hubspot.config
    break_the_grant(hubspot, config)

    with pytest.raises(AirbyteTracedException) as raised:
        hubspot.authenticator(config=config).get_auth_header()

    assert raised.value.failure_type == FailureType.config_error
    assert "Re-authenticate" in (raised.value.message or "")
    assert reason in (raised.value.message or "")
    assert len(hubspot.token_requests()) == 1  # never retried
    assert hubspot.sleeps == []


def test_server_errors_and_dropped_connections_are_retried_with_backoff(hubspot: HubSpotSandbox) -> None:
    hubspot.server.faults.add(Fault.status(503, times=2, path=TOKEN_PATH))
    hubspot.server.faults.add(Fault.reset(path=TOKEN_PATH))
    auth = hubspot.authenticator()

    assert hubspot.get_contacts(auth).status_code == 200
    assert hubspot.sleeps == [1.0, 2.0, 4.0]


def test_a_rate_limited_token_request_waits_as_long_as_retry_after_asks(hubspot: HubSpotSandbox) -> None:
    hubspot.server.faults.add(Fault.status(429, retry_after=7, path=TOKEN_PATH))

    assert hubspot.get_contacts(hubspot.authenticator()).status_code == 200
    assert hubspot.sleeps == [7.0]


@pytest.mark.parametrize(
    "fault",
    [Fault.status(503, times=99, path=TOKEN_PATH), Fault.status(429, times=99, path=TOKEN_PATH)],
    ids=["5xx", "429"],
)
def test_a_token_endpoint_that_stays_unavailable_is_a_transient_error(
    hubspot: HubSpotSandbox, fault: Fault
) -> None:
    hubspot.server.faults.add(fault)

    with pytest.raises(AirbyteTracedException) as raised:
        hubspot.authenticator().get_auth_header()

    assert raised.value.failure_type == FailureType.transient_error
    assert len(hubspot.token_requests()) == 5
    assert hubspot.sleeps == [1.0, 2.0, 4.0, 8.0]


def test_an_unreachable_token_endpoint_is_a_transient_error(hubspot: HubSpotSandbox) -> None:
    auth = hubspot.authenticator()
    hubspot.server.stop()

    with pytest.raises(AirbyteTracedException) as raised:
        auth.get_auth_header()

    assert raised.value.failure_type == FailureType.transient_error
    assert len(hubspot.sleeps) == 4


def test_a_token_endpoint_that_times_out_is_retried_then_a_transient_error(hubspot: HubSpotSandbox) -> None:
    hubspot.server.faults.add(Fault.slow(1.0, times=3, path=TOKEN_PATH))
    form = {"grant_type": "refresh_token", "refresh_token": "r", "client_id": "c", "client_secret": "s"}

    with pytest.raises(AirbyteTracedException) as raised:
        request_token(
            requests.Session(),
            hubspot.server.url + TOKEN_PATH,
            form,
            policy=BackoffPolicy(max_attempts=3, random=lambda: 1.0),
            sleep=hubspot.sleeps.append,
            timeout=0.2,
        )

    assert raised.value.failure_type == FailureType.transient_error
    assert "ReadTimeout" in (raised.value.internal_message or "")
    assert hubspot.sleeps == [1.0, 2.0]


def test_the_cdk_http_client_refreshes_a_token_the_api_rejects(hubspot: HubSpotSandbox) -> None:
    """Used as an HttpStream authenticator: a 401 mapped to REFRESH_TOKEN_THEN_RETRY makes the
    CDK call refresh_and_set_access_token, and the retried request carries the new token."""
    auth = hubspot.authenticator()
    logger = logging.getLogger("airbyte")
    client = HttpClient(
        "contacts",
        logger,
        error_handler=HttpStatusErrorHandler(
            logger,
            error_mapping={401: ErrorResolution(ResponseAction.REFRESH_TOKEN_THEN_RETRY)},
        ),
        authenticator=auth,
        backoff_strategy=NoWait(),
    )
    first = auth.get_auth_header()["Authorization"].removeprefix("Bearer ")
    hubspot.issuer.revoke(first)  # still valid by its expiry, but the API now rejects it

    _, response = client.send_request(
        "GET", hubspot.server.url + "/crm/v3/objects/contacts", request_kwargs={}
    )

    assert response.status_code == 200
    assert len(hubspot.token_requests()) == 2


class NoWait:
    """A CDK BackoffStrategy that retries at once (the retry itself is what is under test)."""

    def backoff_time(self, *args: Any, **kwargs: Any) -> float:
        return 0.0
