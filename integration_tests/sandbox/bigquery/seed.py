"""The tables the BigQuery connector is tested and demonstrated against, created by SQL.

`seed(client)` builds one dataset holding:
- `all_types`: every BigQuery type (one column each, edge values, a row of NULLs), primary key `id`;
- `order_lines`: composite primary key (order_id, line_no) and an `updated_at` cursor with ties;
- `daily_sales`: partitioned by day, queries must filter on the partition column;
- `events_20260101` .. `events_20260107`: date-sharded tables, read as `events_*`;
- `order_totals`: a view;
- `big_table` (only when asked, e.g. one million rows for the benchmark), generated, never stored in git.

Rows are written by SQL, not streaming inserts, because the emulator loses RANGE values sent by
`insert_rows` (see README.md). ALL_TYPES_ROWS is what the official client reads back, written out
by hand so that tests compare against independent expectations.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from google.cloud import bigquery

DATASET = "sandbox"
ALL_TYPES_TABLE = "all_types"
ORDER_LINES_TABLE = "order_lines"
ORDERS = 4
LINES_PER_ORDER = 3
DAILY_SALES_TABLE = "daily_sales"
DAILY_SALES_ROWS = 14
EVENT_DAYS = tuple(datetime.date(2026, 1, day) for day in range(1, 8))
EVENT_SHARDS = tuple(f"events_{day:%Y%m%d}" for day in EVENT_DAYS)
EVENTS_PER_SHARD = 3
ORDER_TOTALS_VIEW = "order_totals"
BIG_TABLE = "big_table"

UTC = datetime.UTC

ALL_TYPES_SQL = r"""
CREATE TABLE all_types (
    id INT64 NOT NULL,
    int64_col INT64,
    float64_col FLOAT64,
    numeric_col NUMERIC,
    bignumeric_col BIGNUMERIC,
    bool_col BOOL,
    string_col STRING,
    bytes_col BYTES,
    date_col DATE,
    datetime_col DATETIME,
    timestamp_col TIMESTAMP,
    time_col TIME,
    geography_col GEOGRAPHY,
    json_col JSON,
    record_col STRUCT<
        name STRING, score FLOAT64, address STRUCT<city STRING, zip STRING>, tags ARRAY<STRING>
    >,
    repeated_col ARRAY<INT64>,
    repeated_record_col ARRAY<STRUCT<key STRING, value INT64>>,
    date_range_col RANGE<DATE>,
    timestamp_range_col RANGE<TIMESTAMP>,
    PRIMARY KEY (id) NOT ENFORCED
);
INSERT INTO all_types VALUES (
    1, 9223372036854775807, 3.141592653589793,
    NUMERIC '12345678901234567890123456789.123456789',
    BIGNUMERIC '12345678901234567890.123456789012345678',
    -- bytes from base64: the emulator stores a literal b'\xff' as UTF-8 (README.md)
    TRUE, 'Zoë "quoted" \\ back\nslash 🚀', FROM_BASE64('AP9iaW5hcnk='),
    DATE '2026-01-31', DATETIME '2026-01-31 23:59:59.999999',
    TIMESTAMP '2026-01-31 12:34:56.123456+00', TIME '23:59:59.999999',
    ST_GEOGFROMTEXT('POINT(-122.084 37.422)'),
    JSON '{"name": "Ada", "values": [1, 2.5, null, true, "x"], "nested": {"deep": {}}}',
    STRUCT('Ada', 9.5, STRUCT('London', 'N1 9GU'), ['a', 'b']),
    [3, 1, 2],
    [STRUCT('k1', 1), STRUCT('k2', 2)],
    RANGE<DATE> '[2026-01-01, 2026-02-01)',
    RANGE<TIMESTAMP> '[2026-01-01 00:00:00.000001+00, UNBOUNDED)'
), (
    2, -9223372036854775808, -2.5e-300,
    NUMERIC '-0.000000001',
    BIGNUMERIC '-0.000000000000000001',
    FALSE, '', b'',
    DATE '0001-01-01', DATETIME '9999-12-31 23:59:59.999999',
    TIMESTAMP '1969-12-31 23:59:59.999999+00', TIME '00:00:00',
    ST_GEOGFROMTEXT('LINESTRING(0 0, 1 1)'),
    JSON '[1, "two", {"three": 3}]',
    STRUCT(CAST(NULL AS STRING), CAST(NULL AS FLOAT64), NULL, CAST([] AS ARRAY<STRING>)),
    [],
    [],
    RANGE<DATE> '[UNBOUNDED, 2026-12-31)',
    RANGE<TIMESTAMP> '[UNBOUNDED, UNBOUNDED)'
), (
    3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL
)
"""

ALL_TYPES_ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "int64_col": 9223372036854775807,
        "float64_col": 3.141592653589793,
        "numeric_col": Decimal("12345678901234567890123456789.123456789"),
        "bignumeric_col": Decimal("12345678901234567890.123456789012345678"),
        "bool_col": True,
        "string_col": 'Zoë "quoted" \\ back\nslash 🚀',
        "bytes_col": b"\x00\xffbinary",
        "date_col": datetime.date(2026, 1, 31),
        "datetime_col": datetime.datetime(2026, 1, 31, 23, 59, 59, 999999),
        "timestamp_col": datetime.datetime(2026, 1, 31, 12, 34, 56, 123456, tzinfo=UTC),
        "time_col": datetime.time(23, 59, 59, 999999),
        "geography_col": "POINT(-122.084 37.422)",
        "json_col": {"name": "Ada", "values": [1, 2.5, None, True, "x"], "nested": {"deep": {}}},
        "record_col": {
            "name": "Ada", "score": 9.5, "address": {"city": "London", "zip": "N1 9GU"}, "tags": ["a", "b"]
        },
        "repeated_col": [3, 1, 2],
        "repeated_record_col": [{"key": "k1", "value": 1}, {"key": "k2", "value": 2}],
        "date_range_col": {"start": datetime.date(2026, 1, 1), "end": datetime.date(2026, 2, 1)},
        "timestamp_range_col": {"start": datetime.datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC), "end": None},
    },
    {
        "id": 2,
        "int64_col": -9223372036854775808,
        "float64_col": -2.5e-300,
        "numeric_col": Decimal("-0.000000001"),
        "bignumeric_col": Decimal("-0.000000000000000001"),
        "bool_col": False,
        "string_col": "",
        "bytes_col": b"",
        "date_col": datetime.date(1, 1, 1),
        "datetime_col": datetime.datetime(9999, 12, 31, 23, 59, 59, 999999),
        "timestamp_col": datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        "time_col": datetime.time(0, 0),
        "geography_col": "LINESTRING(0 0, 1 1)",
        "json_col": [1, "two", {"three": 3}],
        "record_col": {"name": None, "score": None, "address": None, "tags": []},
        "repeated_col": [],
        "repeated_record_col": [],
        "date_range_col": {"start": None, "end": datetime.date(2026, 12, 31)},
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
        "repeated_col": [],  # BigQuery stores a NULL array as an empty one
        "repeated_record_col": [],
    },
]  # fmt: skip

ORDER_LINES_SQL = f"""
CREATE TABLE order_lines (
    order_id INT64 NOT NULL,
    line_no INT64 NOT NULL,
    sku STRING,
    quantity INT64,
    unit_price NUMERIC,
    updated_at TIMESTAMP,
    PRIMARY KEY (order_id, line_no) NOT ENFORCED
);
-- The lines of an order share its updated_at: a cursor must not skip the rest of a tie.
INSERT INTO order_lines
SELECT order_id, line_no, CONCAT('SKU-', CAST(line_no AS STRING)), line_no,
       CAST(order_id AS NUMERIC) + NUMERIC '0.99',
       TIMESTAMP_ADD(TIMESTAMP '2026-01-01 00:00:00.000001+00', INTERVAL order_id MINUTE)
