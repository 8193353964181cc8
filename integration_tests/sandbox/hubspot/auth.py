"""Who is calling and what they may read: private-app tokens, OAuth tokens, scopes.

OAuth access tokens come from `sandbox.tokens.TokenIssuer` (expiry on the server clock,
optional refresh-token rotation); this module adds HubSpot's wire format around it: the
`/oauth/v1/token` errors, the 401 bodies (EXPIRED_AUTHENTICATION / INVALID_AUTHENTICATION)
and the 403 MISSING_SCOPES body that names the granular scopes an endpoint requires.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from sandbox.faults import Clock
from sandbox.hubspot.errors import HubSpotError, correlation_id
from sandbox.hubspot.timestamps import iso
from sandbox.messages import Request, Response
from sandbox.tokens import InvalidGrant, TokenIssuer

CREDENTIALS_NOT_FOUND = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more "
    "details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
MISSING_SCOPES = (
    "This app hasn't been granted all required scopes to make this call. Read more about required scopes "
    "here: https://developers.hubspot.com/scopes."
)


@dataclass(frozen=True)
class Caller:
    """An authenticated request's token and the scopes it was granted."""

    token: str
    private_app: bool
    scopes: frozenset[str]

    def require(self, scopes: Sequence[str]) -> None:
        """403 MISSING_SCOPES unless every scope in `scopes` was granted."""
        if not set(scopes) <= self.scopes:
            raise HubSpotError.of(
                403,
                "MISSING_SCOPES",
                MISSING_SCOPES,
                errors=[
                    {
                        "message": "One or more of the following scopes are required.",
                        "context": {"requiredGranularScopes": list(scopes)},
                    }
                ],
                links={"scopes": "https://developers.hubspot.com/scopes"},
            )


@dataclass(frozen=True)
class OAuthApp:
    client_id: str
    client_secret: str
    app_id: int


class Authenticator:
    """The account's one private app and one OAuth app, both granted `scopes`."""

    def __init__(
        self,
        clock: Clock,
        *,
        private_app_token: str,
        oauth_app: OAuthApp,
        refresh_token: str,
        scopes: Sequence[str],
        access_token_lifetime: int,
        rotate_refresh_tokens: bool,
        hub_id: int,
    ) -> None:
        self._clock = clock
        self.private_app_token = private_app_token
        self.oauth_app = oauth_app
        self.scopes = frozenset(scopes)
        self.hub_id = hub_id
        self.issuer = TokenIssuer(
            access_token_lifetime, clock=clock, rotate_refresh_tokens=rotate_refresh_tokens
        )
        self.issuer.issue_refresh_token(refresh_token)
        self._lock = threading.Lock()
        self._issued_at: dict[str, float] = {}  # access token -> issue time, for expiry messages and info

    # --- tokens -----------------------------------------------------------------------------

    def issue_access_token(self) -> str:
        """An OAuth access token as the token endpoint would hand out (for tests)."""
        token = self.issuer.issue_access_token()
        with self._lock:
            self._issued_at[token] = self._clock()
        return token

    def token_endpoint(self, request: Request) -> Response:
        """`POST /oauth/v1/token` with the refresh_token grant, HubSpot's error bodies included."""
        form = request.form()
        if form.get("client_id") != self.oauth_app.client_id:
            return _oauth_error("BAD_CLIENT_ID", "missing or unknown client id")
        if form.get("client_secret") != self.oauth_app.client_secret:
            return _oauth_error("BAD_CLIENT_SECRET", "missing or invalid client secret")
        if form.get("grant_type") != "refresh_token":
            return _oauth_error("BAD_GRANT_TYPE", "missing or unsupported grant type")
        try:
            grant = self.issuer.refresh(form.get("refresh_token", ""))
        except InvalidGrant:
            return _oauth_error("BAD_REFRESH_TOKEN", "missing or unknown refresh token")
        with self._lock:
            self._issued_at[grant.access_token] = self._clock()
        return Response.json(
            {
                "token_type": "bearer",
                "refresh_token": grant.refresh_token,
                "access_token": grant.access_token,
                "expires_in": grant.expires_in,
            }
        )

    def access_token_info(self, token: str) -> Response:
        """`GET /oauth/v1/access-tokens/{token}`: what an OAuth access token may do, and for how long."""
        check = self.issuer.validate(f"Bearer {token}")
        if check.status == "expired":
            return self._expired(token).response
        if not check:
            return HubSpotError.of(404, "OBJECT_NOT_FOUND", "Token not found").response
        return Response.json(
            {
                "token": token,
                "user": "sandbox.user@example.com",
                "hub_domain": "sandbox.example.com",
                "scopes": sorted(self.scopes),
                "scope_to_scope_group_pks": [],
                "trial_scopes": [],
                "trial_scope_to_scope_group_pks": [],
                "hub_id": self.hub_id,
                "app_id": self.oauth_app.app_id,
                "expires_in": int(self._expires_at(token) - self._clock()),
                "user_id": 9_000_000,
                "token_type": "access",
            }
        )

    def private_app_token_info(self, request: Request) -> Response:
        """`POST /oauth/v2/private-apps/get/access-token-info` with `{"tokenKey": ...}`."""
        token = (request.json() or {}).get("tokenKey") if request.body else None
        if token != self.private_app_token:
            return HubSpotError.of(404, "OBJECT_NOT_FOUND", "Token not found").response
        return Response.json(
            {
                "userId": 9_000_000,
                "hubId": self.hub_id,
                "appId": self.oauth_app.app_id + 1,
                "scopes": sorted(self.scopes),
            }
        )

    # --- requests ---------------------------------------------------------------------------

    def authenticate(self, request: Request) -> Caller:
        """The caller of an API request, or HubSpotError(401) in HubSpot's shape."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise HubSpotError.of(401, "INVALID_AUTHENTICATION", CREDENTIALS_NOT_FOUND)
        if token == self.private_app_token:
            return Caller(token, private_app=True, scopes=self.scopes)
        check = self.issuer.validate(f"Bearer {token}")
        if check.status == "expired":
            raise self._expired(token)
        if not check:
            raise HubSpotError.of(401, "INVALID_AUTHENTICATION", CREDENTIALS_NOT_FOUND)
        return Caller(token, private_app=False, scopes=self.scopes)

    def _expires_at(self, token: str) -> float:
        with self._lock:
            return self._issued_at.get(token, self._clock()) + self.issuer.lifetime_seconds

    def _expired(self, token: str) -> HubSpotError:
        expired_at = self._expires_at(token)
        ago = max(int(self._clock() - expired_at), 0)
        return HubSpotError.of(
            401,
            "EXPIRED_AUTHENTICATION",
            f"The OAuth token used to make this call expired {ago} second(s) ago.",
            context={"expire time": [iso(round(expired_at * 1000))]},
        )


def _oauth_error(status: str, message: str) -> Response:
    """The token endpoint's own error shape: the code goes in `status`, not `category`."""
    return Response.json(
        {"status": status, "message": message, "correlationId": correlation_id()}, status=400
    )
