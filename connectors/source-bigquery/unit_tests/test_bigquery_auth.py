"""Every way to authenticate, end to end: the connector's BigQuery client gets its token from a local
Google token endpoint that verifies the service account's JWT (RS256 signature, audience, scope,
expiry), and a fake BigQuery accepts only the tokens that endpoint issued."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.spec import load_config
from sandbox.bigquery.fake_api import FakeBigQuery
from sandbox.fake_server import FakeServer
from sandbox.google_tokens import TOKEN_PATH, USER_TOKEN_PATH, GoogleTokenEndpoint
from source_bigquery.api import BigQueryApi
from source_bigquery.auth import CREDENTIALS_FILE_VARIABLE, bigquery_credentials
from source_bigquery.config import BigQueryConfig

PROJECT = "sandbox"


@pytest.fixture
def guarded_bigquery(
    fake_server: Callable[..., FakeServer], google_tokens: GoogleTokenEndpoint
) -> FakeBigQuery:
    """A BigQuery that answers only requests bearing a token the fake Google issued."""
    return fake_server(FakeBigQuery, project=PROJECT, tables={"shop": {}}, tokens=google_tokens.issuer)


def config(bigquery: FakeBigQuery, **auth: Any) -> BigQueryConfig:
    return load_config(BigQueryConfig, {"project_id": PROJECT, "api_endpoint": bigquery.url, **auth})


def list_datasets(config: BigQueryConfig) -> list[str]:
    api = BigQueryApi(config)
    try:
        return api.dataset_ids()
    finally:
        api.close()


def test_a_service_account_key_signs_a_jwt_that_the_keys_token_uri_accepts(
    guarded_bigquery: FakeBigQuery, google_tokens: GoogleTokenEndpoint
) -> None:
    key = json.dumps(google_tokens.service_account_info())

    assert list_datasets(config(guarded_bigquery, credentials_json=key)) == ["shop"]
    assert google_tokens.rejected_assertions == []
    assert google_tokens.requests_to(TOKEN_PATH) == 1


def test_the_token_is_renewed_before_it_expires_and_reused_while_valid(
    guarded_bigquery: FakeBigQuery, google_tokens: GoogleTokenEndpoint
) -> None:
    google_tokens.lifetimes = [60, 3600]  # the first token expires within the renewal margin
    key_config = config(guarded_bigquery, credentials_json=json.dumps(google_tokens.service_account_info()))

    for _ in range(3):
        assert list_datasets(key_config) == ["shop"]

    assert google_tokens.requests_to(TOKEN_PATH) == 2  # the short-lived token, then one renewal


def test_a_forged_key_is_a_config_error(
    guarded_bigquery: FakeBigQuery, google_tokens: GoogleTokenEndpoint
) -> None:
    key = google_tokens.service_account_info()
    google_tokens.private_key = GoogleTokenEndpoint(FakeServer("other"), "scope").private_key  # rotated

    with pytest.raises(AirbyteTracedException) as raised:
        list_datasets(config(guarded_bigquery, credentials_json=json.dumps(key)))

    assert raised.value.failure_type == FailureType.config_error
    assert "InvalidSignatureError" in google_tokens.rejected_assertions[0]


def test_a_damaged_private_key_is_a_config_error_that_quotes_nothing(
    fake_bigquery: FakeBigQuery, google_tokens: GoogleTokenEndpoint
) -> None:
    key = {**google_tokens.service_account_info(), "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n"}

    with pytest.raises(AirbyteTracedException) as raised:
        bigquery_credentials(config(fake_bigquery, credentials_json=json.dumps(key)))

    assert raised.value.failure_type == FailureType.config_error
    assert "AAAA" not in f"{raised.value.message} {raised.value.internal_message}"


def test_oauth_user_credentials_trade_the_refresh_token(
    guarded_bigquery: FakeBigQuery, google_tokens: GoogleTokenEndpoint
) -> None:
    oauth = {"auth_type": "Client", **google_tokens.oauth_user()}

    assert list_datasets(config(guarded_bigquery, credentials=oauth)) == ["shop"]
    assert google_tokens.requests_to(USER_TOKEN_PATH) == 1


def test_a_revoked_refresh_token_is_a_config_error(
    guarded_bigquery: FakeBigQuery, google_tokens: GoogleTokenEndpoint
) -> None:
    google_tokens.issuer.revoke(google_tokens.user_refresh_token)
    oauth = {"auth_type": "Client", **google_tokens.oauth_user()}

    with pytest.raises(AirbyteTracedException) as raised:
        list_datasets(config(guarded_bigquery, credentials=oauth))

    assert raised.value.failure_type == FailureType.config_error


def test_application_default_credentials_come_from_the_environment(
    guarded_bigquery: FakeBigQuery,
    google_tokens: GoogleTokenEndpoint,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key_file = google_tokens.write_service_account_key(tmp_path / "key.json")
    monkeypatch.setenv(CREDENTIALS_FILE_VARIABLE, str(key_file))

    assert list_datasets(config(guarded_bigquery)) == ["shop"]
    assert google_tokens.requests_to(TOKEN_PATH) == 1


def test_missing_application_default_credentials_are_a_config_error(
    fake_bigquery: FakeBigQuery, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CREDENTIALS_FILE_VARIABLE, str(tmp_path / "no-such-key.json"))

    with pytest.raises(AirbyteTracedException) as raised:
        bigquery_credentials(config(fake_bigquery))

    assert raised.value.failure_type == FailureType.config_error
    assert "No Google credentials were found" in (raised.value.message or "")


def test_an_emulator_on_this_machine_is_called_without_credentials(
    fake_bigquery: FakeBigQuery, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CREDENTIALS_FILE_VARIABLE, raising=False)

    assert list_datasets(config(fake_bigquery)) == ["shop"]
    assert all("Authorization" not in request.headers for request in fake_bigquery.requests)
