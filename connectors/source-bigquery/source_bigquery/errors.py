"""What each BigQuery error means for a sync: retry it, or stop with a message the user can act on.

BigQuery's REST errors carry a `reason` (https://cloud.google.com/bigquery/docs/error-messages);
the Storage Read API's gRPC errors carry only a status code, sometimes an ErrorInfo reason. Every
message names what failed through the `target` context key ("table `p.d.t`", "the query job of
stream `x`", "project `p`"), which each call site provides.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.errors import ApiFailure, ErrorRule, ErrorTaxonomy

if TYPE_CHECKING:
    from google.api_core.exceptions import GoogleAPICallError

# The role that grants each permission the connector needs, for messages.
ROLE_OF_PERMISSION = {
    "bigquery.jobs.create": "BigQuery Job User (roles/bigquery.jobUser) on the billing project",
    "bigquery.readsessions.create": (
        "BigQuery Read Session User (roles/bigquery.readSessionUser) on the billing project"
    ),
    "bigquery.tables.getData": "BigQuery Data Viewer (roles/bigquery.dataViewer) on the dataset",
    "bigquery.tables.get": "BigQuery Data Viewer (roles/bigquery.dataViewer) on the dataset",
    "bigquery.tables.list": "BigQuery Data Viewer (roles/bigquery.dataViewer) on the dataset",
    "bigquery.datasets.get": "BigQuery Data Viewer (roles/bigquery.dataViewer) on the dataset",
}
_PERMISSION = re.compile(r"bigquery\.[a-zA-Z]+\.[a-zA-Z]+")
SERVICE_DISABLED = "SERVICE_DISABLED"  # ErrorInfo reason: the API is not enabled for the project


def _retried(reason: str, what: str) -> ErrorRule:
    return ErrorRule(
        FailureType.transient_error,
        f"{what} while reading {{target}} and kept failing after retries ({{reason}}: {{detail}}). "
        "The sync can be retried later; it continues from its last saved state.",
        retry=True,
        reason=reason,
    )


def _config(reason: str | None, message: str, status: int | None = None) -> ErrorRule:
    return ErrorRule(FailureType.config_error, message, reason=reason, status=status)


_RULES = [
    # Retried: BigQuery says they are temporary.
    _retried("backendError", "BigQuery had a backend error"),
    _retried("internalError", "BigQuery had an internal error"),
    _retried("jobBackendError", "A BigQuery job had a backend error"),
    _retried("jobInternalError", "A BigQuery job had an internal error"),
    _retried("rateLimitExceeded", "BigQuery rate limited the requests"),
    _retried("jobRateLimitExceeded", "BigQuery rate limited the jobs"),
    _retried("quotaExceeded", "A BigQuery quota was exhausted"),
    _retried("tableUnavailable", "The table was temporarily unavailable"),
    _retried("resourceInUse", "A BigQuery resource was in use"),
    _retried("timeout", "A BigQuery request timed out"),
    # Not retried: only the user can fix them.
    _config(
        "accessDenied",
        "BigQuery denied access to {target} ({detail}). Grant the connector's credentials the "
        "missing permission, e.g. BigQuery Data Viewer on the dataset and BigQuery Job User and Read "
        "Session User on the billing project.",
    ),
    _config(
        "billingNotEnabled",
        "Billing is not enabled for the project that runs the work on {target} ({detail}). Enable "
        "billing for it, or set `billing_project_id` to a project with billing.",
    ),
    _config(
        "billingTierLimitExceeded",
        "The query on {target} needs a higher billing tier than the project allows ({detail}). "
        "Simplify the query, or raise the billing tier.",
    ),
    _config(
        "invalid",
        "BigQuery rejected the request for {target} as invalid ({detail}). Check the configured "
        "columns, row filter and query parameters.",
    ),
    _config(
        "invalidQuery",
        "The query for {target} is invalid ({detail}). Fix the SQL, column selection or row filter "
        "in the config.",
    ),
    _config(
        "notFound",
        "{target} was not found ({detail}). Check the project, dataset and table names and the "
        "location, and that the credentials can see it; refresh the source schema if it was deleted.",
    ),
    _config(
        "resourcesExceeded",
        "The query for {target} used more resources than BigQuery allows ({detail}). Select fewer "
        "columns, filter rows, or simplify the custom query.",
    ),
    _config(
        "responseTooLarge",
        "The result for {target} is too large for BigQuery to return ({detail}). Select fewer columns "
        "or filter rows.",
    ),
    _config(
        "blocked",
        "BigQuery blocked the request for {target} ({detail}). Check the project's policies.",
    ),
    _config(
        "policyViolation",
        "The request for {target} violates a policy of the project or organisation ({detail}).",
    ),
    _config(
        "invalidUser",
        "BigQuery rejected the user the request for {target} runs as ({detail}). Check the credentials.",
    ),
    ErrorRule(
        FailureType.transient_error,
        "The BigQuery job for {target} was cancelled before it finished ({detail}), by a user or an "
        "administrator. Sync again.",
        reason="stopped",
    ),
    ErrorRule(
        FailureType.system_error,
        "BigQuery says what the connector creates for {target} already exists ({detail}). Report "
        "this with the sync logs.",
        reason="duplicate",
    ),
    ErrorRule(
        FailureType.system_error,
        "BigQuery does not implement what the connector asked for {target} ({detail}).",
        reason="notImplemented",
    ),
    # By status, for errors without a known reason (the Storage Read API's gRPC errors).
    _config(
        None,
        "BigQuery rejected the connector's credentials for {target} ({detail}). Check the service "
        "account key or re-authenticate.",
        status=401,
    ),
    _config(
        None,
        "BigQuery denied access to {target} ({detail}). Grant the connector's credentials the "
        "missing permission.",
        status=403,
    ),
    _config(None, "{target} was not found ({detail}). Check the names and the location.", status=404),
    _config(None, "BigQuery rejected the request for {target} ({detail}).", status=400),
    ErrorRule(
        FailureType.transient_error,
        "BigQuery kept failing for {target} (HTTP {status}: {detail}); the sync can be retried later.",
        retry=True,
        status=range(500, 600),
    ),
    ErrorRule(
        FailureType.transient_error,
        "BigQuery kept rate limiting the requests for {target} ({detail}); the sync can be retried later.",
        retry=True,
        status=429,
    ),
    ErrorRule(
        FailureType.transient_error,
        "BigQuery aborted a request for {target} and kept doing so ({detail}).",
        retry=True,
        status=409,
    ),
]
_FALLBACK = ErrorRule(
    FailureType.system_error,
    "BigQuery answered unexpectedly for {target} (HTTP {status}, {reason}): {detail}",
)

BIGQUERY_ERRORS = ErrorTaxonomy(_RULES, _FALLBACK)


def describe(error: GoogleAPICallError, target: str) -> ApiFailure:
    """The failure of a call about `target`, e.g. "table `p.d.t`".

    The REST client's own text starts with the request's method and URL; BigQuery's message in the
    error body is what the user needs, so it becomes the detail when there is one.
    """
    failure = ApiFailure.from_google_error(error, {"target": target})
    first = error.errors[0] if error.errors else None
    message = first.get("message") if isinstance(first, Mapping) else None
    return dataclasses.replace(failure, detail=message) if isinstance(message, str) and message else failure


def named_permission(failure: ApiFailure) -> str | None:
    """The permission a denial names (BigQuery writes e.g. "Permission bigquery.tables.getData denied")."""
    found = _PERMISSION.search(failure.detail)
    return found.group(0) if found else None


def missing_permission_error(
    failures: Mapping[str, ApiFailure], needed_for: Mapping[str, str]
) -> AirbyteTracedException:
    """A config_error naming each missing permission, where it is missing and which role grants it.

    `failures` maps the permission a probe needed to the denial it got; `needed_for` says what the
    connector uses that permission for.
    """
    lines = []
    for permission, failure in failures.items():
        denied = named_permission(failure) or permission
        role = ROLE_OF_PERMISSION.get(denied, "a role that includes it")
        lines.append(
            f"{denied} on {failure.context.get('target', 'the project')} ({needed_for[permission]}; "
            f"granted by {role})"
        )
    message = "The credentials lack BigQuery permissions: " + "; ".join(lines) + "."
    return AirbyteTracedException(
        message=message,
        internal_message="; ".join(f"{p}: {f.detail}" for p, f in failures.items()),
        failure_type=FailureType.config_error,
    )
