"""The local BigQuery emulator, seeded, read back with the official clients exactly as a connector reads it.

The tests share one seeded dataset (seeding takes seconds) and must not change its seeded tables.
The "gap" tests pin what sandbox/bigquery/README.md says the emulator gets wrong: when one fails,
the emulator changed, so update the README.
"""

from __future__ import annotations

import datetime
import itertools
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import requests
from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from google.cloud.bigquery_storage_v1 import BigQueryReadClient, types

from sandbox.bigquery import seed
from sandbox.bigquery.emulator import BigQueryEmulator, EmulatorNotInstalled, EmulatorStartError

pytestmark = pytest.mark.emulator

UTC = datetime.UTC


@pytest.fixture
def client(bigquery_emulator: BigQueryEmulator) -> bigquery.Client:
    return bigquery_emulator.client()


@pytest.fixture(scope="module")
def dataset(bigquery_emulator: BigQueryEmulator) -> str:
    dataset_id = f"seeded_{uuid.uuid4().hex[:12]}"
    seed.seed(bigquery_emulator.client(), dataset_id)
    return dataset_id


@pytest.fixture
def read_client(bigquery_emulator: BigQueryEmulator) -> Iterator[BigQueryReadClient]:
    read_client = bigquery_emulator.read_client()
    yield read_client
    read_client.transport.close()


