"""Every error HubSpot documents, served by a real local server, through a real `HubSpotApi` call.

Each row of `ROWS` is one answer HubSpot may give (its status, body and headers as HubSpot sends
them) and what the connector must make of it: whether it retries, and the TRACE error it ends
with, its failure type and the words that tell the user what to do. The server keeps giving
that answer, so a retried row is asked twice (the policy allows two tries) and then gives up.
The API signs in as a private app (an OAuth token's refresh on a 401: test_hubspot_rate_limits_and_faults.py).

HubSpot's error handling guide lists the statuses (423, 429, 477, 502/504, 503, 521-526, ...);
its error bodies carry a `category`, its 429 bodies a `policyName`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from airbyte_cdk.models import AirbyteMessageSerializer, FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.backoff import BackoffPolicy
from sandbox.fake_server import FakeServer, Fault, Response
from sandbox.protocol import parse_message
from sandbox.pytest_plugin import FakeServerFactory
from source_hubspot.api import HubSpotApi
from source_hubspot.config import HubspotConfig

CONTACTS = "/crm/v3/objects/contacts"
SEARCH = "/crm/v3/objects/contacts/search"
CORRELATION_ID = "a43683b0-5717-4ceb-80b4-104d02915d8c"
TWO_TRIES = BackoffPolicy(base_seconds=0.01, max_attempts=2, random=lambda: 0.5)
CONFIG, SYSTEM, TRANSIENT = FailureType.config_error, FailureType.system_error, FailureType.transient_error


def hubspot_body(category: str, message: str, **extra: Any) -> dict[str, Any]:
    """An error body shaped as HubSpot's guide shows it."""
    return {
        "status": "error",
        "message": message,
        "correlationId": CORRELATION_ID,
        "category": category,
        **extra,
    }


def rate_limited(policy: str) -> dict[str, Any]:
    return {
        "status": "error",
        "message": "You have reached your limit.",
        "errorType": "RATE_LIMIT",
        "policyName": policy,
    }


def cloudflare_page(status: int) -> bytes:
    page = f"<html><head><title>api.hubapi.com | {status}</title></head><body>Error {status}</body></html>"
    return page.encode()


@dataclass(frozen=True)
class Row:
    """One documented answer and what the connector must make of it."""

    status: int
    body: Any
    failure_type: FailureType
    says: tuple[str, ...]  # words the user-facing message must contain
    retried: bool
    headers: dict[str, str] = field(default_factory=dict)
    user_filters: bool = False  # asked by a search with the user's filters