FROM UNNEST(GENERATE_ARRAY(1, {ORDERS})) AS order_id, UNNEST(GENERATE_ARRAY(1, {LINES_PER_ORDER})) AS line_no;
CREATE VIEW order_totals AS
SELECT order_id, SUM(quantity * unit_price) AS total, MAX(updated_at) AS updated_at
FROM order_lines GROUP BY order_id
"""

DAILY_SALES_SQL = """
CREATE TABLE daily_sales (sale_date DATE NOT NULL, store STRING, amount NUMERIC)
PARTITION BY sale_date
OPTIONS (require_partition_filter = TRUE);
INSERT INTO daily_sales
SELECT sale_date, store, NUMERIC '100.10' * (EXTRACT(DAY FROM sale_date))
FROM UNNEST(GENERATE_DATE_ARRAY(DATE '2026-01-01', DATE '2026-01-07')) AS sale_date,
     UNNEST(['north', 'south']) AS store
"""


def event_shard_sql(shard: str, day: datetime.date, first_event_id: int) -> str:
    """One `events_YYYYMMDD` table: EVENTS_PER_SHARD events on that day, ids unique across shards."""
    return f"""
CREATE TABLE {shard} AS
SELECT {first_event_id} + n AS event_id,
       TIMESTAMP_ADD(TIMESTAMP '{day.isoformat()} 00:00:00+00', INTERVAL n HOUR) AS event_timestamp,
       IF(MOD(n, 2) = 0, 'page_view', 'purchase') AS event_name
