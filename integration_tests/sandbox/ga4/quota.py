"""Per-property quota accounting that runs out, like the Data API's property quotas.

What a request costs (the fake's formula; GA4 documents only that cost grows with rows, columns
and the date range, and that most requests cost under 10 tokens):

    tokens = 1 + ceil(days / 30) * ceil((dimensions + metrics) / 5) + rows // 5000

where `days` is the total length of the date ranges read and `rows` the rows returned. A batch
costs the sum of its reports; a realtime report costs 1 token plus 1 per 5,000 rows.

Quotas, each per property and per quota category (core, realtime, funnel), with the standard
property limits by default (`QuotaLimits`): tokens per day (the day ends at midnight Pacific
time), tokens per hour, tokens per hour for one project (the caller's Google Cloud project),
concurrent requests, server errors per hour (counted per property), and potentially thresholded
requests per hour (requests with demographic dimensions; every report of a batch counts).

A request is refused with 429 RESOURCE_EXHAUSTED when a quota is already used up before it runs
(so the last admitted request may overdraw, and `remaining` never goes below 0). The message is
the one GA4 sends, which is what identifies the quota; the details carry an ErrorInfo whose
`metadata.quota_limit` names the PropertyQuota field, and a QuotaFailure.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.faults import Clock
from sandbox.ga4.errors import ERROR_INFO_TYPE, ApiError

QUOTAS_URL = "https://developers.google.com/analytics/devguides/reporting/data/v1/quotas"
QUOTA_DAY_ZONE = ZoneInfo("America/Los_Angeles")
_RETURN_IN_AN_HOUR = "These quota tokens will return in under an hour."
EXHAUSTED_MESSAGES = {
    "tokensPerDay": "Exhausted property tokens per day. These quota tokens will return in under 24 hours.",
    "tokensPerHour": f"Exhausted property tokens per hour. {_RETURN_IN_AN_HOUR}",
    "tokensPerProjectPerHour": f"Exhausted property tokens for a project per hour. {_RETURN_IN_AN_HOUR}",
    "concurrentRequests": "Exhausted concurrent requests quota.",
    "serverErrorsPerProjectPerHour": "Exhausted server errors per project per hour quota.",
    "potentiallyThresholdedRequestsPerHour": "Exhausted potentially thresholded requests quota.",
}


def report_tokens(days: int, dimensions: int, metrics: int, rows: int) -> int:
    """The token cost of one report (see the module docstring)."""
    return 1 + math.ceil(days / 30) * math.ceil((dimensions + metrics) / 5) + rows // 5000


def realtime_tokens(rows: int) -> int:
    return 1 + rows // 5000


class QuotaCategory(StrEnum):
    CORE = "core"
    REALTIME = "realtime"
    FUNNEL = "funnel"


@dataclass(frozen=True)
class QuotaLimits:
    """A property's limits; the defaults are those of a standard (non-360) property."""

    tokens_per_day: int = 200_000
    tokens_per_hour: int = 40_000
    tokens_per_project_per_hour: int = 14_000
    concurrent_requests: int = 10
    server_errors_per_project_per_hour: int = 10
    potentially_thresholded_requests_per_hour: int = 120


