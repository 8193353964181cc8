"""Retries for a CDK `HttpStream`: what to retry, how long to wait, and when to give up.

The CDK asks a stream two questions through two objects: its `ErrorHandler` ("what does this
response mean?") and its `BackoffStrategy` ("how long before the next try?"). `HttpRetry`
answers both, from one `BackoffPolicy` and the connector's `ErrorTaxonomy`:

- a failed response is classified by the taxonomy; rules marked `retry` (429 and 5xx in a
  connector's table) are retried, 429 as RATE_LIMITED so the platform shows the stream as rate
  limited, 401 (an expired access token) as REFRESH_TOKEN_THEN_RETRY so the CDK renews the
  token once (`refresh_and_set_access_token` of the authenticator) before the retry; anything
  else fails the sync with the rule's message and failure type;
- a request that got no answer (refused, reset, also mid-body, timed out) is always retried;
- waits follow the policy, and a wait the server asks for (`retry_after_seconds`) wins over jitter;
- when the policy gives up, the last failure is raised: through the taxonomy for an API answer,
  as a transient error for a network failure. The CDK's default honours none of this.

    retry = HttpRetry(BackoffPolicy(), API_ERRORS)  # API_ERRORS: the connector's ErrorTaxonomy

    class ApiStream(HttpStream):
        def get_error_handler(self) -> ErrorHandler:
            return retry

        def get_backoff_strategy(self) -> BackoffStrategy:
            return retry

The CDK sleeps one second longer than `backoff_time` returns ("to cover fractions of a
second", airbyte_cdk/sources/streams/http/rate_limiting.py), so every real wait is the policy's
wait plus one second. It also logs its own line for every retry, "UserDefinedBackoffException:
Rate limit exceeded. Retrying in N seconds", whatever the failure was (a connection reset too);
with `HttpRetry` in use that line is dropped, the retry line of `log_retry` says what happened.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import (
    BackoffStrategy,
    ErrorHandler,
    ErrorResolution,
    ResponseAction,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.backoff import BackoffPolicy, log_retry, retry_after_seconds
from cdk_extensions.errors import ApiFailure, ErrorTaxonomy

# Failures where the request got no (complete) answer: worth another try, never the API's verdict.
NETWORK_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
# The CDK reads a zero backoff as "no opinion" and falls back to its own exponential waits.
_SMALLEST_WAIT_SECONDS = 0.001

Outcome = requests.Response | Exception | None


class _WithoutTheCdkRetryLine(logging.Filter):
    """Drops the CDK's misleading retry line (see the module docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("UserDefinedBackoffException: ")


_WITHOUT_THE_CDK_RETRY_LINE = _WithoutTheCdkRetryLine()


class HttpRetry(ErrorHandler, BackoffStrategy):
    """The error handler AND backoff strategy of an HttpStream (return it from both getters).

    `describe` turns a failed response into an `ApiFailure` for the taxonomy; HubSpot's passes
    `reason_keys=("policyName", "category")` so a DAILY 429 can be told from a TEN_SECONDLY one.
    `api_name` ("HubSpot") names the API in the message of a network failure.
    """

    def __init__(
        self,
        policy: BackoffPolicy,
        taxonomy: ErrorTaxonomy,
        *,
        describe: Callable[[requests.Response], ApiFailure] = ApiFailure.from_response,
        api_name: str = "the API",
    ) -> None:
        self._policy = policy
        self._taxonomy = taxonomy
        self._describe = describe
        self._api_name = api_name
        self._first_failure = threading.local()
        # The CDK logs that line on its "airbyte" logger; adding the same filter again is a no-op.
        logging.getLogger("airbyte").addFilter(_WITHOUT_THE_CDK_RETRY_LINE)

    # --- ErrorHandler ---------------------------------------------------------------------------

    @property
    def max_retries(self) -> int:
        """The CDK's own attempt limit, one try beyond the policy's, so the policy decides."""
        return self._policy.max_attempts

    @property
    def max_time(self) -> int:
        """The CDK's own time limit, a safety net only: the policy's elapsed budget decides first."""
        return math.ceil(2 * self._policy.max_elapsed_seconds)

    def interpret_response(self, response_or_exception: Outcome = None) -> ErrorResolution:
        outcome = response_or_exception
        if isinstance(outcome, requests.Response) and outcome.ok:
            return ErrorResolution(response_action=ResponseAction.SUCCESS)
        if isinstance(outcome, NETWORK_ERRORS):
            return ErrorResolution(ResponseAction.RETRY, FailureType.transient_error, str(outcome))
        failure = self._failure(outcome)
        rule = self._taxonomy.classify(failure)
        if not rule.retry:
            action = ResponseAction.FAIL
        elif failure.status == requests.codes.unauthorized:
            action = ResponseAction.REFRESH_TOKEN_THEN_RETRY
        elif failure.status == requests.codes.too_many_requests:
            action = ResponseAction.RATE_LIMITED
        else:
            action = ResponseAction.RETRY
        return ErrorResolution(action, rule.failure_type, rule.render(failure))

    # --- BackoffStrategy ------------------------------------------------------------------------

    def backoff_time(
        self,
        response_or_exception: requests.Response | requests.RequestException | None,
        attempt_count: int,
    ) -> float:
        """The policy's wait before the next try; raises the final error when it gives up."""
        hint = None
        if isinstance(response_or_exception, requests.Response):
            hint = retry_after_seconds(response_or_exception.headers, now=time.time())
        wait = self._policy.next_wait(attempt_count, self._elapsed(attempt_count), hint)
        if isinstance(response_or_exception, NETWORK_ERRORS):
            if wait is None:
                raise network_failure(self._api_name, response_or_exception, attempt_count)
            reason, request_id = type(response_or_exception).__name__, None
        else:
            failure = self._failure(response_or_exception)
            if wait is None:
                raise self._taxonomy.to_exception(failure)
            reason = " ".join(filter(None, [f"HTTP {failure.status}", failure.reason]))
            request_id = failure.request_id
        log_retry(
            attempt=attempt_count,
            max_attempts=self._policy.max_attempts,
            wait=wait,
            reason=reason,
            request_id=request_id,
        )
        return max(wait, _SMALLEST_WAIT_SECONDS)

    def _failure(self, outcome: Outcome) -> ApiFailure:
        if isinstance(outcome, requests.Response):
            return self._describe(outcome)
        return ApiFailure(status=None, reason=type(outcome).__name__, detail=str(outcome))

    def _elapsed(self, attempt_count: int) -> float:
        """Seconds since this request first failed.

        The CDK retries a request synchronously on the thread that sent it, so one start time per
        thread is enough; the first failure of a request (attempt 1) starts the clock.
        """
        now = self._policy.clock()
        if attempt_count == 1 or not hasattr(self._first_failure, "at"):
            self._first_failure.at = now
        started: float = self._first_failure.at
        return now - started


def network_failure(api_name: str, error: Exception, attempts: int) -> AirbyteTracedException:
    """The error for a request that never got an answer, however often it was tried."""
    return AirbyteTracedException(
        message=f"Could not reach {api_name} after {attempts} attempts; try the sync again later.",
        internal_message=f"Network failure after {attempts} attempts: {type(error).__name__}: {error}",
        failure_type=FailureType.transient_error,
        exception=error,
    )
