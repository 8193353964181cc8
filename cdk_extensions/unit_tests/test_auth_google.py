"""google-auth credentials through our cache and lock, with REAL JWT signing: the fake token
endpoint verifies each service-account assertion with the key's public half."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from cdk_extensions.auth.google import cached_google_credentials
from cdk_extensions.auth.token_cache import TokenCache
from sandbox.fake_server import FakeServer, Fault, Request, Response
from sandbox.tokens import TokenIssuer, add_oauth_token_route

SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
EMAIL = "connector@test-project.iam.gserviceaccount.com"
KEY_ID = "test-key-id"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth addresses the assertion to Google's token endpoint whatever the key's token_uri is,
# and Google checks exactly that audience.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


class GoogleSandbox:
    """Google's token endpoints (service-account JWT grant, OAuth user refresh) and one API route."""

    def __init__(self, fake_server: Callable[..., FakeServer]) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.issuer = TokenIssuer(3600)
        self.user_refresh_token = self.issuer.issue_refresh_token()
        self.lifetimes: list[int] = []  # expires_in of the next service-account tokens (else 3600)
        self.rejected_assertions: list[str] = []
        self.server = fake_server("fake-google")
        self.server.add_route("POST", "/token", self._jwt_grant)
        add_oauth_token_route(
            self.server, self.issuer, "/user-token", client_id="cid", client_secret="csecret"
        )
        self.server.add_route("GET", "/v1/data", self._data)

    @property
    def token_uri(self) -> str:
        return self.server.url + "/token"

    def service_account_info(self) -> dict[str, Any]:
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        return {
            "type": "service_account",
            "project_id": "test-project",
            "private_key_id": KEY_ID,
            "private_key": pem,
            "client_email": EMAIL,
            "client_id": "1234567890",
            "token_uri": self.token_uri,
        }

    def service_account(self) -> service_account.Credentials:
        return service_account.Credentials.from_service_account_info(
            self.service_account_info(), scopes=[SCOPE]
        )

    def user(self, refresh_token: str | None = None) -> user_credentials.Credentials:
        return user_credentials.Credentials(
            token=None,
            refresh_token=refresh_token or self.user_refresh_token,
            client_id="cid",
            client_secret="csecret",
            token_uri=self.server.url + "/user-token",
            scopes=[SCOPE],
        )

    def _jwt_grant(self, request: Request) -> Response:
        form = request.form()
        try:
            self._verify(form)
        except (jwt.PyJWTError, AssertionError, KeyError) as error:
            self.rejected_assertions.append(repr(error))
            return Response.json({"error": "invalid_grant", "error_description": repr(error)}, status=400)
        lifetime = self.lifetimes.pop(0) if self.lifetimes else 3600
        access_token = self.issuer.issue_access_token()
        return Response.json({"access_token": access_token, "expires_in": lifetime, "token_type": "Bearer"})

    def _verify(self, form: dict[str, str]) -> None:
        assert form["grant_type"] == JWT_BEARER
        assertion = form["assertion"]
        assert jwt.get_unverified_header(assertion)["kid"] == KEY_ID
        claims = jwt.decode(
            assertion,
            self.private_key.public_key(),
            algorithms=["RS256"],
            audience=GOOGLE_TOKEN_AUDIENCE,
            issuer=EMAIL,
            options={"require": ["iss", "aud", "iat", "exp", "scope"]},
        )
        assert claims["scope"] == SCOPE
        now = time.time()
        assert now - 60 <= claims["iat"] <= now + 60
        assert claims["iat"] < claims["exp"] <= claims["iat"] + 3600

    def _data(self, request: Request) -> Response:
        if not self.issuer.validate(request.headers.get("Authorization")):
            return Response.json({"error": {"code": 401, "status": "UNAUTHENTICATED"}}, status=401)
        return Response.json({"rows": []})

    def requests_to(self, path: str) -> int:
        return sum(1 for request in self.server.requests if request.path == path)

    def get_data(self, credentials: Any) -> int:
        return int(AuthorizedSession(credentials).get(self.server.url + "/v1/data", timeout=10).status_code)


@pytest.fixture
def google_sandbox(fake_server: Callable[..., FakeServer]) -> GoogleSandbox:
    return GoogleSandbox(fake_server)


def test_a_service_account_signs_a_jwt_the_token_endpoint_accepts(google_sandbox: GoogleSandbox) -> None:
    credentials = cached_google_credentials(google_sandbox.service_account(), cache=TokenCache())

    assert google_sandbox.get_data(credentials) == 200
    assert google_sandbox.get_data(credentials) == 200
    assert google_sandbox.rejected_assertions == []
    assert google_sandbox.requests_to("/token") == 1


def test_a_forged_signature_is_refused_by_the_fake(google_sandbox: GoogleSandbox) -> None:
    """The fake really verifies: a key that is not the service account's is rejected."""
    forged = google_sandbox.service_account_info()
    google_sandbox.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    credentials = service_account.Credentials.from_service_account_info(forged, scopes=[SCOPE])

    with pytest.raises(AirbyteTracedException) as raised:
        cached_google_credentials(credentials, cache=TokenCache()).refresh(None)

    assert raised.value.failure_type == FailureType.config_error
    assert "InvalidSignatureError" in google_sandbox.rejected_assertions[0]


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
    assert google_sandbox.requests_to("/token") == 1


def test_eight_threads_on_an_expiring_token_cause_exactly_one_refresh(google_sandbox: GoogleSandbox) -> None:
    cache = TokenCache()
    google_sandbox.lifetimes = [60]  # the first token is already within the 5-minute margin
    assert (
        google_sandbox.get_data(cached_google_credentials(google_sandbox.service_account(), cache=cache))
        == 200
    )
    google_sandbox.server.faults.add(Fault.slow(0.3, path="/token"))
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
    assert google_sandbox.requests_to("/token") == 2  # the short-lived token, then ONE refresh


def test_oauth_user_credentials_are_cached_too(google_sandbox: GoogleSandbox) -> None:
    cache = TokenCache()

    assert google_sandbox.get_data(cached_google_credentials(google_sandbox.user(), cache=cache)) == 200
    assert google_sandbox.get_data(cached_google_credentials(google_sandbox.user(), cache=cache)) == 200
    assert google_sandbox.requests_to("/user-token") == 1


def test_a_revoked_user_grant_is_a_config_error(google_sandbox: GoogleSandbox) -> None:
    google_sandbox.issuer.revoke(google_sandbox.user_refresh_token)
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
