"""Pages are sized to a memory budget (`page_memory_mb`): the REST client parses a whole answer at
once, at ~0.5 KB per value, so a wide report asks for fewer rows per request than GA4's maximum,
and a larger budget reads it in fewer requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from ga4_harness import Ga4Sandbox, direct_report

from sandbox.ga4 import GA4Options
from source_google_analytics_data_api.api import MAX_ROWS_PER_REQUEST, Ga4Api, rows_per_page
from source_google_analytics_data_api.config import GoogleAnalyticsDataApiConfig

WIDE_DIMENSIONS = [
    "date",
    "hour",
    "city",
    "pagePath",
    "deviceCategory",
    "sessionSource",
    "eventName",
    "operatingSystem",
    "browser",
]
WIDE_METRICS = [
    "activeUsers",
    "newUsers",
    "sessions",
    "engagedSessions",
    "screenPageViews",
    "eventCount",
    "keyEvents",
    "transactions",
    "addToCarts",
    "checkouts",
]


MiB = 2**20


def test_pages_shrink_as_reports_widen_within_ga4s_maximum() -> None:
    budget = 40 * MiB
    assert rows_per_page(1, budget) > rows_per_page(5, budget) > rows_per_page(19, budget) > 1_000
    assert rows_per_page(1, budget=10**12) == MAX_ROWS_PER_REQUEST
    assert rows_per_page(19, budget=1) == 1


@pytest.mark.parametrize("page_memory_mb", [None, 20])
def test_a_wide_report_is_read_whole_in_pages_no_larger_than_its_budget_allows(
    ga4_sandbox: Callable[..., Ga4Sandbox], page_memory_mb: int | None
) -> None:
    sandbox = ga4_sandbox(GA4Options(days=40, cardinality=40))
    options = {} if page_memory_mb is None else {"page_memory_mb": page_memory_mb}
    config = GoogleAnalyticsDataApiConfig.model_validate(sandbox.service_account_config(**options))
    api = Ga4Api(config, clock=sandbox.clock, sleep=sandbox.clock.sleep, token_cache=sandbox.token_cache)
    property_id = sandbox.fake.property_ids[0]
    end = sandbox.today
    start = end - timedelta(days=38)
    request = {
        "dimensions": [{"name": name} for name in WIDE_DIMENSIONS],
        "metrics": [{"name": name} for name in WIDE_METRICS],
        "date_ranges": [{"start_date": start.isoformat(), "end_date": end.isoformat()}],
    }

    rows = [row for page in api.report_pages(property_id, "wide", request) for row in page.rows()]
    limits = [int(r.json()["limit"]) for r in sandbox.fake.requests if r.path.endswith(":runReport")]

    expected = direct_report(sandbox.fake, property_id, WIDE_DIMENSIONS, WIDE_METRICS, start, end)
    assert len(rows) == len(expected)  # no row twice
    assert {tuple(dimensions): metrics for dimensions, metrics in rows} == expected  # none missing
    cap = rows_per_page(len(WIDE_DIMENSIONS) + len(WIDE_METRICS), config.page_memory_mb * MiB)
    assert len(limits) == -(-len(expected) // cap) >= 2
    assert max(limits) == cap


def test_a_larger_page_budget_reads_a_wide_report_in_fewer_requests(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    spent = {}
    for page_memory_mb in (40, 160):
        sandbox = ga4_sandbox(GA4Options(days=40, cardinality=40))
        config = sandbox.service_account_config(
            page_memory_mb=page_memory_mb,
            custom_reports_array=[{"name": "wide", "dimensions": WIDE_DIMENSIONS, "metrics": WIDE_METRICS}],
        )
        output = sandbox.read(config, ["wide"])
        assert output.errors() == []
        spent[page_memory_mb] = (sandbox.requests_to(":runReport"), len(output.records("wide")))
    (small_requests, rows), (large_requests, same_rows) = spent[40], spent[160]
    assert rows == same_rows
    assert large_requests < small_requests
