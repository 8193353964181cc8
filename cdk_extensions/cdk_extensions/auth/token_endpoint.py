"""One call to an OAuth2 token endpoint: transient failures retried, the rest explained.

A rejected grant (`invalid_grant`, `invalid_client`, HubSpot's `BAD_REFRESH_TOKEN`) will never
succeed on retry and only the user can fix it, so it is a config_error telling them to
re-authenticate. Rate limits, 5xx answers, timeouts and dropped connections are retried with
the project's `BackoffPolicy` (honouring Retry-After), then reported as a transient_error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from airbyte_cdk.models import FailureType  # type: ignore[attr-defined]  # re-exported via a star import
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.backoff import BackoffPolicy, log_retry, retry_after_seconds
from cdk_extensions.errors import ApiFailure, ErrorRule, ErrorTaxonomy
from cdk_extensions.http_retry import NETWORK_ERRORS

TOKEN_ENDPOINT_BACKOFF = BackoffPolicy(max_attempts=5, max_elapsed_seconds=120.0)
TIMEOUT_SECONDS = 30.0
# Standard OAuth2 errors carry "error"; HubSpot's token endpoint answers {"status": "BAD_REFRESH_TOKEN"}.
REASON_KEYS = ("error", "status", "category")

_REJECTED = (
    "The OAuth provider rejected this source's credentials ({reason}: {detail}). Re-authenticate the "
    "source (sign in again to obtain a new refresh token) and check its client id and client secret."
)
_UNAVAILABLE = "The OAuth token endpoint is unavailable (HTTP {status}); the sync can be retried later."

TOKEN_ENDPOINT_ERRORS = ErrorTaxonomy(
    rules=[
        *(ErrorRule(FailureType.config_error, _REJECTED, status=status) for status in (400, 401, 403)),
        ErrorRule(FailureType.transient_error, _UNAVAILABLE, retry=True, status=429),
        ErrorRule(FailureType.transient_error, _UNAVAILABLE, retry=True, status=range(500, 600)),
    ],
    fallback=ErrorRule(
        FailureType.system_error, "The OAuth token endpoint answered unexpectedly (HTTP {status})."
    ),
)


def request_token(
    session: requests.Session,
    url: str,
    form: Mapping[str, str],
    *,
    policy: BackoffPolicy = TOKEN_ENDPOINT_BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = TIMEOUT_SECONDS,
) -> Mapping[str, Any]:
    """POST `form` (form-encoded) to the token endpoint and return its JSON answer, which holds
    at least an `access_token`."""
    started = policy.clock()
    attempt = 0
    while True:
        attempt += 1
        try:
            response = session.post(url, data=dict(form), timeout=timeout)
        except NETWORK_ERRORS as error:
            wait = policy.next_wait(attempt, policy.clock() - started)
            if wait is None:
                raise AirbyteTracedException(
                    message="The OAuth token endpoint could not be reached; the sync can be retried later.",
                    internal_message=f"{type(error).__name__} after {attempt} attempts: {error}",
                    failure_type=FailureType.transient_error,
                    exception=error,
                ) from error
            reason, request_id = type(error).__name__, None
        else:
            if response.ok:
                return _token_answer(response)
            failure = ApiFailure.from_response(response, reason_keys=REASON_KEYS)
            hint = retry_after_seconds(response.headers, now=time.time())
            wait = policy.next_wait(attempt, policy.clock() - started, hint)
            if wait is None or not TOKEN_ENDPOINT_ERRORS.classify(failure).retry:
                raise TOKEN_ENDPOINT_ERRORS.to_exception(failure.with_context(attempts=str(attempt)))
            reason, request_id = f"HTTP {failure.status} from the token endpoint", failure.request_id
        log_retry(
            attempt=attempt, max_attempts=policy.max_attempts, wait=wait, reason=reason, request_id=request_id
        )
        sleep(wait)


def _token_answer(response: requests.Response) -> Mapping[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("access_token"), str):
        shape = sorted(answer) if isinstance(answer, dict) else type(answer).__name__
        raise AirbyteTracedException(
            message="The OAuth token endpoint answered without an access token.",
            # The shape only: the body may hold a new refresh token, not yet known to the filter.
            internal_message=f"HTTP {response.status_code}, JSON answer shape: {shape}",
            failure_type=FailureType.system_error,
        )
    return answer
