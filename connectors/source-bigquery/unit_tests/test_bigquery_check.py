"""`check` probes each permission with the real call and names every missing one. BigQuery's denials
come from fakes speaking its wire formats (the emulator allows everything); see
../integration_tests/test_bigquery_check_emulator.py for the checks against the emulator."""

from __future__ import annotations

import logging
from collections.abc import Callable

import grpc
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.backoff import BackoffPolicy
from cdk_extensions.spec import load_config
from sandbox.bigquery.fake_api import FakeBigQuery, FakeStorageRead, bigquery_error
from sandbox.fake_server import Fault
from source_bigquery.api import BigQueryApi
from source_bigquery.check import check_access
from source_bigquery.config import BigQueryConfig

NO_WAIT = BackoffPolicy(base_seconds=0.001, max_wait_seconds=0.001, max_attempts=3, random=lambda: 1.0)
JOBS_DENIED = (
    "Access Denied: Project sandbox: User does not have bigquery.jobs.create permission in project sandbox."
)
DATA_DENIED = (
    "Access Denied: Table sandbox:shop.orders: Permission bigquery.tables.getData denied on table "
    "sandbox:shop.orders (or it may not exist)."
)
SESSION_DENIED = (
    "request failed: the user does not have 'bigquery.readsessions.create' permission for 'projects/sandbox'"
)


def check(bigquery: FakeBigQuery, storage: FakeStorageRead, **options: object) -> None:
    raw = {
        "project_id": "sandbox",
        "dataset_id": "shop",
        "api_endpoint": bigquery.url,
        "storage_api_endpoint": storage.endpoint,
        **options,
    }
    api = BigQueryApi(load_config(BigQueryConfig, raw), backoff=NO_WAIT, sleep=lambda _seconds: None)
    try:
        check_access(api, logging.getLogger("airbyte"))
    finally:
        api.close()


def check_error(bigquery: FakeBigQuery, storage: FakeStorageRead, **options: object) -> str:
    with pytest.raises(AirbyteTracedException) as raised:
        check(bigquery, storage, **options)
    assert raised.value.failure_type == FailureType.config_error
    return raised.value.message or ""


def deny(bigquery: FakeBigQuery, method: str, path: str, message: str) -> None:
    bigquery.faults.add(
        Fault.status(
            403, body=bigquery_error(403, "accessDenied", message), method=method, path=path, times=99
        )
    )


def test_a_missing_jobs_create_permission_is_named_with_its_role(
    fake_bigquery: FakeBigQuery, storage_read: Callable[..., FakeStorageRead]
) -> None:
    deny(fake_bigquery, "POST", ".*/jobs", JOBS_DENIED)

    message = check_error(fake_bigquery, storage_read())

    assert message == (
        "The credentials lack BigQuery permissions: bigquery.jobs.create on project `sandbox` (queries: "
        "incremental reads, views, custom queries, cost estimates; granted by BigQuery Job User "
        "(roles/bigquery.jobUser) on the billing project)."
    )


def test_every_missing_permission_is_named_in_one_check(
    fake_bigquery: FakeBigQuery, storage_read: Callable[..., FakeStorageRead]
) -> None:
    deny(fake_bigquery, "POST", ".*/jobs", JOBS_DENIED)
    deny(fake_bigquery, "GET", ".*/tables/orders/data", DATA_DENIED)
    storage = storage_read(grpc.StatusCode.PERMISSION_DENIED, SESSION_DENIED)

    message = check_error(fake_bigquery, storage, billing_project_id="finance")

    assert message.startswith("The credentials lack BigQuery permissions: bigquery.jobs.create on project")
    assert (
        "bigquery.tables.getData on table `sandbox.shop.orders` (reading rows; granted by BigQuery "
        "Data Viewer" in message
    )
    assert (
        "bigquery.readsessions.create on project `finance` (fast reads through the Storage Read API; "
        "granted by BigQuery Read Session User (roles/bigquery.readSessionUser) on the billing project)"
    ) in message


def test_a_missing_dataset_is_named(
    fake_bigquery: FakeBigQuery, storage_read: Callable[..., FakeStorageRead]
) -> None:
    message = check_error(fake_bigquery, storage_read(), dataset_id="nope")

    assert message.startswith("dataset `sandbox.nope` was not found (Not found: Dataset sandbox:nope).")


def test_a_storage_read_api_that_is_not_there_is_a_warning_not_a_failure(
    fake_bigquery: FakeBigQuery,
    storage_read: Callable[..., FakeStorageRead],
    caplog: pytest.LogCaptureFixture,
) -> None:
    check(fake_bigquery, storage_read(implemented=False))

    assert any("fall back to the slower tabledata.list" in record.getMessage() for record in caplog.records)


def test_a_quota_error_while_checking_is_retried_not_reported_as_missing_permission(
    fake_bigquery: FakeBigQuery, storage_read: Callable[..., FakeStorageRead]
) -> None:
    fake_bigquery.faults.add(
        Fault.status(403, body=bigquery_error(403, "quotaExceeded", "Quota exceeded"), path=".*/shop/tables")
    )
    storage = storage_read()

    check(fake_bigquery, storage)

    assert storage.calls == 1
