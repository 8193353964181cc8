"""Google credential options: the official connectors' shapes load, broken key files are named."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import BaseModel

from cdk_extensions.google_credentials import (
    GOOGLE_TOKEN_URI,
    ApplicationDefault,
    GoogleCredentials,
    OAuthClient,
    ServiceAccountKey,
    service_account_info,
)
from cdk_extensions.spec import connection_specification, load_config

PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIplaceholder0123456789\n-----END PRIVATE KEY-----\n"
KEY_FILE = {
    "type": "service_account",
    "project_id": "my-project",
    "client_email": "reader@my-project.iam.gserviceaccount.com",
    "private_key": PRIVATE_KEY,
    "token_uri": "http://127.0.0.1:9/token",
}


class Config(BaseModel):
    credentials: GoogleCredentials


def load(credentials: dict[str, Any]) -> Any:
    return load_config(Config, {"credentials": credentials}).credentials


def rejection(credentials: dict[str, Any]) -> str:
    with pytest.raises(AirbyteTracedException) as caught:
        load(credentials)
    assert caught.value.failure_type == FailureType.config_error
    return caught.value.message or ""


def test_service_account_key_as_the_official_connectors_write_it() -> None:
    credentials = load({"auth_type": "Service", "credentials_json": json.dumps(KEY_FILE)})

    assert isinstance(credentials, ServiceAccountKey)
    assert service_account_info(credentials.credentials_json) == KEY_FILE


def test_oauth_client_as_the_official_connectors_write_it() -> None:
    credentials = load(
        {"auth_type": "Client", "client_id": "id", "client_secret": "secret", "refresh_token": "refresh"}
    )

    assert isinstance(credentials, OAuthClient)
    assert credentials.refresh_token.get_secret_value() == "refresh"
    assert credentials.access_token is None
    assert credentials.token_uri == GOOGLE_TOKEN_URI


def test_official_configs_without_auth_type_still_load() -> None:
    assert isinstance(load({"credentials_json": json.dumps(KEY_FILE)}), ServiceAccountKey)
    assert isinstance(load({"client_id": "i", "client_secret": "s", "refresh_token": "r"}), OAuthClient)


def test_application_default_needs_nothing_else() -> None:
    assert isinstance(load({"auth_type": "ApplicationDefault"}), ApplicationDefault)


@pytest.mark.parametrize(
    "credentials",
    [
        {"credentials_json": json.dumps(KEY_FILE)},
        {"client_id": "i", "client_secret": "s", "refresh_token": "r"},
        {"auth_type": "ApplicationDefault"},
    ],
)
def test_the_spec_matches_exactly_one_option_even_without_auth_type(credentials: dict[str, Any]) -> None:
    """The CDK validates configs against the SPEC before the connector sees them."""
    jsonschema.validate({"credentials": credentials}, connection_specification(Config))


def test_application_default_takes_no_other_field() -> None:
    assert rejection({"auth_type": "ApplicationDefault", "client_id": "i"}).endswith(
        "`credentials.client_id` (ApplicationDefault): Extra inputs are not permitted"
    )


@pytest.mark.parametrize(
    ("key_file", "complaint"),
    [
        ("not json at all " + PRIVATE_KEY, "is not valid JSON: paste the whole key file"),
        (json.dumps([KEY_FILE]), "must be a JSON object: paste the whole key file"),
        (
            json.dumps({**KEY_FILE, "client_email": None, "token_uri": 7}),
            "is not a service account key file: it lacks client_email, token_uri",
        ),
    ],
)
def test_broken_key_files_are_named_without_quoting_them(key_file: str, complaint: str) -> None:
    message = rejection({"auth_type": "Service", "credentials_json": key_file})

    assert message.endswith(f"`credentials.credentials_json` (Service): {complaint}")
    assert "MIIplaceholder" not in message


def test_secrets_are_marked_in_the_spec() -> None:
    options = connection_specification(Config)["properties"]["credentials"]["oneOf"]
    secret_fields = {
        option["properties"]["auth_type"]["const"]: sorted(
            name for name, schema in option["properties"].items() if schema.get("airbyte_secret")
        )
        for option in options
    }

    assert secret_fields == {
        "Service": ["credentials_json"],
        "Client": ["access_token", "client_secret", "refresh_token"],
        "ApplicationDefault": [],
    }
