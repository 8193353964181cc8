"""Each BigQuery error reason, answered by a fake BigQuery to the official client: retried or not,
which failure type, and a message that names what failed."""

from __future__ import annotations

import grpc
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.backoff import BackoffPolicy
from cdk_extensions.spec import load_config
from sandbox.bigquery.fake_api import FakeBigQuery, FakeStorageRead, bigquery_error
from sandbox.fake_server import Fault
from source_bigquery.api import BigQueryApi
from source_bigquery.config import BigQueryConfig
from source_bigquery.errors import _RULES

TABLE = "sandbox.shop.orders"
TABLE_PATH = "/bigquery/v2/projects/sandbox/datasets/shop/tables/orders"
NO_WAIT = BackoffPolicy(base_seconds=0.001, max_wait_seconds=0.001, max_attempts=3, random=lambda: 1.0)

# reason, HTTP status BigQuery answers it with (https://cloud.google.com/bigquery/docs/error-messages)
RETRIED = [
    ("backendError", 503),
    ("internalError", 500),
    ("jobBackendError", 400),
    ("jobInternalError", 400),
    ("rateLimitExceeded", 403),
    ("jobRateLimitExceeded", 400),
    ("quotaExceeded", 403),
    ("tableUnavailable", 400),
    ("resourceInUse", 400),
    ("timeout", 400),
]
NOT_RETRIED = [
    ("accessDenied", 403, FailureType.config_error, "BigQuery denied access to table `sandbox.shop.orders`"),
    ("billingNotEnabled", 403, FailureType.config_error, "Billing is not enabled"),
    ("billingTierLimitExceeded", 400, FailureType.config_error, "higher billing tier"),
    ("invalid", 400, FailureType.config_error, "rejected the request for table `sandbox.shop.orders`"),
    ("invalidQuery", 400, FailureType.config_error, "The query for table `sandbox.shop.orders` is invalid"),
    ("notFound", 404, FailureType.config_error, "table `sandbox.shop.orders` was not found"),
    ("resourcesExceeded", 400, FailureType.config_error, "more resources than BigQuery allows"),
    ("responseTooLarge", 403, FailureType.config_error, "too large for BigQuery to return"),
    ("blocked", 403, FailureType.config_error, "BigQuery blocked the request"),
    ("invalidUser", 400, FailureType.config_error, "rejected the user"),
    ("policyViolation", 403, FailureType.config_error, "violates a policy"),
    ("stopped", 400, FailureType.transient_error, "was cancelled before it finished"),
    ("duplicate", 409, FailureType.system_error, "already exists"),
    ("notImplemented", 501, FailureType.system_error, "does not implement"),
    ("somethingNew", 418, FailureType.system_error, "answered unexpectedly for table `sandbox.shop.orders`"),
]


def test_every_mapped_reason_is_tested_here() -> None:
    """A reason added to the error table without a row above fails here."""
    tested = {reason for reason, *_ in RETRIED} | {reason for reason, *_ in NOT_RETRIED}

    assert {rule.reason for rule in _RULES if rule.reason is not None} == tested - {"somethingNew"}


def api_for(bigquery: FakeBigQuery, storage_endpoint: str = "http://127.0.0.1:1") -> BigQueryApi:
    config = load_config(
        BigQueryConfig,
        {"project_id": "sandbox", "api_endpoint": bigquery.url, "storage_api_endpoint": storage_endpoint},
    )
    return BigQueryApi(config, backoff=NO_WAIT, sleep=lambda _seconds: None)


def table_requests(bigquery: FakeBigQuery) -> int:
    return sum(1 for request in bigquery.requests if request.path == TABLE_PATH)


@pytest.mark.parametrize(("reason", "status"), RETRIED)
def test_temporary_errors_are_retried(fake_bigquery: FakeBigQuery, reason: str, status: int) -> None:
    fake_bigquery.faults.add(
        Fault.status(status, body=bigquery_error(status, reason, "try later"), path=TABLE_PATH)
    )

    table = api_for(fake_bigquery).get_table(TABLE)

    assert table.table_id == "orders"
    assert table_requests(fake_bigquery) == 2


@pytest.mark.parametrize(("reason", "status"), RETRIED[:2])
def test_temporary_errors_that_persist_are_transient_errors(
    fake_bigquery: FakeBigQuery, reason: str, status: int
) -> None:
    fake_bigquery.faults.add(
        Fault.status(status, body=bigquery_error(status, reason, "still down"), path=TABLE_PATH, times=99)
    )

    with pytest.raises(AirbyteTracedException) as raised:
        api_for(fake_bigquery).get_table(TABLE)

    assert raised.value.failure_type == FailureType.transient_error
    assert "table `sandbox.shop.orders`" in (raised.value.message or "")
    assert table_requests(fake_bigquery) == NO_WAIT.max_attempts


@pytest.mark.parametrize(("reason", "status", "failure_type", "message"), NOT_RETRIED)
def test_other_errors_stop_at_once_with_an_actionable_message(
    fake_bigquery: FakeBigQuery, reason: str, status: int, failure_type: FailureType, message: str
) -> None:
    detail = f"{reason} happened"
    fake_bigquery.faults.add(
        Fault.status(status, body=bigquery_error(status, reason, detail), path=TABLE_PATH)
    )

    with pytest.raises(AirbyteTracedException) as raised:
        api_for(fake_bigquery).get_table(TABLE)

    assert raised.value.failure_type == failure_type
    assert message in (raised.value.message or "")
    assert detail in (raised.value.message or "")
    assert f"reason={reason}" in (raised.value.internal_message or "")
    assert table_requests(fake_bigquery) == 1


@pytest.mark.parametrize(
    ("status", "failure_type", "attempts"),
    [
        (grpc.StatusCode.UNAUTHENTICATED, FailureType.config_error, 1),
        (grpc.StatusCode.PERMISSION_DENIED, FailureType.config_error, 1),
        (grpc.StatusCode.NOT_FOUND, FailureType.config_error, 1),
        (grpc.StatusCode.INVALID_ARGUMENT, FailureType.config_error, 1),
        (grpc.StatusCode.UNAVAILABLE, FailureType.transient_error, NO_WAIT.max_attempts),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, FailureType.transient_error, NO_WAIT.max_attempts),
        (grpc.StatusCode.INTERNAL, FailureType.transient_error, NO_WAIT.max_attempts),
        (grpc.StatusCode.ABORTED, FailureType.transient_error, NO_WAIT.max_attempts),
    ],
)
def test_storage_read_api_errors_are_mapped_by_status(
    fake_bigquery: FakeBigQuery, status: grpc.StatusCode, failure_type: FailureType, attempts: int
) -> None:
    with FakeStorageRead(status, "storage says no") as storage:
        api = api_for(fake_bigquery, storage.endpoint)
        with pytest.raises(AirbyteTracedException) as raised:
            api.call(
                lambda: api.storage.create_read_session(parent="projects/sandbox", retry=None), "project `x`"
            )
        api.close()

    assert raised.value.failure_type == failure_type
    assert "storage says no" in (raised.value.message or "")
    assert "project `x`" in (raised.value.message or "")
    assert storage.calls == attempts
