"""What each HubSpot error means for a sync: retry it, or stop with a message the user can act on.

HubSpot's error bodies carry a `category` (EXPIRED_AUTHENTICATION, MISSING_SCOPES, ...), and its
429 bodies a `policyName` instead (TEN_SECONDLY_ROLLING, SECONDLY, DAILY). `describe_failure`
reads both, plus what the messages need: the scopes a 403 MISSING_SCOPES names
(`errors[].context.requiredGranularScopes`), for the daily limit when it resets (midnight in
the account's time zone, HubSpot's usage guide says), and for a 477 (account migration) the wait
HubSpot asks for in Retry-After.

The table follows HubSpot's error handling guide: retry 423 (a lock of about 2 seconds), 429
but the daily limit, 477 (honouring Retry-After: a wait of hours ends the sync with a message
instead), 502/503/504 and Cloudflare's 52x; contact HubSpot support if 522, 525 or 526 persist.
Other 4xx answers mean the connector asked something HubSpot does not serve: not retried.

An expired access token depends on the way of signing in (`ErrorTables`): OAuth's is refreshed
and the request retried once; a private app's cannot be renewed, so the sync stops at once and
asks for the app's current token.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests
from airbyte_cdk.models import FailureType

from cdk_extensions.backoff import retry_after_seconds
from cdk_extensions.errors import ApiFailure, ErrorRule, ErrorTaxonomy

REASON_KEYS = ("policyName", "category")
DAILY_LIMIT = "DAILY"
MISSING_SCOPES = "MISSING_SCOPES"
EXPIRED_AUTHENTICATION = "EXPIRED_AUTHENTICATION"
MIGRATION_IN_PROGRESS = 477
UNKNOWN_SCOPES = "the scopes HubSpot's answer names"
# Where a MISSING_SCOPES body lists the scopes: granular scopes today, plain ones in older answers.
SCOPE_KEYS = ("requiredGranularScopes", "requiredScopes")

# HubSpot's error handling guide says which answers a client should retry and which need its
# support; the statuses it lists that no row names fall under the 4xx and 5xx rows.
_SUPPORT_NEEDED = (522, 525, 526)  # connection timed out, SSL handshake failed, invalid certificate
_READ_LESS = (
    "Until this is fixed, selecting fewer properties for this object in the per-object settings avoids it."
)
_RULES = [
    ErrorRule(
        FailureType.system_error,
        "HubSpot rejected a request the connector built ({detail}). Report this with the sync logs.",
        status=400,
    ),
    ErrorRule(
        FailureType.config_error,
        "HubSpot rejected the source's credentials ({detail}). Re-authenticate the source: sign in "
        "again (OAuth) or paste a current private app access token.",
        status=401,
    ),
    ErrorRule(
        FailureType.config_error,
        "HubSpot refused the request because the account's subscription does not include it (HTTP "
        "402: {detail}). Remove the stream from the connection, or upgrade the HubSpot subscription.",
        status=402,
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
        "account's subscription; if the app has the scopes, contact HubSpot support (request id "
        "{request_id}).",
        status=403,
    ),
    ErrorRule(
        FailureType.system_error,
        "HubSpot could not find what the connector asked for ({detail}). If a custom object was "
        "deleted, refresh the source schema.",
        status=404,
        reason="OBJECT_NOT_FOUND",
    ),
    ErrorRule(
        FailureType.system_error,
        f"A request to HubSpot had too large a body (HTTP 413). Report this with the sync logs. {_READ_LESS}",
        status=413,
    ),
    ErrorRule(
        FailureType.system_error,
        "A request to HubSpot had too long a URL (HTTP 414) although the connector splits property "
        f"lists to avoid that. Report this with the sync logs. {_READ_LESS}",
        status=414,
    ),
    ErrorRule(
        FailureType.transient_error,
        "HubSpot kept the records locked (HTTP 423: {detail}), most likely while another app of the "
        "account writes many of them. Sync again once that import is done.",
        retry=True,
        status=423,
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
        FailureType.transient_error,
        "HubSpot is moving this account to another data hosting location (HTTP 477) and asks to wait "
        "{wait}. Sync again after that; the sync continues from its last saved state.",
        retry=True,
        status=MIGRATION_IN_PROGRESS,
    ),
    ErrorRule(
        FailureType.system_error,
        "HubSpot refused a request the connector made (HTTP {status}, {reason}: {detail}). Report this "
        "with the sync logs.",
        status=range(400, 500),
    ),
    *(
        ErrorRule(
            FailureType.transient_error,
            "HubSpot's edge kept failing to reach HubSpot (HTTP {status}). If this persists, contact "
            "HubSpot support with the request id {request_id}.",
            retry=True,
            status=status,
        )
        for status in _SUPPORT_NEEDED
    ),
    ErrorRule(
        FailureType.transient_error,
        "HubSpot kept answering with a server error or timeout (HTTP {status}); the sync can be retried "
        "later. If this persists, check https://status.hubspot.com.",
        retry=True,
        status=range(500, 600),
    ),
]
_FALLBACK = ErrorRule(
    FailureType.system_error, "HubSpot answered unexpectedly (HTTP {status}, {reason}): {detail}"
)
# OAuth access tokens live 30 minutes: the CDK refreshes the token once and retries (a token
# rejected again after that ends the sync with the CDK's own config_error).
_OAUTH_TOKEN_EXPIRED = ErrorRule(
    FailureType.config_error,
    "HubSpot says the source's access token expired ({detail}) and a refreshed one did not help. "
    "Re-authenticate the source (sign in again).",
    retry=True,
    status=401,
    reason=EXPIRED_AUTHENTICATION,
)
# A private app's token never expires by itself, and nothing renews it: it was rotated (HubSpot
# expires the old token at once or seven days later). Retrying cannot help.
_PRIVATE_APP_TOKEN_EXPIRED = ErrorRule(
    FailureType.config_error,
    "HubSpot says the private app's access token expired ({detail}), most likely because it was "
    "rotated. Paste the private app's current access token into the source (HubSpot: Settings > "
    "Integrations > Private Apps > the app > Auth).",
    status=401,
    reason=EXPIRED_AUTHENTICATION,
)
# A search carrying the user's own filter groups: HubSpot's 400 then most likely means a filter
# it does not accept (the message does not say which), which only the user can change.
_USER_FILTER_REJECTED = ErrorRule(
    FailureType.config_error,
    "HubSpot's search rejected the request made with this object's filters ({detail}). Check "
    "the filters in the per-object settings.",
    status=400,
)


@dataclass(frozen=True)
class ErrorTables:
    """The error tables of one way of signing in: an expired token is refreshed (OAuth) or not."""

    requests: ErrorTaxonomy
    user_filter_searches: ErrorTaxonomy  # a search with the user's filters: a 400 is theirs to fix

    @classmethod
    def with_expired_token(cls, rule: ErrorRule) -> ErrorTables:
        rules = [*_RULES, rule]
        return cls(
            requests=ErrorTaxonomy(rules, _FALLBACK),
            # Listed first, it wins over the table's own 400 row.
            user_filter_searches=ErrorTaxonomy([_USER_FILTER_REJECTED, *rules], _FALLBACK),
        )


OAUTH_ERRORS = ErrorTables.with_expired_token(_OAUTH_TOKEN_EXPIRED)
PRIVATE_APP_ERRORS = ErrorTables.with_expired_token(_PRIVATE_APP_TOKEN_EXPIRED)


def describe_failure(response: requests.Response, time_zone: ZoneInfo | None, now: datetime) -> ApiFailure:
    """An `ApiFailure` for a HubSpot error answer, with the context its message needs."""
    failure = ApiFailure.from_response(response, reason_keys=REASON_KEYS)
    if failure.reason == MISSING_SCOPES:
        scopes = required_scopes(_json(response))
        return failure.with_context(scopes=", ".join(scopes) if scopes else UNKNOWN_SCOPES)
    if failure.reason == DAILY_LIMIT:
        return failure.with_context(resets=daily_reset(now, time_zone))
    if failure.status == MIGRATION_IN_PROGRESS:
        return failure.with_context(
            wait=wait_in_words(retry_after_seconds(response.headers, now.timestamp()))
        )
    return failure


def required_scopes(body: Any) -> list[str]:
    """The scopes a 403 MISSING_SCOPES body names, in order, without repeats."""
    return list(dict.fromkeys(_scopes_in(body)))


def _scopes_in(body: Any) -> Iterator[str]:
    errors = body.get("errors") if isinstance(body, dict) else None
    for error in errors if isinstance(errors, list) else []:
        context = error.get("context") if isinstance(error, dict) else None
        for key in SCOPE_KEYS:
            scopes = context.get(key) if isinstance(context, dict) else None
            for scope in scopes if isinstance(scopes, list) else []:
                if isinstance(scope, str):
                    yield scope


def wait_in_words(seconds: float | None) -> str:
    """The wait HubSpot asks for (Retry-After), as a person would say it."""
    if seconds is None:
        return "a while (it did not say how long)"
    if seconds < 2 * 60:
        return f"{seconds:.0f} seconds"
    if seconds < 2 * 60 * 60:
        return f"about {seconds / 60:.0f} minutes"
    return f"about {seconds / 3600:.0f} hours"


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
