"""Expiring OAuth tokens for fake APIs, and a ready-made OAuth2 refresh_token endpoint.

Connectors must refresh access tokens before (or when) they expire and must cope with providers
that rotate refresh tokens. `TokenIssuer` keeps that state against an injectable clock, so a test
expires a token by moving its clock instead of sleeping.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote_plus

from sandbox.fake_server import FakeServer, Request, Response
from sandbox.faults import Clock

TokenStatus = Literal["valid", "missing", "malformed", "unknown", "expired", "revoked"]


@dataclass(frozen=True)
class TokenCheck:
    """The verdict on an Authorization header; truthy only when the token is valid."""

    status: TokenStatus

    def __bool__(self) -> bool:
        return self.status == "valid"


@dataclass(frozen=True)
class TokenGrant:
    """What a successful refresh hands out."""

    access_token: str
    expires_in: int
    refresh_token: str


class InvalidGrant(Exception):
    """The refresh token is unknown, revoked or was rotated away."""


class TokenIssuer:
    """Issues opaque bearer tokens that expire `lifetime_seconds` after issue (per `clock`).

    With `rotate_refresh_tokens`, each refresh returns a new refresh token and invalidates the
    one used, as some providers do; otherwise the same refresh token stays valid (HubSpot, Google).
    """

    def __init__(
        self, lifetime_seconds: float, *, clock: Clock = time.time, rotate_refresh_tokens: bool = False
    ) -> None:
        self.lifetime_seconds = lifetime_seconds
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self._clock = clock
        self._lock = threading.Lock()
        self._access_expiry: dict[str, float] = {}
        self._refresh_tokens: set[str] = set()
        self._revoked: set[str] = set()

    def issue_access_token(self) -> str:
        token = f"fake-access-{secrets.token_urlsafe(16)}"
        with self._lock:
            self._access_expiry[token] = self._clock() + self.lifetime_seconds
        return token

    def issue_refresh_token(self, token: str | None = None) -> str:
        """A new refresh token; pass `token` to choose its value (e.g. the one in a demo config)."""
        token = token or f"fake-refresh-{secrets.token_urlsafe(16)}"
        with self._lock:
            self._refresh_tokens.add(token)
            self._revoked.discard(token)
        return token

    def revoke(self, token: str) -> None:
        """Revoke an access or a refresh token."""
        with self._lock:
            self._revoked.add(token)
            self._refresh_tokens.discard(token)

    def validate(self, authorization: str | None) -> TokenCheck:
        """Check an `Authorization: Bearer <token>` header value."""
        if not authorization:
            return TokenCheck("missing")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return TokenCheck("malformed")
        token = token.strip()
        with self._lock:
            if token in self._revoked:
                return TokenCheck("revoked")
            expires_at = self._access_expiry.get(token)
            if expires_at is None:
                return TokenCheck("unknown")
            return TokenCheck("valid" if self._clock() < expires_at else "expired")

    def refresh(self, refresh_token: str) -> TokenGrant:
        """Trade a refresh token for a new access token (and, when rotating, a new refresh token)."""
        with self._lock:
            if refresh_token not in self._refresh_tokens:
                raise InvalidGrant("refresh token is unknown, revoked or was rotated away")
            if self.rotate_refresh_tokens:
                self._refresh_tokens.discard(refresh_token)
        next_refresh_token = self.issue_refresh_token() if self.rotate_refresh_tokens else refresh_token
        return TokenGrant(self.issue_access_token(), int(self.lifetime_seconds), next_refresh_token)


def add_oauth_token_route(
    server: FakeServer,
    issuer: TokenIssuer,
    path: str = "/oauth/v1/token",
    *,
    client_id: str = "sandbox-client-id",
    client_secret: str = "sandbox-client-secret",
) -> None:
    """Serve the OAuth2 refresh_token grant (RFC 6749 section 6) at `path` on `server`.

    Client credentials are accepted in the form body or as HTTP Basic auth. Errors use the
    standard JSON error body: invalid_client (401), invalid_request, unsupported_grant_type and
    invalid_grant (400).
    """

    def token_endpoint(request: Request) -> Response:
        form = request.form()
        if _client_credentials(request, form) != (client_id, client_secret):
            return _oauth_error(401, "invalid_client", "unknown client or wrong client secret")
        if form.get("grant_type") != "refresh_token":
            return _oauth_error(400, "unsupported_grant_type", "only refresh_token is supported")
        if not form.get("refresh_token"):
            return _oauth_error(400, "invalid_request", "refresh_token is required")
        try:
            grant = issuer.refresh(form["refresh_token"])
        except InvalidGrant as error:
            return _oauth_error(400, "invalid_grant", str(error))
        return Response.json(
            {
                "access_token": grant.access_token,
                "expires_in": grant.expires_in,
                "refresh_token": grant.refresh_token,
                "token_type": "bearer",
            },
            headers={"Cache-Control": "no-store"},
        )

    server.add_route("POST", path, token_endpoint)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except ValueError:  # not base64, or not UTF-8
            return None, None
        return unquote_plus(user), unquote_plus(password)
    return form.get("client_id"), form.get("client_secret")


def _oauth_error(status: int, error: str, description: str) -> Response:
    return Response.json({"error": error, "error_description": description}, status=status)
