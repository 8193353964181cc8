"""Incremental reads by date: windows of `window_in_days` checkpointed one by one, the last
`lookback_window` days re-read so late-arriving data is picked up, state per property and stream,
and reports keyed on weeks kept whole."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.test.state_builder import StateBuilder
from ga4_harness import (
    SMALL_PROPERTIES,
    Ga4Sandbox,
    direct_report,
)

FIRST, SECOND = SMALL_PROPERTIES.property_ids


def report_requests(sandbox: Ga4Sandbox) -> list[tuple[str, str]]:
    """The date range of every runReport, in order."""
    ranges = [
        request.json()["dateRanges"][0]
        for request in sandbox.fake.requests
        if request.path.endswith(":runReport")
    ]
    return [(dates["startDate"], dates["endDate"]) for dates in ranges]


def first_day_requested(sandbox: Ga4Sandbox, property_id: str) -> date:
    """Where the reads of one property began: the earliest start of its runReport date ranges."""
    return min(
        date.fromisoformat(request.json()["dateRanges"][0]["startDate"])
        for request in sandbox.fake.requests
        if request.path.endswith(f"properties/{property_id}:runReport")
    )


def starts_a_week(day: date) -> bool:
    """GA4's weeks (`yearWeek`) begin on Sunday, and on January 1st."""
    return day.isoweekday() == 7 or (day.month, day.day) == (1, 1)


