"""google-auth credentials through our cache and lock, with REAL JWT signing: the fake token
endpoint (sandbox.google_tokens) verifies each service-account assertion with the key's public half."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from cdk_extensions.auth.google import cached_google_credentials
from cdk_extensions.auth.token_cache import TokenCache
from sandbox.fake_server import FakeServer, Fault, Request, Response
from sandbox.google_tokens import TOKEN_PATH, USER_TOKEN_PATH, GoogleTokenEndpoint

SCOPE = "https://www.googleapis.com/auth/analytics.readonly"


class GoogleSandbox:
    """Google's token endpoints (sandbox.google_tokens) and one API route that checks the tokens."""

    def __init__(self, fake_server: Callable[..., FakeServer]) -> None:
        self.server = fake_server("fake-google")
        self.tokens = GoogleTokenEndpoint(self.server, SCOPE)
        self.server.add_route("GET", "/v1/data", self._data)

    def service_account(self) -> service_account.Credentials:
        return service_account.Credentials.from_service_account_info(
            self.tokens.service_account_info(), scopes=[SCOPE]
        )

    def user(self) -> user_credentials.Credentials:
        oauth = self.tokens.oauth_user()
        return user_credentials.Credentials(
            token=None,
            refresh_token=oauth["refresh_token"],
            client_id=oauth["client_id"],
            client_secret=oauth["client_secret"],
            token_uri=oauth["token_uri"],
            scopes=[SCOPE],
        )

    def _data(self, request: Request) -> Response:
        if not self.tokens.issuer.validate(request.headers.get("Authorization")):
            return Response.json({"error": {"code": 401, "status": "UNAUTHENTICATED"}}, status=401)
        return Response.json({"rows": []})

    def get_data(self, credentials: Any) -> int:
        return int(AuthorizedSession(credentials).get(self.server.url + "/v1/data", timeout=10).status_code)


@pytest.fixture
def google_sandbox(fake_server: Callable[..., FakeServer]) -> GoogleSandbox:
    return GoogleSandbox(fake_server)


def test_a_service_account_signs_a_jwt_the_token_endpoint_accepts(google_sandbox: GoogleSandbox) -> None:
    credentials = cached_google_credentials(google_sandbox.service_account(), cache=TokenCache())

    assert google_sandbox.get_data(credentials) == 200
    assert google_sandbox.get_data(credentials) == 200
    assert google_sandbox.tokens.rejected_assertions == []
    assert google_sandbox.tokens.requests_to(TOKEN_PATH) == 1


def test_a_forged_signature_is_refused_by_the_fake(google_sandbox: GoogleSandbox) -> None:
    """The fake really verifies: a key that is not the service account's is rejected."""
    forged = google_sandbox.tokens.service_account_info()
    google_sandbox.tokens.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    credentials = service_account.Credentials.from_service_account_info(forged, scopes=[SCOPE])

    with pytest.raises(AirbyteTracedException) as raised:
        cached_google_credentials(credentials, cache=TokenCache()).refresh(None)

    assert raised.value.failure_type == FailureType.config_error
    assert "InvalidSignatureError" in google_sandbox.tokens.rejected_assertions[0]


def test_a_restart_reuses_the_cached_token(google_sandbox: GoogleSandbox, tmp_path: Path) -> None:
    key = Fernet.generate_key()
    first_run = cached_google_credentials(
        google_sandbox.service_account(), cache=TokenCache(tmp_path / "t", key)
    )
    assert google_sandbox.get_data(first_run) == 200

    second_run = cached_google_credentials(
        google_sandbox.service_account(), cache=TokenCache(tmp_path / "t", key)
    )
    assert google_sandbox.get_data(second_run) == 200
    assert google_sandbox.tokens.requests_to(TOKEN_PATH) == 1


def test_eight_threads_on_an_expiring_token_cause_exactly_one_refresh(google_sandbox: GoogleSandbox) -> None:
    cache = TokenCache()
    google_sandbox.tokens.lifetimes = [60]  # the first token is already within the 5-minute margin
    assert (
        google_sandbox.get_data(cached_google_credentials(google_sandbox.service_account(), cache=cache))
        == 200
    )
    google_sandbox.server.faults.add(Fault.slow(0.3, path=TOKEN_PATH))
    # Separate google-auth objects, as separate streams or clients would hold.
    wrapped = [cached_google_credentials(google_sandbox.service_account(), cache=cache) for _ in range(8)]
    barrier = threading.Barrier(len(wrapped))
    statuses: list[int] = []

    def call_the_api(credentials: Any) -> None:
        barrier.wait()
        statuses.append(google_sandbox.get_data(credentials))

    threads = [threading.Thread(target=call_the_api, args=(credentials,)) for credentials in wrapped]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == [200] * 8
    assert google_sandbox.tokens.requests_to(TOKEN_PATH) == 2  # the short-lived token, then ONE refresh


def test_oauth_user_credentials_are_cached_too(google_sandbox: GoogleSandbox) -> None:
    cache = TokenCache()

    assert google_sandbox.get_data(cached_google_credentials(google_sandbox.user(), cache=cache)) == 200
    assert google_sandbox.get_data(cached_google_credentials(google_sandbox.user(), cache=cache)) == 200
    assert google_sandbox.tokens.requests_to(USER_TOKEN_PATH) == 1


def test_a_revoked_user_grant_is_a_config_error(google_sandbox: GoogleSandbox) -> None:
    google_sandbox.tokens.issuer.revoke(google_sandbox.tokens.user_refresh_token)
    credentials = cached_google_credentials(google_sandbox.user(), cache=TokenCache())

    with pytest.raises(AirbyteTracedException) as raised:
        google_sandbox.get_data(credentials)

    assert raised.value.failure_type == FailureType.config_error
    assert "re-authenticate" in (raised.value.message or "")


def test_an_unreachable_token_endpoint_is_a_transient_error(google_sandbox: GoogleSandbox) -> None:
    credentials = cached_google_credentials(google_sandbox.service_account(), cache=TokenCache())
    google_sandbox.server.stop()

    with pytest.raises(AirbyteTracedException) as raised:
        credentials.refresh(None)

    assert raised.value.failure_type == FailureType.transient_error


def test_other_credential_kinds_are_refused() -> None:
    from google.auth.credentials import AnonymousCredentials

    with pytest.raises(TypeError):
        cached_google_credentials(AnonymousCredentials(), cache=TokenCache())
