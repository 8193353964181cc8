"""Who is calling: verified service-account JWTs, issued bearer tokens and OAuth refresh tokens.

Google accepts two kinds of bearer credential from a service account, and so does the fake:
an access token from the token endpoint (JWT-bearer grant, RFC 7523) and, as the official
client libraries send by default, a self-signed JWT (AIP-4111) used directly as the bearer
token. Both are RS256 JWTs checked against the public key registered for the account (found by
the `kid` header), with `iat`/`exp` sane on the fake's clock (at most one hour apart, not
expired, not issued in the future) and an Analytics scope (or, for a self-signed JWT, the API
as audience). Access tokens expire (`sandbox.tokens.TokenIssuer`); refresh tokens belong to the
fake's OAuth client.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from sandbox.faults import Clock
from sandbox.ga4.errors import ERROR_INFO_TYPE, ApiError
from sandbox.ga4.service_account import ANALYTICS_SCOPES, ServiceAccountKey
from sandbox.tokens import InvalidGrant, TokenGrant, TokenIssuer

API_AUDIENCE = "https://analyticsdata.googleapis.com/"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
MAX_JWT_LIFETIME_SECONDS = 3600
CLOCK_SKEW_SECONDS = 300
_CREDENTIALS_HINT = (
    "Expected OAuth 2 access token, login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)


@dataclass(frozen=True)
class Caller:
    identity: str  # a service account's email or an OAuth client id
    project: str  # the Google Cloud project the calls count against


class GrantError(Exception):
    """A token request Google would refuse: `error` and `description` as the OAuth error body."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    client_secret: str


class Authenticator:
    """The fake's identity provider and the API's check of every request's credentials."""

    def __init__(self, clock: Clock, token_lifetime_seconds: float, oauth_client: OAuthClient) -> None:
        self.clock = clock
        self.issuer = TokenIssuer(token_lifetime_seconds, clock=clock)
        self.oauth_client = oauth_client
        self._lock = threading.Lock()
        self._keys: dict[str, ServiceAccountKey] = {}
        self._callers: dict[str, Caller] = {}  # by access or refresh token

    def trust(self, key: ServiceAccountKey) -> None:
        """Register a service account's public key, as creating the key in Google Cloud does."""
        with self._lock:
            self._keys[key.key_id] = key

    def new_refresh_token(self, token: str | None = None, project: str = "sandbox-oauth-project") -> str:
        """A refresh token of the fake's OAuth client; pass `token` to choose its value."""
        token = self.issuer.issue_refresh_token(token)
        with self._lock:
            self._callers[token] = Caller(self.oauth_client.client_id, project)
        return token

    # --- token endpoint -----------------------------------------------------------------------

    def grant_for_assertion(self, assertion: str, token_uri: str) -> TokenGrant:
        """The JWT-bearer grant: verify the signed assertion, issue an access token.

        The audience must be the token endpoint: Google's URL, which google-auth always writes
        whatever the key's `token_uri`, or this fake's own.
        """
        key, claims = self._verified(assertion, "Invalid JWT Signature.")
        if claims.get("aud") not in (GOOGLE_TOKEN_URI, token_uri):
            raise GrantError(
                "invalid_grant",
                f"Invalid JWT: Failed audience check. The expected audience is {GOOGLE_TOKEN_URI}.",
            )
        if not _has_analytics_scope(claims):
            raise GrantError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        return self._issue(Caller(key.client_email, key.project_id))

    def grant_for_refresh_token(
        self, client_id: str | None, client_secret: str | None, refresh_token: str
    ) -> TokenGrant:
        if (client_id, client_secret) != (self.oauth_client.client_id, self.oauth_client.client_secret):
            raise GrantError("invalid_client", "The OAuth client was not found.", status=401)
        try:
            grant = self.issuer.refresh(refresh_token)
        except InvalidGrant:
            raise GrantError("invalid_grant", "Token has been expired or revoked.") from None
        with self._lock:
            self._callers[grant.access_token] = self._callers[refresh_token]
        return grant

    def _issue(self, caller: Caller) -> TokenGrant:
        token = self.issuer.issue_access_token()
        with self._lock:
            self._callers[token] = caller
        return TokenGrant(token, int(self.issuer.lifetime_seconds), "")

    # --- API requests -------------------------------------------------------------------------

    def caller(self, authorization: str | None) -> Caller:
        """The caller of an API request; 401 UNAUTHENTICATED if its credentials do not hold."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if not authorization or scheme.lower() != "bearer" or not token:
            raise _unauthenticated(
                "Request is missing required authentication credential.", "CREDENTIALS_MISSING"
            )
        if token.count(".") == 2:
            return self._self_signed_caller(token)
        check = self.issuer.validate(f"Bearer {token}")
        if not check:
            reason = "ACCESS_TOKEN_EXPIRED" if check.status == "expired" else "ACCESS_TOKEN_TYPE_UNSUPPORTED"
            raise _unauthenticated("Request had invalid authentication credentials.", reason)
        with self._lock:
            return self._callers[token]

    def _self_signed_caller(self, token: str) -> Caller:
        try:
            key, claims = self._verified(token, "invalid signature")
        except GrantError:
            raise _unauthenticated(
                "Request had invalid authentication credentials.", "ACCESS_TOKEN_TYPE_UNSUPPORTED"
            ) from None
        if claims.get("sub") != key.client_email or not (
            _has_analytics_scope(claims) or claims.get("aud") == API_AUDIENCE
        ):
            raise _unauthenticated(
                "Request had invalid authentication credentials.", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
            )
        return Caller(key.client_email, key.project_id)

    def _verified(self, token: str, bad_signature: str) -> tuple[ServiceAccountKey, Mapping[str, Any]]:
        """The trusted key that signed `token` and its claims, or GrantError."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise GrantError("invalid_grant", "Invalid JWT: the assertion is not a signed JWT.") from None
        with self._lock:
            key = self._keys.get(str(header.get("kid")))
        if key is None:
            raise GrantError("invalid_grant", bad_signature)
        try:
            claims = jwt.decode(
                token,
                key.public_key_pem,
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False},
            )
        except jwt.PyJWTError:
            raise GrantError("invalid_grant", bad_signature) from None
        if claims.get("iss") != key.client_email:
            raise GrantError("invalid_grant", "Invalid grant: account not found")
        if not self._sane_lifetime(claims):
            raise GrantError(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                "Check your iat and exp values in the JWT claim.",
            )
        return key, claims

    def _sane_lifetime(self, claims: Mapping[str, Any]) -> bool:
        issued, expires, now = claims.get("iat"), claims.get("exp"), self.clock()
        if not isinstance(issued, int | float) or not isinstance(expires, int | float):
            return False
        return issued <= now + CLOCK_SKEW_SECONDS and now < expires <= issued + MAX_JWT_LIFETIME_SECONDS


def _has_analytics_scope(claims: Mapping[str, Any]) -> bool:
    return any(scope in ANALYTICS_SCOPES for scope in str(claims.get("scope", "")).split())


def _unauthenticated(problem: str, reason: str) -> ApiError:
    return ApiError(
        401,
        f"{problem} {_CREDENTIALS_HINT}",
        [{"@type": ERROR_INFO_TYPE, "reason": reason, "domain": "googleapis.com"}],
    )
