"""Pace requests per endpoint group so a connector stays under an API's rate limits BEFORE a 429.

HubSpot limits requests per rolling window (e.g. 100 per 10 s, and 5 per second for the CRM
search API). A classic token bucket of N tokens refilled at N per window lets up to 2N requests
into one window (a full bucket, then a window's worth of refills), which is exactly the 429 we
want to avoid. So each group keeps the times of its recent requests instead, and a request may go
once fewer than N of them fall in the last window: never more than N in any window, bursts of up
to N allowed.

A caller reserves its slot under a lock and sleeps outside it, so concurrent workers queue in
order without busy-waiting. Responses can adapt a group to what the server says
(`adapt_from_headers`): the limit it announces, and quota other clients of the same account used.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

DEFAULT_GROUP = "default"


@dataclass(frozen=True)
class Rate:
    """At most `requests` requests in any window of `per` seconds."""

    requests: int
    per: float = 1.0

    def __post_init__(self) -> None:
        if self.requests < 1 or self.per <= 0:
            raise ValueError(f"a rate needs at least 1 request per a positive window, got {self}")


class _Window:
    """The request times of one group within its rolling window, kept sorted."""

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self.times: list[float] = []

    def reserve(self, now: float) -> float:
        """Book the earliest slot at or after `now` that keeps the window within its rate."""
        self._forget_before(now)
        slot = now
        if len(self.times) >= self.rate.requests:
            slot = max(now, self.times[-self.rate.requests] + self.rate.per)
        bisect.insort(self.times, slot)
        return slot

    def used(self, now: float) -> int:
        self._forget_before(now)
        return len(self.times)

    def _forget_before(self, now: float) -> None:
        del self.times[: bisect.bisect_right(self.times, now - self.rate.per)]


class RateBudget:
    """Rolling-window rate limits per endpoint group; unknown groups share the "default" group.

    `clock` (monotonic seconds) and `sleep` are injectable so tests control time.
    """

    def __init__(
        self,
        rates: Mapping[str, Rate],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._windows = {group: _Window(rate) for group, rate in rates.items()}
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    def acquire(self, group: str) -> float:
        """Block until a request of `group` may go; returns how long it waited, in seconds."""
        with self._lock:
            now = self._clock()
            wait = self._window(group).reserve(now) - now
        if wait > 0:
            self._sleep(wait)
        return wait

    def adapt_from_headers(self, group: str, headers: Mapping[str, str]) -> None:
        """Follow HubSpot's `X-HubSpot-RateLimit-*` headers, when a response carries them.

        `-Max` per `-Interval-Milliseconds` becomes the group's rate. `-Remaining` counts every
        client of the account, so when it is lower than our own bookkeeping implies, the
        difference is booked now as requests of others: we slow down instead of meeting a 429.
        """
        lowered = {name.lower(): value for name, value in headers.items()}
        maximum = _int(lowered.get("x-hubspot-ratelimit-max"))
        interval_ms = _int(lowered.get("x-hubspot-ratelimit-interval-milliseconds"))
        remaining = _int(lowered.get("x-hubspot-ratelimit-remaining"))
        if not maximum or not interval_ms:
            return
        with self._lock:
            window = self._window(group)
            window.rate = Rate(maximum, per=interval_ms / 1000)
            if remaining is None:
                return
            now = self._clock()
            used_by_others = (maximum - remaining) - window.used(now)
            for _ in range(used_by_others):
                bisect.insort(window.times, now)

    def _window(self, group: str) -> _Window:
        window = self._windows.get(group) or self._windows.get(DEFAULT_GROUP)
        if window is None:
            raise KeyError(f"no rate for endpoint group {group!r} and no {DEFAULT_GROUP!r} rate")
        return window


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None