@dataclass(frozen=True)
class _Windows:
    """Which day and hour a request falls in."""

    day: str
    hour: int

    @classmethod
    def at(cls, now: float) -> _Windows:
        return cls(datetime.fromtimestamp(now, QUOTA_DAY_ZONE).date().isoformat(), int(now // 3600))


class QuotaLedger:
    """Thread-safe counters of every property's quotas."""

    def __init__(self, limits: QuotaLimits, clock: Clock) -> None:
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._used: Counter[tuple[Any, ...]] = Counter()
        self._in_flight: Counter[tuple[str, QuotaCategory]] = Counter()

    @contextmanager
    def admit(self, property_id: str, project: str, category: QuotaCategory) -> Iterator[Ticket]:
        """Hold a concurrent-request slot while the request runs; refuse it if a quota is used up."""
        ticket = Ticket(self, property_id, project, category, _Windows.at(self._clock()))
        with self._lock:
            exhausted = self._exhausted(ticket)
            if exhausted:
                raise quota_exhausted(exhausted, property_id)
            self._in_flight[ticket.slot] += 1
        try:
            yield ticket
        finally:
            with self._lock:
                self._in_flight[ticket.slot] -= 1

    def record_server_error(self, property_id: str, category: QuotaCategory) -> None:
        with self._lock:
            self._used[("serverErrors", property_id, category, _Windows.at(self._clock()).hour)] += 1

    def _exhausted(self, ticket: Ticket) -> str | None:
        """The first quota of this property that is used up, if any (called under the lock)."""
        limits = self.limits
        if self._in_flight[ticket.slot] >= limits.concurrent_requests:
            return "concurrentRequests"
        for quota, limit in [
            ("tokensPerDay", limits.tokens_per_day),
            ("tokensPerHour", limits.tokens_per_hour),
            ("tokensPerProjectPerHour", limits.tokens_per_project_per_hour),
            ("serverErrorsPerProjectPerHour", limits.server_errors_per_project_per_hour),
        ]:
            if self._used[ticket.key(quota)] >= limit:
                return quota
        return None

    def _charge(self, ticket: Ticket, tokens: int, thresholded_requests: int) -> None:
        with self._lock:
            thresholded_key = ticket.key("potentiallyThresholdedRequestsPerHour")
            limit = self.limits.potentially_thresholded_requests_per_hour
            if thresholded_requests and self._used[thresholded_key] + thresholded_requests > limit:
                raise quota_exhausted("potentiallyThresholdedRequestsPerHour", ticket.property_id)
            self._used[thresholded_key] += thresholded_requests
            for quota in ("tokensPerDay", "tokensPerHour", "tokensPerProjectPerHour"):
                self._used[ticket.key(quota)] += tokens

    def _status(self, ticket: Ticket) -> dict[str, dict[str, int]]:
        limits = self.limits
        with self._lock:
            others_in_flight = self._in_flight[ticket.slot] - 1

            def remaining(quota: str, limit: int) -> int:
                return max(0, limit - self._used[ticket.key(quota)])

            status = {
                quota: {"consumed": ticket.tokens, "remaining": remaining(quota, limit)}
                for quota, limit in [
                    ("tokensPerDay", limits.tokens_per_day),
                    ("tokensPerHour", limits.tokens_per_hour),
                    ("tokensPerProjectPerHour", limits.tokens_per_project_per_hour),
                ]
            }
            status["concurrentRequests"] = {
                "remaining": max(0, limits.concurrent_requests - others_in_flight)
            }
            status["serverErrorsPerProjectPerHour"] = {
                "remaining": remaining(
                    "serverErrorsPerProjectPerHour", limits.server_errors_per_project_per_hour
                )
            }
            thresholded = {
                "remaining": remaining(
                    "potentiallyThresholdedRequestsPerHour", limits.potentially_thresholded_requests_per_hour
                )
            }
            if ticket.thresholded_requests:
                thresholded = {"consumed": ticket.thresholded_requests, **thresholded}
            status["potentiallyThresholdedRequestsPerHour"] = thresholded
            return status


@dataclass
class Ticket:
    """One admitted request: charge what it cost, then report the property's quota state."""

    ledger: QuotaLedger
    property_id: str
    project: str
    category: QuotaCategory
    windows: _Windows
    tokens: int = 0
    thresholded_requests: int = 0

    @property
    def slot(self) -> tuple[str, QuotaCategory]:
        return (self.property_id, self.category)

    def key(self, quota: str) -> tuple[Any, ...]:
        window = {"tokensPerDay": self.windows.day}.get(quota, self.windows.hour)
        project = self.project if quota == "tokensPerProjectPerHour" else ""
        if quota == "serverErrorsPerProjectPerHour":
            return ("serverErrors", self.property_id, self.category, window)
        return (quota, self.property_id, self.category, project, window)

    def charge(self, tokens: int, thresholded_requests: int = 0) -> None:
        self.ledger._charge(self, tokens, thresholded_requests)
        self.tokens += tokens
        self.thresholded_requests += thresholded_requests

    def property_quota(self) -> dict[str, dict[str, int]]:
        """The `propertyQuota` of the response: this request's consumption and what remains."""
        return self.ledger._status(self)


def quota_exhausted(quota: str, property_id: str) -> ApiError:
    message = f"{EXHAUSTED_MESSAGES[quota]} To learn more, see {QUOTAS_URL}"
    return ApiError(
        429,
        message,
        [
            {
                "@type": ERROR_INFO_TYPE,
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "analyticsdata.googleapis.com",
                "metadata": {"quota_limit": quota, "service": "analyticsdata.googleapis.com"},
            },
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [{"subject": f"properties/{property_id}", "description": message}],
            },
        ],
    )
