"""`discover` against the emulator: every table and view, the exact JSON schema of every BigQuery type,
primary keys from table constraints, cursor candidates, partitioning, and date shards as one stream."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from airbyte_cdk.models import FailureType, SyncMode
from bigquery_harness import Connector, emulator_config

from sandbox.bigquery import seed
from sandbox.bigquery.emulator import BigQueryEmulator
from source_bigquery.source import SourceBigquery

pytestmark = pytest.mark.emulator


def nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": ["null", kind], **extra}


TIMESTAMP = {"format": "date-time", "airbyte_type": "timestamp_with_timezone"}
ANY_JSON = ["null", "object", "array", "string", "number", "integer", "boolean"]
ALL_TYPES_PROPERTIES = {
    "id": {"type": "integer"},
    "int64_col": nullable("integer"),
    "float64_col": nullable("number"),
    "numeric_col": nullable("number"),
    "bignumeric_col": nullable("number"),
    "bool_col": nullable("boolean"),
    "string_col": nullable("string"),
    "bytes_col": nullable("string", contentEncoding="base64"),
    "date_col": nullable("string", format="date"),
    "datetime_col": nullable("string", airbyte_type="timestamp_without_timezone"),
    "timestamp_col": nullable("string", **TIMESTAMP),
    "time_col": nullable("string", airbyte_type="time_without_timezone"),
    "geography_col": nullable("string", description="Well-known text (WKT)"),
    "json_col": {"type": ANY_JSON},
    "record_col": nullable(
        "object",
        properties={
            "name": nullable("string"),
            "score": nullable("number"),
            "address": nullable(
                "object",
                properties={"city": nullable("string"), "zip": nullable("string")},
            ),
            "tags": {"type": ["null", "array"], "items": {"type": "string"}},
        },
    ),
    "repeated_col": {"type": ["null", "array"], "items": {"type": "integer"}},
    "repeated_record_col": {
        "type": ["null", "array"],
        "items": {
            "type": "object",
            "properties": {"key": nullable("string"), "value": nullable("integer")},
        },
    },
    "date_range_col": nullable(
        "object",
        properties={"start": nullable("string", format="date"), "end": nullable("string", format="date")},
    ),
    "timestamp_range_col": nullable(
        "object",
        properties={"start": nullable("string", **TIMESTAMP), "end": nullable("string", **TIMESTAMP)},
    ),
}


@pytest.fixture(scope="module")
def streams(bigquery_emulator: BigQueryEmulator, dataset: str) -> dict[str, Any]:
    """The catalog of the seeded dataset, by stream name (discovered once for the module)."""
    catalog = SourceBigquery().discover(
        logging.getLogger("airbyte"), emulator_config(bigquery_emulator, dataset)
    )
    return {stream.name: stream for stream in catalog.streams}


def test_every_table_view_and_shard_group_is_a_stream(streams: dict[str, Any]) -> None:
    assert sorted(streams) == sorted(
        [
            seed.ALL_TYPES_TABLE,
            seed.ORDER_LINES_TABLE,
            seed.DAILY_SALES_TABLE,
            seed.ORDER_TOTALS_VIEW,
            "events_*",
        ]
    )


def test_every_bigquery_type_has_its_exact_json_schema(streams: dict[str, Any]) -> None:
    schema = streams[seed.ALL_TYPES_TABLE].json_schema

    assert schema["properties"] == ALL_TYPES_PROPERTIES
    assert schema["type"] == "object"


def test_primary_keys_come_from_table_constraints(streams: dict[str, Any]) -> None:
    assert streams[seed.ALL_TYPES_TABLE].source_defined_primary_key == [["id"]]
    assert streams[seed.ORDER_LINES_TABLE].source_defined_primary_key == [["order_id"], ["line_no"]]
    assert streams[seed.DAILY_SALES_TABLE].source_defined_primary_key is None


def test_cursor_candidates_are_listed_and_make_a_stream_incremental(streams: dict[str, Any]) -> None:
    order_lines = streams[seed.ORDER_LINES_TABLE]

    assert order_lines.supported_sync_modes == [SyncMode.full_refresh, SyncMode.incremental]
    assert order_lines.source_defined_cursor is False
    assert order_lines.default_cursor_field == ["updated_at"]
    assert order_lines.json_schema["description"].endswith(
        ".order_lines`. Cursor candidates: order_id, line_no, sku, quantity, unit_price, updated_at."
    )


def test_partitioning_and_its_required_filter_are_noted(streams: dict[str, Any]) -> None:
    daily_sales = streams[seed.DAILY_SALES_TABLE]

    assert (
        "Partitioned by day on `sale_date`. BigQuery requires a filter on it (require_partition_filter); "
        in (daily_sales.json_schema["description"])
    )
    assert daily_sales.default_cursor_field == ["sale_date"]


def test_date_shards_are_one_stream_with_their_suffix(streams: dict[str, Any]) -> None:
    events = streams["events_*"]

    assert list(events.json_schema["properties"]) == [
        "event_id",
        "event_timestamp",
        "event_name",
        "_table_suffix",
    ]
    assert events.json_schema["properties"]["_table_suffix"] == {"type": "string"}
    assert "7 shards (20260101 to 20260107), read shard by shard" in events.json_schema["description"]


def test_a_view_is_described_from_its_schema(streams: dict[str, Any]) -> None:
    view = streams[seed.ORDER_TOTALS_VIEW]

    assert list(view.json_schema["properties"]) == ["order_id", "total", "updated_at"]
    assert view.json_schema["description"].startswith("BigQuery view `")


def test_several_datasets_name_streams_with_their_dataset(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    other = f"{dataset}_other"
    client = bigquery_emulator.client()
    client.create_dataset(other)
    seed.run_script(client, other, "CREATE TABLE orders (id INT64)")

    output = connector.discover(emulator_config(bigquery_emulator, dataset, datasets=[other]))

    names = [stream.name for stream in output.catalog.streams]
    assert f"{other}.orders" in names
    assert f"{dataset}.{seed.ALL_TYPES_TABLE}" in names
    assert f"{dataset}.events_*" in names


def test_table_settings_select_columns(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    settings = [{"table": f"{dataset}.{seed.ORDER_LINES_TABLE}", "columns": ["updated_at", "order_id"]}]

    output = connector.discover(emulator_config(bigquery_emulator, dataset, tables=settings))

    (order_lines,) = [s for s in output.catalog.streams if s.name == seed.ORDER_LINES_TABLE]
    assert list(order_lines.json_schema["properties"]) == ["order_id", "updated_at"]
    assert order_lines.source_defined_primary_key is None  # line_no is not read


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        (
            [{"table": "{dataset}.nope"}],
            "The per-table settings name tables that the configured datasets do not have: ",
        ),
        (
            [{"table": "{dataset}.order_lines", "columns": ["id", "sku"]}],
            "The settings of `{dataset}.order_lines` select columns it does not have: id. "
            "Its columns are: order_id",
        ),
    ],
)
def test_settings_naming_unknown_tables_or_columns_are_config_errors(
    connector: Connector,
    bigquery_emulator: BigQueryEmulator,
    dataset: str,
    settings: list[dict[str, Any]],
    complaint: str,
) -> None:
    tables = [{**setting, "table": setting["table"].format(dataset=dataset)} for setting in settings]

    output = connector.discover(emulator_config(bigquery_emulator, dataset, tables=tables))

    (error,) = output.errors()
    assert error.failure_type == FailureType.config_error
    assert error.message.startswith(complaint.format(dataset=dataset))
