"""The error taxonomy: rule specificity, message templates, and failures parsed from real responses."""

from __future__ import annotations

import pytest
import requests
from airbyte_cdk.models import FailureType
from google.api_core import exceptions as google_exceptions
from google.rpc.error_details_pb2 import ErrorInfo

from cdk_extensions.errors import ApiFailure, ErrorRule, ErrorTaxonomy
from sandbox.fake_server import Response
from sandbox.pytest_plugin import FakeServerFactory

FALLBACK = ErrorRule(FailureType.system_error, "Unexpected API error {status}: {detail}")
TAXONOMY = ErrorTaxonomy(
    rules=[
        ErrorRule(FailureType.transient_error, "Server error, retrying.", retry=True, status=range(500, 600)),
        ErrorRule(FailureType.transient_error, "Rate limited.", retry=True, status=429),
        ErrorRule(FailureType.config_error, "Access denied.", status=403),
        ErrorRule(FailureType.config_error, "Token lacks scope.", reason="MISSING_SCOPES"),
        ErrorRule(
            FailureType.config_error,
            "Grant the scopes {scopes} to read {stream} (request {request_id}).",
            status=403,
            reason="MISSING_SCOPES",
        ),
    ],
    fallback=FALLBACK,
)


def failure(status: int | None, reason: str | None = None, **context: str) -> ApiFailure:
    return ApiFailure(status=status, reason=reason, detail="boom", request_id="req-1", context=context)


# --- specificity -------------------------------------------------------------------------------


def test_status_and_reason_beats_reason_and_status_alone() -> None:
    assert TAXONOMY.classify(failure(403, "MISSING_SCOPES")).message.startswith("Grant the scopes")


def test_reason_alone_beats_status_alone() -> None:
    assert TAXONOMY.classify(failure(401, "MISSING_SCOPES")).message == "Token lacks scope."


def test_status_alone_matches_any_reason() -> None:
    assert TAXONOMY.classify(failure(403, "SOMETHING_ELSE")).message == "Access denied."


def test_exact_status_beats_status_range() -> None:
    taxonomy = ErrorTaxonomy(
        [
            ErrorRule(FailureType.transient_error, "any 5xx", status=range(500, 600)),
            ErrorRule(FailureType.system_error, "exactly 501", status=501),
        ],
        FALLBACK,
    )
    assert taxonomy.classify(failure(501)).message == "exactly 501"
    assert taxonomy.classify(failure(503)).message == "any 5xx"


def test_first_listed_wins_among_equally_specific_rules() -> None:
    taxonomy = ErrorTaxonomy(
        [
            ErrorRule(FailureType.config_error, "first", status=400),
            ErrorRule(FailureType.system_error, "second", status=400),
        ],
        FALLBACK,
    )
    assert taxonomy.classify(failure(400)).message == "first"


def test_no_match_uses_fallback() -> None:
    assert TAXONOMY.classify(failure(418, "TEAPOT")) is FALLBACK
    assert TAXONOMY.classify(failure(None)) is FALLBACK


@pytest.mark.parametrize(
    ("status", "reason", "expected_type", "retry"),
    [
        (403, "MISSING_SCOPES", FailureType.config_error, False),
        (429, None, FailureType.transient_error, True),
        (502, None, FailureType.transient_error, True),
        (418, None, FailureType.system_error, False),
    ],
)
def test_every_failure_type_reaches_the_exception(
    status: int, reason: str | None, expected_type: FailureType, retry: bool
) -> None:
    api_failure = failure(status, reason)
    assert TAXONOMY.classify(api_failure).retry is retry
    exception = TAXONOMY.to_exception(api_failure)
    assert exception.failure_type == expected_type
    message = exception.as_airbyte_message()
    assert message.trace is not None and message.trace.error is not None
    assert message.trace.error.failure_type == expected_type


# --- templating --------------------------------------------------------------------------------


def test_template_uses_fields_and_context() -> None:
    exception = TAXONOMY.to_exception(
        failure(403, "MISSING_SCOPES", stream="contacts", scopes="crm.objects.contacts.read")
    )
    assert exception.message == "Grant the scopes crm.objects.contacts.read to read contacts (request req-1)."


def test_unknown_placeholders_stay_visible() -> None:
    exception = TAXONOMY.to_exception(failure(403, "MISSING_SCOPES"))
    assert exception.message == "Grant the scopes {scopes} to read {stream} (request req-1)."


def test_missing_fields_render_as_unknown() -> None:
    api_failure = ApiFailure(status=None, reason=None, detail="socket closed")
    assert FALLBACK.render(api_failure) == "Unexpected API error unknown: socket closed"


def test_fields_win_over_context_keys_of_the_same_name() -> None:
    api_failure = ApiFailure(status=500, reason=None, detail="boom", context={"status": "hijacked"})
    assert FALLBACK.render(api_failure) == "Unexpected API error 500: boom"


def test_internal_message_carries_every_technical_detail() -> None:
    exception = TAXONOMY.to_exception(failure(403, "MISSING_SCOPES", stream="contacts"))
    assert exception.internal_message == (
        "API failure (status=403, reason=MISSING_SCOPES, request_id=req-1, stream=contacts): boom"
    )


def test_malformed_template_fails_when_the_table_is_defined() -> None:
    with pytest.raises(ValueError):
        ErrorRule(FailureType.config_error, "Broken {template")


