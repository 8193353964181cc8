"""The BigQuery config model: official configs load unchanged, our options load, mistakes are named."""

from __future__ import annotations

import json
import logging
from typing import Any

import jsonschema
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.google_credentials import (
    ApplicationDefault,
    OAuthClient,
    ServiceAccountKey,
    service_account_info,
)
from cdk_extensions.spec import connection_specification, load_config
from source_bigquery.config import BIGQUERY_API_URL, BIGQUERY_STORAGE_API_URL, BigQueryConfig

PRIVATE_KEY = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSj\n-----END PRIVATE KEY-----\n"
)
KEY_FILE = {
    "type": "service_account",
    "project_id": "warehouse",
    "private_key": PRIVATE_KEY,
    "client_email": "reader@warehouse.iam.gserviceaccount.com",
    "token_uri": "https://oauth2.googleapis.com/token",
}
# As the official connector's setup form writes it.
OFFICIAL = {"project_id": "warehouse", "dataset_id": "shop", "credentials_json": json.dumps(KEY_FILE)}


@pytest.mark.parametrize("raw", [OFFICIAL])
def test_official_configs_pass_the_spec_that_the_cdk_checks_first(raw: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(connection_specification(BigQueryConfig)).validate(raw)


def error_message(raw: dict[str, Any]) -> str:
    with pytest.raises(AirbyteTracedException) as caught:
        load_config(BigQueryConfig, raw)
    assert caught.value.failure_type == FailureType.config_error
    return (caught.value.message or "").removeprefix("The connector configuration is invalid: ")


def query(**fields: Any) -> dict[str, Any]:
    return {"project_id": "p", "custom_queries": [{"name": "q", "sql": "SELECT 1", **fields}]}


def test_official_config_loads_unchanged() -> None:
    config = load_config(BigQueryConfig, OFFICIAL)

    assert (config.project_id, config.dataset_id, config.dataset_ids) == ("warehouse", "shop", ["shop"])
    assert isinstance(config.authentication, ServiceAccountKey)
    assert service_account_info(config.authentication.credentials_json) == KEY_FILE


def test_official_config_without_a_dataset_reads_every_dataset() -> None:
    config = load_config(BigQueryConfig, {**OFFICIAL, "dataset_id": None})

    assert config.dataset_ids == []


def test_without_credentials_the_application_default_ones_are_used() -> None:
    config = load_config(BigQueryConfig, {"project_id": "warehouse"})

    assert isinstance(config.authentication, ApplicationDefault)
    assert (config.api_endpoint, config.storage_api_endpoint) == (BIGQUERY_API_URL, BIGQUERY_STORAGE_API_URL)
    assert (config.location, config.billing_project_id, config.maximum_bytes_billed) == (None, None, None)


def test_oauth_user_credentials_load() -> None:
    credentials = {"auth_type": "Client", "client_id": "id", "client_secret": "s", "refresh_token": "r"}

    config = load_config(BigQueryConfig, {"project_id": "warehouse", "credentials": credentials})

    assert isinstance(config.authentication, OAuthClient)
    assert config.authentication.refresh_token.get_secret_value() == "r"


def test_our_options_load() -> None:
    config = load_config(
        BigQueryConfig,
        {
            "project_id": "warehouse",
            "dataset_id": "shop",
            "datasets": ["crm", "shop", "events"],
            "location": "EU",
            "billing_project_id": "finance",
            "api_endpoint": "http://127.0.0.1:9050",
            "storage_api_endpoint": "http://127.0.0.1:9060",
            "maximum_bytes_billed": 10_000_000_000,
            "tables": [
                {"table": "shop.orders", "columns": ["id", "total"], "row_filter": "total > 0"},
                {"table": "events.events_*"},
            ],
        },
    )

    assert config.dataset_ids == ["shop", "crm", "events"]
    assert (config.location, config.billing_project_id) == ("EU", "finance")
    assert config.storage_api_endpoint == "http://127.0.0.1:9060"
    assert config.maximum_bytes_billed == 10_000_000_000
    orders, events = config.tables
    assert (orders.columns, orders.row_filter) == (["id", "total"], "total > 0")
    assert (events.table, events.columns, events.row_filter) == ("events.events_*", [], None)


def test_custom_queries_bind_typed_parameters_of_every_shape() -> None:
    parameters = [
        {"name": "since", "type": "TIMESTAMP", "value": "2024-01-01T00:00:00Z"},
        {"name": "price", "type": "NUMERIC", "value": "12345678901234567890.123456789"},
        {"name": "countries", "type": "ARRAY<STRING>", "value": ["DE", "FR"]},
        {
            "name": "place",
            "type": "STRUCT<city STRING, tags ARRAY<STRING>>",
            "value": {"city": "Lyon", "tags": []},
        },
        {"name": "window", "type": "RANGE<DATE>", "value": {"start": "2024-01-01", "end": None}},
        {"name": "nothing", "type": "INT64", "value": None},
    ]

    config = load_config(
        BigQueryConfig, query(parameters=parameters, cursor_field="updated_at", primary_key=["id", "line"])
    )

    custom = config.custom_queries[0]
    assert [(p.name, p.type, p.value) for p in custom.parameters] == [
        (p["name"], p["type"], p["value"]) for p in parameters
    ]
    assert (custom.cursor_field, custom.primary_key) == ("updated_at", ["id", "line"])


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        ({"dataset_id": "shop"}, "`project_id`: Field required"),
        ({"project_id": ""}, "`project_id`: String should have at least 1 character"),
        (
            {"project_id": "p", "credentials_json": "{not json"},
            "`credentials_json`: is not valid JSON: paste the whole key file",
        ),
        (
            {**OFFICIAL, "credentials": {"auth_type": "ApplicationDefault"}},
            "the configuration: give either `credentials_json` or `credentials`, not both",
        ),
        (
            {"project_id": "p", "maximum_bytes_billed": -1},
            "`maximum_bytes_billed`: Input should be greater than or equal to 0",
        ),
        (
            {"project_id": "p", "storage_api_endpoint": "bigquerystorage.googleapis.com:443"},
            "`storage_api_endpoint`: String should match pattern '^https?://[^/\\s]+$'",
        ),
        (
            {"project_id": "p", "tables": [{"table": "orders"}]},
            "`tables[0].table`: String should match pattern '^[^.\\s]+\\.[^.\\s]+$'",
        ),
        (
            {"project_id": "p", "tables": [{"table": "a.b"}, {"table": "a.b"}]},
            "`tables`: a.b appear more than once",
        ),
        (query(sql=""), "`custom_queries[0].sql`: String should have at least 1 character"),
        (
            query(name="my-query"),
            "`custom_queries[0].name`: String should match pattern '^[A-Za-z_][A-Za-z0-9_]*$'",
        ),
        (
            query(parameters=[{"name": "x", "value": 1}]),
            "`custom_queries[0].parameters[0].type`: Field required",
        ),
        (
            query(parameters=[{"name": "x", "type": "INT64"}]),
            "`custom_queries[0].parameters[0].value`: Field required",
        ),
        (
            query(
                parameters=[
                    {"name": "x", "type": "INT64", "value": 1},
                    {"name": "x", "type": "INT64", "value": 2},
                ]
            ),
            "`custom_queries[0].parameters`: x appear more than once",
        ),
    ],
)
def test_mistakes_are_config_errors_naming_the_field(raw: dict[str, Any], complaint: str) -> None:
    assert error_message(raw) == complaint


def test_errors_do_not_quote_the_key_file() -> None:
    message = error_message({"project_id": "p", "credentials_json": json.dumps({"private_key": PRIVATE_KEY})})

    assert (
        message == "`credentials_json`: is not a service account key file: it lacks client_email, token_uri"
    )


def test_unknown_fields_are_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    raw = {
        **query(parameters=[{"name": "x", "type": "INT64", "value": 1, "mode": "NULLABLE"}]),
        "loading_method": {},
    }

    with caplog.at_level(logging.WARNING):
        load_config(BigQueryConfig, raw)

    assert [record.getMessage() for record in caplog.records] == [
        f"Ignoring unknown config field `{path}`: this connector does not use it."
        for path in ("loading_method", "custom_queries[0].parameters[0].mode")
    ]
