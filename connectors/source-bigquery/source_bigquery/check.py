"""`check`: can these credentials do what a sync will do? Each permission is probed with the real call.

- `bigquery.jobs.create` on the billing project: a dry-run query (free);
- per dataset, `bigquery.tables.list`: listing its tables (a missing dataset is named);
- per dataset, `bigquery.tables.getData`: reading one row of its first table through `tabledata.list`;
- per dataset, `bigquery.readsessions.create`: opening a Storage Read session on that table.

Every denial is collected, so one failed check names every missing permission, where, and the role
that grants it. A Storage Read API that is not enabled for the billing project is no failure: reads
then fall back to `tabledata.list`, and the check says so in a warning.

Then each custom query is checked: its parameters against their declared types and its SQL
(a missing, extra or mistyped parameter is named), its SQL by a dry run, its cost by the guard.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from cdk_extensions.errors import ApiFailure
from source_bigquery.api import NO_RETRY, REQUEST_TIMEOUT_SECONDS, BigQueryApi
from source_bigquery.catalog import discover_queries
from source_bigquery.errors import SERVICE_DISABLED, describe, missing_permission_error

if TYPE_CHECKING:
    from google.cloud.bigquery.table import TableListItem

Result = TypeVar("Result")

# What each permission is used for, for the check's message.
NEEDED_FOR = {
    "bigquery.jobs.create": "queries: incremental reads, views, custom queries, cost estimates",
    "bigquery.tables.list": "finding the dataset's tables",
    "bigquery.tables.getData": "reading rows",
    "bigquery.readsessions.create": "fast reads through the Storage Read API",
}
DENIAL_REASONS = {None, "accessDenied", "IAM_PERMISSION_DENIED"}


def check_access(api: BigQueryApi, logger: logging.Logger) -> None:
    """Raise a config_error naming every permission the credentials lack; return when all is there."""
    denied: dict[str, ApiFailure] = {}
    billing = f"project `{api.billing_project}`"
    _probe(api, denied, "bigquery.jobs.create", billing, lambda: _dry_run_select_one(api))
    for dataset_id in api.dataset_ids():
        dataset = f"dataset `{api.config.project_id}.{dataset_id}`"
        tables = _probe(
            api, denied, "bigquery.tables.list", dataset, functools.partial(_list_tables, api, dataset_id)
        )
        first_table = next((t for t in tables or [] if t.table_type == "TABLE"), None)
        if first_table is None:
            continue
        table_id = f"{first_table.project}.{first_table.dataset_id}.{first_table.table_id}"
        table = f"table `{table_id}`"
        _probe(api, denied, "bigquery.tables.getData", table, functools.partial(_read_one_row, api, table_id))
        _probe_storage(api, denied, table_id, logger)
    if denied:
        raise missing_permission_error(denied, NEEDED_FOR)
    discover_queries(api, taken_names=set())  # each custom query's SQL, parameters and cost


def _probe(
    api: BigQueryApi,
    denied: dict[str, ApiFailure],
    permission: str,
    target: str,
    fn: Callable[[], Result],
) -> Result | None:
    """`fn()`'s result, `fn` being a plain client call; None if it was denied (noted under
    `permission`). Other errors are retried or raised as BIGQUERY_ERRORS says."""
    from google.api_core.exceptions import Forbidden, PermissionDenied

    def attempt() -> tuple[Result | None, ApiFailure | None]:
        try:
            return fn(), None
        except (Forbidden, PermissionDenied) as error:
            failure = describe(error, target)
            if failure.reason not in DENIAL_REASONS:
                raise  # a quota, a disabled API, ...: the error table decides
            return None, failure

    result, failure = api.call(attempt, target)
    if failure is not None:
        denied.setdefault(permission, failure)
    return result


def _probe_storage(
    api: BigQueryApi, denied: dict[str, ApiFailure], table_id: str, logger: logging.Logger
) -> None:
    from google.api_core.exceptions import MethodNotImplemented, PermissionDenied

    target = f"project `{api.billing_project}`"

    def open_session() -> None:
        try:
            _open_read_session(api, table_id)
        except (PermissionDenied, MethodNotImplemented) as error:
            failure = describe(error, target)
            if isinstance(error, MethodNotImplemented) or failure.reason == SERVICE_DISABLED:
                logger.warning(
                    f"The BigQuery Storage Read API is not available to {target} ({failure.detail}); "
                    "reads will fall back to the slower tabledata.list. Enable the API for fast reads."
                )
                return
            raise

    _probe(api, denied, "bigquery.readsessions.create", target, open_session)


def _list_tables(api: BigQueryApi, dataset_id: str) -> list[TableListItem]:
    dataset = f"{api.config.project_id}.{dataset_id}"
    return list(api.rest.list_tables(dataset, retry=NO_RETRY, timeout=REQUEST_TIMEOUT_SECONDS))


def _dry_run_select_one(api: BigQueryApi) -> None:
    from google.cloud import bigquery

    config = bigquery.QueryJobConfig(dry_run=True, use_query_cache=False)
    api.rest.query(
        "SELECT 1", job_config=config, retry=NO_RETRY, job_retry=NO_RETRY, timeout=REQUEST_TIMEOUT_SECONDS
    )


def _read_one_row(api: BigQueryApi, table_id: str) -> None:
    rows = api.rest.list_rows(table_id, max_results=1, retry=NO_RETRY, timeout=REQUEST_TIMEOUT_SECONDS)
    list(rows)


def _open_read_session(api: BigQueryApi, table_id: str) -> None:
    from google.cloud.bigquery_storage_v1 import types

    project, dataset, table = table_id.split(".")
    api.storage.create_read_session(
        parent=f"projects/{api.billing_project}",
        read_session=types.ReadSession(
            table=f"projects/{project}/datasets/{dataset}/tables/{table}",
            data_format=types.DataFormat.ARROW,
        ),
        max_stream_count=1,
        retry=None,
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
