"""The HubSpot config model: official configs load unchanged, our options load, mistakes are named."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.spec import connection_specification, load_config
from source_hubspot.config import (
    HUBSPOT_API_URL,
    HUBSPOT_LAUNCH,
    HubspotConfig,
    OAuthCredentials,
    PrivateAppCredentials,
)
from source_hubspot.streams.crm_object import CrmObjectType, settings_for

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
PRIVATE_APP = {"credentials_title": "Private App Credentials", "access_token": TOKEN}

# As the official connector's setup form writes them.
OFFICIAL_OAUTH = {
    "credentials": {
        "credentials_title": "OAuth Credentials",
        "client_id": "5f1a9c3e-0b7d-4e2a-9c61-2d8f4b7a1e90",
        "client_secret": "8d2e4f6a-1b3c-4d5e-8f9a-0b1c2d3e4f5a",
        "refresh_token": "na1-1a2b-3c4d-5e6f-7a8b-9c0d1e2f3a4b",
    },
    "start_date": "2021-01-01T00:00:00Z",
    "enable_experimental_streams": True,
    "num_worker": 3,
}
OFFICIAL_PRIVATE_APP = {"credentials": PRIVATE_APP, "start_date": "2023-06-15T08:30:00.000Z"}


@pytest.mark.parametrize("raw", [OFFICIAL_OAUTH, OFFICIAL_PRIVATE_APP])
def test_official_configs_pass_the_spec_that_the_cdk_checks_first(raw: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(connection_specification(HubspotConfig)).validate(raw)


def error_message(raw: dict[str, Any]) -> str:
    with pytest.raises(AirbyteTracedException) as caught:
        load_config(HubspotConfig, raw)
    assert caught.value.failure_type == FailureType.config_error
    return (caught.value.message or "").removeprefix("The connector configuration is invalid: ")


def test_official_oauth_config_loads_unchanged() -> None:
    config = load_config(HubspotConfig, OFFICIAL_OAUTH)

    assert isinstance(config.credentials, OAuthCredentials)
    assert config.credentials.client_id == "5f1a9c3e-0b7d-4e2a-9c61-2d8f4b7a1e90"
    assert config.credentials.refresh_token.get_secret_value() == "na1-1a2b-3c4d-5e6f-7a8b-9c0d1e2f3a4b"
    assert config.start_date == datetime(2021, 1, 1, tzinfo=UTC)
    assert config.enable_experimental_streams is True
    assert config.num_worker == 3


def test_official_private_app_config_loads_unchanged() -> None:
    config = load_config(HubspotConfig, OFFICIAL_PRIVATE_APP)

    assert isinstance(config.credentials, PrivateAppCredentials)
    assert config.credentials.access_token.get_secret_value() == TOKEN
    assert config.start_date == datetime(2023, 6, 15, 8, 30, tzinfo=UTC)


def test_everything_but_credentials_has_a_default() -> None:
    config = load_config(HubspotConfig, {"credentials": PRIVATE_APP})

    assert config.start_date == HUBSPOT_LAUNCH
    assert config.enable_experimental_streams is False
    assert config.api_base_url == HUBSPOT_API_URL
    assert config.lookback_window_minutes == 0
    assert config.objects == []


def test_our_options_load() -> None:
    config = load_config(
        HubspotConfig,
        {
            "credentials": PRIVATE_APP,
            "api_base_url": "http://127.0.0.1:8380/",
            "lookback_window_minutes": 15,
            "objects": [
                {
                    "name": "contacts",
                    "properties": ["email", "lifecyclestage"],
                    "filters": [
                        {
                            "filters": [
                                {"propertyName": "lifecyclestage", "operator": "IN", "values": ["lead", 3]}
                            ]
                        },
                        {
                            "filters": [
                                {
                                    "propertyName": "amount",
                                    "operator": "BETWEEN",
                                    "value": 10,
                                    "highValue": 20.5,
                                },
                                {"propertyName": "email", "operator": "HAS_PROPERTY"},
                                {"propertyName": "hs_is_unworked", "operator": "EQ", "value": True},
                            ]
                        },
                    ],
                },
                {"name": "2-3508482"},
            ],
        },
    )

    assert config.api_base_url == "http://127.0.0.1:8380"
    assert config.lookback_window_minutes == 15
    settings = {object_settings.name: object_settings for object_settings in config.objects}
    contacts = settings["contacts"]
    assert contacts.properties == ["email", "lifecyclestage"]
    in_filter, between, has, equals = [condition for group in contacts.filters for condition in group.filters]
    assert (in_filter.property_name, in_filter.operator, in_filter.values) == (
        "lifecyclestage",
        "IN",
        ["lead", 3],
    )
    assert (between.value, between.high_value) == (10, 20.5)
    assert (has.operator, has.value) == ("HAS_PROPERTY", None)
    assert equals.value is True
    assert settings["2-3508482"].filters == []


def test_objects_without_settings_read_everything() -> None:
    config = load_config(HubspotConfig, {"credentials": PRIVATE_APP})
    settings = settings_for(CrmObjectType.standard("deals"), config)

    assert (settings.name, settings.properties, settings.filters) == ("deals", [], [])


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        ({}, "`credentials`: Field required"),
        (
            {"credentials": {"credentials_title": "Private App Credentials"}},
            "`credentials.access_token` (Private App Credentials): Field required",
        ),
        (
            {"credentials": {**PRIVATE_APP, "credentials_title": "API Key Credentials"}},
            "`credentials`: Input tag 'API Key Credentials' found using 'credentials_title' does not match "
            "any of the expected tags: 'OAuth Credentials', 'Private App Credentials'",
        ),
        (
            {"credentials": PRIVATE_APP, "start_date": "2021-01-01T00:00:00"},
            "`start_date`: Input should have timezone info",
        ),
        (
            {"credentials": PRIVATE_APP, "num_worker": 0},
            "`num_worker`: Input should be greater than or equal to 1",
        ),
        (
            {"credentials": PRIVATE_APP, "api_base_url": "api.hubapi.com"},
            "`api_base_url`: String should match pattern '^https?://\\S+$'",
        ),
        (
            {
                "credentials": PRIVATE_APP,
                "objects": [{"name": "deals"}, {"name": "tickets"}, {"name": "deals"}],
            },
            "`objects`: deals appear more than once",
        ),
        (
            {"credentials": PRIVATE_APP, "objects": [{"name": "deals", "filters": [{"filters": []}]}]},
            "`objects[0].filters[0].filters`: List should have at least 1 item after validation, not 0",
        ),
        (
            {
                "credentials": PRIVATE_APP,
                "objects": [
                    {"name": "deals", "filters": [{"filters": [{"propertyName": "x", "operator": "LIKE"}]}]}
                ],
            },
            "`objects[0].filters[0].filters[0].operator`: Input should be 'EQ', 'NEQ', 'LT', 'LTE', 'GT', "
            "'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN' or "
            "'NOT_CONTAINS_TOKEN'",
        ),
    ],
)
def test_mistakes_are_config_errors_naming_the_field(raw: dict[str, Any], complaint: str) -> None:
    assert error_message(raw) == complaint


def test_errors_do_not_quote_secrets() -> None:
    raw = {**OFFICIAL_OAUTH, "num_worker": TOKEN}
    raw["credentials"] = {**OFFICIAL_OAUTH["credentials"], "client_secret": {"nested": TOKEN}}  # type: ignore[dict-item]

    message = error_message(raw)

    assert "`num_worker`" in message and "`credentials.client_secret` (OAuth Credentials)" in message
    assert TOKEN not in message


def test_unknown_fields_are_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    raw = {
        **OFFICIAL_PRIVATE_APP,
        "redirect_uri": "https://example.org",
        "objects": [{"name": "deals", "limit": 5}],
    }

    with caplog.at_level(logging.WARNING):
        config = load_config(HubspotConfig, raw)

    assert [record.getMessage() for record in caplog.records] == [
        "Ignoring unknown config field `redirect_uri`: this connector does not use it.",
        "Ignoring unknown config field `objects[0].limit`: this connector does not use it.",
    ]
    assert [settings.name for settings in config.objects] == ["deals"]
