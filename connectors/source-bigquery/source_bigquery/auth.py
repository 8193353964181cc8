"""The Google credentials BigQuery is called with, from whichever way the config gave them.

- a service account key: google-auth signs a JWT with the key and trades it at the key's own
  `token_uri` (a private token endpoint is honoured);
- a Google user's OAuth refresh token, traded at the configured token endpoint;
- neither: the application default credentials (inside Google Cloud, the attached service
  account; elsewhere GOOGLE_APPLICATION_CREDENTIALS or gcloud's login).

Service-account and user tokens go through cdk_extensions' encrypted token cache, so a restarted
sync reuses a valid token and concurrent streams refresh it once. An emulator on this machine
(an API endpoint on a loopback address) takes no credentials: with no explicit credential file,
its requests go unauthenticated rather than probing Google's metadata server.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.google_credentials import OAuthClient, ServiceAccountKey, service_account_info
from source_bigquery.config import BigQueryConfig

if TYPE_CHECKING:  # google-auth is imported by the commands that talk to BigQuery only
    from google.auth.credentials import Credentials

BIGQUERY_SCOPE = "https://www.googleapis.com/auth/bigquery"
CREDENTIALS_FILE_VARIABLE = "GOOGLE_APPLICATION_CREDENTIALS"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}

logger = logging.getLogger("airbyte")


def bigquery_credentials(config: BigQueryConfig, environ: Mapping[str, str] = os.environ) -> Credentials:
    """Credentials scoped for BigQuery (REST and Storage Read API), tokens cached when possible."""
    from cdk_extensions.auth.google import cached_google_credentials

    authentication = config.authentication
    if isinstance(authentication, ServiceAccountKey):
        return cached_google_credentials(_service_account(authentication))
    if isinstance(authentication, OAuthClient):
        return cached_google_credentials(_google_user(authentication))
    return _application_default(config, environ)


def is_emulator_endpoint(url: str) -> bool:
    """An endpoint on this machine: an emulator, never Google."""
    return urlsplit(url).hostname in LOOPBACK_HOSTS


def _service_account(key: ServiceAccountKey) -> Credentials:
    from google.oauth2 import service_account

    try:  # google-auth leaves this classmethod unannotated
        return service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call, no-any-return]
            service_account_info(key.credentials_json), scopes=[BIGQUERY_SCOPE]
        )
    except ValueError as error:  # a damaged private key; the message quotes no key material
        raise _config_error(
            "The service account key in the config cannot be used: its private key is damaged. "
            "Paste the whole key file again, or create a new key.",
            f"google-auth refused the key: {type(error).__name__}",
        ) from None


def _google_user(oauth: OAuthClient) -> Credentials:
    from google.oauth2.credentials import Credentials as UserCredentials

    return UserCredentials(  # type: ignore[no-untyped-call]  # google-auth leaves its __init__ unannotated
        token=None,  # a configured access token has no known expiry: the cache fetches a fresh one
        refresh_token=oauth.refresh_token.get_secret_value(),
        client_id=oauth.client_id,
        client_secret=oauth.client_secret.get_secret_value(),
        token_uri=oauth.token_uri,
        scopes=[BIGQUERY_SCOPE],
    )


def _application_default(config: BigQueryConfig, environ: Mapping[str, str]) -> Credentials:
    import google.auth
    from google.auth.credentials import AnonymousCredentials
    from google.auth.exceptions import DefaultCredentialsError
    from google.oauth2 import credentials as user_credentials
    from google.oauth2 import service_account

    from cdk_extensions.auth.google import cached_google_credentials

    if is_emulator_endpoint(config.api_endpoint) and not environ.get(CREDENTIALS_FILE_VARIABLE):
        logger.info(
            f"BigQuery endpoint {config.api_endpoint} is on this machine (an emulator): "
            "calling it without credentials."
        )
        return AnonymousCredentials()  # type: ignore[no-untyped-call]
    try:
        credentials, _project = google.auth.default(scopes=[BIGQUERY_SCOPE])
    except DefaultCredentialsError as error:
        raise _config_error(
            "No Google credentials were found in the environment (application default credentials). "
            "Paste a service account key into the config, choose OAuth, or run the connector where "
            f"credentials are available ({CREDENTIALS_FILE_VARIABLE}, gcloud, or inside Google Cloud).",
            f"google.auth.default: {error}",
        ) from error
    if isinstance(credentials, service_account.Credentials | user_credentials.Credentials):
        return cached_google_credentials(credentials)
    return credentials  # e.g. Compute Engine's: renewed by google-auth itself, from the metadata server


def _config_error(message: str, internal_message: str) -> AirbyteTracedException:
    return AirbyteTracedException(
        message=message, internal_message=internal_message, failure_type=FailureType.config_error
    )
