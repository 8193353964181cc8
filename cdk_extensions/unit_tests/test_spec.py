"""SPEC generation from a config model, and config loading with errors that name fields."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import jsonschema
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from cdk_extensions.spec import OneOf, connection_specification, connector_spec, ensure_unique, load_config

SECRET = "s3cr3t-value-0123456789"


class OAuth(BaseModel):
    """Sign in with an OAuth app."""

    model_config = ConfigDict(title="OAuth")
    auth_type: Literal["Client"] = "Client"
    client_id: str = Field(title="Client ID")
    client_secret: SecretStr
    refresh_token: SecretStr


class ServiceAccount(BaseModel):
    model_config = ConfigDict(title="Service account")
    auth_type: Literal["Service"] = "Service"
    credentials_json: str = Field(json_schema_extra={"airbyte_secret": True})


class AmbientCredentials(BaseModel):
    model_config = ConfigDict(title="From the environment")
    auth_type: Literal["Ambient"] = "Ambient"


Credentials = Annotated[OAuth | ServiceAccount | AmbientCredentials, OneOf("auth_type")]


class Filter(BaseModel):
    field: str = Field(alias="fieldName")
    value: str | int | bool


class Report(BaseModel):
    name: str
    kind: Literal["flat", "pivot"] = "flat"
    filters: list[Filter] = []


def _each_report_once(reports: list[Report]) -> list[Report]:
    ensure_unique([report.name for report in reports])
    return reports


class ExampleConfig(BaseModel):
    """Settings of an example connector."""

    model_config = ConfigDict(title="Example")
    credentials: Credentials
    start_date: datetime.date | None = Field(None, examples=["2024-01-31"], description="First day to read.")
    page_size: int = Field(100, ge=1, json_schema_extra={"order": 10})
    reports: Annotated[list[Report], AfterValidator(_each_report_once)] = []
    backup_credentials: Credentials | None = None


def oauth_config(**overrides: Any) -> dict[str, Any]:
    credentials = {"auth_type": "Client", "client_id": "id", "client_secret": SECRET, "refresh_token": SECRET}
    return {"credentials": credentials, **overrides}


def walk(node: Any) -> Iterator[Any]:
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from walk(child)


def config_error(raw: dict[str, Any]) -> AirbyteTracedException:
    with pytest.raises(AirbyteTracedException) as caught:
        load_config(ExampleConfig, raw)
    assert caught.value.failure_type == FailureType.config_error
    return caught.value


# --- SPEC -----------------------------------------------------------------------------------


def test_spec_is_draft_07_fully_inline_and_open_at_the_top() -> None:
    spec = connection_specification(ExampleConfig)

    assert spec["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert spec["additionalProperties"] is True
    assert spec["title"] == "Example"
    assert spec["description"] == "Settings of an example connector."
    keys = {key for node in walk(spec) if isinstance(node, dict) for key in node}
    assert not keys & {"$ref", "$defs", "definitions", "discriminator", "writeOnly"}
    jsonschema.Draft7Validator.check_schema(spec)


def test_options_are_one_of_with_a_constant_that_has_a_default() -> None:
    credentials = connection_specification(ExampleConfig)["properties"]["credentials"]

    assert credentials["type"] == "object"
    assert [option["title"] for option in credentials["oneOf"]] == [
        "OAuth",
        "Service account",
        "From the environment",
    ]
    assert [option["properties"]["auth_type"] for option in credentials["oneOf"]] == [
        {"order": 0, "const": tag, "default": tag, "title": "Auth Type", "type": "string"}
        for tag in ("Client", "Service", "Ambient")
    ]
    assert credentials["oneOf"][0]["description"] == "Sign in with an OAuth app."


def test_secrets_are_flagged_for_the_platform() -> None:
    spec = connection_specification(ExampleConfig)
    oauth, service_account, _ = spec["properties"]["credentials"]["oneOf"]

    assert oauth["properties"]["client_secret"] == {
        "order": 2,
        "title": "Client Secret",
        "type": "string",
        "airbyte_secret": True,
    }
    assert oauth["properties"]["refresh_token"]["airbyte_secret"] is True
    assert "airbyte_secret" not in oauth["properties"]["client_id"]
    assert service_account["properties"]["credentials_json"]["airbyte_secret"] is True


def test_optional_fields_render_as_their_type_without_a_null_branch() -> None:
    spec = connection_specification(ExampleConfig)

    assert spec["required"] == ["credentials"]
    assert spec["properties"]["start_date"] == {
        "order": 1,
        "format": "date",
        "type": "string",
        "description": "First day to read.",
        "examples": ["2024-01-31"],
        "title": "Start Date",
    }
    backup = spec["properties"]["backup_credentials"]
    assert "anyOf" not in backup and "default" not in backup
    assert len(backup["oneOf"]) == 3


def test_fields_keep_declaration_order_unless_told_otherwise() -> None:
    properties = connection_specification(ExampleConfig)["properties"]

    assert {name: schema["order"] for name, schema in properties.items()} == {
        "credentials": 0,
        "start_date": 1,
        "page_size": 10,
        "reports": 3,
        "backup_credentials": 4,
    }
    assert (
        properties["reports"]["items"]["properties"]["filters"]["items"]["properties"]["fieldName"]["order"]
        == 0
    )


def test_connector_spec_carries_the_documentation_url_and_the_schema() -> None:
    spec = connector_spec(ExampleConfig, documentation_url="https://example.org/docs")

    assert spec.documentationUrl == "https://example.org/docs"
    assert spec.connectionSpecification == connection_specification(ExampleConfig)


def test_each_call_returns_a_fresh_copy() -> None:
    connection_specification(ExampleConfig)["properties"].clear()

    assert "credentials" in connection_specification(ExampleConfig)["properties"]


def test_spec_accepts_what_the_model_accepts_and_rejects_a_missing_secret() -> None:
    spec = connection_specification(ExampleConfig)
    good = oauth_config(reports=[{"name": "r", "filters": [{"fieldName": "f", "value": 3}]}])

    jsonschema.validate(good, spec)
    load_config(ExampleConfig, good)
    del good["credentials"]["refresh_token"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(good, spec)


def test_recursive_models_are_refused() -> None:
    class Node(BaseModel):
        children: list[Node] = []

    with pytest.raises(TypeError, match="Node contains itself"):
        connection_specification(Node)


# --- load_config ----------------------------------------------------------------------------


def test_valid_config_loads_into_the_model() -> None:
    config = load_config(ExampleConfig, oauth_config(start_date="2024-02-29", page_size=5))

    assert isinstance(config.credentials, OAuth)
    assert config.credentials.client_secret.get_secret_value() == SECRET
    assert config.start_date == datetime.date(2024, 2, 29)
    assert config.page_size == 5


@pytest.mark.parametrize(
    ("credentials", "option"),
    [
        ({"credentials_json": "{}"}, ServiceAccount),
        ({"client_id": "i", "client_secret": "s", "refresh_token": "r"}, OAuth),
        ({}, AmbientCredentials),
    ],
)
def test_option_without_its_constant_is_the_one_whose_fields_match(
    credentials: dict[str, Any], option: type[BaseModel]
) -> None:
    config = load_config(ExampleConfig, {"credentials": credentials})

    assert type(config.credentials) is option


@pytest.mark.parametrize(
    "credentials",
    [{"client_id": "incomplete-oauth"}, {"credentials_json": "{}", "client_id": "both"}, {"colour": "x"}],
)
def test_option_that_cannot_be_recognised_names_the_constant_and_its_values(
    credentials: dict[str, Any],
) -> None:
    error = config_error({"credentials": credentials})

    assert error.message == (
        "The connector configuration is invalid: `credentials`: cannot tell which option this is: "
        "set `auth_type` to one of 'Client', 'Service', 'Ambient'"
    )


def test_every_bad_field_is_named_with_its_path_and_option() -> None:
    raw = oauth_config(page_size=0, reports=[{"name": "ok"}, {"filters": [{"value": 1.5}]}])
    raw["credentials"]["client_secret"] = 12345678

    message = config_error(raw).message or ""

    assert message.startswith("The connector configuration is invalid: ")
    problems = message.removeprefix("The connector configuration is invalid: ").split("; ")
    assert problems == [
        "`credentials.client_secret` (Client): Input should be a valid string",
        "`page_size`: Input should be greater than or equal to 1",
        "`reports[1].name`: Field required",
        "`reports[1].filters[0].fieldName`: Field required",
        "`reports[1].filters[0].value`: Input should be a valid string or Input should be a valid integer, "
        "got a number with a fractional part or Input should be a valid boolean",
    ]


def test_errors_never_quote_config_values() -> None:
    raw = oauth_config(page_size=SECRET, start_date=SECRET)
    raw["credentials"]["auth_type"] = "Bogus"
    raw["credentials"]["refresh_token"] = ["not", SECRET]

    error = config_error(raw)

    assert SECRET not in (error.message or "") + (error.internal_message or "")
    assert "`page_size`" in (error.message or "") and "`start_date`" in (error.message or "")


def test_a_config_that_is_not_an_object_is_a_config_error() -> None:
    assert "the configuration: Input should be a valid dictionary" in (config_error([]).message or "")  # type: ignore[arg-type]


def test_unknown_fields_are_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    raw = oauth_config(
        colour="blue",
        reports=[{"name": "r", "extra": 1, "filters": [{"fieldName": "f", "value": "v", "typo": 2}]}],
        _limit=5,
    )
    raw["credentials"]["scope"] = "x"

    with caplog.at_level(logging.WARNING):
        config = load_config(ExampleConfig, raw)

    assert [record.getMessage() for record in caplog.records] == [
        f"Ignoring unknown config field `{path}`: this connector does not use it."
        for path in ("colour", "credentials.scope", "reports[0].extra", "reports[0].filters[0].typo")
    ]
    assert config.reports[0].filters[0].field == "f"


def test_warnings_go_to_the_given_logger(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        load_config(ExampleConfig, oauth_config(colour="blue"), logger=logging.getLogger("airbyte.example"))

    assert [record.name for record in caplog.records] == ["airbyte.example"]


def test_repeated_names_are_listed_once_each() -> None:
    reports = [{"name": name} for name in ("b", "a", "b", "c", "a", "b")]

    assert config_error(oauth_config(reports=reports)).message == (
        "The connector configuration is invalid: `reports`: a, b appear more than once"
    )
