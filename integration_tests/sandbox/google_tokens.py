"""Google's OAuth token endpoint, for tests of any Google connector: real JWT verification.

`GoogleTokenEndpoint` serves, on a FakeServer:
- `/token`: the service-account JWT-bearer grant. Each assertion is verified as Google does: RS256
  signature with the account's public key (found by the `kid` header), issuer, audience (Google's
  token URL, which google-auth writes whatever the key's `token_uri`), the expected scope, and an
  `iat`/`exp` that are current and at most one hour apart;
- `/user-token`: the OAuth refresh-token grant of one OAuth client (a Google user's credentials).

Refused assertions are answered `invalid_grant` and kept in `rejected_assertions`, so a test can
say why. Access tokens are `TokenIssuer` tokens: APIs on the same server validate them with
`issuer.validate(authorization_header)`.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.fake_server import FakeServer, Request, Response
from sandbox.tokens import TokenIssuer, add_oauth_token_route

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
SERVICE_ACCOUNT_EMAIL = "connector@test-project.iam.gserviceaccount.com"
OAUTH_CLIENT_ID = "cid"
OAUTH_CLIENT_SECRET = "csecret"
TOKEN_PATH = "/token"
USER_TOKEN_PATH = "/user-token"
MAX_LIFETIME_SECONDS = 3600
CLOCK_SKEW_SECONDS = 60


class GoogleTokenEndpoint:
    """One service account (a fresh 2048-bit RSA key) and one OAuth client, whose grants for `scope`
    are served at `/token` and `/user-token` of `server`."""

    def __init__(self, server: FakeServer, scope: str, *, lifetime_seconds: int = 3600) -> None:
        self.server = server
        self.scope = scope
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_id = secrets.token_hex(20)  # new keys, new ids: token caches never mix two endpoints
        self.issuer = TokenIssuer(lifetime_seconds)
        self.user_refresh_token = self.issuer.issue_refresh_token()
        self.lifetimes: list[int] = []  # expires_in of the next service-account tokens, if set
        self.rejected_assertions: list[str] = []
        server.add_route("POST", TOKEN_PATH, self._jwt_grant)
        add_oauth_token_route(
            server,
            self.issuer,
            USER_TOKEN_PATH,
            client_id=OAUTH_CLIENT_ID,
            client_secret=OAUTH_CLIENT_SECRET,
        )

    @property
    def token_uri(self) -> str:
        return self.server.url + TOKEN_PATH

    @property
    def user_token_uri(self) -> str:
        return self.server.url + USER_TOKEN_PATH

    def service_account_info(self) -> dict[str, Any]:
        """The service account's JSON key file, its `token_uri` pointing here."""
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        return {
            "type": "service_account",
            "project_id": "test-project",
            "private_key_id": self.key_id,
            "private_key": pem,
            "client_email": SERVICE_ACCOUNT_EMAIL,
            "client_id": "1234567890",
            "token_uri": self.token_uri,
        }

    def write_service_account_key(self, path: Path) -> Path:
        """The key file on disk (e.g. for GOOGLE_APPLICATION_CREDENTIALS), readable by its owner only."""
        path.touch(mode=0o600)
        path.write_text(json.dumps(self.service_account_info()))
        return path

    def oauth_user(self) -> dict[str, str]:
        """A Google user's OAuth credentials, as a connector config holds them."""
        return {
            "client_id": OAUTH_CLIENT_ID,
            "client_secret": OAUTH_CLIENT_SECRET,
            "refresh_token": self.user_refresh_token,
            "token_uri": self.user_token_uri,
        }

    def requests_to(self, path: str) -> int:
        return sum(1 for request in self.server.requests if request.path == path)

    def _jwt_grant(self, request: Request) -> Response:
        form = request.form()
        try:
            self._verify(form)
        except (jwt.PyJWTError, AssertionError, KeyError) as error:
            self.rejected_assertions.append(repr(error))
            return Response.json({"error": "invalid_grant", "error_description": repr(error)}, status=400)
        lifetime = self.lifetimes.pop(0) if self.lifetimes else int(self.issuer.lifetime_seconds)
        access_token = self.issuer.issue_access_token()
        return Response.json({"access_token": access_token, "expires_in": lifetime, "token_type": "Bearer"})

    def _verify(self, form: dict[str, str]) -> None:
        assert form["grant_type"] == JWT_BEARER_GRANT
        assertion = form["assertion"]
        assert jwt.get_unverified_header(assertion)["kid"] == self.key_id
        claims = jwt.decode(
            assertion,
            self.private_key.public_key(),
            algorithms=["RS256"],
            audience=GOOGLE_TOKEN_AUDIENCE,
            issuer=SERVICE_ACCOUNT_EMAIL,
            options={"require": ["iss", "aud", "iat", "exp", "scope"]},
        )
        assert claims["scope"] == self.scope, f"scope {claims['scope']!r} is not {self.scope!r}"
        now = time.time()
        assert now - CLOCK_SKEW_SECONDS <= claims["iat"] <= now + CLOCK_SKEW_SECONDS
        assert claims["iat"] < claims["exp"] <= claims["iat"] + MAX_LIFETIME_SECONDS