def typed(value: Any) -> Any:
    """The value with each leaf's type: Decimal('1.5') then differs from 1.5, naive from aware times."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, value, getattr(value, "tzinfo", None) is not None)


def query(client: bigquery.Client, dataset: str, sql: str, *parameters: Any) -> list[dict[str, Any]]:
    config = bigquery.QueryJobConfig(
        default_dataset=f"{client.project}.{dataset}", query_parameters=parameters
    )
    return [dict(row) for row in client.query(sql, job_config=config).result()]


def read_session(
    read_client: BigQueryReadClient, project: str, dataset: str, table: str, streams: int = 1, **options: Any
) -> types.ReadSession:
    return read_client.create_read_session(
        parent=f"projects/{project}",
        read_session=types.ReadSession(
            table=f"projects/{project}/datasets/{dataset}/tables/{table}",
            data_format=types.DataFormat.ARROW,
            read_options=types.ReadSession.TableReadOptions(**options),
        ),
        max_stream_count=streams,
    )


def read_arrow(read_client: BigQueryReadClient, session: types.ReadSession) -> pa.Table:
    """Every stream of the session, decoded from Arrow IPC as a lean connector would."""
    schema = pa.ipc.read_schema(pa.py_buffer(session.arrow_schema.serialized_schema))
    batches = [
        pa.ipc.read_record_batch(pa.py_buffer(response.arrow_record_batch.serialized_record_batch), schema)
        for stream in session.streams
        for response in read_client.read_rows(stream.name)
    ]
    return pa.Table.from_batches(batches, schema)


# Every type, through the REST API


def test_every_type_reads_back_exactly_through_list_rows(client: bigquery.Client, dataset: str) -> None:
    rows = sorted(
        (dict(row) for row in client.list_rows(f"{dataset}.{seed.ALL_TYPES_TABLE}")), key=lambda r: r["id"]
    )

    assert [typed(row) for row in rows] == [typed(row) for row in seed.ALL_TYPES_ROWS]


def test_every_type_reads_back_exactly_through_a_query(client: bigquery.Client, dataset: str) -> None:
    rows = query(client, dataset, f"SELECT * FROM {seed.ALL_TYPES_TABLE} ORDER BY id")

    assert [typed(row) for row in rows] == [typed(row) for row in seed.ALL_TYPES_ROWS]


def test_schema_declares_every_type_with_modes(client: bigquery.Client, dataset: str) -> None:
    table = client.get_table(f"{dataset}.{seed.ALL_TYPES_TABLE}")
    api_types = {field["name"]: field for field in table.to_api_repr()["schema"]["fields"]}

    assert {name: field["type"] for name, field in api_types.items()} == {
        "id": "INTEGER", "int64_col": "INTEGER", "float64_col": "FLOAT", "numeric_col": "NUMERIC",
        "bignumeric_col": "BIGNUMERIC", "bool_col": "BOOLEAN", "string_col": "STRING", "bytes_col": "BYTES",
        "date_col": "DATE", "datetime_col": "DATETIME", "timestamp_col": "TIMESTAMP", "time_col": "TIME",
        "geography_col": "GEOGRAPHY", "json_col": "JSON", "record_col": "RECORD", "repeated_col": "INTEGER",
        "repeated_record_col": "RECORD", "date_range_col": "RANGE", "timestamp_range_col": "RANGE",
    }  # fmt: skip
    assert api_types["id"]["mode"] == "REQUIRED"
    assert api_types["repeated_col"]["mode"] == api_types["repeated_record_col"]["mode"] == "REPEATED"
    assert api_types["date_range_col"]["rangeElementType"] == {"type": "DATE"}
    assert api_types["timestamp_range_col"]["rangeElementType"] == {"type": "TIMESTAMP"}
    record_fields = [field["name"] for field in api_types["record_col"]["fields"]]
    assert record_fields == ["name", "score", "address", "tags"]


# Query parameters


def test_named_array_struct_and_range_parameters_in_a_complex_query(
    client: bigquery.Client, dataset: str
) -> None:
    sql = """
        WITH recent AS (
            SELECT order_id, line_no, quantity, unit_price FROM order_lines
            WHERE order_id IN UNNEST(@orders) AND RANGE_CONTAINS(@window, updated_at)
        )
        SELECT order_id, ARRAY_AGG(line_no ORDER BY line_no) AS lines, SUM(quantity * unit_price) AS total
        FROM recent
        WHERE quantity >= @filter.min_quantity AND unit_price <= @filter.price.maximum
        GROUP BY order_id ORDER BY order_id
    """
    window_start = datetime.datetime(2026, 1, 1, 0, 2, 0, 1, tzinfo=UTC)  # order 2's updated_at, to the µs
    rows = query(
        client,
        dataset,
        sql,
        bigquery.ArrayQueryParameter("orders", "INT64", [1, 2, 3]),
        bigquery.RangeQueryParameter("TIMESTAMP", start=window_start, end=None, name="window"),
        bigquery.StructQueryParameter(
            "filter",
            bigquery.ScalarQueryParameter("min_quantity", "INT64", 2),
            bigquery.StructQueryParameter(
                "price", bigquery.ScalarQueryParameter("maximum", "NUMERIC", Decimal("3.99"))
            ),
        ),
    )

    assert rows == [
        {"order_id": 2, "lines": [2, 3], "total": Decimal("14.95")},
        {"order_id": 3, "lines": [2, 3], "total": Decimal("19.95")},
    ]


def test_scalar_parameters_match_stored_values_exactly(client: bigquery.Client, dataset: str) -> None:
    expected = seed.ALL_TYPES_ROWS[0]
    rows = query(
        client,
        dataset,
        f"""SELECT id FROM {seed.ALL_TYPES_TABLE}
            WHERE bignumeric_col = @bignumeric AND numeric_col = @numeric AND timestamp_col = @timestamp
              AND datetime_col = @datetime AND time_col = @time AND bytes_col = @bytes
              AND date_col = @date""",
        bigquery.ScalarQueryParameter("bignumeric", "BIGNUMERIC", expected["bignumeric_col"]),
        bigquery.ScalarQueryParameter("numeric", "NUMERIC", expected["numeric_col"]),
        bigquery.ScalarQueryParameter("timestamp", "TIMESTAMP", expected["timestamp_col"]),
        bigquery.ScalarQueryParameter("datetime", "DATETIME", expected["datetime_col"]),
        bigquery.ScalarQueryParameter("time", "TIME", expected["time_col"]),
        bigquery.ScalarQueryParameter("bytes", "BYTES", expected["bytes_col"]),
        bigquery.ScalarQueryParameter("date", "DATE", expected["date_col"]),
    )

    assert rows == [{"id": 1}]


def test_a_missing_parameter_is_an_invalid_query(client: bigquery.Client, dataset: str) -> None:
    with pytest.raises(exceptions.BadRequest) as raised:
        query(client, dataset, f"SELECT id FROM {seed.ALL_TYPES_TABLE} WHERE id = @wanted")

    assert raised.value.errors[0]["reason"] == "invalidQuery"
    assert "wanted" in raised.value.message


# Paging, table shapes, metadata


def test_list_rows_pages_with_selected_fields(client: bigquery.Client, dataset: str) -> None:
    table = client.get_table(f"{dataset}.{seed.ORDER_LINES_TABLE}")
    fields = [field for field in table.schema if field.name in ("order_id", "line_no")]
    pages = [list(page) for page in client.list_rows(table, selected_fields=fields, page_size=5).pages]

    assert [len(page) for page in pages] == [5, 5, 2]
    keys = sorted((row["order_id"], row["line_no"]) for page in pages for row in page)
    assert keys == list(itertools.product(range(1, seed.ORDERS + 1), range(1, seed.LINES_PER_ORDER + 1)))
    assert {len(row) for page in pages for row in page} == {2}


def test_primary_keys_are_declared_as_table_constraints(client: bigquery.Client, dataset: str) -> None:
    order_lines = client.get_table(f"{dataset}.{seed.ORDER_LINES_TABLE}")
    all_types = client.get_table(f"{dataset}.{seed.ALL_TYPES_TABLE}")
    key_columns = query(
        client,
        dataset,
        "SELECT table_name, column_name FROM INFORMATION_SCHEMA.KEY_COLUMN_USAGE "
        "ORDER BY table_name, ordinal_position",
    )

    assert order_lines.table_constraints.primary_key.columns == ["order_id", "line_no"]
    assert all_types.table_constraints.primary_key.columns == ["id"]
    assert key_columns == [
        {"table_name": "all_types", "column_name": "id"},
        {"table_name": "order_lines", "column_name": "order_id"},
        {"table_name": "order_lines", "column_name": "line_no"},
    ]


def test_partitioned_table_requires_a_partition_filter(client: bigquery.Client, dataset: str) -> None:
    table = client.get_table(f"{dataset}.{seed.DAILY_SALES_TABLE}")

    assert (table.time_partitioning.type_, table.time_partitioning.field) == ("DAY", "sale_date")
    assert table.require_partition_filter is True
    assert table.num_rows == seed.DAILY_SALES_ROWS
    with pytest.raises(exceptions.BadRequest, match="without a filter over column"):
        query(client, dataset, f"SELECT COUNT(*) AS n FROM {seed.DAILY_SALES_TABLE}")
    filtered = f"SELECT COUNT(*) AS n FROM {seed.DAILY_SALES_TABLE} WHERE sale_date >= '2026-01-06'"
    assert query(client, dataset, filtered) == [{"n": 4}]


def test_sharded_tables_read_as_one_wildcard_table(client: bigquery.Client, dataset: str) -> None:
    tables = {table.table_id: table.table_type for table in client.list_tables(dataset)}
    rows = query(
        client,
        dataset,
        "SELECT _TABLE_SUFFIX AS day, COUNT(*) AS events, MIN(event_id) AS first_id FROM `events_*` "
        "WHERE _TABLE_SUFFIX BETWEEN '20260102' AND '20260103' GROUP BY day ORDER BY day",
    )

    assert {shard: tables[shard] for shard in seed.EVENT_SHARDS} == dict.fromkeys(seed.EVENT_SHARDS, "TABLE")
    assert rows == [
        {"day": "20260102", "events": seed.EVENTS_PER_SHARD, "first_id": 4},
        {"day": "20260103", "events": seed.EVENTS_PER_SHARD, "first_id": 7},
    ]


def test_view_is_listed_and_queryable(client: bigquery.Client, dataset: str) -> None:
    view = client.get_table(f"{dataset}.{seed.ORDER_TOTALS_VIEW}")
    rows = query(client, dataset, f"SELECT * FROM {seed.ORDER_TOTALS_VIEW} WHERE order_id = 4")

    assert view.table_type == "VIEW"
    assert "FROM order_lines" in view.view_query
    assert rows == [
        {
            "order_id": 4,
            "total": Decimal("29.94"),
            "updated_at": datetime.datetime(2026, 1, 1, 0, 4, 0, 1, tzinfo=UTC),
        }
    ]


def test_big_table_is_generated_with_the_requested_rows(client: bigquery.Client, dataset: str) -> None:
    seed.seed_big_table(client, dataset, 2_500)
    table = client.get_table(f"{dataset}.{seed.BIG_TABLE}")
    rows = query(client, dataset, f"SELECT * FROM {seed.BIG_TABLE} WHERE id IN (1, 2500) ORDER BY id")

    assert table.num_rows == 2_500
    assert rows[1] == {
        "id": 2500,
        "name": "name-2500",
        "amount": Decimal("25"),
        "created_at": datetime.datetime(2026, 1, 1, 0, 0, 0, 2500, tzinfo=UTC),
    }


# Storage Read API


def test_storage_read_splits_a_table_into_several_arrow_streams(
    bigquery_emulator: BigQueryEmulator,
    client: bigquery.Client,
    dataset: str,
    read_client: BigQueryReadClient,
) -> None:
    seed.seed_big_table(client, dataset, 250_000)  # the emulator cuts one stream per 100,000 rows
    session = read_session(read_client, bigquery_emulator.project, dataset, seed.BIG_TABLE, streams=4)
    table = read_arrow(read_client, session)

    assert len(session.streams) == 3
    assert sorted(table.column("id").to_pylist()) == list(range(1, 250_001))
    assert table.schema.field("amount").type == pa.decimal128(38, 9)
    assert table.schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    last = table.filter(pc.equal(table.column("id"), 250_000)).to_pylist()[0]
    assert (last["amount"], last["created_at"].microsecond) == (Decimal("2500"), 250_000)


def test_storage_read_pushes_down_columns_and_row_restriction(
    bigquery_emulator: BigQueryEmulator, dataset: str, read_client: BigQueryReadClient
) -> None:
    session = read_session(
        read_client,
        bigquery_emulator.project,
        dataset,
        seed.ALL_TYPES_TABLE,
        selected_fields=["id", "numeric_col", "timestamp_col", "datetime_col", "bytes_col"],
        row_restriction="id = 1",
    )
    rows = read_arrow(read_client, session).to_pylist()
    expected = seed.ALL_TYPES_ROWS[0]

    assert rows == [
        {
            "id": 1,
            "numeric_col": expected["numeric_col"],
            "timestamp_col": expected["timestamp_col"],
            "datetime_col": expected["datetime_col"],
            "bytes_col": expected["bytes_col"],
        }
    ]


def test_storage_read_of_a_partitioned_table_needs_the_filter(
    bigquery_emulator: BigQueryEmulator, dataset: str, read_client: BigQueryReadClient
) -> None:
    project = bigquery_emulator.project
    with pytest.raises(exceptions.InvalidArgument, match="without a filter over column"):
        read_session(read_client, project, dataset, seed.DAILY_SALES_TABLE)
    session = read_session(
        read_client, project, dataset, seed.DAILY_SALES_TABLE, row_restriction="sale_date = '2026-01-02'"
    )

    assert read_arrow(read_client, session).num_rows == 2


# Gaps listed in sandbox/bigquery/README.md


def test_gap_dry_run_reports_zero_bytes(client: bigquery.Client, dataset: str) -> None:
    dry_run = bigquery.QueryJobConfig(dry_run=True, default_dataset=f"{client.project}.{dataset}")
    job = client.query(f"SELECT * FROM {seed.ALL_TYPES_TABLE}", job_config=dry_run)

    assert job.total_bytes_processed == 0


def test_gap_maximum_bytes_billed_is_not_enforced(client: bigquery.Client, dataset: str) -> None:
    capped = bigquery.QueryJobConfig(maximum_bytes_billed=1, default_dataset=f"{client.project}.{dataset}")
    job = client.query(f"SELECT * FROM {seed.ALL_TYPES_TABLE}", job_config=capped)

    assert job.result().total_rows == 3
    assert job.total_bytes_billed == 0


def test_gap_streamed_range_values_are_lost(client: bigquery.Client) -> None:
    schema = [bigquery.SchemaField("period", "RANGE", range_element_type="DATE")]
    table = client.create_table(bigquery.Table(f"{client.project}.local.streamed_{uuid.uuid4().hex}", schema))
    errors = client.insert_rows(table, [{"period": seed.ALL_TYPES_ROWS[0]["date_range_col"]}])

    assert errors == []
    assert [dict(row) for row in client.list_rows(table)] == [{"period": {"start": None, "end": None}}]


def test_gap_bytes_literal_escapes_are_stored_as_utf8(client: bigquery.Client) -> None:
    assert query(client, "local", r"SELECT b'\xff' AS value") == [{"value": b"\xc3\xbf"}]


def test_gap_bignumeric_is_limited_to_38_digits_with_18_decimals(client: bigquery.Client) -> None:
    assert query(client, "local", "SELECT CAST('0.1234567890123456789' AS BIGNUMERIC) AS value") == [
        {"value": Decimal("0.123456789012345679")}
    ]
    with pytest.raises(exceptions.BadRequest, match="DECIMAL"):
        query(client, "local", "SELECT BIGNUMERIC '123456789012345678901' AS value")


def test_gap_json_parameters_are_bound_as_json_strings(client: bigquery.Client) -> None:
    rows = query(
        client,
        "local",
        "SELECT JSON_VALUE(@doc, '$.a') AS a",
        bigquery.ScalarQueryParameter("doc", "JSON", '{"a": "x"}'),
    )

    assert rows == [{"a": None}]  # BigQuery answers "x"


def test_gap_interval_parameters_are_refused(client: bigquery.Client) -> None:
    wait = bigquery.ScalarQueryParameter("wait", "INTERVAL", "1-2 3 4:5:6")  # BigQuery's canonical text

    with pytest.raises(exceptions.BadRequest, match="Could not convert string '1-2 3 4:5:6' to INTERVAL"):
        query(client, "local", "SELECT @wait AS wait", wait)


def test_gap_negative_intervals_cannot_be_stored(client: bigquery.Client) -> None:
    table = f"local.intervals_{uuid.uuid4().hex}"

    with pytest.raises(exceptions.BadRequest, match="do not support negative intervals"):
        client.query(f"CREATE TABLE {table} AS SELECT INTERVAL -1 DAY AS wait").result()
    assert query(client, "local", "SELECT INTERVAL -1 DAY AS wait")[0]["wait"].days == -1  # queried: fine


def test_gap_integer_division_of_an_expression(client: bigquery.Client) -> None:
    rows = query(client, "local", "SELECT DIV(n - 1, 3) AS wrong, DIV(6, 3) AS right FROM UNNEST([7]) AS n")

    assert rows == [{"wrong": 7, "right": 2}]  # BigQuery answers 2 and 2


# The emulator process. Tests that start an emulator of their own request the session one only so
# that they skip, like the others, when the emulator is not installed.
needs_emulator_installed = pytest.mark.usefixtures("bigquery_emulator")


@needs_emulator_installed
def test_stop_leaves_no_process_behind() -> None:
    emulator = BigQueryEmulator(project="short-lived").start()
    pid, url = emulator.pid, emulator.rest_url
    emulator.stop()

    assert not is_running(pid)
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)


@needs_emulator_installed
def test_the_emulator_dies_with_the_process_that_started_it() -> None:
    """Even SIGKILL of the parent (no cleanup code runs) leaves no orphan emulator behind."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nfrom sandbox.bigquery.emulator import BigQueryEmulator\n"
            "emulator = BigQueryEmulator().start()\nprint(emulator.pid, flush=True)\ntime.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        emulator_pid = int(parent.stdout.readline())
        assert is_running(emulator_pid)
    finally:
        parent.kill()  # SIGKILL
        parent.wait()

    wait_until_gone(emulator_pid)


