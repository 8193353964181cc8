"""Rows as Arrow record batches: from the Storage Read API, or by REST paging where it is missing.

- `open_session` / `read_session`: a Storage Read session on a table (or a finished query's result
  table), with column projection and a row restriction pushed down, its streams read in parallel
  threads (bounded memory, see parallel.py); `ordered=True` asks for ONE stream, which keeps a
  query result's ORDER BY;
- `page_table` / `page_query_result`: `tabledata.list` / `jobs.getQueryResults` pages converted
  to Arrow by the client, for when the Storage Read API is not available (queries.py runs queries).

`convert` turns each Arrow batch into what the caller wants (e.g. RECORD lines) inside the
reading threads, so the conversion runs in parallel too. A Storage Read API that is not there (an
endpoint without it, or the API not enabled for the billing project) raises StorageUnavailable
before any row is read, and the caller falls back.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import pyarrow as pa

from cdk_extensions.parallel import merged
from source_bigquery.api import NO_RETRY, REQUEST_TIMEOUT_SECONDS, BigQueryApi
from source_bigquery.errors import BIGQUERY_ERRORS, SERVICE_DISABLED, describe

if TYPE_CHECKING:
    from google.cloud import bigquery
    from google.cloud.bigquery.table import RowIterator
    from google.cloud.bigquery_storage_v1 import types

Converted = TypeVar("Converted")
# Streams read at once. Converting Arrow to lines keeps a core busy per stream: more readers than
# cores only add memory (measured on 2 cores: 2 readers 2.6 s and 233 MB for a million rows,
# 4 readers 2.9 s and 264 MB). At least 2, so the network wait of one overlaps the other's work.
READ_WORKERS = min(8, max(2, os.cpu_count() or 2))
QUEUE_SIZE = 4  # converted chunks waiting for the consumer
CHUNK_ROWS = 16_384  # rows converted at once: bounds the memory of one conversion
REST_PAGE_ROWS = 10_000

logger = logging.getLogger("airbyte")


class StorageUnavailable(Exception):
    """The Storage Read API cannot serve this project; read through REST instead."""


@dataclass(frozen=True)
class Session:
    """An open read session: its streams and BigQuery's estimate of what it will read."""

    session: types.ReadSession
    schema: pa.Schema

    @property
    def estimated_rows(self) -> int:
        return int(self.session.estimated_row_count)

    @property
    def estimated_bytes(self) -> int:
        return int(self.session.estimated_total_bytes_scanned)


def open_session(
    api: BigQueryApi,
    table_id: str,
    target: str,
    *,
    columns: Sequence[str] = (),
    row_restriction: str | None = None,
    ordered: bool = False,
) -> Session:
    """A Storage Read session on `table_id` (`p.d.t`), Arrow format; StorageUnavailable if the API is
    missing (remembered on `api`, so other streams do not try again)."""
    from google.api_core.exceptions import MethodNotImplemented, PermissionDenied
    from google.cloud.bigquery_storage_v1 import types

    if api.storage_unavailable:
        raise StorageUnavailable(api.storage_unavailable)
    project, dataset, table = table_id.split(".")
    request = types.ReadSession(
        table=f"projects/{project}/datasets/{dataset}/tables/{table}",
        data_format=types.DataFormat.ARROW,
        read_options=types.ReadSession.TableReadOptions(
            selected_fields=list(columns), row_restriction=row_restriction or ""
        ),
    )

    def create() -> types.ReadSession:
        try:
            return api.storage.create_read_session(
                parent=f"projects/{api.billing_project}",
                read_session=request,
                max_stream_count=1 if ordered else 0,  # 0: as many as BigQuery finds useful
                retry=None,
                timeout=REQUEST_TIMEOUT_SECONDS,
            )
        except (MethodNotImplemented, PermissionDenied) as error:
            failure = describe(error, target)
            if isinstance(error, PermissionDenied) and failure.reason != SERVICE_DISABLED:
                raise
            api.storage_unavailable = f"{type(error).__name__}: {failure.detail}"
            raise StorageUnavailable(api.storage_unavailable) from error

    session = api.call(create, target)
    schema = pa.ipc.read_schema(pa.py_buffer(session.arrow_schema.serialized_schema))
    return Session(session, schema)


def read_session(
    api: BigQueryApi, session: Session, target: str, convert: Callable[[pa.RecordBatch], Iterator[Converted]]
) -> Iterator[Converted]:
    """Every row of the session, its streams read in parallel (one stream keeps its order)."""
    producers = [
        (lambda name=stream.name: _read_stream(api, name, session.schema, target, convert))
        for stream in session.session.streams
    ]
    return merged(producers, workers=READ_WORKERS, queue_size=QUEUE_SIZE)


def page_table(
    api: BigQueryApi, table_id: str, columns: Sequence[bigquery.SchemaField], target: str
) -> Iterator[pa.RecordBatch]:
    """The table's rows through `tabledata.list`, one Arrow batch per page."""
    rows = api.call(
        lambda: api.rest.list_rows(
            table_id, selected_fields=list(columns) or None, page_size=REST_PAGE_ROWS, retry=NO_RETRY
        ),
        target,
    )
    return _pages(rows, target)


def page_query_result(api: BigQueryApi, job: bigquery.QueryJob, target: str) -> Iterator[pa.RecordBatch]:
    """A finished query's rows through `jobs.getQueryResults`, one Arrow batch per page, in order."""
    rows = api.call(lambda: job.result(page_size=REST_PAGE_ROWS, retry=None), target)
    return _pages(rows, target)


def _pages(rows: RowIterator, target: str) -> Iterator[pa.RecordBatch]:
    from google.api_core.exceptions import GoogleAPICallError

    pages = iter(rows.to_arrow_iterable(bqstorage_client=None))
    while True:
        try:
            page = next(pages)
        except StopIteration:
            return
        except GoogleAPICallError as error:
            raise BIGQUERY_ERRORS.to_exception(describe(error, target), cause=error) from error
        yield page


def _read_stream(
    api: BigQueryApi,
    stream_name: str,
    schema: pa.Schema,
    target: str,
    convert: Callable[[pa.RecordBatch], Iterator[Converted]],
) -> Iterator[Converted]:
    """One stream's batches (the client reconnects at the right offset after transient errors)."""
    from google.api_core.exceptions import GoogleAPICallError

    # The client's read_rows is unannotated (see BigQueryApi.storage).
    responses = iter(
        api.call(lambda: api.storage.read_rows(stream_name, retry=None), target)  # type: ignore[no-untyped-call]
    )
    while True:
        try:
            response = next(responses)
        except StopIteration:
            return
        except GoogleAPICallError as error:
            raise BIGQUERY_ERRORS.to_exception(describe(error, target), cause=error) from error
        batch = pa.ipc.read_record_batch(
            pa.py_buffer(response.arrow_record_batch.serialized_record_batch), schema
        )
        yield from convert(batch)


def chunks(batch: pa.RecordBatch, rows: int = CHUNK_ROWS) -> Iterator[pa.RecordBatch]:
    """The batch in slices of at most `rows` rows (zero-copy)."""
    for start in range(0, batch.num_rows, rows):
        yield batch.slice(start, rows)
