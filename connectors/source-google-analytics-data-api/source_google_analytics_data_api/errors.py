"""What each Data API error means for a sync: retry it, stop the property, or stop with a fix to make.

GA4 answers every quota failure with 429 RESOURCE_EXHAUSTED; only the message (and, where
present, the ErrorInfo's `quota_limit`) tells which quota ran out. `describe_google_error` puts
that quota's PropertyQuota name in the failure's `reason`, so the table below can say per quota
whether to retry (concurrent requests free up in seconds) or to stop and say when it resets
(daily and hourly quotas). The daily quota resets at midnight Pacific time, as GA4 documents.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from airbyte_cdk.models import FailureType

from cdk_extensions.errors import ApiFailure, ErrorRule, ErrorTaxonomy

if TYPE_CHECKING:
    from google.api_core.exceptions import GoogleAPICallError

QUOTA_DAY_ZONE = ZoneInfo("America/Los_Angeles")
# REST errors start with the request line ("POST http://...: "); users need only GA4's words.
_REQUEST_LINE = re.compile(r"^[A-Z]+ https?://\S+: ")


class Quota(StrEnum):
    """GA4's property quotas, by their PropertyQuota field names."""

    TOKENS_PER_DAY = "tokensPerDay"
    TOKENS_PER_HOUR = "tokensPerHour"
    TOKENS_PER_PROJECT_PER_HOUR = "tokensPerProjectPerHour"
    CONCURRENT_REQUESTS = "concurrentRequests"
    SERVER_ERRORS_PER_PROJECT_PER_HOUR = "serverErrorsPerProjectPerHour"
    POTENTIALLY_THRESHOLDED_REQUESTS_PER_HOUR = "potentiallyThresholdedRequestsPerHour"

    @classmethod
    def named(cls, name: object) -> Quota | None:
        """The quota of a PropertyQuota field name, or None for anything else."""
        return next((quota for quota in cls if quota.value == name), None)

    @property
    def words(self) -> str:
        return _WORDS[self]

    @property
    def is_daily(self) -> bool:
        return self is Quota.TOKENS_PER_DAY

    @property
    def stops_the_property(self) -> bool:
        """Daily and hourly quotas do not come back within a retry: the property's streams stop."""
        return self is not Quota.CONCURRENT_REQUESTS


_WORDS = {
    Quota.TOKENS_PER_DAY: "property tokens per day",
    Quota.TOKENS_PER_HOUR: "property tokens per hour",
    Quota.TOKENS_PER_PROJECT_PER_HOUR: "property tokens for a project per hour",
    Quota.CONCURRENT_REQUESTS: "concurrent requests",
    Quota.SERVER_ERRORS_PER_PROJECT_PER_HOUR: "server errors per project per hour",
    Quota.POTENTIALLY_THRESHOLDED_REQUESTS_PER_HOUR: "potentially thresholded requests per hour",
}
# The phrases of GA4's "Exhausted ..." messages, most specific first.
_MESSAGE_PHRASES = [
    ("tokens for a project per hour", Quota.TOKENS_PER_PROJECT_PER_HOUR),
    ("tokens per day", Quota.TOKENS_PER_DAY),
    ("tokens per hour", Quota.TOKENS_PER_HOUR),
    ("concurrent requests", Quota.CONCURRENT_REQUESTS),
    ("server errors", Quota.SERVER_ERRORS_PER_PROJECT_PER_HOUR),
    ("potentially thresholded", Quota.POTENTIALLY_THRESHOLDED_REQUESTS_PER_HOUR),
]

_QUOTA_STOP = (
    "Google Analytics property {property_id} has used up its quota of {quota_words} ({reason}){why}. "
    "It resets {resets}; sync again then, and the sync continues from its saved state."
)
_RULES = [
    *(
        ErrorRule(FailureType.transient_error, _QUOTA_STOP, status=429, reason=quota.value)
        for quota in Quota
        if quota.stops_the_property
    ),
    ErrorRule(
        FailureType.transient_error,
        "Google Analytics kept refusing requests for property {property_id}: too many at once ({reason}). "
        "Other tools may be reading the property; the sync can be retried later.",
        retry=True,
        status=429,
    ),
    ErrorRule(
        FailureType.config_error,
        "Google Analytics rejected the request of report '{report}' for property {property_id}: {detail} "
        "Check the report's dimensions, metrics and filters.",
        status=400,
    ),
    ErrorRule(
        FailureType.config_error,
        "Google rejected this source's credentials ({detail}). For a service account, check that its key is "
        "still active; for OAuth, re-authenticate the source.",
        status=401,
    ),
    ErrorRule(
        FailureType.config_error,
        "These credentials may not read Google Analytics property {property_id} ({detail}). Give the service "
        "account or user the Viewer role on the property (Admin > Property access management), or remove "
        "the property ID from the source.",
        status=403,
    ),
    ErrorRule(
        FailureType.transient_error,
        "Google Analytics had a server error (HTTP {status}) for property {property_id} and kept failing; "
        "the sync can be retried later.",
        retry=True,
        status=range(500, 600),
    ),
]
GA4_ERRORS = ErrorTaxonomy(
    _RULES,
    ErrorRule(
        FailureType.system_error,
        "Google Analytics answered unexpectedly (HTTP {status}, {reason}) for property {property_id}: "
        "{detail}",
    ),
)


def describe_google_error(error: GoogleAPICallError, context: Mapping[str, str], now: datetime) -> ApiFailure:
    """The failure of a Data API call; for a quota, `reason` names it and the context says when it resets."""
    failure = ApiFailure.from_google_error(error, context)
    failure = dataclasses.replace(failure, detail=_REQUEST_LINE.sub("", failure.detail))
    quota = quota_of(error) if failure.status == 429 else None
    if quota is None:
        return failure
    return quota_failure(quota, context, now, detail=failure.detail)


def quota_failure(quota: Quota, context: Mapping[str, str], now: datetime, *, detail: str = "") -> ApiFailure:
    """A quota failure, whether GA4 answered 429 or the connector stopped itself to spare a reserve."""
    return ApiFailure(
        status=429,
        reason=quota.value,
        detail=detail or f"Exhausted {quota.words}.",
        context={"why": "", **context, "quota_words": quota.words, "resets": resets(quota, now)},
    )


def quota_of(error: GoogleAPICallError) -> Quota | None:
    """Which quota a 429 is about: the ErrorInfo's `quota_limit`, else the phrase of its message."""
    for detail in error.details or ():
        named = Quota.named(_quota_limit(detail))
        if named is not None:
            return named
    message = str(error.message).lower()
    return next((quota for phrase, quota in _MESSAGE_PHRASES if phrase in message), None)


def _quota_limit(detail: Any) -> str | None:
    if isinstance(detail, Mapping):  # REST transport: the JSON detail
        metadata = detail.get("metadata")
        return metadata.get("quota_limit") if isinstance(metadata, Mapping) else None
    metadata = getattr(detail, "metadata", None)  # gRPC transport: an ErrorInfo message
    return metadata.get("quota_limit") if metadata is not None else None


def resets(quota: Quota, now: datetime) -> str:
    """When a quota comes back, in words: midnight Pacific time for the day, the next hour otherwise."""
    if quota.is_daily:
        local = now.astimezone(QUOTA_DAY_ZONE)
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), QUOTA_DAY_ZONE)
        return f"at {midnight:%Y-%m-%d %H:%M} Pacific time ({midnight.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"
    next_hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return f"within the hour (by {next_hour:%Y-%m-%d %H:%M} UTC)"
