"""Full refresh against the emulator: every type read back exactly, columns and rows filtered by
BigQuery, required partition filters, shards, views, parallel streams, and the REST fallback."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer, SyncMode, Type
from airbyte_cdk.test import entrypoint_wrapper
from bigquery_harness import Connector, Output, configured_catalog, emulator_config

from sandbox.bigquery import seed
from sandbox.bigquery.emulator import BigQueryEmulator
from sandbox.bigquery.fake_api import FakeStorageRead
from sandbox.protocol import parse_messages
from source_bigquery.source import SourceBigquery

pytestmark = pytest.mark.emulator

FULL = SyncMode.full_refresh
ALL_TYPES_RECORDS: list[dict[str, Any]] = [
    {
        "id": 1,
        "int64_col": 9223372036854775807,
        "float64_col": Decimal("3.141592653589793"),
        "numeric_col": Decimal("12345678901234567890123456789.123456789"),
        "bignumeric_col": Decimal("12345678901234567890.123456789012345678"),
        "bool_col": True,
        "string_col": 'Zoë "quoted" \\ back\nslash 🚀',
        "bytes_col": "AP9iaW5hcnk=",
        "date_col": "2026-01-31",
        "datetime_col": "2026-01-31T23:59:59.999999",
        "timestamp_col": "2026-01-31T12:34:56.123456Z",
        "time_col": "23:59:59.999999",
        "geography_col": "POINT(-122.084 37.422)",
        "json_col": {"name": "Ada", "values": [1, Decimal("2.5"), None, True, "x"], "nested": {"deep": {}}},
        "record_col": {
            "name": "Ada", "score": Decimal("9.5"), "address": {"city": "London", "zip": "N1 9GU"},
            "tags": ["a", "b"],
        },
        "repeated_col": [3, 1, 2],
        "repeated_record_col": [{"key": "k1", "value": 1}, {"key": "k2", "value": 2}],
        "date_range_col": {"start": "2026-01-01", "end": "2026-02-01"},
        "timestamp_range_col": {"start": "2026-01-01T00:00:00.000001Z", "end": None},
    },
    {
        "id": 2,
        "int64_col": -9223372036854775808,
        "float64_col": Decimal("-2.5e-300"),
        "numeric_col": Decimal("-0.000000001"),
        "bignumeric_col": Decimal("-0.000000000000000001"),
        "bool_col": False,
        "string_col": "",
        "bytes_col": "",
        "date_col": "0001-01-01",
        "datetime_col": "9999-12-31T23:59:59.999999",
        "timestamp_col": "1969-12-31T23:59:59.999999Z",
        "time_col": "00:00:00.000000",
        "geography_col": "LINESTRING(0 0, 1 1)",
        "json_col": [1, "two", {"three": 3}],
        "record_col": {"name": None, "score": None, "address": None, "tags": []},
        "repeated_col": [],
        "repeated_record_col": [],
        "date_range_col": {"start": None, "end": "2026-12-31"},
        "timestamp_range_col": {"start": None, "end": None},
    },
    {
        "id": 3,
        **dict.fromkeys(
            [
                "int64_col", "float64_col", "numeric_col", "bignumeric_col", "bool_col", "string_col",
                "bytes_col", "date_col", "datetime_col", "timestamp_col", "time_col", "geography_col",
                "json_col", "record_col", "date_range_col", "timestamp_range_col",
            ]
        ),
        "repeated_col": [],
        "repeated_record_col": [],
    },
]  # fmt: skip
# Number literals exactly as written (Decimal equality would accept 1E-9 for 0.000000001).
NUMBER_LITERALS = [
    '"numeric_col":12345678901234567890123456789.123456789,',
    '"bignumeric_col":12345678901234567890.123456789012345678,',
    '"numeric_col":-0.000000001,',
    '"bignumeric_col":-0.000000000000000001,',
    '"float64_col":-2.5e-300,',
]
BIG_ROWS = 250_000  # the emulator cuts one Storage Read stream per 100,000 rows: three streams


@pytest.fixture(scope="module")
def big_dataset(bigquery_emulator: BigQueryEmulator) -> str:
    dataset_id = f"big_{uuid.uuid4().hex[:12]}"
    client = bigquery_emulator.client()
    client.create_dataset(dataset_id)
    seed.seed_big_table(client, dataset_id, BIG_ROWS)
    return dataset_id


@pytest.fixture(scope="module")
def interval_dataset(bigquery_emulator: BigQueryEmulator) -> str:
    """A table with an INTERVAL column (not in the seed: the emulator stores no negative interval)."""
    dataset_id = f"intervals_{uuid.uuid4().hex[:12]}"
    client = bigquery_emulator.client()
    client.create_dataset(dataset_id)
    client.query(
        f"CREATE TABLE `{dataset_id}.intervals` AS "
        "SELECT 1 AS id, INTERVAL '1-2 3 4:5:6.5' YEAR TO SECOND AS waited "
        "UNION ALL SELECT 2, INTERVAL 90 MINUTE "
        "UNION ALL SELECT 3, CAST(NULL AS INTERVAL)"
    ).result()
    return dataset_id


@pytest.fixture(scope="module")
def discovered(bigquery_emulator: BigQueryEmulator, dataset: str) -> Any:
    import logging

    return SourceBigquery().discover(
        logging.getLogger("airbyte"), emulator_config(bigquery_emulator, dataset)
    )


def read(
    connector: Connector, config: dict[str, Any], discovered: Any, *streams: str, **options: Any
) -> Output:
    output = connector.read(config, configured_catalog(discovered, dict.fromkeys(streams, FULL), **options))
    assert output.failure is None, output.errors()
    return output


def by_id(records: list[dict[str, Any]], key: str = "id") -> list[dict[str, Any]]:
    return sorted(records, key=lambda record: record[key])


def test_every_type_is_read_back_exactly(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str, discovered: Any
) -> None:
    output = read(connector, emulator_config(bigquery_emulator, dataset), discovered, seed.ALL_TYPES_TABLE)

    assert by_id(output.exact_records(seed.ALL_TYPES_TABLE)) == ALL_TYPES_RECORDS
    text = "\n".join(output.lines)
    assert all(literal in text for literal in NUMBER_LITERALS)


def test_the_cdks_own_entrypoint_reads_the_same_records(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str, discovered: Any
) -> None:
    config = emulator_config(bigquery_emulator, dataset)
    catalog = configured_catalog(discovered, {seed.ALL_TYPES_TABLE: FULL})
    fast = connector.read(config, catalog)

    plain = entrypoint_wrapper.read(SourceBigquery(), config, catalog)  # every message validated strictly

    without_nulls = [{k: v for k, v in record.items() if v is not None} for record in fast.records()]
    assert by_id([message.record.data for message in plain.records]) == by_id(without_nulls)
    assert [state.state.sourceStats.recordCount for state in plain.state_messages] == [3.0]


def test_only_the_selected_columns_are_read(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str, discovered: Any
) -> None:
    output = read(
        connector,
        emulator_config(bigquery_emulator, dataset),
        discovered,
        seed.ALL_TYPES_TABLE,
        columns={seed.ALL_TYPES_TABLE: ["id", "date_range_col"]},
    )

    assert by_id(output.exact_records(seed.ALL_TYPES_TABLE)) == [
        {"id": 1, "date_range_col": {"start": "2026-01-01", "end": "2026-02-01"}},
        {"id": 2, "date_range_col": {"start": None, "end": "2026-12-31"}},
        {"id": 3, "date_range_col": None},
    ]


def test_a_row_filter_is_applied_by_bigquery(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str, discovered: Any
) -> None:
    tables = [{"table": f"{dataset}.{seed.ORDER_LINES_TABLE}", "row_filter": "order_id = 2 AND line_no > 1"}]

    output = read(
        connector, emulator_config(bigquery_emulator, dataset, tables=tables), discovered, "order_lines"
    )

    assert sorted((r["order_id"], r["line_no"]) for r in output.records()) == [(2, 2), (2, 3)]


def test_a_table_requiring_a_partition_filter_is_read_whole(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str, discovered: Any
) -> None:
    output = read(connector, emulator_config(bigquery_emulator, dataset), discovered, seed.DAILY_SALES_TABLE)

    records = output.exact_records(seed.DAILY_SALES_TABLE)
    assert len(records) == seed.DAILY_SALES_ROWS
    assert {"sale_date": "2026-01-07", "store": "south", "amount": Decimal("700.7")} in records


def test_date_shards_are_read_shard_by_shard_with_their_suffix(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str, discovered: Any
) -> None:
    output = read(connector, emulator_config(bigquery_emulator, dataset), discovered, "events_*")

    records = output.records("events_*")
    assert [r["event_id"] for r in records] == list(
        range(1, len(seed.EVENT_SHARDS) * seed.EVENTS_PER_SHARD + 1)
    )
    assert records[3] == {
        "event_id": 4,
        "event_timestamp": "2026-01-02T00:00:00.000000Z",
        "event_name": "page_view",
        "_table_suffix": "20260102",
    }
    (estimate,) = output.estimates()
    assert (estimate.name, estimate.row_estimate) == ("events_*", seed.EVENTS_PER_SHARD)


def test_a_view_is_read_through_a_query(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str, discovered: Any
) -> None:
    output = read(connector, emulator_config(bigquery_emulator, dataset), discovered, seed.ORDER_TOTALS_VIEW)

    assert by_id(output.exact_records(seed.ORDER_TOTALS_VIEW), "order_id")[0] == {
        "order_id": 1,
        "total": Decimal("11.94"),  # (1 + 2 + 3) * 1.99, summed by BigQuery as NUMERIC: exactly
        "updated_at": "2026-01-01T00:01:00.000001Z",
    }


def test_a_table_of_several_streams_is_read_in_parallel_exactly_once(
    connector: Connector, bigquery_emulator: BigQueryEmulator, big_dataset: str
) -> None:
    config = emulator_config(bigquery_emulator, big_dataset)
    discovered = connector.discover(config).catalog

    output = read(connector, config, discovered, seed.BIG_TABLE)

    ids = [record["id"] for record in output.records(seed.BIG_TABLE)]
    assert sorted(ids) == list(range(1, BIG_ROWS + 1))
    (state,) = output.state_messages()
    assert state.sourceStats.recordCount == BIG_ROWS
    (estimate,) = output.estimates()
    assert estimate.row_estimate == BIG_ROWS
    statuses = [
        m.trace.stream_status.status.value for m in output.of_type(Type.TRACE) if m.trace.stream_status
    ]
    assert statuses == ["STARTED", "RUNNING", "COMPLETE"]


@pytest.mark.parametrize("row_filter", [None, "id IN (1, 3)"])
def test_without_the_storage_read_api_rows_are_paged_through_rest(
    connector: Connector,
    bigquery_emulator: BigQueryEmulator,
    dataset: str,
    discovered: Any,
    row_filter: str | None,
) -> None:
    tables = [{"table": f"{dataset}.{seed.ALL_TYPES_TABLE}", "row_filter": row_filter}] if row_filter else []
    with FakeStorageRead(implemented=False) as no_storage:
        config = emulator_config(
            bigquery_emulator, dataset, storage_api_endpoint=no_storage.endpoint, tables=tables
        )
        output = read(connector, config, discovered, seed.ALL_TYPES_TABLE)

    expected = [r for r in ALL_TYPES_RECORDS if row_filter is None or r["id"] in (1, 3)]
    assert by_id(output.exact_records(seed.ALL_TYPES_TABLE)) == expected
    assert any("the Storage Read API is not available" in log for log in output.logs())


# The client warns that Arrow has no INTERVAL type, then pages month-day-nano intervals anyway.
@pytest.mark.filterwarnings("ignore:Unable to determine Arrow type:UserWarning")
@pytest.mark.parametrize("storage_read", [True, False])
def test_an_interval_is_bigquerys_canonical_text_through_either_api(
    connector: Connector, bigquery_emulator: BigQueryEmulator, interval_dataset: str, storage_read: bool
) -> None:
    with FakeStorageRead(implemented=False) as no_storage:
        options = {} if storage_read else {"storage_api_endpoint": no_storage.endpoint}
        config = emulator_config(bigquery_emulator, interval_dataset, **options)
        discovered = connector.discover(config).catalog
        output = read(connector, config, discovered, "intervals")

    (stream,) = discovered.streams
    assert stream.json_schema["properties"]["waited"] == {"type": ["null", "string"]}
    assert by_id(output.exact_records("intervals")) == [
        {"id": 1, "waited": "1-2 3 4:5:6.5"},
        {"id": 2, "waited": "0-0 0 1:30:0"},
        {"id": 3, "waited": None},
    ]
    assert any("the Storage Read API is not available" in log for log in output.logs()) != storage_read


def test_the_command_writes_valid_messages_in_order(
    bigquery_emulator: BigQueryEmulator, dataset: str, discovered: Any, tmp_path: Path
) -> None:
    """As the platform runs it: its own process, the CDK's print buffer between our lines and its own."""
    config, catalog = tmp_path / "config.json", tmp_path / "catalog.json"
    config.write_text(json.dumps(emulator_config(bigquery_emulator, dataset)))
    streams = {seed.ALL_TYPES_TABLE: FULL, "events_*": FULL}
    catalog.write_text(
        json.dumps(ConfiguredAirbyteCatalogSerializer.dump(configured_catalog(discovered, streams)))
    )
    command = [str(Path(sys.executable).parent / "source-bigquery"), "read", "--config", str(config)]

    finished = subprocess.run(
        [*command, "--catalog", str(catalog)], capture_output=True, timeout=120, check=True
    )

    messages = parse_messages(finished.stdout.decode().split("\n"))
    kinds = [
        (
            m.type.value,
            m.record.stream if m.record else m.state.stream.stream_descriptor.name if m.state else "",
        )
        for m in messages
        if m.type in (Type.RECORD, Type.STATE)
    ]
    assert kinds == [("RECORD", seed.ALL_TYPES_TABLE)] * 3 + [("STATE", seed.ALL_TYPES_TABLE)] + [
        ("RECORD", "events_*")
    ] * 21 + [("STATE", "events_*")]
