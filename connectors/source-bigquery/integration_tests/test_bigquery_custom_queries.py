"""Custom query streams against the emulator: complex queries bound with typed parameters of every
shape, their schema from a dry run, incremental reads resumed exactly, parameter mistakes named at
check, and the cost guard on what the emulator does estimate (Storage Read sessions)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from airbyte_cdk.models import FailureType, Status, SyncMode
from bigquery_harness import Connector, Output, configured_catalog, emulator_config, stream_state

from sandbox.bigquery import seed
from sandbox.bigquery.emulator import BigQueryEmulator

pytestmark = pytest.mark.emulator

FULL, INCREMENTAL = SyncMode.full_refresh, SyncMode.incremental
CONVERTED_LINES = {
    "name": "converted_lines",
    "sql": """
        WITH recent AS (  -- @not_a_parameter in a comment
            SELECT order_id, line_no, sku, unit_price, updated_at FROM order_lines
            WHERE RANGE_CONTAINS(@window, updated_at)
        )
        SELECT r.order_id, r.line_no, r.sku, r.unit_price * @rate.factor AS converted,
               @rate.currency.code AS currency, r.updated_at
        FROM recent AS r
        WHERE r.sku IN UNNEST(@skus) AND r.order_id IN UNNEST(@filter.orders) AND r.sku != '@skus'
    """,
    "parameters": [
        {
            "name": "window",
            "type": "RANGE<TIMESTAMP>",
            "value": {"start": "2026-01-01T00:02:00Z", "end": None},
        },
        {
            "name": "rate",
            "type": "STRUCT<factor NUMERIC, currency STRUCT<code STRING>>",
            "value": {"factor": "2", "currency": {"code": "EUR"}},
        },
        {"name": "skus", "type": "ARRAY<STRING>", "value": ["SKU-1", "SKU-3"]},
        {"name": "filter", "type": "STRUCT<orders ARRAY<INT64>>", "value": {"orders": [2, 3, 4]}},
    ],
    "cursor_field": "updated_at",
    "primary_key": ["order_id", "line_no"],
}
EVERY_SCALAR = {
    "name": "every_scalar",
    "sql": "SELECT @i AS i, @f AS f, @n AS n, @bn AS bn, @b AS b, @s AS s, @by AS `by`, @d AS d, @dt AS dt, "
    "@ts AS ts, @t AS t, @nothing AS nothing",
    "parameters": [
        {"name": "i", "type": "INT64", "value": "-9223372036854775808"},
        {"name": "f", "type": "FLOAT64", "value": 2.5},
        {"name": "n", "type": "NUMERIC", "value": "12345678901234567890123456789.123456789"},
        {"name": "bn", "type": "BIGNUMERIC", "value": "-0.000000000000000001"},
        {"name": "b", "type": "BOOL", "value": False},
        {"name": "s", "type": "STRING", "value": 'Zoë "quoted"'},
        {"name": "by", "type": "BYTES", "value": "AP8="},
        {"name": "d", "type": "DATE", "value": "2026-01-31"},
        {"name": "dt", "type": "DATETIME", "value": "2026-01-31T23:59:59.999999"},
        {"name": "ts", "type": "TIMESTAMP", "value": "2026-01-31T13:34:56.123456+01:00"},
        {"name": "t", "type": "TIME", "value": "23:59:59.999999"},
        {"name": "nothing", "type": "STRING", "value": None},
    ],
}


def config_with(
    emulator: BigQueryEmulator, dataset: str, *queries: dict[str, Any], **options: Any
) -> dict[str, Any]:
    """A config whose custom queries run in `dataset` (unqualified table names refer to it)."""
    qualified = [
        {**q, "sql": q["sql"].replace("FROM order_lines", f"FROM {dataset}.order_lines")} for q in queries
    ]
    return emulator_config(emulator, dataset, custom_queries=qualified, **options)


def read(
    connector: Connector,
    config: dict[str, Any],
    streams: dict[str, SyncMode],
    state: Any = None,
    **options: Any,
) -> Output:
    catalog = configured_catalog(connector.discover(config).catalog, streams, **options)
    output = connector.read(config, catalog, state)
    assert output.failure is None, output.errors()
    return output


def test_a_complex_query_binds_ranges_structs_and_arrays(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    output = read(
        connector, config_with(bigquery_emulator, dataset, CONVERTED_LINES), {"converted_lines": FULL}
    )

    records = sorted(output.exact_records("converted_lines"), key=lambda r: (r["order_id"], r["line_no"]))
    assert [(r["order_id"], r["line_no"], r["sku"]) for r in records] == [
        (2, 1, "SKU-1"), (2, 3, "SKU-3"), (3, 1, "SKU-1"), (3, 3, "SKU-3"), (4, 1, "SKU-1"), (4, 3, "SKU-3")
    ]  # fmt: skip
    assert records[0] == {
        "order_id": 2,
        "line_no": 1,
        "sku": "SKU-1",
        "converted": Decimal("5.98"),
        "currency": "EUR",
        "updated_at": "2026-01-01T00:02:00.000001Z",
    }
    (estimate,) = output.estimates()
    assert (estimate.name, estimate.byte_estimate) == ("converted_lines", 0)  # the emulator's dry runs say 0


def test_every_scalar_type_goes_through_bigquery_unchanged(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    output = read(connector, config_with(bigquery_emulator, dataset, EVERY_SCALAR), {"every_scalar": FULL})

    assert output.exact_records("every_scalar") == [
        {
            "i": -9223372036854775808,
            "f": Decimal("2.5"),
            "n": Decimal("12345678901234567890123456789.123456789"),
            "bn": Decimal("-0.000000000000000001"),
            "b": False,
            "s": 'Zoë "quoted"',
            "by": "AP8=",
            "d": "2026-01-31",
            "dt": "2026-01-31T23:59:59.999999",
            "ts": "2026-01-31T12:34:56.123456Z",
            "t": "23:59:59.999999",
            "nothing": None,
        }
    ]


def test_discover_describes_a_custom_query_from_its_dry_run(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    output = connector.discover(config_with(bigquery_emulator, dataset, CONVERTED_LINES))

    (stream,) = [s for s in output.catalog.streams if s.name == "converted_lines"]
    assert list(stream.json_schema["properties"]) == [
        "order_id",
        "line_no",
        "sku",
        "converted",
        "currency",
        "updated_at",
    ]
    assert stream.json_schema["properties"]["converted"] == {"type": ["null", "number"]}
    assert (stream.source_defined_cursor, stream.default_cursor_field) == (True, ["updated_at"])
    assert stream.source_defined_primary_key == [["order_id"], ["line_no"]]
    assert stream.supported_sync_modes == [FULL, INCREMENTAL]


def test_an_incremental_custom_query_resumes_exactly_from_every_state(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    connector.page_rows = 2
    config = config_with(bigquery_emulator, dataset, CONVERTED_LINES)
    streams = {"converted_lines": INCREMENTAL}
    first = read(connector, config, streams, cursor={"converted_lines": "updated_at"})
    states = first.records_before_each_state("converted_lines")

    for state, emitted_before in states:
        resumed = read(
            connector,
            config,
            streams,
            stream_state("converted_lines", state),
            cursor={"converted_lines": "updated_at"},
        )
        rows = [(r["order_id"], r["line_no"]) for r in emitted_before + resumed.records("converted_lines")]
        assert rows == [(2, 1), (2, 3), (3, 1), (3, 3), (4, 1), (4, 3)], state
    assert len(states) == 4
    assert states[1][0] == {
        "version": 2,
        "cursor": "2026-01-01T00:03:00.000001Z",
        "keys_at_cursor": [[3, 1], [3, 3]],
        "cursor_field": "updated_at",
    }


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (
            {"parameters": CONVERTED_LINES["parameters"][1:]},
            "Custom query 'converted_lines' cannot run: its SQL uses @window, which is not declared in "
            "`custom_queries[0].parameters`.",
        ),
        (
            {"parameters": [*CONVERTED_LINES["parameters"], {"name": "unused", "type": "INT64", "value": 1}]},
            "Custom query 'converted_lines' cannot run: parameter `unused` is declared but its SQL never "
            "uses @unused.",
        ),
        (
            {
                "parameters": [
                    {**CONVERTED_LINES["parameters"][0], "value": {"start": "soon", "end": None}},
                    *CONVERTED_LINES["parameters"][1:],
                ]
            },
            "Custom query 'converted_lines' cannot run: `custom_queries[0].parameters[0]` (window): start "
            "'soon' is not of type TIMESTAMP",
        ),
        (
            {"sql": "SELECT no_such_column FROM order_lines", "parameters": []},
            "The query for custom query 'converted_lines' is invalid (",
        ),
    ],
)
def test_check_names_what_is_wrong_with_a_custom_query(
    connector: Connector,
    bigquery_emulator: BigQueryEmulator,
    dataset: str,
    change: dict[str, Any],
    complaint: str,
) -> None:
    output = connector.check(config_with(bigquery_emulator, dataset, {**CONVERTED_LINES, **change}))

    assert output.connection_status.status == Status.FAILED
    assert output.connection_status.message.startswith(complaint)
    assert output.errors()[0].failure_type == FailureType.config_error


def test_check_passes_valid_custom_queries(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    output = connector.check(config_with(bigquery_emulator, dataset, CONVERTED_LINES, EVERY_SCALAR))

    assert output.connection_status.status == Status.SUCCEEDED


def test_a_storage_read_estimated_above_the_maximum_stops_before_reading(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    config = emulator_config(bigquery_emulator, dataset, maximum_bytes_billed=100)
    catalog = configured_catalog(connector.discover(config).catalog, {seed.ORDER_LINES_TABLE: FULL})

    output = connector.read(config, catalog)

    assert output.records() == []
    (stream_error, *_summary) = output.errors()
    assert stream_error.failure_type == FailureType.config_error
    assert stream_error.message.startswith(
        f"Reading table `sandbox.{dataset}.order_lines` would process 576 bytes (576 bytes, BigQuery's "
        "estimate), more than `maximum_bytes_billed` allows (100 bytes)."
    )
