"""Incremental reads against the emulator: a user-chosen cursor column of every orderable type,
checkpoints every page, exact resumption from every state emitted (ties at the cursor included),
required partition filters, date shards by suffix, and states of the official connectors."""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from airbyte_cdk.models import FailureType, SyncMode
from bigquery_harness import Connector, Output, configured_catalog, emulator_config, stream_state

from sandbox.bigquery import seed
from sandbox.bigquery.emulator import BigQueryEmulator
from sandbox.bigquery.fake_api import FakeStorageRead

pytestmark = pytest.mark.emulator

INCREMENTAL = SyncMode.incremental
ORDER_LINES = seed.ORDER_LINES_TABLE
ALL_LINES = [
    (order, line) for order in range(1, seed.ORDERS + 1) for line in range(1, seed.LINES_PER_ORDER + 1)
]


@pytest.fixture
def paged(connector: Connector) -> Connector:
    """Pages of 5 rows: order_lines' ties (3 lines per updated_at) straddle page boundaries."""
    connector.page_rows = 5
    return connector


@pytest.fixture(scope="module")
def writable(bigquery_emulator: BigQueryEmulator) -> str:
    """A dataset of its own, whose tables tests may add rows to."""
    dataset_id = f"writable_{uuid.uuid4().hex[:12]}"
    seed.seed(bigquery_emulator.client(), dataset_id)
    return dataset_id


def sync(
    connector: Connector,
    emulator: BigQueryEmulator,
    dataset: str,
    stream: str,
    cursor: str,
    state: dict[str, Any] | None = None,
    **options: Any,
) -> Output:
    config = emulator_config(emulator, dataset, **options.pop("config", {}))
    catalog = configured_catalog(
        connector.discover(config).catalog, {stream: INCREMENTAL}, cursor={stream: cursor}, **options
    )
    output = connector.read(config, catalog, stream_state(stream, state) if state is not None else None)
    assert output.failure is None, output.errors()
    return output