def test_a_missing_venv_is_reported_before_starting(tmp_path: Path) -> None:
    emulator = BigQueryEmulator(venv=tmp_path / "nowhere")

    assert "no emulator venv" in (emulator.missing_installation() or "")
    with pytest.raises(EmulatorNotInstalled, match="make venv"):
        emulator.start()


def test_a_failing_start_reports_the_emulator_log(tmp_path: Path) -> None:
    fake_python = tmp_path / "venv" / "bin" / "python"
    fake_python.parent.mkdir(parents=True)
    fake_python.write_text("#!/bin/sh\necho 'duckdb: extension spatial not found' >&2\nexit 3\n")
    fake_python.chmod(0o755)

    with pytest.raises(EmulatorStartError, match=r"(?s)exited with 3.*extension spatial not found"):
        BigQueryEmulator(venv=tmp_path / "venv").start()


@needs_emulator_installed
def test_cli_seeds_prints_endpoints_and_stops_on_ctrl_c() -> None:
    cli = subprocess.Popen(
        [sys.executable, "-m", "sandbox.bigquery", "--project", "cli", "--seed", "--rows", "1000"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert cli.stdout is not None
        printed = []
        for line in cli.stdout:  # ends early if the CLI dies
            printed.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        rest_url = next(line.split()[-1] for line in printed if "REST api_endpoint" in line)
        client = bigquery.Client(
            project="cli", credentials=AnonymousCredentials(), client_options={"api_endpoint": rest_url}
        )

        assert client.get_table(f"{seed.DATASET}.{seed.BIG_TABLE}").num_rows == 1000

        cli.send_signal(signal.SIGINT)
        assert cli.wait(timeout=30) == 0
    finally:
        cli.kill()
        cli.wait()
    with pytest.raises(requests.ConnectionError):
        requests.get(rest_url, timeout=5)


def is_running(pid: int) -> bool:
    """True unless the process is gone or a zombie (dead, waiting for its parent to collect it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_until_gone(pid: int) -> None:
    """Poll for up to 30 s: a generous bound on the emulator's shutdown, not a timing assertion."""
    deadline = time.monotonic() + 30
    while is_running(pid):
        if time.monotonic() > deadline:
            raise AssertionError(f"the emulator (pid {pid}) outlived the process that started it")
        time.sleep(0.1)