def test_with_context_adds_keys_without_mutating() -> None:
    original = failure(403, "MISSING_SCOPES", stream="contacts")
    enriched = original.with_context(scopes="a b")
    assert dict(enriched.context) == {"stream": "contacts", "scopes": "a b"}
    assert dict(original.context) == {"stream": "contacts"}


def test_cause_is_kept_for_the_stack_trace() -> None:
    cause = RuntimeError("underlying")
    assert TAXONOMY.to_exception(failure(500), cause=cause)._exception is cause


# --- from_response on a real local server ------------------------------------------------------

CANNED: dict[str, Response] = {
    "/hubspot": Response.json(
        {
            "status": "error",
            "message": "This app hasn't been granted all required scopes.",
            "correlationId": "corr-42",
            "category": "MISSING_SCOPES",
        },
        status=403,
        headers={"X-HubSpot-Correlation-Id": "corr-42"},
    ),
    "/google": Response.json(
        {
            "error": {
                "code": 403,
                "message": "Access Denied: Table p:d.t",
                "errors": [{"reason": "accessDenied", "message": "Access Denied"}],
                "status": "PERMISSION_DENIED",
            }
        },
        status=403,
        headers={"x-goog-request-id": "goog-7"},
    ),
    "/oauth": Response.json(
        {"error": "invalid_grant", "error_description": "refresh token expired"},
        status=400,
        headers={"X-Request-Id": "r-9"},
    ),
    "/html": Response(502, b"<html>" + b"x" * 2000 + b"</html>", {"Content-Type": "text/html"}),
    "/empty": Response(503),
}


@pytest.fixture
def server_url(fake_server: FakeServerFactory) -> str:
    server = fake_server("error-bodies")
    for path, response in CANNED.items():
        server.add_route("GET", path, lambda request, response=response: response)
    return server.url


def test_from_response_parses_a_hubspot_error(server_url: str) -> None:
    response = requests.get(f"{server_url}/hubspot", timeout=5)
    parsed = ApiFailure.from_response(response, context={"stream": "contacts"})
    assert parsed == ApiFailure(
        status=403,
        reason="MISSING_SCOPES",
        detail="This app hasn't been granted all required scopes.",
        request_id="corr-42",
        context={"stream": "contacts"},
    )
    assert TAXONOMY.to_exception(parsed).failure_type == FailureType.config_error


def test_from_response_parses_a_google_json_error(server_url: str) -> None:
    parsed = ApiFailure.from_response(requests.get(f"{server_url}/google", timeout=5))
    assert (parsed.status, parsed.reason, parsed.detail, parsed.request_id) == (
        403,
        "accessDenied",
        "Access Denied: Table p:d.t",
        "goog-7",
    )


def test_from_response_parses_an_oauth_error(server_url: str) -> None:
    parsed = ApiFailure.from_response(requests.get(f"{server_url}/oauth", timeout=5))
    assert (parsed.reason, parsed.detail, parsed.request_id) == (
        "invalid_grant",
        "refresh token expired",
        "r-9",
    )


def test_from_response_honours_connector_reason_keys(server_url: str) -> None:
    parsed = ApiFailure.from_response(
        requests.get(f"{server_url}/google", timeout=5), reason_keys=["error.status"]
    )
    assert parsed.reason == "PERMISSION_DENIED"


def test_from_response_shortens_non_json_bodies(server_url: str) -> None:
    parsed = ApiFailure.from_response(requests.get(f"{server_url}/html", timeout=5))
    assert parsed.status == 502 and parsed.reason is None and parsed.request_id is None
    assert parsed.detail.startswith("<html>xxx") and parsed.detail.endswith("...")
    assert len(parsed.detail) == 503


def test_from_response_falls_back_to_the_status_phrase(server_url: str) -> None:
    parsed = ApiFailure.from_response(requests.get(f"{server_url}/empty", timeout=5))
    assert (parsed.status, parsed.detail) == (503, "Service Unavailable")
    assert TAXONOMY.classify(parsed).retry


# --- google api_core errors --------------------------------------------------------------------


def test_from_google_error_built_from_a_real_http_response(server_url: str) -> None:
    error = google_exceptions.from_http_response(requests.get(f"{server_url}/google", timeout=5))
    parsed = ApiFailure.from_google_error(error, context={"stream": "orders"})
    assert isinstance(error, google_exceptions.Forbidden)
    assert (parsed.status, parsed.reason, parsed.request_id) == (403, "accessDenied", "goog-7")
    assert "Access Denied: Table p:d.t" in parsed.detail
    assert dict(parsed.context) == {"stream": "orders"}


def test_from_google_error_falls_back_to_error_info_reason() -> None:
    error = google_exceptions.TooManyRequests(
        "Exhausted property tokens per hour",
        error_info=ErrorInfo(reason="RESOURCE_EXHAUSTED", domain="analyticsdata.googleapis.com"),
    )
    parsed = ApiFailure.from_google_error(error)
    assert (parsed.status, parsed.reason, parsed.detail, parsed.request_id) == (
        429,
        "RESOURCE_EXHAUSTED",
        "Exhausted property tokens per hour",
        None,
    )
    assert TAXONOMY.to_exception(parsed).failure_type == FailureType.transient_error


def test_from_google_error_without_status_or_reason() -> None:
    parsed = ApiFailure.from_google_error(google_exceptions.GoogleAPICallError("no code"))
    assert (parsed.status, parsed.reason) == (None, None)
    assert TAXONOMY.classify(parsed) is FALLBACK