def lines(records: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [(record["order_id"], record["line_no"]) for record in records]


def test_rows_come_in_cursor_order_with_a_checkpoint_after_every_page(
    paged: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    output = sync(paged, bigquery_emulator, dataset, ORDER_LINES, "updated_at")

    assert lines(output.records(ORDER_LINES)) == ALL_LINES
    checkpoints = [
        (state["cursor"], state["keys_at_cursor"])
        for state, _ in output.records_before_each_state(ORDER_LINES)
    ]
    assert checkpoints == [
        ("2026-01-01T00:02:00.000001Z", [[2, 1], [2, 2]]),  # page 1: order 1, and two lines of order 2
        ("2026-01-01T00:04:00.000001Z", [[4, 1]]),
        ("2026-01-01T00:04:00.000001Z", [[4, 1], [4, 2], [4, 3]]),
        ("2026-01-01T00:04:00.000001Z", [[4, 1], [4, 2], [4, 3]]),  # the CDK's final checkpoint
    ]
    (first, *_rest) = [state for state, _ in output.records_before_each_state(ORDER_LINES)]
    assert (first["version"], first["cursor_field"]) == (2, "updated_at")
    assert [state.sourceStats.recordCount for state in output.state_messages()] == [5.0, 5.0, 2.0, 0.0]


def test_resuming_from_every_emitted_state_reads_each_row_exactly_once(
    paged: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    first = sync(paged, bigquery_emulator, dataset, ORDER_LINES, "updated_at")

    for state, emitted_before in first.records_before_each_state(ORDER_LINES):
        resumed = sync(paged, bigquery_emulator, dataset, ORDER_LINES, "updated_at", state)
        assert lines(emitted_before) + lines(resumed.records(ORDER_LINES)) == ALL_LINES, state


def test_new_rows_tying_with_the_last_cursor_value_are_not_lost(
    paged: Connector, bigquery_emulator: BigQueryEmulator, writable: str
) -> None:
    client = bigquery_emulator.client()
    table = f"late_{uuid.uuid4().hex[:8]}"
    seed.run_script(
        client, writable, f"CREATE TABLE {table} AS SELECT order_id, line_no, updated_at FROM order_lines"
    )
    key = {table: ["order_id", "line_no"]}
    first = sync(paged, bigquery_emulator, writable, table, "updated_at", primary_key=key)
    final_state = first.states(table)[-1]
    seed.run_script(
        client,
        writable,
        f"INSERT INTO {table} VALUES (4, 4, TIMESTAMP '2026-01-01 00:04:00.000001+00'), "
        f"(5, 1, TIMESTAMP '2026-01-01 00:05:00.000001+00')",
    )

    second = sync(paged, bigquery_emulator, writable, table, "updated_at", final_state, primary_key=key)

    assert lines(second.records(table)) == [(4, 4), (5, 1)]
    assert second.states(table)[-1]["keys_at_cursor"] == [[5, 1]]


@pytest.mark.parametrize(
    ("stream", "cursor", "primary_key", "last_cursor"),
    [
        (ORDER_LINES, "order_id", None, "4"),  # INT64
        (ORDER_LINES, "unit_price", None, "4.99"),  # NUMERIC
        (ORDER_LINES, "sku", None, "SKU-3"),  # STRING
        (seed.ALL_TYPES_TABLE, "bignumeric_col", None, "12345678901234567890.123456789012345678"),
        (seed.ALL_TYPES_TABLE, "date_col", None, "2026-01-31"),  # DATE
        (seed.ALL_TYPES_TABLE, "datetime_col", None, "9999-12-31T23:59:59.999999"),  # DATETIME: no zone
        (seed.ALL_TYPES_TABLE, "timestamp_col", None, "2026-01-31T12:34:56.123456Z"),  # TIMESTAMP
        (
            seed.DAILY_SALES_TABLE,
            "sale_date",
            ["sale_date", "store"],
            "2026-01-07",
        ),  # partition filter required
        (seed.ORDER_TOTALS_VIEW, "updated_at", ["order_id"], "2026-01-01T00:04:00.000001Z"),  # a view
    ],
)
def test_every_orderable_type_can_be_the_cursor_and_a_second_sync_reads_nothing_again(
    paged: Connector,
    bigquery_emulator: BigQueryEmulator,
    dataset: str,
    stream: str,
    cursor: str,
    primary_key: list[str] | None,
    last_cursor: str,
) -> None:
    keys = {stream: primary_key} if primary_key else None
    first = sync(paged, bigquery_emulator, dataset, stream, cursor, primary_key=keys)
    final_state = first.states(stream)[-1]

    second = sync(paged, bigquery_emulator, dataset, stream, cursor, final_state, primary_key=keys)

    assert final_state["cursor"] == last_cursor
    values = [record.get(cursor) for record in first.exact_records(stream)]
    non_null = [value for value in values if value is not None]
    assert non_null == sorted(non_null)
    assert second.records(stream) == []


def test_rows_with_a_null_cursor_are_read_by_the_first_sync(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    output = sync(connector, bigquery_emulator, dataset, seed.ALL_TYPES_TABLE, "numeric_col")

    assert [record["id"] for record in output.exact_records(seed.ALL_TYPES_TABLE)] == [3, 2, 1]
    assert output.states(seed.ALL_TYPES_TABLE)[-1]["cursor"] == "12345678901234567890123456789.123456789"


def test_without_a_primary_key_rows_at_the_last_value_are_read_again(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    first = sync(connector, bigquery_emulator, dataset, seed.DAILY_SALES_TABLE, "sale_date")

    second = sync(
        connector,
        bigquery_emulator,
        dataset,
        seed.DAILY_SALES_TABLE,
        "sale_date",
        first.states(seed.DAILY_SALES_TABLE)[-1],
    )

    assert sorted(r["store"] for r in second.records()) == ["north", "south"]  # the two rows of 2026-01-07
    assert any("has no primary key" in log for log in first.logs())


def test_date_shards_by_suffix_resume_after_the_last_shard_read(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    first = sync(connector, bigquery_emulator, dataset, "events_*", "_table_suffix")
    checkpoints = [state["cursor"] for state, _ in first.records_before_each_state("events_*")]

    resumed = sync(
        connector,
        bigquery_emulator,
        dataset,
        "events_*",
        "_table_suffix",
        {"version": 2, "cursor": "20260104"},
    )

    assert checkpoints == [f"{day:%Y%m%d}" for day in seed.EVENT_DAYS]  # one per shard
    assert len(first.records("events_*")) == len(seed.EVENT_SHARDS) * seed.EVENTS_PER_SHARD
    assert Counter(r["_table_suffix"] for r in resumed.records("events_*")) == {
        "20260105": 3,
        "20260106": 3,
        "20260107": 3,
    }
    for state, emitted_before in first.records_before_each_state("events_*"):
        again = sync(connector, bigquery_emulator, dataset, "events_*", "_table_suffix", state)
        assert emitted_before + again.records("events_*") == first.records("events_*"), state


def test_date_shards_by_another_cursor_are_one_sorted_query_over_the_wildcard(
    paged: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    key = {"events_*": ["event_id"]}
    first = sync(paged, bigquery_emulator, dataset, "events_*", "event_timestamp", primary_key=key)

    assert first.records("events_*")[0]["_table_suffix"] == "20260101"
    for state, emitted_before in first.records_before_each_state("events_*"):
        resumed = sync(
            paged, bigquery_emulator, dataset, "events_*", "event_timestamp", state, primary_key=key
        )
        events = [r["event_id"] for r in emitted_before + resumed.records("events_*")]
        assert events == list(range(1, len(seed.EVENT_SHARDS) * seed.EVENTS_PER_SHARD + 1)), state


@pytest.mark.parametrize(
    "official_state",
    [
        {"updated_at": "2026-01-01T00:02:00.000001Z"},  # the official Python connectors' shape
        {
            "cursor_field": ["updated_at"],
            "cursor": "2026-01-01T00:02:00.000001Z",
            "state_type": "cursor_based",
        },
    ],
)
def test_official_states_are_resumed_from_their_value(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str, official_state: dict[str, Any]
) -> None:
    output = sync(connector, bigquery_emulator, dataset, ORDER_LINES, "updated_at", official_state)

    assert lines(output.records(ORDER_LINES)) == ALL_LINES[3:]  # from order 2, its lines read again


@pytest.mark.parametrize(
    ("state", "complaint"),
    [
        ({"version": 2, "cursor": "yesterday"}, "expected an ISO 8601 datetime or epoch milliseconds"),
        ({"version": 2, "cursor": "2", "cursor_field": "order_id"}, "it was saved for cursor 'order_id'"),
    ],
)
def test_invalid_states_are_config_errors(
    connector: Connector,
    bigquery_emulator: BigQueryEmulator,
    dataset: str,
    state: dict[str, Any],
    complaint: str,
) -> None:
    config = emulator_config(bigquery_emulator, dataset)
    catalog = configured_catalog(
        connector.discover(config).catalog, {ORDER_LINES: INCREMENTAL}, cursor={ORDER_LINES: "updated_at"}
    )

    output = connector.read(config, catalog, stream_state(ORDER_LINES, state))

    assert output.errors()[0].failure_type == FailureType.config_error
    assert complaint in output.errors()[0].message


def test_a_cursor_that_cannot_order_rows_is_a_config_error(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    config = emulator_config(bigquery_emulator, dataset)
    discovered = connector.discover(config).catalog
    catalog = configured_catalog(
        discovered, {seed.ALL_TYPES_TABLE: INCREMENTAL}, cursor={seed.ALL_TYPES_TABLE: "json_col"}
    )

    output = connector.read(config, catalog)

    assert output.errors()[0].failure_type == FailureType.config_error
    assert output.errors()[0].message.startswith(
        "Stream 'all_types' cannot use `json_col` as its cursor: choose one of id, int64_col, numeric_col,"
    )


def test_without_the_storage_read_api_sorted_pages_resume_exactly_too(
    paged: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    with FakeStorageRead(implemented=False) as no_storage:
        options = {"config": {"storage_api_endpoint": no_storage.endpoint}}
        first = sync(paged, bigquery_emulator, dataset, ORDER_LINES, "updated_at", **options)
        resumed = [
            (
                emitted_before,
                sync(paged, bigquery_emulator, dataset, ORDER_LINES, "updated_at", state, **options),
            )
            for state, emitted_before in first.records_before_each_state(ORDER_LINES)
        ]

    assert lines(first.records(ORDER_LINES)) == ALL_LINES
    assert len(resumed) == 4
    for emitted_before, output in resumed:
        assert lines(emitted_before) + lines(output.records(ORDER_LINES)) == ALL_LINES
    assert first.records(ORDER_LINES)[0]["unit_price"] == pytest.approx(float(Decimal("1.99")))
