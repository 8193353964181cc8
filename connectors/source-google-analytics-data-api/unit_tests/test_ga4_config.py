"""The GA4 config model: official configs load unchanged, our options load, mistakes are named."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import jsonschema
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.google_credentials import ApplicationDefault, OAuthClient, ServiceAccountKey
from cdk_extensions.spec import connection_specification, load_config
from source_google_analytics_data_api.config import (
    GA4_API_URL,
    AndGroup,
    BetweenFilter,
    CohortsDisabled,
    CohortsEnabled,
    DoubleValue,
    GoogleAnalyticsDataApiConfig,
    InListFilter,
    Int64Value,
    NotExpression,
    NumericFilter,
    OrGroup,
    ReportType,
    SingleFilter,
    StringFilter,
)

PRIVATE_KEY = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSj\n-----END PRIVATE KEY-----\n"
)
KEY_FILE = json.dumps(
    {
        "type": "service_account",
        "project_id": "ga-reader",
        "private_key_id": "0123456789abcdef",
        "private_key": PRIVATE_KEY,
        "client_email": "reader@ga-reader.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
)
SERVICE = {"auth_type": "Service", "credentials_json": KEY_FILE}

# As the official connector's setup form writes them (filters, pivots and cohorts in its shapes).
OFFICIAL = {
    "credentials": SERVICE,
    "property_ids": ["314186564", "1738294"],
    "date_ranges_start_date": "2023-09-01",
    "date_ranges_end_date": "2023-12-31",
    "window_in_days": 30,
    "lookback_window": 3,
    "keep_empty_rows": True,
    "convert_conversions_event": True,
    "custom_reports_array": [
        {
            "name": "cohort_report",
            "dimensions": ["cohort", "cohortNthDay"],
            "metrics": ["cohortActiveUsers"],
            "cohortSpec": {
                "enabled": "true",
                "cohorts": [
                    {
                        "dimension": "firstSessionDate",
                        "dateRange": {"startDate": "2023-04-24", "endDate": "2023-04-24"},
                    }
                ],
                "cohortsRange": {"endOffset": 100, "granularity": "DAILY"},
                "cohortReportSettings": {"accumulate": False},
            },
        },
        {
            "name": "pivot_report",
            "dimensions": ["browser", "country", "language"],
            "metrics": ["sessions"],
            "pivots": [{"fieldNames": ["browser"], "limit": 5}, {"fieldNames": ["country"], "limit": 250}],
            "cohortSpec": {"enabled": "false"},
        },
        {
            "name": "filtered_report",
            "dimensions": ["date", "deviceCategory", "city"],
            "metrics": ["totalUsers", "sessions"],
            "dimensionFilter": {
                "filter_type": "andGroup",
                "expressions": [
                    {
                        "field_name": "deviceCategory",
                        "filter": {"filter_name": "stringFilter", "value": "mobile", "matchType": ["EXACT"]},
                    },
                    {
                        "field_name": "city",
                        "filter": {
                            "filter_name": "inListFilter",
                            "values": ["Paris", "Lyon"],
                            "caseSensitive": True,
                        },
                    },
                ],
            },
            "metricFilter": {
                "filter_type": "orGroup",
                "expressions": [
                    {
                        "field_name": "sessions",
                        "filter": {
                            "filter_name": "numericFilter",
                            "operation": ["GREATER_THAN"],
                            "value": {"value_type": "int64Value", "value": "10"},
                        },
                    },
                    {
                        "field_name": "totalUsers",
                        "filter": {
                            "filter_name": "betweenFilter",
                            "fromValue": {"value_type": "doubleValue", "value": 1.5},
                            "toValue": {"value_type": "int64Value", "value": "99"},
                        },
                    },
                ],
            },
        },
        {
            "name": "not_report",
            "dimensions": ["date"],
            "metrics": ["sessions"],
            "dimensionFilter": {
                "filter_type": "notExpression",
                "expression": {
                    "field_name": "country",
                    "filter": {"filter_name": "stringFilter", "value": "France"},
                },
            },
            "metricFilter": {
                "filter_type": "filter",
                "field_name": "sessions",
                "filter": {
                    "filter_name": "numericFilter",
                    "operation": ["EQUAL"],
                    "value": {"value_type": "doubleValue", "value": 0},
                },
            },
        },
    ],
}


# Older official configs have no `auth_type` (the official spec never required it).
OFFICIAL_WITHOUT_AUTH_TYPE = {
    "credentials": {"client_id": "id.apps.googleusercontent.com", "client_secret": "s", "refresh_token": "r"},
    "property_ids": ["314186564"],
}


@pytest.mark.parametrize("raw", [OFFICIAL, OFFICIAL_WITHOUT_AUTH_TYPE])
def test_official_configs_pass_the_spec_that_the_cdk_checks_first(raw: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(connection_specification(GoogleAnalyticsDataApiConfig)).validate(raw)


def error_message(raw: dict[str, Any]) -> str:
    with pytest.raises(AirbyteTracedException) as caught:
        load_config(GoogleAnalyticsDataApiConfig, raw)
    assert caught.value.failure_type == FailureType.config_error
    return (caught.value.message or "").removeprefix("The connector configuration is invalid: ")


def report(**fields: Any) -> dict[str, Any]:
    return {
        "credentials": SERVICE,
        "property_ids": ["123"],
        "custom_reports_array": [{"name": "r", **fields}],
    }


def test_official_config_loads_unchanged() -> None:
    config = load_config(GoogleAnalyticsDataApiConfig, OFFICIAL)

    assert isinstance(config.credentials, ServiceAccountKey)
    assert config.property_ids == ["314186564", "1738294"]
    assert (config.date_ranges_start_date, config.date_ranges_end_date) == (
        date(2023, 9, 1),
        date(2023, 12, 31),
    )
    assert (config.window_in_days, config.lookback_window) == (30, 3)
    assert config.keep_empty_rows is True and config.convert_conversions_event is True
    cohort, pivot, filtered, negated = config.custom_reports_array
    assert isinstance(cohort.cohort_spec, CohortsEnabled) and cohort.kind is ReportType.COHORT
    assert cohort.cohort_spec.cohorts[0].date_range.start_date == date(2023, 4, 24)
    assert cohort.cohort_spec.cohorts_range is not None and cohort.cohort_spec.cohorts_range.end_offset == 100
    assert isinstance(pivot.cohort_spec, CohortsDisabled) and pivot.kind is ReportType.PIVOT
    assert [p.limit for p in pivot.pivots] == [5, 250]
    assert isinstance(filtered.dimension_filter, AndGroup) and filtered.kind is ReportType.FLAT
    text, in_list = (expression.filter for expression in filtered.dimension_filter.expressions)
    assert isinstance(text, StringFilter) and text.match_type == ["EXACT"]
    assert isinstance(in_list, InListFilter) and in_list.case_sensitive is True
    assert isinstance(filtered.metric_filter, OrGroup)
    numeric, between = (expression.filter for expression in filtered.metric_filter.expressions)
    assert isinstance(numeric, NumericFilter) and numeric.value == Int64Value(value="10")
    assert isinstance(between, BetweenFilter) and between.from_value == DoubleValue(value=1.5)
    assert isinstance(negated.dimension_filter, NotExpression)
    assert isinstance(negated.metric_filter, SingleFilter) and negated.metric_filter.field_name == "sessions"


def test_official_oauth_credentials_load_with_or_without_auth_type() -> None:
    oauth = {
        "client_id": "id.apps.googleusercontent.com",
        "client_secret": "s",
        "refresh_token": "r",
        "access_token": "a",
    }

    for credentials in (oauth, {"auth_type": "Client", **oauth}):
        config = load_config(
            GoogleAnalyticsDataApiConfig, {"credentials": credentials, "property_ids": ["1"]}
        )
        assert isinstance(config.credentials, OAuthClient)
        assert config.credentials.access_token is not None


def test_only_property_ids_are_required() -> None:
    config = load_config(GoogleAnalyticsDataApiConfig, {"property_ids": ["123"]})

    assert config.credentials is None  # application default credentials
    assert config.date_ranges_start_date is None and config.date_ranges_end_date is None
    assert (config.window_in_days, config.lookback_window, config.keep_empty_rows) == (365, 2, False)
    assert config.custom_reports_array == []
    assert (config.api_endpoint, config.quota_reserve) == (GA4_API_URL, 0.1)


def test_our_options_load() -> None:
    config = load_config(
        GoogleAnalyticsDataApiConfig,
        {
            "credentials": {"auth_type": "ApplicationDefault"},
            "property_ids": ["123"],
            "api_endpoint": "http://127.0.0.1:8381",
            "quota_reserve": 0.25,
        },
    )

    assert isinstance(config.credentials, ApplicationDefault)
    assert (config.api_endpoint, config.quota_reserve) == ("http://127.0.0.1:8381", 0.25)


def test_funnel_and_realtime_reports_load() -> None:
    step = {
        "name": "Opened app",
        "filterExpression": {
            "filter_type": "filter",
            "field_name": "eventName",
            "filter": {"filter_name": "stringFilter", "value": "first_open"},
        },
    }
    funnel = report(funnel={"steps": [step, {**step, "name": "Again", "isDirectlyFollowedBy": True}]})
    realtime = report(
        report_type="realtime",
        metrics=["activeUsers"],
        minuteRanges=[{"startMinutesAgo": 5, "endMinutesAgo": 0}],
    )

    funnel_report = load_config(GoogleAnalyticsDataApiConfig, funnel).custom_reports_array[0]
    realtime_report = load_config(GoogleAnalyticsDataApiConfig, realtime).custom_reports_array[0]

    assert funnel_report.kind is ReportType.FUNNEL and funnel_report.funnel is not None
    assert [s.is_directly_followed_by for s in funnel_report.funnel.steps] == [False, True]
    assert funnel_report.funnel.visualization_type == "STANDARD_FUNNEL"
    assert realtime_report.kind is ReportType.REALTIME
    assert realtime_report.minute_ranges[0].start_minutes_ago == 5


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        ({}, "`property_ids`: Field required"),
        ({"property_ids": []}, "`property_ids`: List should have at least 1 item after validation, not 0"),
        ({"property_ids": ["12a"]}, "`property_ids[0]`: String should match pattern '^[0-9]+$'"),
        ({"property_ids": ["1", "2", "1"]}, "`property_ids`: 1 appear more than once"),
        (
            {"property_ids": ["1"], "lookback_window": 1},
            "`lookback_window`: Input should be greater than or equal to 2",
        ),
        ({"property_ids": ["1"], "quota_reserve": 1}, "`quota_reserve`: Input should be less than 1"),
        (
            {"property_ids": ["1"], "credentials": {"auth_type": "Service", "credentials_json": "{}"}},
            "`credentials.credentials_json` (Service): is not a service account key file: it lacks "
            "client_email, private_key, token_uri",
        ),
        (report(), "`custom_reports_array[0]`: a flat report needs at least one metric"),
        (
            report(metrics=["x"], report_type="pivot"),
            "`custom_reports_array[0]`: a pivot report needs `pivots`",
        ),
        (
            report(metrics=["x"], report_type="cohort", cohortSpec={"enabled": "false"}),
            "`custom_reports_array[0]`: a cohort report needs `cohortSpec` with cohorts enabled",
        ),
        (report(report_type="funnel"), "`custom_reports_array[0]`: a funnel report needs a `funnel`"),
        (
            report(metrics=["x"], minuteRanges=[{}]),
            "`custom_reports_array[0]`: `minuteRanges` only apply to realtime reports, not to a flat report",
        ),
        (
            report(metrics=["x"], cohortSpec={"enabled": "true", "cohorts": []}),
            "`custom_reports_array[0].cohortSpec.cohorts` (true): List should have at least 1 item after "
            "validation, not 0",
        ),
        (
            report(metrics=["x"], dimensionFilter={"expressions": []}),
            "`custom_reports_array[0].dimensionFilter`: cannot tell which option this is: set `filter_type` "
            "to one of 'andGroup', 'orGroup', 'notExpression', 'filter'",
        ),
        (
            report(
                metrics=["x"],
                metricFilter={
                    "filter_type": "filter",
                    "field_name": "x",
                    "filter": {
                        "filter_name": "numericFilter",
                        "operation": ["EQUAL"],
                        "value": {"value": "1.5"},
                    },
                },
            ),
            "`custom_reports_array[0].metricFilter.filter.value` (filter, numericFilter): cannot tell which "
            "option this is: set `value_type` to one of 'int64Value', 'doubleValue'",
        ),
        (
            {
                "property_ids": ["1"],
                "date_ranges_start_date": "2024-02-01",
                "date_ranges_end_date": "2024-01-31",
            },
            "the configuration: `date_ranges_end_date` is before `date_ranges_start_date`",
        ),
    ],
)
def test_mistakes_are_config_errors_naming_the_field(raw: dict[str, Any], complaint: str) -> None:
    assert error_message(raw) == complaint


def test_report_names_are_stream_names_so_must_differ() -> None:
    raw = {"property_ids": ["1"], "custom_reports_array": [{"name": "a", "metrics": ["x"]}] * 2}

    assert error_message(raw) == "`custom_reports_array`: a appear more than once"


def test_errors_do_not_quote_the_key_file() -> None:
    broken_key = json.dumps({"private_key": PRIVATE_KEY})

    message = error_message({"property_ids": ["1"], "credentials": {"credentials_json": broken_key}})

    assert "lacks client_email, token_uri" in message
    assert "MIIEvQ" not in message


def test_unknown_fields_are_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    raw = report(metrics=["x"], dateRanges=[{"startDate": "2024-01-01", "endDate": "2024-01-02"}])

    with caplog.at_level(logging.WARNING):
        load_config(GoogleAnalyticsDataApiConfig, {**raw, "property_id": "1"})

    assert [record.getMessage() for record in caplog.records] == [
        "Ignoring unknown config field `property_id`: this connector does not use it.",
        "Ignoring unknown config field `custom_reports_array[0].dateRanges`: this connector does not use it.",
    ]
