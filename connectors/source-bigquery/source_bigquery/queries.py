"""Queries: dry-run (free: validation, the bytes they would process, their columns), then run.

Every query the connector runs goes through `run_query`: its dry run must pass the cost guard
(cost.py) before the query itself runs, with named parameters (never values pasted into SQL).
The result lands in the job's destination table, which reading.py reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from source_bigquery.api import NO_RETRY, REQUEST_TIMEOUT_SECONDS, BigQueryApi
from source_bigquery.cost import guard

if TYPE_CHECKING:
    from google.cloud import bigquery

    from source_bigquery.parameters import BoundParameter


@dataclass(frozen=True)
class DryRun:
    """What BigQuery says a query would do: the bytes it would process and its result's columns."""

    bytes_processed: int
    schema: list[bigquery.SchemaField]


def dry_run(api: BigQueryApi, sql: str, parameters: Sequence[BoundParameter], target: str) -> DryRun:
    """Validate a query and estimate its cost, for free."""
    from google.cloud import bigquery

    config = bigquery.QueryJobConfig(query_parameters=list(parameters), dry_run=True, use_query_cache=False)
    job = api.call(
        lambda: api.rest.query(
            sql, job_config=config, retry=NO_RETRY, job_retry=None, timeout=REQUEST_TIMEOUT_SECONDS
        ),
        target,
    )
    return DryRun(int(job.total_bytes_processed or 0), list(job.schema or []))


def run_query(
    api: BigQueryApi, sql: str, parameters: Sequence[BoundParameter], target: str
) -> tuple[bigquery.QueryJob, int]:
    """Run a query to completion once its dry run is within the cost guard; its rows are then in
    the job's destination table. Returns the job and the bytes BigQuery estimated it would process."""
    from google.cloud import bigquery

    estimate = dry_run(api, sql, parameters, target).bytes_processed
    maximum = api.config.maximum_bytes_billed
    guard(maximum, estimate, f"The query for {target}")
    config = bigquery.QueryJobConfig(query_parameters=list(parameters))
    if maximum is not None:  # BigQuery's own guard, should the estimate be low
        config.maximum_bytes_billed = maximum

    def run() -> bigquery.QueryJob:
        job = api.rest.query(
            sql, job_config=config, retry=NO_RETRY, job_retry=None, timeout=REQUEST_TIMEOUT_SECONDS
        )
        job.result(retry=None, max_results=0)
        return job

    return api.call(run, target), estimate


def destination_table_id(job: bigquery.QueryJob) -> str:
    destination = job.destination
    return f"{destination.project}.{destination.dataset_id}.{destination.table_id}"
