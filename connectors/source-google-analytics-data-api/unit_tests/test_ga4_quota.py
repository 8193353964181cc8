"""Quota: a property whose daily or hourly tokens run out stops with its state saved and a transient
error saying which quota and when it resets, while the other properties go on; the next sync
completes without gap or duplicate; and the reserve the user keeps is never spent.

The fake's cost of a 10-day window: `devices` 4 tokens, `pages` 2 (1 + ceil((dimensions +
metrics) / 5) + rows // 5000).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, FailureType
from ga4_harness import SMALL_PROPERTIES, Ga4Sandbox

from sandbox.fake_server import Fault
from sandbox.ga4 import GA4Options, QuotaLimits, error_body

FIRST, SECOND = SMALL_PROPERTIES.property_ids
KEYS = {
    "devices": ("date", "deviceCategory", "operatingSystem", "browser"),
    "pages": ("date", "hostName", "pagePathPlusQueryString"),
    f"devicesProperty{SECOND}": ("date", "deviceCategory", "operatingSystem", "browser"),
}


def with_quota(**limits: int) -> GA4Options:
    return GA4Options(days=60, cardinality=4, quota=QuotaLimits(**limits))


def by_key(rows: list[dict[str, Any]], stream: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Records by primary key, without the request's date range (a re-read day comes in another window)."""
    keyed = {
        tuple(row[name] for name in KEYS[stream]): {
            k: v for k, v in row.items() if k not in ("startDate", "endDate")
        }
        for row in rows
    }
    assert len(keyed) == len(rows), f"{stream} repeats a key within one sync"
    return keyed


def test_daily_exhaustion_stops_the_property_resumably_and_the_next_sync_completes(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox(with_quota(tokens_per_day=30))  # devices: 24 tokens, then 3 windows of pages
    config = sandbox.service_account_config(window_in_days=10, quota_reserve=0)
    catalog = ["devices", "pages", "weekly_events_report", f"devicesProperty{SECOND}"]

    first = sandbox.read(config, catalog, expect_failure=True)

    assert [first.statuses(name)[-1] for name in catalog] == [
        AirbyteStreamStatus.COMPLETE,
        AirbyteStreamStatus.INCOMPLETE,
        AirbyteStreamStatus.INCOMPLETE,  # failed at once: its property is stopped
        AirbyteStreamStatus.COMPLETE,  # another property, another quota
    ]
    final = first.errors()[-1]
    assert final.failure_type == FailureType.transient_error
    assert final.message.startswith(
        f"Google Analytics property {FIRST} has used up its quota of property tokens per day (tokensPerDay). "
        "It resets at "
    )
    assert "Pacific time" in final.message and "continues from its saved state" in final.message
    assert len(first.states("pages")) == 3  # the windows read before the quota ran out
    assert sandbox.request_counts()["runReport"] == 6 + 4 + 6  # pages' 4th was refused; weekly sent none

    sandbox.fake.ledger.limits = QuotaLimits()  # the next day
    second = sandbox.read(config, catalog, state=first.final_state())

    assert second.errors() == []
    reference = ga4_sandbox()
    expected = reference.read(reference.service_account_config(window_in_days=10), list(KEYS))
    for stream in KEYS:
        synced = by_key(first.records(stream), stream) | by_key(second.records(stream), stream)
        assert synced == by_key(expected.records(stream), stream), stream


def test_an_hourly_exhaustion_says_the_quota_resets_within_the_hour(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox(with_quota(tokens_per_hour=10))
    config = sandbox.service_account_config(window_in_days=10, quota_reserve=0)

    output = sandbox.read(config, ["devices"], expect_failure=True)

    assert output.errors()[-1].message.startswith(
        f"Google Analytics property {FIRST} has used up its quota of property tokens per hour "
        "(tokensPerHour). It resets within the hour (by "
    )
    assert len(output.states("devices")) == 3


def test_the_daily_reserve_is_never_spent(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    sandbox = ga4_sandbox(with_quota(tokens_per_day=40))
    config = sandbox.service_account_config(window_in_days=10, quota_reserve=0.5)

    output = sandbox.read(config, ["devices"], expect_failure=True)

    # After 5 windows 20 tokens remain: a 6th would cost 4 of the 20 kept for other tools.
    assert sandbox.request_counts()["runReport"] == 5
    assert output.errors()[-1].message.startswith(
        f"Google Analytics property {FIRST} has used up its quota of property tokens per day (tokensPerDay), "
        "except the reserve of 20 tokens kept for other tools. It resets at "
    )
    assert output.statuses("devices")[-1] == AirbyteStreamStatus.INCOMPLETE
    assert len(output.states("devices")) == 5


@pytest.mark.parametrize("hourly_quota", ["tokens_per_hour", "tokens_per_project_per_hour"])
def test_before_the_hourly_reserve_the_sync_waits_for_the_next_hour(
    ga4_sandbox: Callable[..., Ga4Sandbox], hourly_quota: str
) -> None:
    sandbox = ga4_sandbox(with_quota(**{hourly_quota: 40}))
    config = sandbox.service_account_config(window_in_days=10, quota_reserve=0.5)
    started = sandbox.clock()

    output = sandbox.read(config, ["devices", "pages"])

    assert output.errors() == []
    pauses = [seconds for seconds in sandbox.clock.slept if seconds > 10]
    assert len(pauses) == 1  # 5 windows of devices, then a pause, then the rest
    assert (started + pauses[0]) % 3600 == 0  # until the top of the next hour
    assert "pausing" in " ".join(output.logs())


def test_concurrent_request_refusals_are_waited_out(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    sandbox = ga4_sandbox()
    busy = error_body(429, "Exhausted concurrent requests quota.")
    sandbox.fake.faults.add(Fault.status(429, body=busy, path=".*:runReport", times=2))

    output = sandbox.read(sandbox.service_account_config(), ["devices"])

    assert output.errors() == []
    assert sandbox.clock.slept == [0.25, 0.5]


def test_only_demographic_reports_wait_for_the_thresholded_requests_quota(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox(with_quota(potentially_thresholded_requests_per_hour=4))
    by_age = {"name": "by_age", "dimensions": ["date", "userAgeBracket"], "metrics": ["activeUsers"]}
    # OAuth: the pauses move the clock by hours, past the validity of the JWTs google-auth signs.
    config = sandbox.oauth_config(window_in_days=10, quota_reserve=0.5, custom_reports_array=[by_age])

    output = sandbox.read(config, ["devices", "by_age"])

    assert output.errors() == []
    # 6 windows of devices without a pause; by_age: 2 windows an hour, keeping 2 requests in reserve.
    assert len([seconds for seconds in sandbox.clock.slept if seconds > 10]) == 2
    assert len(output.states("by_age")) == 6
