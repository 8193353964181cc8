"""One error taxonomy for every connector: API failure -> AirbyteTracedException.

Each connector owns a small TABLE of `ErrorRule`s (HubSpot categories, BigQuery reasons, ...);
this module owns the MECHANISM: describing a failure independently of its transport
(`ApiFailure`), picking the most specific rule (`ErrorTaxonomy.classify`) and turning it into
the exception the CDK reports as a TRACE message (`ErrorTaxonomy.to_exception`), so users see
an actionable message and the right failure type, never a bare traceback.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests
from airbyte_cdk.models import FailureType  # type: ignore[attr-defined]  # re-exported via a star import
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

if TYPE_CHECKING:  # google-api-core is an optional extra: never import it at run time here.
    from google.api_core.exceptions import GoogleAPICallError

# Dotted paths into an error body; a digit indexes a list. Covers HubSpot ({"category": ...}),
# Google JSON errors ({"error": {"errors": [{"reason": ...}], "status": ...}}) and OAuth
# token endpoints ({"error": "invalid_grant", "error_description": ...}).
DEFAULT_REASON_KEYS = ("category", "reason", "error.errors.0.reason", "error.status", "error")
DEFAULT_DETAIL_KEYS = ("message", "error.message", "error_description")
REQUEST_ID_HEADERS = ("X-HubSpot-Correlation-Id", "X-Request-Id", "x-goog-request-id")
MAX_DETAIL_CHARS = 500  # error pages can be whole HTML documents; keep messages readable


@dataclass(frozen=True)
class ApiFailure:
    """What went wrong, independent of the transport (HTTP response or google api_core error)."""

    status: int | None
    reason: str | None
    detail: str
    request_id: str | None = None
    context: Mapping[str, str] = field(default_factory=dict)

    def with_context(self, **context: str) -> ApiFailure:
        """The same failure with more context (e.g. stream name, missing scopes) for the message."""
        return ApiFailure(self.status, self.reason, self.detail, self.request_id, {**self.context, **context})

    @classmethod
    def from_response(
        cls,
        response: requests.Response,
        reason_keys: Sequence[str] = DEFAULT_REASON_KEYS,
        detail_keys: Sequence[str] = DEFAULT_DETAIL_KEYS,
        context: Mapping[str, str] | None = None,
    ) -> ApiFailure:
        """Describe a failed HTTP response; the first key found in the JSON body wins."""
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        detail = _first_string(body, detail_keys) or response.text.strip() or (response.reason or "")
        return cls(
            status=response.status_code,
            reason=_first_string(body, reason_keys),
            detail=_shorten(detail),
            request_id=_request_id(response.headers),
            context=dict(context or {}),
        )

    @classmethod
    def from_google_error(
        cls, error: GoogleAPICallError, context: Mapping[str, str] | None = None
    ) -> ApiFailure:
        """Describe a google api_core error (BigQuery, GA4 Data API clients)."""
        first_error = error.errors[0] if error.errors else None
        reason = first_error.get("reason") if isinstance(first_error, Mapping) else None
        headers = getattr(error.response, "headers", None)
        return cls(
            status=int(error.code) if error.code is not None else None,
            reason=reason or error.reason,
            detail=_shorten(str(error.message)),
            request_id=_request_id(headers) if isinstance(headers, Mapping) else None,
            context=dict(context or {}),
        )


@dataclass(frozen=True)
class ErrorRule:
    """One row of a connector's error table.

    `message` is a `str.format` template over `status`, `reason`, `detail`, `request_id` and
    the failure's context keys; unknown placeholders stay visible instead of crashing.
    `status` and `reason` are the match criteria (None matches anything); `status` may be a
    range such as `range(500, 600)`.
    """

    failure_type: FailureType
    message: str
    retry: bool = False
    status: int | range | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        # A malformed template ("{unclosed") must fail when the table is defined, not mid-sync.
        list(string.Formatter().parse(self.message))

    def matches(self, failure: ApiFailure) -> bool:
        if self.reason is not None and self.reason != failure.reason:
            return False
        if isinstance(self.status, int):
            return self.status == failure.status
        if isinstance(self.status, range):
            return failure.status in self.status
        return True

    @property
    def specificity(self) -> tuple[bool, bool, bool]:
        """Ordering key: status+reason > reason > exact status > status range > catch-all."""
        return (self.reason is not None, self.status is not None, isinstance(self.status, int))

    def render(self, failure: ApiFailure) -> str:
        return self.message.format_map(_KeepUnknown(_template_values(failure)))


class ErrorTaxonomy:
    """A connector's error table plus the rule used when no row matches."""

    def __init__(self, rules: Sequence[ErrorRule], fallback: ErrorRule) -> None:
        # A stable sort keeps table order among equally specific rules: the first listed wins.
        self._rules = sorted(rules, key=lambda rule: rule.specificity, reverse=True)
        self._fallback = fallback

    def classify(self, failure: ApiFailure) -> ErrorRule:
        """The most specific matching rule, or the fallback."""
        return next((rule for rule in self._rules if rule.matches(failure)), self._fallback)

    def to_exception(self, failure: ApiFailure, cause: BaseException | None = None) -> AirbyteTracedException:
        """The exception to raise: user message from the rule, every technical detail internal."""
        rule = self.classify(failure)
        return AirbyteTracedException(
            message=rule.render(failure),
            internal_message=_internal_message(failure),
            failure_type=rule.failure_type,
            exception=cause,
        )


class _KeepUnknown(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _template_values(failure: ApiFailure) -> dict[str, str]:
    # The failure's own fields win over context keys of the same name.
    return {
        **failure.context,
        "status": str(failure.status) if failure.status is not None else "unknown",
        "reason": failure.reason or "unknown",
        "detail": failure.detail,
        "request_id": failure.request_id or "unknown",
    }


def _internal_message(failure: ApiFailure) -> str:
    parts = [f"status={failure.status}", f"reason={failure.reason}", f"request_id={failure.request_id}"]
    parts += [f"{key}={value}" for key, value in sorted(failure.context.items())]
    return f"API failure ({', '.join(parts)}): {failure.detail}"


def _first_string(body: Any, paths: Sequence[str]) -> str | None:
    for path in paths:
        value = _lookup(body, path.split("."))
        if isinstance(value, str) and value:
            return value
    return None


def _lookup(node: Any, keys: Sequence[str]) -> Any:
    for key in keys:
        if isinstance(node, Mapping):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _request_id(headers: Mapping[str, str]) -> str | None:
    lowered = {name.lower(): value for name, value in headers.items()}
    return next((lowered[name.lower()] for name in REQUEST_ID_HEADERS if name.lower() in lowered), None)


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_DETAIL_CHARS else text[:MAX_DETAIL_CHARS] + "..."
