"""Google's JSON error shape, so clients see the same failures as from analyticsdata.googleapis.com.

Every API error answers `{"error": {"code", "message", "status", "details"}}` with the canonical
status for the HTTP code (google.api_core maps it to its exception classes, e.g. 429 ->
ResourceExhausted). Tests use `error_body` to give faults of the fault plan the same shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from sandbox.messages import Response

CANONICAL_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo"


def error_body(code: int, message: str, details: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The body Google APIs answer an error with."""
    status = CANONICAL_STATUS.get(code, "UNKNOWN")
    return {"error": {"code": code, "message": message, "status": status, "details": list(details)}}


def json_response(payload: Any, status: int = 200) -> Response:
    """JSON via orjson: report responses can hold hundreds of thousands of rows."""
    return Response(status, orjson.dumps(payload), {"Content-Type": "application/json; charset=UTF-8"})


class ApiError(Exception):
    """Raised anywhere while serving a request; the server answers it in Google's shape."""

    def __init__(self, code: int, message: str, details: Sequence[Mapping[str, Any]] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def response(self) -> Response:
        return json_response(error_body(self.code, self.message, self.details), status=self.code)


def invalid_argument(message: str) -> ApiError:
    return ApiError(400, message)
