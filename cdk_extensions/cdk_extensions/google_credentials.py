"""The ways a Google API source (GA4 Data API, BigQuery) may be given credentials, as config models.

Field names and constants are those of Airbyte's official Google connectors (`auth_type`
"Service" with `credentials_json`, "Client" with an OAuth refresh token), so their configs load
unchanged; application default credentials are our addition, for runs inside Google Cloud.
Only the config lives here: obtaining tokens is the job of the connectors' auth code.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr
from pydantic_core import PydanticCustomError

from cdk_extensions.spec import OneOf

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
# What google-auth needs to sign a service account's token request.
SERVICE_ACCOUNT_KEY_FIELDS = ("client_email", "private_key", "token_uri")


def _check_service_account_key(key: SecretStr) -> SecretStr:
    """Reject anything but a service account's JSON key file, naming what is missing (no value)."""
    try:
        info = json.loads(key.get_secret_value())
    except ValueError:
        raise PydanticCustomError(
            "service_account_key", "is not valid JSON: paste the whole key file"
        ) from None
    if not isinstance(info, dict):
        raise PydanticCustomError("service_account_key", "must be a JSON object: paste the whole key file")
    missing = [field for field in SERVICE_ACCOUNT_KEY_FIELDS if not isinstance(info.get(field), str)]
    if missing:
        raise PydanticCustomError(
            "service_account_key",
            "is not a service account key file: it lacks {missing}",
            {"missing": ", ".join(missing)},
        )
    return key


ServiceAccountKeyJson = Annotated[SecretStr, AfterValidator(_check_service_account_key)]
"""A service account's JSON key file, held as a secret string (the official connectors' shape)."""

SERVICE_ACCOUNT_KEY_DESCRIPTION = (
    "The complete JSON key file of a Google Cloud service account, pasted as text. Create one under "
    "IAM & Admin > Service Accounts > Keys."
)
SERVICE_ACCOUNT_KEY_EXAMPLE = (
    '{"type": "service_account", "client_email": "reader@my-project.iam.gserviceaccount.com", ...}'
)


def service_account_info(key: SecretStr) -> dict[str, Any]:
    """The parsed key file, as google-auth's `from_service_account_info` takes it."""
    info: dict[str, Any] = json.loads(key.get_secret_value())
    return info


class ServiceAccountKey(BaseModel):
    """Act as a service account that has been granted access."""

    model_config = ConfigDict(title="Service account key")
    # `default=` by keyword, here and below: type checkers take only that for a default, so that
    # `ServiceAccountKey(credentials_json=...)` type-checks without `auth_type`.
    auth_type: Literal["Service"] = Field(default="Service", title="Authentication method")
    credentials_json: ServiceAccountKeyJson = Field(
        title="Service account key (JSON)",
        description=SERVICE_ACCOUNT_KEY_DESCRIPTION,
        examples=[SERVICE_ACCOUNT_KEY_EXAMPLE],
    )


class OAuthClient(BaseModel):
    """Act as a Google user who authorised an OAuth client; the refresh token keeps access alive."""

    model_config = ConfigDict(title="Google user (OAuth)")
    auth_type: Literal["Client"] = Field(default="Client", title="Authentication method")
    client_id: str = Field(
        title="Client ID",
        description="The ID of the OAuth client (Google Cloud console > APIs & Services > Credentials).",
        examples=["1234567890-abc123def456.apps.googleusercontent.com"],
    )
    client_secret: SecretStr = Field(title="Client secret", description="The secret of that OAuth client.")
    refresh_token: SecretStr = Field(
        title="Refresh token", description="A refresh token the user granted to that client."
    )
    access_token: SecretStr | None = Field(
        None,
        title="Access token",
        description="A current access token, if you have one; a new one is obtained when it expires.",
    )
    token_uri: str = Field(
        GOOGLE_TOKEN_URI,
        title="Token endpoint",
        description="Where the refresh token is exchanged for access tokens. Change it only for a proxy.",
        pattern=r"^https?://\S+$",
    )


class ApplicationDefault(BaseModel):
    """Use the credentials of the environment the connector runs in (Google's application default
    credentials: the attached service account inside Google Cloud, or GOOGLE_APPLICATION_CREDENTIALS)."""

    # Closed, so that an official config whose OAuth or key fields lack `auth_type` matches only
    # its own option in the SPEC's `oneOf` (an open option without required fields matches anything).
    model_config = ConfigDict(title="Application default credentials", extra="forbid")
    auth_type: Literal["ApplicationDefault"] = Field(
        default="ApplicationDefault", title="Authentication method"
    )


GoogleCredentials = Annotated[ServiceAccountKey | OAuthClient | ApplicationDefault, OneOf("auth_type")]
