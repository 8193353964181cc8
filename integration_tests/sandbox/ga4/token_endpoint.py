"""The fake's OAuth 2.0 token endpoint, like https://oauth2.googleapis.com/token.

It serves the two grants GA4 connectors use: `urn:ietf:params:oauth:grant-type:jwt-bearer`
(a service account's signed JWT in `assertion`) and `refresh_token` (an OAuth client's user
token, client credentials in the form). Errors use the OAuth JSON error body
(`{"error": "invalid_grant", "error_description": ...}`), which google-auth turns into a
RefreshError.
"""

from __future__ import annotations

from sandbox.fake_server import FakeServer, Request, Response
from sandbox.ga4.auth import Authenticator, GrantError

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_PATH = "/token"


def add_token_route(server: FakeServer, authenticator: Authenticator) -> None:
    def token(request: Request) -> Response:
        form = request.form()
        try:
            if form.get("grant_type") == JWT_BEARER_GRANT:
                grant = authenticator.grant_for_assertion(
                    form.get("assertion", ""), f"{server.url}{TOKEN_PATH}"
                )
            elif form.get("grant_type") == "refresh_token":
                grant = authenticator.grant_for_refresh_token(
                    form.get("client_id"), form.get("client_secret"), form.get("refresh_token", "")
                )
            else:
                raise GrantError(
                    "unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type', '')}"
                )
        except GrantError as error:
            return Response.json(
                {"error": error.error, "error_description": error.description}, status=error.status
            )
        body = {
            "access_token": grant.access_token,
            "expires_in": grant.expires_in,
            "token_type": "Bearer",
            "scope": "https://www.googleapis.com/auth/analytics.readonly",
        }
        return Response.json(body, headers={"Cache-Control": "no-store"})

    server.add_route("POST", TOKEN_PATH, token)
