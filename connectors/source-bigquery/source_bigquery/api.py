"""The two BigQuery clients the connector uses, built once from the config, and every call retried.

- REST (`google-cloud-bigquery`): datasets, tables, query jobs, `tabledata.list` paging;
- gRPC Storage Read API (`google-cloud-bigquery-storage`): read sessions streaming Arrow.

Both are called without their own retries (`NO_RETRY`): `call` is the only retry loop, with the
project's backoff and log line, and BIGQUERY_ERRORS decides what is retried and what each failure
tells the user.
Jobs run, and Storage reads are billed, in the billing project; data may live in another.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from cdk_extensions.backoff import BackoffPolicy
from cdk_extensions.google_retry import call_with_retry
from source_bigquery.auth import bigquery_credentials
from source_bigquery.config import BigQueryConfig
from source_bigquery.errors import BIGQUERY_ERRORS, describe

if TYPE_CHECKING:
    from google.api_core.retry import Retry
    from google.auth.credentials import Credentials
    from google.cloud import bigquery
    from google.cloud.bigquery.table import TableListItem
    from google.cloud.bigquery_storage_v1 import BigQueryReadClient

Result = TypeVar("Result")
# `retry=` of every client call: none. google-cloud-bigquery documents and handles None (no retry)
# but annotates its REST methods' `retry` as `Retry`.
NO_RETRY: Retry = None  # type: ignore[assignment]
DEFAULT_BACKOFF = BackoffPolicy(max_attempts=6, max_elapsed_seconds=600.0)
REQUEST_TIMEOUT_SECONDS = 120.0
# As the client sets up its own channels: Arrow batches may exceed gRPC's 4 MB default.
_GRPC_OPTIONS = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]


class BigQueryApi:
    """One per command. `credentials`, `backoff` and `sleep` are for tests."""

    def __init__(
        self,
        config: BigQueryConfig,
        *,
        credentials: Credentials | None = None,
        backoff: BackoffPolicy = DEFAULT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.billing_project = config.billing_project_id or config.project_id
        self._credentials = credentials
        self.storage_unavailable: str | None = None  # why the Storage Read API cannot be used, once known
        self._backoff = backoff
        self._sleep = sleep

    def call(self, fn: Callable[[], Result], target: str) -> Result:
        """`fn()` retried per BIGQUERY_ERRORS; `target` ("table `p.d.t`") names what failed in errors."""
        return call_with_retry(
            fn,
            policy=self._backoff,
            taxonomy=BIGQUERY_ERRORS,
            api_name="BigQuery",
            sleep=self._sleep,
            describe=lambda error: describe(error, target),
        )

    @functools.cached_property
    def credentials(self) -> Credentials:
        return self._credentials or bigquery_credentials(self.config)

    @functools.cached_property
    def rest(self) -> bigquery.Client:
        from google.api_core.client_options import ClientOptions
        from google.cloud import bigquery

        return bigquery.Client(
            project=self.billing_project,
            credentials=self.credentials,
            location=self.config.location,
            client_options=ClientOptions(api_endpoint=self.config.api_endpoint),
        )

    @functools.cached_property
    def storage(self) -> BigQueryReadClient:
        """The Storage Read API client; an http:// endpoint (an emulator) gets a plaintext channel."""
        import grpc
        from google.api_core.client_options import ClientOptions
        from google.cloud.bigquery_storage_v1 import BigQueryReadClient
        from google.cloud.bigquery_storage_v1.services.big_query_read.transports import (
            BigQueryReadGrpcTransport,
        )

        # BigQueryReadClient's own __init__ and read_rows (over the generated, typed client) are
        # unannotated in google-cloud-bigquery-storage, hence the ignores here and in reading.py.
        endpoint = urlsplit(self.config.storage_api_endpoint)
        if endpoint.scheme == "http":
            channel = grpc.insecure_channel(endpoint.netloc, options=_GRPC_OPTIONS)
            transport = BigQueryReadGrpcTransport(channel=channel)
            return BigQueryReadClient(transport=transport)  # type: ignore[no-untyped-call]
        # Google's endpoint: TLS with the credentials, and no message size limit (the client's default).
        host = endpoint.netloc if endpoint.port else f"{endpoint.hostname}:443"
        return BigQueryReadClient(  # type: ignore[no-untyped-call]
            credentials=self.credentials, client_options=ClientOptions(api_endpoint=host)
        )

    def close(self) -> None:
        """Release connections (gRPC channels keep threads alive otherwise)."""
        # Both close() methods are unannotated in the Google client libraries.
        if "storage" in self.__dict__:
            self.storage.transport.close()  # type: ignore[no-untyped-call]
        if "rest" in self.__dict__:
            self.rest.close()  # type: ignore[no-untyped-call]

    # --- calls ------------------------------------------------------------------------------------

    def dataset_ids(self) -> list[str]:
        """The configured datasets, or every dataset of the project when none is configured."""
        if self.config.dataset_ids:
            return self.config.dataset_ids
        project = self.config.project_id
        listed = self.call(
            lambda: list(self.rest.list_datasets(project, retry=NO_RETRY, timeout=REQUEST_TIMEOUT_SECONDS)),
            f"project `{project}`",
        )
        return sorted(item.dataset_id for item in listed)

    def list_tables(self, dataset_id: str) -> list[TableListItem]:
        """The tables and views of a dataset (`TableListItem`s: name and type, no schema)."""
        dataset = f"{self.config.project_id}.{dataset_id}"
        return self.call(
            lambda: list(self.rest.list_tables(dataset, retry=NO_RETRY, timeout=REQUEST_TIMEOUT_SECONDS)),
            f"dataset `{dataset}`",
        )

    def get_table(self, table_id: str) -> bigquery.Table:
        """A table's metadata (schema, constraints, partitioning, row count); `table_id` is `p.d.t`."""
        return self.call(
            lambda: self.rest.get_table(table_id, retry=NO_RETRY, timeout=REQUEST_TIMEOUT_SECONDS),
            f"table `{table_id}`",
        )
