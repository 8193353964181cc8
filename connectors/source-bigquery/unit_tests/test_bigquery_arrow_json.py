"""Arrow batches as RECORD lines: valid protocol messages, and each value exactly what the type table of
schema.py promises, including the values Arrow's own text gets wrong for JSON."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import orjson
import pyarrow as pa
from google.cloud.bigquery import SchemaField
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.protocol import parse_messages
from source_bigquery.arrow_json import record_lines

UTC = datetime.UTC


def lines_of(batch: pa.RecordBatch, fields: list[SchemaField], **constants: str) -> list[str]:
    text = bytes(record_lines(batch, fields, "stream", constants)).decode()
    assert text.endswith("\n")
    lines = text.split("\n")[:-1]  # not splitlines(): U+2028 and friends may sit inside strings
    parse_messages(lines)  # each line a valid Airbyte message
    return lines


def values(batch: pa.RecordBatch, fields: list[SchemaField], **constants: str) -> list[dict[str, Any]]:
    """The data of each record, numbers with a fraction as Decimal (their exact text)."""
    return [
        json.loads(line, parse_float=Decimal)["record"]["data"]
        for line in lines_of(batch, fields, **constants)
    ]


def column(name: str, kind: str, array: pa.Array, mode: str = "NULLABLE", **extra: Any) -> tuple[Any, ...]:
    return SchemaField(name, kind, mode=mode, **extra), array


def batch_of(*columns: tuple[SchemaField, pa.Array]) -> tuple[pa.RecordBatch, list[SchemaField]]:
    fields = [field for field, _ in columns]
    return pa.RecordBatch.from_arrays([array for _, array in columns], names=[f.name for f in fields]), fields


def test_each_line_is_a_record_message_of_the_stream() -> None:
    batch, fields = batch_of(column("id", "INTEGER", pa.array([1, 2])))

    messages = [json.loads(line) for line in lines_of(batch, fields)]

    assert [m["type"] for m in messages] == ["RECORD", "RECORD"]
    assert [m["record"]["stream"] for m in messages] == ["stream", "stream"]
    assert [m["record"]["data"] for m in messages] == [{"id": 1}, {"id": 2}]
    assert isinstance(messages[0]["record"]["emitted_at"], int)


def test_decimals_keep_every_digit_as_number_literals() -> None:
    numerics = [
        Decimal("12345678901234567890123456789.123456789"),
        Decimal("-0.000000001"),
        Decimal("100"),
        Decimal("0"),
        Decimal("0.5"),
        None,
    ]
    big = [
        Decimal("-1.234567890123456789012345678901E-7"),  # more digits than Decimal's context keeps
        Decimal("57896044618658097711785492504343953926.34992332820282019728792003956564819967"),
    ]
    batch, fields = batch_of(
        column("n", "NUMERIC", pa.array(numerics, pa.decimal128(38, 9))),
        column("b", "BIGNUMERIC", pa.array(big + [None] * 4, pa.decimal256(76, 38))),
    )

    lines = lines_of(batch, fields)

    assert [line.split('"data":')[1].split(',"emitted_at"')[0] for line in lines] == [
        '{"n":12345678901234567890123456789.123456789,"b":-0.0000001234567890123456789012345678901}',
        '{"n":-0.000000001,'
        '"b":57896044618658097711785492504343953926.34992332820282019728792003956564819967}',
        '{"n":100,"b":null}',
        '{"n":0,"b":null}',
        '{"n":0.5,"b":null}',
        '{"n":null,"b":null}',
    ]


def test_floats_json_cannot_hold_are_null() -> None:
    batch, fields = batch_of(
        column("f", "FLOAT", pa.array([1.5, float("nan"), float("inf"), -float("inf"), 1e300]))
    )

    assert [v["f"] for v in values(batch, fields)] == [Decimal("1.5"), None, None, None, Decimal("1e300")]


def test_times_are_iso_8601_with_microseconds() -> None:
    moments = [
        datetime.datetime(1, 1, 1, tzinfo=UTC),
        datetime.datetime(2026, 1, 31, 12, 34, 56, 123456, tzinfo=UTC),
    ]
    batch, fields = batch_of(
        column("ts", "TIMESTAMP", pa.array(moments, pa.timestamp("us", tz="UTC"))),
        column("dt", "DATETIME", pa.array([m.replace(tzinfo=None) for m in moments], pa.timestamp("us"))),
        column("d", "DATE", pa.array([datetime.date(1, 1, 1), datetime.date(9999, 12, 31)])),
        column(
            "t", "TIME", pa.array([datetime.time(0, 0), datetime.time(23, 59, 59, 999999)], pa.time64("us"))
        ),
    )

    assert values(batch, fields) == [
        {
            "ts": "0001-01-01T00:00:00.000000Z",
            "dt": "0001-01-01T00:00:00.000000",
            "d": "0001-01-01",
            "t": "00:00:00.000000",
        },
        {
            "ts": "2026-01-31T12:34:56.123456Z",
            "dt": "2026-01-31T12:34:56.123456",
            "d": "9999-12-31",
            "t": "23:59:59.999999",
        },
    ]


def test_json_bytes_and_nested_values() -> None:
    struct_type = pa.struct([("name", pa.string()), ("tags", pa.list_(pa.string()))])
    batch, fields = batch_of(
        column("j", "JSON", pa.array(['{"a": [1,\n 2.50]}', "null", None])),
        column("by", "BYTES", pa.array([b"\x00\xff", b"", None])),
        column(
            "r",
            "RECORD",
            pa.array([{"name": "x", "tags": ["a"]}, None, {"name": None, "tags": []}], struct_type),
            fields=[SchemaField("name", "STRING"), SchemaField("tags", "STRING", mode="REPEATED")],
        ),
        column("rep", "INTEGER", pa.array([[1, 2], [], None], pa.list_(pa.int64())), mode="REPEATED"),
        column(
            "range",
            "RANGE",
            pa.array(
                [{"s": datetime.date(2026, 1, 1), "e": None}, None, {"s": None, "e": None}],
                pa.struct([("s", pa.date32()), ("e", pa.date32())]),
            ),
            range_element_type="DATE",
        ),
    )

    assert values(batch, fields) == [
        {
            "j": {"a": [1, Decimal("2.50")]},
            "by": "AP8=",
            "r": {"name": "x", "tags": ["a"]},
            "rep": [1, 2],
            "range": {"start": "2026-01-01", "end": None},
        },
        {"j": None, "by": "", "r": None, "rep": [], "range": None},
        {
            "j": None,
            "by": None,
            "r": {"name": None, "tags": []},
            "rep": [],
            "range": {"start": None, "end": None},
        },
    ]


def test_intervals_are_bigquerys_canonical_text_from_storage_text_and_from_rest_intervals() -> None:
    rest = [
        pa.MonthDayNano([14, 3, 14_706_500_000_000]),  # 4 h 5 min 6.5 s
        pa.MonthDayNano([-14, -3, -14_706_000_001_000]),  # each part with its own sign
        pa.MonthDayNano([0, 0, 0]),
        None,
    ]
    storage = ["1-2 3 4:5:6.5", "-1-2 -3 -4:5:6.000001", "0-0 0 0:0:0", None]
    batch, fields = batch_of(
        column("rest", "INTERVAL", pa.array(rest, pa.month_day_nano_interval())),
        column("storage", "INTERVAL", pa.array(storage)),
    )

    assert values(batch, fields) == [{"rest": text, "storage": text} for text in storage]


def test_a_slice_of_a_batch_writes_only_its_rows_and_constants_come_last() -> None:
    batch, fields = batch_of(
        column("id", "INTEGER", pa.array(range(10))), column("s", "STRING", pa.array(list("abcdefghij")))
    )

    assert values(batch.slice(3, 2), fields, _table_suffix="20260101") == [
        {"id": 3, "s": "d", "_table_suffix": "20260101"},
        {"id": 4, "s": "e", "_table_suffix": "20260101"},
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=20))
def test_strings_are_escaped_as_json_requires(texts: list[str | None]) -> None:
    batch, fields = batch_of(column("s", "STRING", pa.array(texts, pa.string())))

    lines = lines_of(batch, fields)

    assert [json.loads(line)["record"]["data"]["s"] for line in lines] == texts
    for line, text in zip(lines, texts, strict=True):  # the same bytes orjson would write
        assert f'"s":{orjson.dumps(text).decode()}' in line


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.decimals(allow_nan=False, allow_infinity=False, places=9, min_value=-(10**28), max_value=10**28)
    )
)
def test_any_numeric_value_is_written_exactly(numbers: list[Decimal]) -> None:
    batch, fields = batch_of(column("n", "NUMERIC", pa.array(numbers, pa.decimal128(38, 9))))

    if numbers:
        assert [v["n"] for v in values(batch, fields)] == numbers
