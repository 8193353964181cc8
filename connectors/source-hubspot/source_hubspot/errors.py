"""What each HubSpot error means for a sync: retry it, or stop with a message the user can act on.

HubSpot's error bodies carry a `category` (EXPIRED_AUTHENTICATION, MISSING_SCOPES, ...), and its
429 bodies a `policyName` instead (TEN_SECONDLY_ROLLING, SECONDLY, DAILY). `describe_failure`
reads both, plus what the messages need: the scopes a 403 MISSING_SCOPES names
(`errors[].context.requiredGranularScopes`) and, for the daily limit, when it resets (midnight in
the account's time zone, HubSpot's usage guide says).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests
from airbyte_cdk.models import FailureType

from cdk_extensions.errors import ApiFailure, ErrorRule, ErrorTaxonomy

REASON_KEYS = ("policyName", "category")
DAILY_LIMIT = "DAILY"
MISSING_SCOPES = "MISSING_SCOPES"
UNKNOWN_SCOPES = "the scopes HubSpot's answer names"

_SERVER_ERROR = ErrorRule(
    FailureType.transient_error,
    "HubSpot had a server error (HTTP {status}) and kept failing; the sync can be retried later.",
    retry=True,
    status=range(500, 600),
)
_RULES = [
    ErrorRule(
        FailureType.transient_error,
        "HubSpot's access token expired and could not be renewed ({detail}).",
        retry=True,
        status=401,
        reason="EXPIRED_AUTHENTICATION",
    ),
    ErrorRule(
        FailureType.config_error,
        "HubSpot rejected the source's credentials ({detail}). Re-authenticate the source: sign in "
        "again (OAuth) or paste a current private app access token.",
        status=401,
    ),
    ErrorRule(
        FailureType.config_error,
        "The HubSpot app this source uses lacks the scopes {scopes}. Grant them to the app (private "
        "app: Scopes tab; OAuth app: its scopes, then re-authenticate), or remove the stream from the "
        "connection.",
        status=403,
        reason=MISSING_SCOPES,
    ),
    ErrorRule(
        FailureType.config_error,
        "HubSpot refused access (HTTP 403, {reason}: {detail}). Check the app's scopes and the "
        "account's subscription.",
        status=403,
    ),
    ErrorRule(
        FailureType.transient_error,
        "HubSpot's daily API request limit for this account is used up. It resets {resets}; sync again "
        "after that and the sync continues from its last saved state.",
        status=429,
        reason=DAILY_LIMIT,
    ),
    ErrorRule(
        FailureType.transient_error,
        "HubSpot kept rate limiting the sync ({reason}: {detail}); other apps may be using the account's "
        "limits. The sync can be retried later.",
        retry=True,
        status=429,
    ),
    ErrorRule(
        FailureType.system_error,
        "A request to HubSpot had too long a URL (HTTP 414) although the connector splits property "
        "lists to avoid that. Report this with the sync logs.",
        status=414,
    ),
    ErrorRule(
        FailureType.system_error,
        "HubSpot rejected a request the connector built ({detail}). Report this with the sync logs.",
        status=400,
    ),
    ErrorRule(
        FailureType.system_error,
        "HubSpot could not find what the connector asked for ({detail}). If a custom object was "
        "deleted, refresh the source schema.",
        status=404,
        reason="OBJECT_NOT_FOUND",
    ),
    _SERVER_ERROR,
]
_FALLBACK = ErrorRule(
    FailureType.system_error, "HubSpot answered unexpectedly (HTTP {status}, {reason}): {detail}"
)

HUBSPOT_ERRORS = ErrorTaxonomy(_RULES, _FALLBACK)

# A search carrying the user's own filter groups: HubSpot's 400 then most likely means a filter
# it does not accept (the message does not say which), which only the user can change.
USER_FILTER_ERRORS = ErrorTaxonomy(
    [
        ErrorRule(
            FailureType.config_error,
            "HubSpot's search rejected the request made with this object's filters ({detail}). Check "
            "the filters in the per-object settings.",
            status=400,
        ),
        *_RULES,
    ],
    _FALLBACK,
)


def describe_failure(response: requests.Response, time_zone: ZoneInfo | None, now: datetime) -> ApiFailure:
    """An `ApiFailure` for a HubSpot error answer, with the context its message needs."""
    failure = ApiFailure.from_response(response, reason_keys=REASON_KEYS)
    if failure.reason == MISSING_SCOPES:
        scopes = required_scopes(_json(response))
        return failure.with_context(scopes=", ".join(scopes) if scopes else UNKNOWN_SCOPES)
    if failure.reason == DAILY_LIMIT:
        return failure.with_context(resets=daily_reset(now, time_zone))
    return failure


def required_scopes(body: Any) -> list[str]:
    """The scopes a 403 MISSING_SCOPES body names, in order, without repeats."""
    return list(dict.fromkeys(_scopes_in(body)))


def _scopes_in(body: Any) -> Iterator[str]:
    errors = body.get("errors") if isinstance(body, dict) else None
    for error in errors if isinstance(errors, list) else []:
        context = error.get("context") if isinstance(error, dict) else None
        scopes = context.get("requiredGranularScopes") if isinstance(context, dict) else None
        for scope in scopes if isinstance(scopes, list) else []:
            if isinstance(scope, str):
                yield scope


def daily_reset(now: datetime, time_zone: ZoneInfo | None) -> str:
    """When the daily limit resets, in words: the next midnight in the account's time zone."""
    if time_zone is None:
        return "at midnight in the HubSpot account's time zone"
    local = now.astimezone(time_zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), time_zone)
    in_utc = midnight.astimezone(UTC)
    return f"at {midnight:%Y-%m-%d %H:%M} {time_zone.key} ({in_utc:%Y-%m-%d %H:%M} UTC)"


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
