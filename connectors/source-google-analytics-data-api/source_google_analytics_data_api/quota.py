"""Spending each property's GA4 quota without touching the share the user keeps for other tools.

Every request asks for `returnPropertyQuota`; the answer says what the request consumed and what
remains of each quota of the property (tokens per day, per hour and per project per hour,
concurrent requests, server errors, potentially thresholded requests). `QuotaTracker` keeps the
latest figures per property and, before the next request of a report, expects it to cost what
that report's last request did (or, for tokens, what the property's last request did):

- when that would eat into the reserve of an hourly quota (tokens per property or per project,
  potentially thresholded requests), it pauses until the next hour, when they come back;
- when it would eat into the reserve of the daily tokens, it stops the property: waiting until
  midnight Pacific time is no way to run a sync, so the property's streams end INCOMPLETE with a
  transient error saying when the quota resets, and the next sync resumes from the saved state;
- once a property is stopped (by the reserve or by GA4's own 429), its further requests fail at
  once, without spending anything; the other properties go on.

GA4 does not say the limits themselves; a quota's limit is estimated as what remains plus what
this sync spent in the quota's current day or hour, which is exact when no other tool uses the
property and an underestimate otherwise (the reserve then shrinks with it).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.errors import ApiFailure
from source_google_analytics_data_api.errors import GA4_ERRORS, QUOTA_DAY_ZONE, Quota, quota_failure

logger = logging.getLogger("airbyte")

TOKENS = (Quota.TOKENS_PER_DAY, Quota.TOKENS_PER_HOUR, Quota.TOKENS_PER_PROJECT_PER_HOUR)
PACED_HOURLY = (
    Quota.TOKENS_PER_HOUR,
    Quota.TOKENS_PER_PROJECT_PER_HOUR,
    Quota.POTENTIALLY_THRESHOLDED_REQUESTS_PER_HOUR,
)
_PB_FIELDS = {  # PropertyQuota's protobuf field of each quota
    Quota.TOKENS_PER_DAY: "tokens_per_day",
    Quota.TOKENS_PER_HOUR: "tokens_per_hour",
    Quota.TOKENS_PER_PROJECT_PER_HOUR: "tokens_per_project_per_hour",
    Quota.CONCURRENT_REQUESTS: "concurrent_requests",
    Quota.SERVER_ERRORS_PER_PROJECT_PER_HOUR: "server_errors_per_project_per_hour",
    Quota.POTENTIALLY_THRESHOLDED_REQUESTS_PER_HOUR: "potentially_thresholded_requests_per_hour",
}


@dataclass
class _Budget:
    """One quota of one property within its current day or hour."""

    window: object  # the day or hour these figures belong to
    remaining: int
    limit: int
    spent: int = 0


class QuotaTracker:
    """Per property: the quotas GA4 reported, the pacing they call for, and which properties stopped.

    `clock` gives epoch seconds and `sleep` waits; both are injectable so tests control time.
    """

    def __init__(self, reserve: float, *, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._reserve = reserve
        self._clock = clock
        self._sleep = sleep
        self._budgets: dict[tuple[str, Quota], _Budget] = {}
        self._last_cost: dict[tuple[str, str | None, Quota], int] = {}  # by property, report (None: any)
        self._stopped: dict[str, ApiFailure] = {}
        self.tokens_spent: dict[str, int] = {}

    def before_request(self, property_id: str, context: Mapping[str, str]) -> None:
        """Wait or stop as the quotas and the reserve require, before a request of the property."""
        if property_id in self._stopped:
            raise GA4_ERRORS.to_exception(self._stopped[property_id])
        report = context.get("report")
        if self._would_enter_reserve(property_id, report, Quota.TOKENS_PER_DAY):
            why = (
                f", except the reserve of {self._reserve_tokens(property_id, Quota.TOKENS_PER_DAY):,} tokens"
            )
            failure = quota_failure(
                Quota.TOKENS_PER_DAY, {**context, "why": f"{why} kept for other tools"}, self._now()
            )
            raise self.stop(property_id, failure)
        if any(self._would_enter_reserve(property_id, report, quota) for quota in PACED_HOURLY):
            self._pause_until_next_hour(property_id)

    def observe(self, property_id: str, report: str, property_quota: Any) -> None:
        """Take in the PropertyQuota (protobuf) of a response to a request of `report`."""
        for quota, field in _PB_FIELDS.items():
            status = getattr(property_quota, field)
            consumed = int(status.consumed)
            self._update(property_id, quota, consumed, int(status.remaining))
            self._last_cost[(property_id, report, quota)] = consumed
            if quota in TOKENS:
                self._last_cost[(property_id, None, quota)] = consumed
        spent = int(property_quota.tokens_per_day.consumed)
        self.tokens_spent[property_id] = self.tokens_spent.get(property_id, 0) + spent

    def stop(self, property_id: str, failure: ApiFailure) -> AirbyteTracedException:
        """Stop every further request of the property with this failure; returns it to raise."""
        self._stopped[property_id] = failure
        return GA4_ERRORS.to_exception(failure)

    @property
    def stopped(self) -> dict[str, ApiFailure]:
        """The properties stopped by a quota, with why."""
        return dict(self._stopped)

    # --- bookkeeping ----------------------------------------------------------------------------

    def _update(self, property_id: str, quota: Quota, consumed: int, remaining: int) -> None:
        window = self._window(quota)
        budget = self._budgets.get((property_id, quota))
        if budget is None or budget.window != window:
            budget = _Budget(window, remaining, remaining + consumed)
            self._budgets[(property_id, quota)] = budget
        budget.spent += consumed
        budget.remaining = remaining
        budget.limit = max(budget.limit, remaining + budget.spent)

    def _current(self, property_id: str, quota: Quota) -> _Budget | None:
        budget = self._budgets.get((property_id, quota))
        return budget if budget is not None and budget.window == self._window(quota) else None

    def _reserve_tokens(self, property_id: str, quota: Quota) -> int:
        budget = self._current(property_id, quota)
        return math.ceil(self._reserve * budget.limit) if budget else 0

    def _would_enter_reserve(self, property_id: str, report: str | None, quota: Quota) -> bool:
        budget = self._current(property_id, quota)
        if budget is None or self._reserve == 0:
            return False
        expected_cost = self._last_cost.get(
            (property_id, report, quota), self._last_cost.get((property_id, None, quota), 0)
        )
        return budget.remaining - expected_cost < self._reserve_tokens(property_id, quota)

    def _pause_until_next_hour(self, property_id: str) -> None:
        now = self._clock()
        wait = math.floor(now / 3600 + 1) * 3600 - now
        logger.info(
            f"Google Analytics property {property_id}: pausing {wait:.0f} s until its hourly quotas "
            f"come back, to keep the reserve of {self._reserve:.0%} for other tools."
        )
        self._sleep(wait)

    def remaining(self, property_id: str, quota: Quota) -> int | None:
        """What GA4 last said remains of a quota of the property in the current day or hour."""
        budget = self._current(property_id, quota)
        return budget.remaining if budget else None

    def _window(self, quota: Quota) -> object:
        now = self._clock()
        if quota is Quota.TOKENS_PER_DAY:
            return datetime.fromtimestamp(now, QUOTA_DAY_ZONE).date()
        return int(now // 3600)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)