def test_each_window_is_one_request_and_one_checkpoint(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    sandbox = ga4_sandbox()
    config = sandbox.service_account_config(window_in_days=20)
    start = date.fromisoformat(config["date_ranges_start_date"])

    output = sandbox.read(config, ["devices"])

    assert report_requests(sandbox) == [
        (start.isoformat(), (start + timedelta(days=19)).isoformat()),
        ((start + timedelta(days=20)).isoformat(), (start + timedelta(days=39)).isoformat()),
        ((start + timedelta(days=40)).isoformat(), sandbox.today.isoformat()),
    ]
    cursors = [state["cursor"] for state in output.states("devices")]
    assert len(cursors) == 3 and cursors == sorted(cursors)
    assert (
        cursors[-1]
        == date.fromisoformat(max(record["date"] for record in output.records("devices"))).isoformat()
    )


def test_late_arriving_values_are_picked_up_by_the_lookback(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    sandbox = ga4_sandbox()
    config = sandbox.service_account_config(lookback_window=2)
    first_sync = sandbox.read(config, ["daily_active_users"])
    before = {row["date"]: row["active1DayUsers"] for row in first_sync.records("daily_active_users")}
    last_day = date.fromisoformat(max(before))

    sandbox.fake.revise_recent_data()  # GA4 processed late hits of the last three days
    second_sync = sandbox.read(config, ["daily_active_users"], state=first_sync.final_state())

    after = {row["date"]: row["active1DayUsers"] for row in second_sync.records("daily_active_users")}
    reread = [f"{last_day - timedelta(days=back):%Y%m%d}" for back in (2, 1, 0)]
    assert sorted(after) == reread  # the lookback, nothing older
    revised = direct_report(
        sandbox.fake, FIRST, ["date"], ["active1DayUsers"], last_day - timedelta(days=2), last_day
    )
    assert after == {day: int(values[0]) for (day,), values in revised.items()}
    assert all(after[day] > before[day] for day in reread)  # late hits only ever add
    assert second_sync.states("daily_active_users")[-1]["cursor"] == last_day.isoformat()


def test_state_is_kept_per_property_and_stream(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    sandbox = ga4_sandbox()
    config = sandbox.service_account_config()
    second = f"devicesProperty{SECOND}"
    first_sync = sandbox.read(config, ["devices"])

    resumed = sandbox.read(config, ["devices", second], state=first_sync.final_state())

    first_days = {row["date"] for row in resumed.records("devices")}
    second_days = {row["date"] for row in resumed.records(second)}
    assert len(first_days) == 3  # the lookback of its own state
    assert len(second_days) >= 58  # no state of its own: from the start date
    assert resumed.errors() == []


def test_weeks_are_never_split_between_windows(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    sandbox = ga4_sandbox()
    config = sandbox.service_account_config(window_in_days=10)
    start = date.fromisoformat(config["date_ranges_start_date"])

    output = sandbox.read(config, ["weekly_events_report"])

    windows = report_requests(sandbox)
    rows = output.records("weekly_events_report")
    read = {(row["yearWeek"], row["eventName"]): row["eventCount"] for row in rows}
    assert len(read) == len(rows)  # no week came back twice
    whole_range = direct_report(
        sandbox.fake, FIRST, ["yearWeek", "eventName"], ["eventCount"], start, sandbox.today
    )
    assert read == {key: int(values[0]) for key, values in whole_range.items()}
    assert len(windows) > 3
    for window_start, _end in windows[1:]:
        assert starts_a_week(date.fromisoformat(window_start))
    for row in rows:
        first, last = date.fromisoformat(row["startDate"]), date.fromisoformat(row["endDate"])
        assert first <= last and (last - first).days <= 6 and first >= start


def test_a_resumed_weekly_report_rereads_whole_weeks(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    sandbox = ga4_sandbox()
    config = sandbox.service_account_config(window_in_days=10, lookback_window=2)
    first_sync = sandbox.read(config, ["weekly_events_report"])
    cursor = date.fromisoformat(first_sync.states("weekly_events_report")[-1]["cursor"])
    first_sync_requests = len(report_requests(sandbox))

    second_sync = sandbox.read(config, ["weekly_events_report"], state=first_sync.final_state())

    assert starts_a_week(cursor)  # the first day of the last week read
    # The resumed read starts on the first day of the week the lookback (two days back) falls in.
    reread_from = date.fromisoformat(report_requests(sandbox)[first_sync_requests][0])
    assert starts_a_week(reread_from)
    assert reread_from <= cursor - timedelta(days=2) < reread_from + timedelta(days=7)
    weeks = {row["yearWeek"] for row in second_sync.records("weekly_events_report")}
    assert len(weeks) == 2  # the week the lookback falls in, and the current one


def test_a_custom_report_without_a_date_is_read_whole_at_every_sync(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox()
    reports = [{"name": "by_country", "dimensions": ["country"], "metrics": ["sessions"]}]
    config = sandbox.service_account_config(custom_reports_array=reports)
    stream = next(s for s in sandbox.discover(config).catalog.streams if s.name == "by_country")

    output = sandbox.read(config, ["by_country"], mode=SyncMode.full_refresh)

    assert stream.supported_sync_modes == [SyncMode.full_refresh]
    assert report_requests(sandbox) == [(config["date_ranges_start_date"], sandbox.today.isoformat())]
    assert len({row["country"] for row in output.records("by_country")}) == len(output.records("by_country"))


def official_partition(property_id: str, cursor: date) -> dict[str, Any]:
    """One partition of the official (declarative) connector's state."""
    return {"partition": {"property_id": property_id}, "cursor": {"date": f"{cursor:%Y%m%d}"}}


def test_an_official_per_partition_state_resumes_each_property_from_its_cursor(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox()
    config = sandbox.service_account_config(lookback_window=2)
    second = f"devicesProperty{SECOND}"
    first_cursor, second_cursor = sandbox.today - timedelta(days=10), sandbox.today - timedelta(days=20)
    # Both partitions in each stream's state: each stream must pick its own property's cursor.
    official = {
        "use_global_cursor": False,
        "states": [official_partition(FIRST, first_cursor), official_partition(SECOND, second_cursor)],
        "lookback_window": 3600,
    }
    state = StateBuilder().with_stream_state("devices", official).with_stream_state(second, official).build()

    output = sandbox.read(config, ["devices", second], state=state)

    assert output.errors() == []
    assert first_day_requested(sandbox, FIRST) == first_cursor - timedelta(days=2)
    assert first_day_requested(sandbox, SECOND) == second_cursor - timedelta(days=2)
    assert min(row["date"] for row in output.records(second)) == f"{second_cursor - timedelta(days=2):%Y%m%d}"
    assert output.states("devices")[-1]["version"] == 2  # from now on, our own shape


def test_an_official_state_with_a_global_cursor_resumes_from_it(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox()
    config = sandbox.service_account_config(lookback_window=2)
    second = f"devicesProperty{SECOND}"
    cursor = sandbox.today - timedelta(days=15)
    official = {
        "use_global_cursor": True,
        "state": {"date": f"{cursor:%Y%m%d}"},
        "states": [official_partition(SECOND, sandbox.today - timedelta(days=3))],  # not used: global
    }

    output = sandbox.read(config, [second], state=StateBuilder().with_stream_state(second, official).build())

    assert output.errors() == []
    assert first_day_requested(sandbox, SECOND) == cursor - timedelta(days=2)


def test_a_malformed_official_state_is_a_config_error_naming_the_stream(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox()
    second = f"devicesProperty{SECOND}"
    malformed = {"states": [{"partition": {"property_id": SECOND}, "cursor": "20240101"}]}

    output = sandbox.read(
        sandbox.service_account_config(),
        [second],
        state=StateBuilder().with_stream_state(second, malformed).build(),
        expect_failure=True,
    )

    error = output.errors()[0]
    assert error.failure_type == FailureType.config_error
    assert error.message.startswith(f"The saved state of stream '{second}' is invalid (states.0.cursor")
    assert sandbox.requests_to(":runReport") == 0


@pytest.mark.parametrize("spelling", ["%Y%m%d", "%Y-%m-%d"])
def test_the_official_connectors_daily_state_resumes_each_propertys_stream(
    ga4_sandbox: Callable[..., Ga4Sandbox], spelling: str
) -> None:
    """The official connector's state: flat, per stream (each property has its own), the day
    written 20240526 by older versions and 2024-05-26 by its concurrent cursor."""
    sandbox = ga4_sandbox()
    config = sandbox.service_account_config(lookback_window=2)
    second = f"devicesProperty{SECOND}"
    first_cursor, second_cursor = sandbox.today - timedelta(days=10), sandbox.today - timedelta(days=20)
    state = (
        StateBuilder()
        .with_stream_state("devices", {"date": f"{first_cursor:{spelling}}"})
        .with_stream_state(second, {"date": f"{second_cursor:{spelling}}"})
        .build()
    )

    output = sandbox.read(config, ["devices", second], state=state)

    assert output.errors() == []
    assert first_day_requested(sandbox, FIRST) == first_cursor - timedelta(days=2)
    assert first_day_requested(sandbox, SECOND) == second_cursor - timedelta(days=2)
    assert output.states(second)[-1]["version"] == 2


@pytest.mark.parametrize("saved", ["day", "period value"])
def test_the_official_connectors_weekly_state_resumes_from_whole_weeks(
    ga4_sandbox: Callable[..., Ga4Sandbox], saved: str
) -> None:
    """Its weekly report's cursor is `yearWeek` (a day, or in older versions the week's own value),
    ours `startDate`: the read resumes at the start of a week, at or before the lookback."""
    sandbox = ga4_sandbox()
    config = sandbox.service_account_config(lookback_window=2)
    cursor = sandbox.today - timedelta(days=25)
    ((year_week,),) = direct_report(sandbox.fake, FIRST, ["yearWeek"], ["eventCount"], cursor, cursor)
    value = cursor.isoformat() if saved == "day" else year_week
    state = StateBuilder().with_stream_state("weekly_events_report", {"yearWeek": value}).build()

    output = sandbox.read(config, ["weekly_events_report"], state=state)

    assert output.errors() == []
    first = first_day_requested(sandbox, FIRST)
    assert starts_a_week(first)
    assert cursor - timedelta(days=2 + 7 + 6) < first <= cursor - timedelta(days=2)
    assert output.states("weekly_events_report")[-1]["version"] == 2
