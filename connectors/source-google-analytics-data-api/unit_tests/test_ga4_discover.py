"""`discover`: the default reports of every property, named as the official connector names them,
keyed on property_id plus every dimension, typed from each property's metadata."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airbyte_cdk.models import AirbyteStream, SyncMode
from ga4_harness import SMALL_PROPERTIES, Ga4Sandbox

from source_google_analytics_data_api.default_reports import DEFAULT_REPORTS

FIRST, SECOND = SMALL_PROPERTIES.property_ids


def catalog(sandbox: Ga4Sandbox, **options: Any) -> dict[str, AirbyteStream]:
    output = sandbox.discover(sandbox.service_account_config(**options))
    return {stream.name: stream for stream in output.catalog.streams}


def field_types(stream: AirbyteStream) -> dict[str, Any]:
    return {name: schema["type"] for name, schema in stream.json_schema["properties"].items()}


def test_every_default_report_of_every_property_is_a_stream(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    streams = catalog(ga4_sandbox())

    names = [report.name for report in DEFAULT_REPORTS]
    assert list(streams) == [*names, *(f"{name}Property{SECOND}" for name in names)]
    assert "website_overview" in names and "four_weekly_active_users" in names


def test_streams_are_keyed_on_the_property_and_every_dimension(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    streams = catalog(ga4_sandbox())

    devices, weekly = streams["devices"], streams[f"weekly_events_reportProperty{SECOND}"]
    assert devices.source_defined_primary_key == [
        ["property_id"],
        ["date"],
        ["deviceCategory"],
        ["operatingSystem"],
        ["browser"],
    ]
    assert devices.default_cursor_field == ["date"]
    assert set(devices.supported_sync_modes) == {SyncMode.full_refresh, SyncMode.incremental}
    # Weekly rows are keyed on their week; the cursor is the first day the row covers.
    assert weekly.source_defined_primary_key == [["property_id"], ["yearWeek"], ["eventName"]]
    assert weekly.default_cursor_field == ["startDate"]


def test_fields_are_typed_from_the_metric_types(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    streams = catalog(ga4_sandbox())

    assert field_types(streams["website_overview"]) == {
        "property_id": "string",
        "startDate": ["null", "string"],
        "endDate": ["null", "string"],
        "date": ["null", "string"],
        "totalUsers": ["null", "integer"],
        "newUsers": ["null", "integer"],
        "sessions": ["null", "integer"],
        "sessionsPerUser": ["null", "number"],  # TYPE_FLOAT
        "averageSessionDuration": ["null", "number"],  # TYPE_SECONDS
        "screenPageViews": ["null", "integer"],
        "screenPageViewsPerSession": ["null", "number"],
        "bounceRate": ["null", "number"],
        "data_quality": "object",
    }
    assert streams["website_overview"].json_schema["properties"]["startDate"]["format"] == "date"
    assert field_types(streams["conversions_report"])["totalRevenue"] == ["null", "number"]  # TYPE_CURRENCY


def test_custom_reports_are_typed_from_their_propertys_own_definitions(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    reports = [
        {"name": "reading", "dimensions": ["date"], "metrics": ["sessions", "customEvent:reading_time"]},
        {"name": "devices", "dimensions": ["date", "deviceCategory"], "metrics": ["keyEvents"]},
    ]
    sandbox = ga4_sandbox()

    streams = catalog(sandbox, custom_reports_array=reports, convert_conversions_event=True)

    assert field_types(streams["reading"])["customEvent:reading_time"] == ["null", "number"]  # TYPE_SECONDS
    # A custom report named like a default one replaces it; conversions as decimals, as asked.
    assert streams["devices"].source_defined_primary_key == [["property_id"], ["date"], ["deviceCategory"]]
    assert field_types(streams["devices"])["keyEvents"] == ["null", "number"]
    assert list(streams).count("devices") == 1
