"""HubSpot's error responses, raised as exceptions so a handler can stop anywhere.

Every HubSpot API error body carries `status: "error"`, a `message`, a `correlationId` and a
`category` (429s carry `errorType` and `policyName` instead). Connectors branch on these
fields, so the fake reproduces them exactly.
"""

from __future__ import annotations

import uuid
from typing import Any

from sandbox.messages import Response

# HubSpot's answer to a malformed search (unknown property, paging past 10,000 results): the
# message does not say what was wrong, so connectors must not rely on its wording.
GENERIC_PROBLEM = "There was a problem with the request."


class HubSpotError(Exception):
    """An error answer; `response` is what the client receives."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.body.decode(errors="replace"))
        self.response = response

    @classmethod
    def of(cls, status: int, category: str, message: str, **extra: Any) -> HubSpotError:
        """The standard shape: status, message, correlationId, category and any extra fields."""
        body = {"status": "error", "message": message, "correlationId": correlation_id(), **extra}
        body["category"] = category
        return cls(Response.json(body, status=status))


def correlation_id() -> str:
    return str(uuid.uuid4())


def validation_error(message: str = GENERIC_PROBLEM, **extra: Any) -> HubSpotError:
    return HubSpotError.of(400, "VALIDATION_ERROR", message, **extra)


def not_found(message: str) -> HubSpotError:
    return HubSpotError.of(404, "OBJECT_NOT_FOUND", message)
