"""The cost guard: a query BigQuery estimates above `maximum_bytes_billed` never runs, and the
config_error quotes the estimate. The emulator estimates every query at 0 bytes, so a fake BigQuery
answers the dry runs here (Storage Read estimates, which the emulator does give, are tested in
../integration_tests/test_bigquery_custom_queries.py)."""

from __future__ import annotations

import logging

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.spec import load_config
from sandbox.bigquery.fake_api import FakeBigQuery, FakeStorageRead
from source_bigquery.api import BigQueryApi
from source_bigquery.check import check_access
from source_bigquery.config import BigQueryConfig
from source_bigquery.cost import readable
from source_bigquery.queries import run_query

GIB = 1024**3
SQL = "SELECT * FROM shop.orders WHERE total > @least"
LEAST = {"name": "least", "type": "NUMERIC", "value": "10"}


def api_for(bigquery: FakeBigQuery, storage: FakeStorageRead | None = None, **options: object) -> BigQueryApi:
    raw = {
        "project_id": "sandbox",
        "dataset_id": "shop",
        "api_endpoint": bigquery.url,
        "storage_api_endpoint": storage.endpoint if storage else "http://127.0.0.1:1",
        **options,
    }
    return BigQueryApi(load_config(BigQueryConfig, raw))


def inserted_jobs(bigquery: FakeBigQuery) -> list[bool]:
    """For each job inserted: whether it was a dry run."""
    return [bool(job["configuration"].get("dryRun")) for job in bigquery.jobs.values()]


def test_a_query_above_the_maximum_is_not_run_and_the_estimate_is_quoted(fake_bigquery: FakeBigQuery) -> None:
    fake_bigquery.dry_run_bytes[SQL] = 5 * GIB

    with pytest.raises(AirbyteTracedException) as raised:
        run_query(api_for(fake_bigquery, maximum_bytes_billed=GIB), SQL, [], "stream 'orders'")

    assert raised.value.failure_type == FailureType.config_error
    assert raised.value.message == (
        "The query for stream 'orders' would process 5.0 GiB (5,368,709,120 bytes, BigQuery's estimate), "
        "more than `maximum_bytes_billed` allows (1.0 GiB). Nothing was run. Select fewer columns, filter "
        "rows (a partition filter reads less), or raise `maximum_bytes_billed`."
    )
    assert inserted_jobs(fake_bigquery) == [True]


def test_a_query_within_the_maximum_runs_with_the_maximum_as_bigquerys_own_limit(
    fake_bigquery: FakeBigQuery,
) -> None:
    fake_bigquery.dry_run_bytes[SQL] = GIB

    job, estimate = run_query(api_for(fake_bigquery, maximum_bytes_billed=GIB), SQL, [], "stream 'orders'")

    assert estimate == GIB
    assert inserted_jobs(fake_bigquery) == [True, False]
    assert job.to_api_repr()["configuration"]["query"]["maximumBytesBilled"] == str(GIB)


def test_check_stops_a_custom_query_above_the_maximum(fake_bigquery: FakeBigQuery) -> None:
    fake_bigquery.dry_run_bytes[SQL] = 3 * GIB + 1
    custom = [{"name": "big_orders", "sql": SQL, "parameters": [LEAST]}]

    with FakeStorageRead() as storage, pytest.raises(AirbyteTracedException) as raised:
        api = api_for(fake_bigquery, storage, maximum_bytes_billed=GIB, custom_queries=custom)
        check_access(api, logging.getLogger("airbyte"))

    assert (raised.value.message or "").startswith(
        "The custom query 'big_orders' would process 3.0 GiB (3,221,225,473 bytes, BigQuery's estimate), more"
    )
    assert not any(dry_run is False for dry_run in inserted_jobs(fake_bigquery))


def test_without_a_maximum_nothing_is_stopped(fake_bigquery: FakeBigQuery) -> None:
    fake_bigquery.dry_run_bytes[SQL] = 10**15

    _job, estimate = run_query(api_for(fake_bigquery), SQL, [], "stream 'orders'")

    assert (estimate, readable(estimate)) == (10**15, "909.5 TiB")
    assert inserted_jobs(fake_bigquery) == [True, False]


@pytest.mark.parametrize(
    ("size", "text"), [(0, "0 bytes"), (1023, "1023 bytes"), (1536, "1.5 KiB"), (GIB, "1.0 GiB")]
)
def test_sizes_read_as_bigquery_shows_them(size: int, text: str) -> None:
    assert readable(size) == text
