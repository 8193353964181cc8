"""Every connector's SPEC, as its command prints it, matches the checked-in `specs/` files, and
every config template there is accepted by the connector's model and by its SPEC."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from airbyte_cdk.models import ConnectorSpecificationSerializer, Type
from pydantic import BaseModel

from cdk_extensions.spec import load_config
from sandbox.protocol import parse_output
from source_bigquery.config import BigQueryConfig
from source_google_analytics_data_api.config import GoogleAnalyticsDataApiConfig
from source_hubspot.config import HubspotConfig

REPOSITORY = Path(__file__).resolve().parents[2]
SPECS = REPOSITORY / "specs"
GENERATE = SPECS / "generate.py"
CONFIG_MODELS: dict[str, type[BaseModel]] = {
    "source-hubspot": HubspotConfig,
    "source-google-analytics-data-api": GoogleAnalyticsDataApiConfig,
    "source-bigquery": BigQueryConfig,
}
REPORT_TYPES = ("flat", "pivot", "cohort", "funnel", "realtime")
TEMPLATES = sorted(SPECS.glob("source-*/config.*.example.json"))
# The configs each connector's acceptance-test-config.yml runs, which must be valid too.
SCENARIO_CONFIGS = sorted((REPOSITORY / "connectors").glob("source-*/integration_tests/*_config.json"))


def checked_in_spec(connector: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((SPECS / connector / "spec.json").read_text())
    return spec


@pytest.mark.parametrize("connector", CONFIG_MODELS)
def test_spec_command_prints_one_valid_spec_equal_to_the_checked_in_file(
    connector: str, tmp_path: Path
) -> None:
    command = Path(sys.executable).parent / connector
    result = subprocess.run(
        [command, "spec"], capture_output=True, text=True, cwd=tmp_path, timeout=120, check=True
    )

    messages = parse_output(result.stdout)
    specs = [message.spec for message in messages if message.type == Type.SPEC]
    assert len(specs) == 1 and specs[0] is not None
    assert ConnectorSpecificationSerializer.dump(specs[0]) == checked_in_spec(connector)


def test_checked_in_specs_are_current() -> None:
    result = subprocess.run(
        [sys.executable, GENERATE, "--check"], capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stdout


def test_generate_names_a_stale_spec_and_rewrites_it(tmp_path: Path) -> None:
    shutil.copytree(SPECS, tmp_path, dirs_exist_ok=True)
    stale = tmp_path / "source-bigquery" / "spec.json"
    stale.write_text(stale.read_text().replace("Project ID", "Project"))

    check = subprocess.run(
        [sys.executable, GENERATE, "--check", "--specs-dir", tmp_path],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 1
    assert check.stdout.splitlines()[0] == f"stale: {stale}"

    subprocess.run(
        [sys.executable, GENERATE, "--specs-dir", tmp_path], check=True, capture_output=True, timeout=120
    )
    assert json.loads(stale.read_text()) == checked_in_spec("source-bigquery")


def test_every_connector_has_its_templates() -> None:
    assert {path.relative_to(SPECS).as_posix() for path in TEMPLATES} >= {
        "source-hubspot/config.oauth.example.json",
        "source-hubspot/config.private_app.example.json",
        "source-google-analytics-data-api/config.service_account.example.json",
        "source-google-analytics-data-api/config.oauth.example.json",
        *(f"source-google-analytics-data-api/config.report_{kind}.example.json" for kind in REPORT_TYPES),
        "source-bigquery/config.service_account.example.json",
        "source-bigquery/config.oauth.example.json",
        "source-bigquery/config.adc.example.json",
        "source-bigquery/config.custom_query.example.json",
    }


@pytest.mark.parametrize("path", TEMPLATES + SCENARIO_CONFIGS, ids=lambda path: "/".join(path.parts[-2:]))
def test_config_is_accepted_by_the_model_and_the_spec_without_warnings(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    connector = next(part for part in path.parts if part in CONFIG_MODELS)
    raw = json.loads(path.read_text())

    with caplog.at_level(logging.WARNING):
        load_config(CONFIG_MODELS[connector], raw)
    jsonschema.Draft7Validator(checked_in_spec(connector)["connectionSpecification"]).validate(raw)

    assert caplog.records == []


@pytest.mark.parametrize("kind", REPORT_TYPES)
def test_each_report_template_shows_its_report_type(kind: str) -> None:
    path = SPECS / "source-google-analytics-data-api" / f"config.report_{kind}.example.json"
    config = load_config(GoogleAnalyticsDataApiConfig, json.loads(path.read_text()))

    assert [report.kind.value for report in config.custom_reports_array] == [kind]


# A config that the SPEC's JSON schema accepts but the model does not, per connector.
MODEL_ONLY_MISTAKES: dict[str, tuple[dict[str, Any], str]] = {
    "source-hubspot": (
        {"objects": [{"name": "deals"}, {"name": "deals"}]},
        "`objects`: deals appear more than once",
    ),
    "source-google-analytics-data-api": (
        {"date_ranges_start_date": "2024-02-01", "date_ranges_end_date": "2024-01-01"},
        "the configuration: `date_ranges_end_date` is before `date_ranges_start_date`",
    ),
    "source-bigquery": (
        {
            "credentials_json": json.dumps(
                {"client_email": "a@b.c", "private_key": "k", "token_uri": "http://127.0.0.1"}
            )
        },
        "the configuration: give either `credentials_json` or `credentials`, not both",
    ),
}


def run_check(connector: str, config: dict[str, Any], tmp_path: Path) -> tuple[int, list[Any]]:
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    command = Path(sys.executable).parent / connector
    result = subprocess.run(
        [command, "check", "--config", config_path], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    return result.returncode, parse_output(result.stdout)


def sample_config(connector: str) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(
        (REPOSITORY / "connectors" / connector / "integration_tests" / "sample_config.json").read_text()
    )
    return config


@pytest.mark.parametrize("connector", CONFIG_MODELS)
def test_check_of_an_invalid_config_is_a_config_error_naming_the_field(
    connector: str, tmp_path: Path
) -> None:
    mistake, complaint = MODEL_ONLY_MISTAKES[connector]

    exit_code, messages = run_check(connector, {**sample_config(connector), **mistake}, tmp_path)

    traces = [message.trace.error for message in messages if message.type == Type.TRACE]
    statuses = [message.connectionStatus for message in messages if message.type == Type.CONNECTION_STATUS]
    assert exit_code == 0
    assert [error.failure_type.value for error in traces] == ["config_error"]
    assert [status.status.value for status in statuses] == ["FAILED"]
    assert statuses[0].message == f"The connector configuration is invalid: {complaint}"
