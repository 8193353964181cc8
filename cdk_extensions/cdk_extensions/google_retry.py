"""Retries around google client calls (GA4 Data API, BigQuery), with the same policy and log line
as HTTP streams.

As for HTTP streams, the connector's `ErrorTaxonomy` decides what is retried: a
`google.api_core` error whose rule says `retry` (TooManyRequests / ResourceExhausted,
InternalServerError, BadGateway, ServiceUnavailable, GatewayTimeout in a typical table) is
retried, as is a request that got no answer. A retry delay the error carries (gRPC `RetryInfo`,
its JSON form in a REST error body, or a `Retry-After` header) wins over jitter. Any other google
error, and the last one when the policy gives up, is raised through the taxonomy.

`describe` turns a google error into the `ApiFailure` the taxonomy reads; pass one to add what
only the connector can read off the error (GA4 names the exhausted quota in its message).

Call the client with `retry=None` so this loop is the only one retrying: the clients' built-in
retries would multiply attempts and keep them out of the sync log.

google-api-core is an optional extra (`cdk_extensions[google]`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from cdk_extensions.backoff import BackoffPolicy, log_retry, retry_after_seconds
from cdk_extensions.errors import ApiFailure, ErrorTaxonomy
from cdk_extensions.http_retry import NETWORK_ERRORS, network_failure

if TYPE_CHECKING:  # google-api-core is an optional extra: imported on the first call only
    from google.api_core.exceptions import GoogleAPICallError

Result = TypeVar("Result")
_RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo"


def call_with_retry(
    fn: Callable[[], Result],
    *,
    policy: BackoffPolicy,
    taxonomy: ErrorTaxonomy,
    api_name: str = "the API",
    context: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    describe: Callable[[GoogleAPICallError], ApiFailure] | None = None,
) -> Result:
    """`fn()`, retried per `policy`; `context` (e.g. property id, stream) goes into error messages
    (of the default `describe`, `ApiFailure.from_google_error`)."""
    from google.api_core.exceptions import GoogleAPICallError

    started = policy.clock()
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn()
        except NETWORK_ERRORS as error:
            wait = policy.next_wait(attempt, policy.clock() - started)
            if wait is None:
                raise network_failure(api_name, error, attempt) from error
            reason, request_id = type(error).__name__, None
        except GoogleAPICallError as error:
            failure = describe(error) if describe else ApiFailure.from_google_error(error, context)
            retryable = taxonomy.classify(failure).retry
            wait = (
                policy.next_wait(attempt, policy.clock() - started, _retry_delay(error))
                if retryable
                else None
            )
            if wait is None:
                raise taxonomy.to_exception(failure, cause=error) from error
            reason = " ".join(filter(None, [type(error).__name__, failure.reason]))
            request_id = failure.request_id
        log_retry(
            attempt=attempt, max_attempts=policy.max_attempts, wait=wait, reason=reason, request_id=request_id
        )
        sleep(wait)


def _retry_delay(error: GoogleAPICallError) -> float | None:
    """The delay a google error asks for, in seconds, if it asks for one."""
    from google.rpc.error_details_pb2 import RetryInfo

    for detail in error.details or ():
        if isinstance(detail, RetryInfo):  # gRPC transports
            return float(detail.retry_delay.ToTimedelta().total_seconds())
        if isinstance(detail, Mapping) and detail.get("@type") == _RETRY_INFO_TYPE:  # REST: "1.5s"
            return _json_duration(detail.get("retryDelay"))
    headers: Any = getattr(error.response, "headers", None)
    return retry_after_seconds(headers, now=time.time()) if isinstance(headers, Mapping) else None


def _json_duration(value: Any) -> float | None:
    """A protobuf Duration in its JSON form, e.g. "30s" or "1.500s"."""
    try:
        return float(str(value).removesuffix("s"))
    except ValueError:
        return None