FROM UNNEST(GENERATE_ARRAY(0, {EVENTS_PER_SHARD - 1})) AS n
"""


BIG_TABLE_SQL = """
CREATE OR REPLACE TABLE big_table AS
SELECT id,
       CONCAT('name-', CAST(id AS STRING)) AS name,
       CAST(id AS NUMERIC) / 100 AS amount,
       TIMESTAMP_ADD(TIMESTAMP '2026-01-01 00:00:00+00', INTERVAL id MICROSECOND) AS created_at
FROM UNNEST(GENERATE_ARRAY(1, @rows)) AS id
"""


def seed(client: bigquery.Client, dataset_id: str = DATASET, *, big_table_rows: int = 0) -> None:
    """(Re)create `dataset_id` with every table above; `big_table` too when big_table_rows > 0."""
    client.delete_dataset(dataset_id, delete_contents=True, not_found_ok=True)
    client.create_dataset(dataset_id)
    shards = [
        event_shard_sql(shard, day, first_event_id=index * EVENTS_PER_SHARD + 1)
        for index, (shard, day) in enumerate(zip(EVENT_SHARDS, EVENT_DAYS, strict=True))
    ]
    run_script(client, dataset_id, ";\n".join([ALL_TYPES_SQL, ORDER_LINES_SQL, DAILY_SALES_SQL, *shards]))
    if big_table_rows > 0:
        seed_big_table(client, dataset_id, big_table_rows)


def seed_big_table(client: bigquery.Client, dataset_id: str, rows: int) -> None:
    """`big_table` (id, name, amount, created_at) with ids 1..rows, generated inside BigQuery."""
    run_script(client, dataset_id, BIG_TABLE_SQL, [bigquery.ScalarQueryParameter("rows", "INT64", rows)])


def run_script(
    client: bigquery.Client,
    dataset_id: str,
    sql: str,
    parameters: list[bigquery.ScalarQueryParameter] | None = None,
) -> None:
    """Run SQL whose unqualified table names live in `dataset_id`; raises on the first error."""
    config = bigquery.QueryJobConfig(
        default_dataset=f"{client.project}.{dataset_id}", query_parameters=parameters or []
    )
    client.query(sql, job_config=config).result()
