"""Rolling-window rate budgets, driven by a fake clock (no wall time anywhere)."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdk_extensions.rate_budget import Rate, RateBudget
from sandbox.virtual_clock import VirtualClock


def budget(rates: dict[str, Rate], fake: VirtualClock) -> RateBudget:
    return RateBudget(rates, clock=fake, sleep=fake.sleep)


def grant_times(rate_budget: RateBudget, fake: VirtualClock, group: str, count: int) -> list[float]:
    grants = []
    for _ in range(count):
        rate_budget.acquire(group)
        grants.append(fake.now)
    return grants


def max_in_any_window(grants: list[float], per: float) -> int:
    """The most grants inside one half-open window [t, t + per) starting at a grant."""
    ordered = sorted(grants)
    return max(sum(1 for other in ordered if start <= other < start + per) for start in ordered)


def test_a_burst_up_to_the_limit_goes_at_once_then_requests_wait_for_the_window() -> None:
    fake = VirtualClock()
    search = budget({"search": Rate(5, per=1.0)}, fake)
    assert grant_times(search, fake, "search", 12) == [0.0] * 5 + [1.0] * 5 + [2.0] * 2


def test_idle_time_refills_the_window() -> None:
    fake = VirtualClock()
    search = budget({"search": Rate(2, per=1.0)}, fake)
    grant_times(search, fake, "search", 2)
    fake.now = 5.0
    assert search.acquire("search") == 0.0


@given(gaps=st.lists(st.floats(0, 0.5), min_size=1, max_size=60), limit=st.integers(1, 6))
def test_never_more_than_the_limit_in_any_window_and_no_longer_wait_than_needed(
    gaps: list[float], limit: int
) -> None:
    fake = VirtualClock()
    paced = budget({"default": Rate(limit, per=1.0)}, fake)
    grants: list[float] = []
    for gap in gaps:
        fake.now += gap
        arrival = fake.now
        paced.acquire("default")
        grants.append(fake.now)
        # Just long enough: at arrival, or the moment the limit-th previous grant leaves the window.
        if fake.now > arrival:
            assert fake.now == pytest.approx(grants[-1 - limit] + 1.0)
    assert max_in_any_window(grants, per=1.0) <= limit


def test_concurrent_workers_share_the_rate_without_double_booking() -> None:
    frozen_at = 100.0

    def yielding_clock() -> float:
        time.sleep(0)  # hand the GIL over, so the workers interleave their reservations
        return frozen_at

    shared = RateBudget({"search": Rate(5, per=1.0)}, clock=yielding_clock, sleep=lambda _seconds: None)
    grants: list[float] = []
    grants_lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(10):
            wait = shared.acquire("search")
            with grants_lock:
                grants.append(frozen_at + wait)

    workers = [threading.Thread(target=worker) for _ in range(8)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    # 80 requests at 5 per second: five slots at each of 100 s, 101 s, ... 115 s, none shared.
    assert sorted(grants) == [frozen_at + index // 5 for index in range(80)]
    assert max_in_any_window(grants, per=1.0) == 5


def test_unknown_groups_share_the_default_rate() -> None:
    fake = VirtualClock()
    shared = budget({"search": Rate(5, per=1.0), "default": Rate(2, per=10.0)}, fake)
    grant_times(shared, fake, "contacts", 1)
    grant_times(shared, fake, "deals", 1)
    assert shared.acquire("search") == 0.0
    assert shared.acquire("owners") == 10.0


def test_a_group_without_rate_or_default_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="'owners'"):
        RateBudget({"search": Rate(5)}).acquire("owners")


def test_rates_must_allow_at_least_one_request() -> None:
    with pytest.raises(ValueError):
        Rate(0)
    with pytest.raises(ValueError):
        Rate(5, per=0)


# --- adapting to HubSpot's rate-limit headers --------------------------------------------------


def hubspot_headers(maximum: int, interval_ms: int, remaining: int) -> dict[str, str]:
    return {
        "X-HubSpot-RateLimit-Max": str(maximum),
        "X-HubSpot-RateLimit-Interval-Milliseconds": str(interval_ms),
        "X-HubSpot-RateLimit-Remaining": str(remaining),
    }


def test_the_announced_limit_replaces_the_configured_rate() -> None:
    fake = VirtualClock()
    hubspot = budget({"default": Rate(100, per=1.0)}, fake)
    hubspot.acquire("default")
    hubspot.adapt_from_headers("default", hubspot_headers(maximum=3, interval_ms=10_000, remaining=2))
    assert grant_times(hubspot, fake, "default", 3) == [0.0, 0.0, 10.0]


def test_quota_used_by_other_clients_slows_us_down_before_a_429() -> None:
    fake = VirtualClock()
    hubspot = budget({"default": Rate(10, per=10.0)}, fake)
    grant_times(hubspot, fake, "default", 2)
    # We sent 2 of the 10, yet only 3 remain: other apps of the account used 5.
    hubspot.adapt_from_headers("default", hubspot_headers(maximum=10, interval_ms=10_000, remaining=3))
    assert grant_times(hubspot, fake, "default", 4) == [0.0, 0.0, 0.0, 10.0]


def test_responses_without_rate_limit_headers_change_nothing() -> None:
    fake = VirtualClock()
    search = budget({"search": Rate(2, per=1.0)}, fake)
    search.adapt_from_headers("search", {"Content-Type": "application/json"})
    search.adapt_from_headers("search", {"X-HubSpot-RateLimit-Max": "garbage"})
    assert grant_times(search, fake, "search", 3) == [0.0, 0.0, 1.0]
