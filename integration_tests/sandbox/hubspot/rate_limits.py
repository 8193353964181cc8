"""HubSpot's three request budgets, kept on the server's (injectable) clock.

- Burst: a rolling window (by default 190 requests per 10 s) over the non-search API; every
  answer says where the caller stands in `X-HubSpot-RateLimit-*` headers.
- Search: 5 requests per second per account; search answers carry no rate-limit headers.
- Daily: a budget per account that resets at midnight in the account's time zone; the daily
  headers go to private-app callers only (HubSpot omits them for OAuth).
Exceeding one answers 429 with HubSpot's body (`errorType: RATE_LIMIT` and the `policyName`).
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sandbox.faults import Clock
from sandbox.hubspot.errors import HubSpotError, correlation_id
from sandbox.messages import Response


class RollingWindow:
    """Admits at most `limit` requests in any `seconds`-long window."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._admitted: deque[float] = deque()

    def admit(self, now: float) -> bool:
        while self._admitted and self._admitted[0] <= now - self.seconds:
            self._admitted.popleft()
        if len(self._admitted) >= self.limit:
            return False
        self._admitted.append(now)
        return True

    @property
    def remaining(self) -> int:
        return self.limit - len(self._admitted)


class DailyBudget:
    """`limit` requests per calendar day of the account's time zone."""

    def __init__(self, limit: int, time_zone: str) -> None:
        self.limit = limit
        self.zone = ZoneInfo(time_zone)
        self.used = 0
        self._day: date | None = None

    def has_room(self, now: float) -> bool:
        day = datetime.fromtimestamp(now, self.zone).date()
        if day != self._day:
            self._day, self.used = day, 0
        return self.used < self.limit

    def charge(self) -> None:
        self.used += 1

    @property
    def remaining(self) -> int:
        return self.limit - self.used

    def resets_at(self, now: float) -> datetime:
        """The next local midnight, when the budget is full again."""
        local = datetime.fromtimestamp(now, self.zone)
        return datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), self.zone)


class RateLimits:
    """The account's budgets; `admit` raises the 429 a request deserves or returns its headers."""

    def __init__(
        self,
        clock: Clock,
        *,
        burst_limit: int,
        burst_seconds: float,
        search_per_second: int,
        daily_limit: int,
        time_zone: str,
        retry_after_seconds: int | None,
        app_id: int,
        hub_id: int,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.burst = RollingWindow(burst_limit, burst_seconds)
        self.search = RollingWindow(search_per_second, 1.0)
        self.daily = DailyBudget(daily_limit, time_zone)
        self._retry_after = retry_after_seconds
        self._burst_group = f"publicapi:private_app-api-calls-ten-secondly:{app_id}:{hub_id}"

    def admit(self, *, search: bool, private_app: bool) -> dict[str, str]:
        """Count one request; the headers its answer carries, or HubSpotError(429)."""
        with self._lock:
            now = self._clock()
            if not self.daily.has_room(now):
                raise self._limited("You have reached your daily limit.", "DAILY", requestId=correlation_id())
            window = self.search if search else self.burst
            if not window.admit(now):
                if search:
                    raise self._limited("You have reached your secondly limit.", "SECONDLY", retry=True)
                raise self._limited(
                    "You have reached your ten_secondly_rolling limit.",
                    "TEN_SECONDLY_ROLLING",
                    retry=True,
                    groupName=self._burst_group,
                    headers=self._headers(private_app),
                )
            self.daily.charge()
            return {} if search else self._headers(private_app)

    def _headers(self, private_app: bool) -> dict[str, str]:
        headers = {
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(round(self.burst.seconds * 1000)),
            "X-HubSpot-RateLimit-Max": str(self.burst.limit),
            "X-HubSpot-RateLimit-Remaining": str(self.burst.remaining),
        }
        if private_app:
            headers["X-HubSpot-RateLimit-Daily"] = str(self.daily.limit)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(self.daily.remaining)
        return headers

    def _limited(
        self,
        message: str,
        policy: str,
        *,
        retry: bool = False,
        headers: dict[str, str] | None = None,
        **extra: str,
    ) -> HubSpotError:
        all_headers = dict(headers or {})
        if retry and self._retry_after is not None:
            all_headers["Retry-After"] = str(self._retry_after)
        body = {
            "status": "error",
            "message": message,
            "errorType": "RATE_LIMIT",
            "correlationId": correlation_id(),
            "policyName": policy,
            **extra,
        }
        return HubSpotError(Response.json(body, status=429, headers=all_headers))
