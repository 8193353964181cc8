"""Reading the default reports: the numbers GA4 reports, typed as discovered, one token for the sync,
pages of `limit` rows, and the small reports batched."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import jsonschema
from ga4_harness import (
    SMALL_PROPERTIES,
    Ga4Sandbox,
    direct_report,
    key_of,
)

from sandbox.ga4 import GA4Options
from source_google_analytics_data_api.default_reports import DEFAULT_REPORTS

FIRST, SECOND = SMALL_PROPERTIES.property_ids
ALL_DEFAULTS = [report.name for report in DEFAULT_REPORTS]
SMALL_REPORTS = ["daily_active_users", "weekly_active_users", "four_weekly_active_users", "website_overview"]


def test_a_sync_of_two_properties_reads_every_default_report_with_one_token(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox(GA4Options(days=20, cardinality=3))
    config = sandbox.service_account_config()
    streams = {stream.name: stream for stream in sandbox.discover(config).catalog.streams}

    output = sandbox.read(config, list(streams))

    assert output.errors() == []
    assert sandbox.requests_to("/token") == 1
    for name, stream in streams.items():
        assert output.statuses(name)[-1].name == "COMPLETE"
        rows = output.records(name)
        assert rows, f"{name} read nothing"
        primary_key = [path[0] for path in stream.source_defined_primary_key]
        assert len({key_of(row, primary_key) for row in rows}) == len(rows), f"{name} repeats a key"
        validator = jsonschema.Draft7Validator(stream.json_schema)
        for row in rows:
            validator.validate(row)
        assert {row["property_id"] for row in rows} == {SECOND if "Property" in name else FIRST}


def test_records_hold_what_ga4_reports(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    sandbox = ga4_sandbox()
    config = sandbox.service_account_config()
    start, end = date.fromisoformat(config["date_ranges_start_date"]), sandbox.today

    output = sandbox.read(config, ["devices"])

    metrics = ["totalUsers", "sessions", "bounceRate"]
    dimensions = ["date", "deviceCategory", "operatingSystem", "browser"]
    expected = direct_report(sandbox.fake, FIRST, dimensions, metrics, start, end)
    read = {
        (row["date"], row["deviceCategory"], row["operatingSystem"], row["browser"]): [
            str(row["totalUsers"]),
            str(row["sessions"]),
            repr(row["bounceRate"]) if isinstance(row["bounceRate"], float) else str(row["bounceRate"]),
        ]
        for row in output.records("devices")
    }
    assert read == expected
    first = output.records("devices")[0]
    assert (first["startDate"], first["endDate"]) == (start.isoformat(), end.isoformat())
    assert first["data_quality"] == {
        "sampled": False,
        "sampling_share": None,
        "subject_to_thresholding": False,
        "data_loss_from_other_row": False,
    }


def test_reports_are_read_in_pages_of_the_request_limit(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    whole = ga4_sandbox()
    config = whole.service_account_config()
    expected = whole.read(config, ["pages"]).records("pages")

    paged = ga4_sandbox(rows_per_request=40)
    paged_records = paged.read(paged.service_account_config(), ["pages"]).records("pages")

    assert len(expected) > 120
    assert paged_records == expected
    assert paged.requests_to(":runReport") == -(-len(expected) // 40)
    offsets = [
        request.json().get("offset", "0")
        for request in paged.fake.requests
        if request.path.endswith(":runReport")
    ]
    assert offsets[:3] == ["0", "40", "80"]


def test_the_small_reports_of_a_property_share_one_batch_request_per_window(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox()
    config = sandbox.service_account_config(window_in_days=30)
    streams = [*SMALL_REPORTS, *(f"{name}Property{SECOND}" for name in SMALL_REPORTS)]

    batched = sandbox.read(config, streams)

    # 59 days in windows of 30: two windows, each one batch per property, instead of 16 requests.
    assert sandbox.request_counts()["batchRunReports"] == 4
    assert sandbox.request_counts()["runReport"] == 0
    alone = {name: sandbox.read(config, [name]).records(name) for name in streams}
    assert sandbox.request_counts()["runReport"] == 16
    for name in streams:
        assert batched.records(name) == alone[name]
        assert len(alone[name]) >= 58


def test_a_small_report_whose_windows_differ_from_its_partners_is_fetched_alone(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox()
    config = sandbox.service_account_config(window_in_days=30)
    resumed = sandbox.read(config, ["daily_active_users"]).final_state()  # near today; the others start over
    output = sandbox.read(
        config, ["daily_active_users", "website_overview", "weekly_active_users"], state=resumed
    )

    assert output.errors() == []
    assert output.records("daily_active_users")[0]["date"] >= f"{sandbox.today - timedelta(days=5):%Y%m%d}"
    assert sandbox.request_counts()["batchRunReports"] == 2  # website + weekly, in each of their 2 windows
    assert sandbox.request_counts()["runReport"] == 2 + 1  # the first sync's 2 windows, then 1 alone