ROWS = {
    "400 VALIDATION_ERROR": Row(
        400,
        hubspot_body("VALIDATION_ERROR", "Property values were not valid"),
        SYSTEM,
        ("HubSpot rejected a request the connector built (Property values were not valid)", "Report this"),
        retried=False,
    ),
    "400 on a search with the user's filters": Row(
        400,
        hubspot_body("VALIDATION_ERROR", "There was a problem with the request."),
        CONFIG,
        ("made with this object's filters", "Check the filters in the per-object settings"),
        retried=False,
        user_filters=True,
    ),
    "401 EXPIRED_AUTHENTICATION (a private app's token, which nothing renews)": Row(
        401,
        hubspot_body("EXPIRED_AUTHENTICATION", "The access token used to make this call expired."),
        CONFIG,
        (
            "private app's access token expired (The access token used to make this call expired.)",
            "Paste the private app's current access token into the source",
        ),
        retried=False,
    ),
    "401 INVALID_AUTHENTICATION": Row(
        401,
        hubspot_body("INVALID_AUTHENTICATION", "Authentication credentials not found."),
        CONFIG,
        ("rejected the source's credentials (Authentication credentials not found.)", "Re-authenticate"),
        retried=False,
    ),
    "402": Row(
        402,
        hubspot_body("PAYMENT_REQUIRED", "This feature requires a subscription."),
        CONFIG,
        ("subscription does not include it", "Remove the stream", "upgrade"),
        retried=False,
    ),
    "403 MISSING_SCOPES (granular scopes)": Row(
        403,
        hubspot_body(
            "MISSING_SCOPES",
            "This app hasn't been granted all required scopes to make this call.",
            errors=[{"context": {"requiredGranularScopes": ["crm.objects.contacts.read"]}}],
        ),
        CONFIG,
        ("lacks the scopes crm.objects.contacts.read", "Grant them"),
        retried=False,
    ),
    "403 MISSING_SCOPES (older answer)": Row(
        403,
        hubspot_body(
            "MISSING_SCOPES",
            "This app hasn't been granted all required scopes to make this call.",
            errors=[{"context": {"requiredScopes": ["contacts"]}}],
        ),
        CONFIG,
        ("lacks the scopes contacts.",),
        retried=False,
    ),
    "403 other": Row(
        403,
        hubspot_body("FORBIDDEN", "This portal is not allowed."),
        CONFIG,
        (
            "refused access (HTTP 403, FORBIDDEN: This portal is not allowed.)",
            f"support (request id {CORRELATION_ID})",
        ),
        retried=False,
        headers={"X-HubSpot-Correlation-Id": CORRELATION_ID},
    ),
    "404 OBJECT_NOT_FOUND": Row(
        404,
        hubspot_body("OBJECT_NOT_FOUND", "Object not found. objectId are usually numeric."),
        SYSTEM,
        ("could not find what the connector asked for", "refresh the source schema"),
        retried=False,
    ),
    "404 without a category": Row(
        404,
        b"<html>Not Found</html>",
        SYSTEM,
        ("refused a request the connector made (HTTP 404",),
        retried=False,
    ),
    "405": Row(
        405,
        hubspot_body("BAD_REQUEST", "Method Not Allowed"),
        SYSTEM,
        ("(HTTP 405, BAD_REQUEST", "Report"),
        retried=False,
    ),
    "409 CONFLICT": Row(
        409,
        hubspot_body("CONFLICT", "Contact already exists."),
        SYSTEM,
        ("(HTTP 409, CONFLICT",),
        retried=False,
    ),
    "413": Row(
        413,
        b"<html>413 Request Entity Too Large</html>",
        SYSTEM,
        ("too large a body (HTTP 413)", "selecting fewer properties"),
        retried=False,
    ),
    "414": Row(
        414,
        b"<html>414 Request-URI Too Large</html>",
        SYSTEM,
        ("too long a URL (HTTP 414)", "selecting fewer properties"),
        retried=False,
    ),
    "415": Row(
        415, hubspot_body("VALIDATION_ERROR", "Unsupported Media Type"), SYSTEM, ("(HTTP 415",), retried=False
    ),
    "423 Locked": Row(
        423,
        hubspot_body("LOCKED", "Resource is locked."),
        TRANSIENT,
        ("locked (HTTP 423", "Sync again"),
        retried=True,
    ),
    "429 DAILY": Row(
        429,
        rate_limited("DAILY"),
        TRANSIENT,
        ("daily API request limit", "resets at midnight in the HubSpot account's time zone"),
        retried=False,
    ),
    "429 TEN_SECONDLY_ROLLING": Row(
        429,
        rate_limited("TEN_SECONDLY_ROLLING"),
        TRANSIENT,
        ("rate limiting the sync (TEN_SECONDLY_ROLLING",),
        True,
    ),
    "429 SECONDLY": Row(
        429, rate_limited("SECONDLY"), TRANSIENT, ("rate limiting the sync (SECONDLY",), True
    ),
    "477 asking to wait a day": Row(
        477,
        hubspot_body("MIGRATION_IN_PROGRESS", "Migration in progress."),
        TRANSIENT,
        ("moving this account to another data hosting location", "asks to wait about 24 hours", "Sync again"),
        retried=False,  # far beyond what a sync waits for: it stops at once and says so
        headers={"Retry-After": "86400"},
    ),
    "477 asking to wait seconds": Row(
        477,
        hubspot_body("MIGRATION_IN_PROGRESS", "Migration in progress."),
        TRANSIENT,
        ("asks to wait 30 seconds",),
        retried=True,
        headers={"Retry-After": "30"},
    ),
    "477 without Retry-After": Row(
        477, b"Migration in progress", TRANSIENT, ("asks to wait a while (it did not say how long)",), True
    ),
    **{
        f"{status}": Row(
            status,
            cloudflare_page(status),
            TRANSIENT,
            (f"server error or timeout (HTTP {status})", "status.hubspot.com"),
            True,
        )
        for status in (500, 502, 503, 504, 520, 521, 523, 524, 530, 539)
    },
    **{
        f"{status} (contact HubSpot support)": Row(
            status,
            cloudflare_page(status),
            TRANSIENT,
            (f"(HTTP {status})", f"contact HubSpot support with the request id {CORRELATION_ID}"),
            retried=True,
            headers={"X-HubSpot-Correlation-Id": CORRELATION_ID},
        )
        for status in (522, 525, 526)
    },
}


def hubspot_api(server: FakeServer) -> HubSpotApi:
    raw = {
        "credentials": {"credentials_title": "Private App Credentials", "access_token": "pat-na1-test"},
        "api_base_url": server.url,
    }
    return HubSpotApi(HubspotConfig.model_validate(raw), raw, backoff=TWO_TRIES)


def serve(server: FakeServer, row: Row) -> None:
    server.add_route("GET", CONTACTS, lambda _request: Response.json({"results": []}))
    server.add_route("POST", SEARCH, lambda _request: Response.json({"total": 0, "results": []}))
    server.faults.add(Fault.status(row.status, body=row.body, headers=row.headers, times=10))


def call(api: HubSpotApi, row: Row) -> None:
    if row.user_filters:
        api.post(SEARCH, {"filterGroups": [], "limit": 1}, stream="contacts", user_filters=True)
    else:
        api.get(CONTACTS, {"limit": 1}, stream="contacts")


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_each_documented_error_ends_as_its_row_says(
    fake_server: FakeServerFactory, cdk_sleeps: list[float], row: Row
) -> None:
    server = fake_server("hubspot-errors")
    serve(server, row)

    with pytest.raises(AirbyteTracedException) as raised:
        call(hubspot_api(server), row)

    line = orjson.dumps(AirbyteMessageSerializer.dump(raised.value.as_airbyte_message())).decode()
    error = parse_message(line).trace.error  # the TRACE the platform receives, read strictly
    assert error.failure_type == row.failure_type
    for words in row.says:
        assert words in error.message
    assert "Traceback" not in error.message
    assert len(server.requests) == (2 if row.retried else 1)
    assert len(cdk_sleeps) == (1 if row.retried else 0)


def test_a_retried_error_that_clears_returns_the_answer(
    fake_server: FakeServerFactory, cdk_sleeps: list[float]
) -> None:
    """The other half of "retried": HubSpot answers the second try, and the call succeeds."""
    server = fake_server("hubspot-errors")
    serve(server, Row(423, hubspot_body("LOCKED", "Resource is locked."), TRANSIENT, (), True))
    server.faults.clear()
    server.faults.add(Fault.status(423, body=hubspot_body("LOCKED", "locked"), times=1))

    assert hubspot_api(server).get(CONTACTS, {"limit": 1}, stream="contacts") == {"results": []}
    assert len(server.requests) == 2 and len(cdk_sleeps) == 1
