"""Custom query parameters: every type spelling, every value shape, and mistakes named precisely."""

from __future__ import annotations

from typing import Any

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from dateutil.relativedelta import relativedelta
from google.cloud import bigquery

from source_bigquery.config import CustomQuery, QueryParameter
from source_bigquery.parameters import bind, parse_type, used_parameters


def query(sql: str, *parameters: tuple[str, str, Any]) -> CustomQuery:
    declared = [QueryParameter(name=name, type=kind, value=value) for name, kind, value in parameters]
    return CustomQuery(name="q", sql=sql, parameters=declared)


def api_repr(sql: str, *parameters: tuple[str, str, Any]) -> list[dict[str, Any]]:
    return [parameter.to_api_repr() for parameter in bind(query(sql, *parameters), "custom_queries[0]")]


def mistake(sql: str, *parameters: tuple[str, str, Any]) -> str:
    with pytest.raises(AirbyteTracedException) as raised:
        bind(query(sql, *parameters), "custom_queries[0]")
    assert raised.value.failure_type == FailureType.config_error
    return (raised.value.message or "").removeprefix("Custom query 'q' cannot run: ")


@pytest.mark.parametrize(
    ("spelt", "canonical"),
    [
        ("INT64", "INT64"),
        ("integer", "INT64"),
        ("BOOLEAN", "BOOL"),
        ("NUMERIC(10, 2)", "NUMERIC"),
        ("STRING(20)", "STRING"),
        ("ARRAY<STRUCT<city STRING, tags ARRAY<STRING>, at STRUCT<lat FLOAT64, lng FLOAT64>>>",
         "ARRAY<STRUCT<city STRING, tags ARRAY<STRING>, at STRUCT<lat FLOAT64, lng FLOAT64>>>"),
        ("range<timestamp>", "RANGE<TIMESTAMP>"),
    ],
)  # fmt: skip
def test_types_are_read_as_googlesql_spells_them(spelt: str, canonical: str) -> None:
    assert str(parse_type(spelt)) == canonical


@pytest.mark.parametrize(
    ("spelt", "complaint"),
    [
        ("ARRAY<ARRAY<INT64>>", "BigQuery has no arrays of arrays"),
        ("STRUCT<INT64>", "each STRUCT field needs a name and a type"),
        ("RANGE<INT64>", "a RANGE is of DATE, DATETIME or TIMESTAMP, not INT64"),
        ("ARRAY<INT64", "ARRAY needs '>'"),
        ("MONEY", "unknown type MONEY"),
        ("INT64 INT64", "unexpected 'INT64' after INT64"),
    ],
)
def test_unreadable_types_say_why(spelt: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_type(spelt)


def test_parameters_are_found_in_code_only() -> None:
    sql = """
        -- @commented_out
        SELECT @a, '@in_string', "@in_double", '''@in_triple''', r'@raw', `@quoted_name`, @@session_variable
        FROM t /* @in_block */ WHERE x = @b AND y IN UNNEST(@a) # @hash_comment
    """

    assert used_parameters(sql) == ["a", "b"]


def test_every_scalar_type_is_bound_with_its_value() -> None:
    scalars = [
        ("i", "INT64", "-9223372036854775808"),
        ("f", "FLOAT64", 2.5),
        ("n", "NUMERIC", "12345678901234567890123456789.123456789"),
        ("bn", "BIGNUMERIC", 7),
        ("b", "BOOL", False),
        ("s", "STRING", "Zoë"),
        ("by", "BYTES", "AP9i"),
        ("d", "DATE", "2026-01-31"),
        ("dt", "DATETIME", "2026-01-31T23:59:59.999999"),
        ("ts", "TIMESTAMP", "2026-01-31T12:34:56.123456Z"),
        ("t", "TIME", "23:59:59.999999"),
        ("j", "JSON", {"a": [1, None]}),
        ("iv", "INTERVAL", "1-2 3 4:5:6"),
        ("null", "INT64", None),
    ]
    sql = "SELECT " + ", ".join(f"@{name}" for name, _, _ in scalars)

    bound = {
        p["name"]: (p["parameterType"]["type"], p["parameterValue"]["value"]) for p in api_repr(sql, *scalars)
    }

    assert bound == {
        "i": ("INT64", "-9223372036854775808"),
        "f": ("FLOAT64", 2.5),
        "n": ("NUMERIC", "12345678901234567890123456789.123456789"),
        "bn": ("BIGNUMERIC", "7"),
        "b": ("BOOL", "false"),
        "s": ("STRING", "Zoë"),
        "by": ("BYTES", "AP9i"),
        "d": ("DATE", "2026-01-31"),
        "dt": ("DATETIME", "2026-01-31T23:59:59.999999"),
        "ts": ("TIMESTAMP", "2026-01-31 12:34:56.123456+00:00"),
        "t": ("TIME", "23:59:59.999999"),
        "j": ("JSON", '{"a": [1, null]}'),
        "iv": ("INTERVAL", "1-2 3 4:5:6"),
        "null": ("INT64", None),
    }


def test_arrays_structs_and_ranges_nest_as_declared() -> None:
    parameters = [
        ("places", "ARRAY<STRUCT<city STRING, ids ARRAY<INT64>>>", [{"city": "Lyon", "ids": [1, 2]}]),
        (
            "filter",
            "STRUCT<name STRING, inner STRUCT<since DATE>>",
            {"name": "x", "inner": {"since": "2026-01-01"}},
        ),
        ("window", "RANGE<DATE>", {"start": "2026-01-01", "end": None}),
        ("empty", "ARRAY<STRING>", []),
    ]

    places, filter_, window, empty = api_repr("SELECT @places, @filter, @window, @empty", *parameters)

    assert places["parameterValue"] == {
        "arrayValues": [
            {
                "structValues": {
                    "city": {"value": "Lyon"},
                    "ids": {"arrayValues": [{"value": "1"}, {"value": "2"}]},
                }
            }
        ]
    }
    assert places["parameterType"]["arrayType"]["structTypes"][1] == {
        "name": "ids",
        "type": {"type": "ARRAY", "arrayType": {"type": "INT64"}},
    }
    assert filter_["parameterValue"] == {
        "structValues": {
            "name": {"value": "x"},
            "inner": {"structValues": {"since": {"value": "2026-01-01"}}},
        }
    }
    assert window["parameterValue"] == {
        "rangeValue": {"start": {"value": "2026-01-01"}, "end": {"value": None}}
    }
    assert empty["parameterValue"] == {"arrayValues": []}


def test_interval_and_json_parameters_are_what_google_cloud_bigquery_reads_back() -> None:
    """The emulator cannot run them (README: it refuses INTERVAL parameters and reads JSON ones as
    text), so the client's own parser checks what would be sent: INTERVAL as canonical text, JSON
    as JSON text, alone and inside arrays and structs."""
    parameters = [
        ("wait", "INTERVAL", "1-2 3 4:5:6.5"),
        ("doc", "JSON", {"a": [1, None, "x"], "b": {"c": 2.5}}),
        ("waits", "ARRAY<INTERVAL>", ["0-0 1 0:0:0", "-1-0 0 -0:0:0.000001"]),
        ("docs", "ARRAY<JSON>", [[1, 2], "text", {"k": None}]),
        ("pair", "STRUCT<doc JSON, wait INTERVAL>", {"doc": [True], "wait": "0-0 0 1:30:0"}),
    ]
    sent = api_repr("SELECT @wait, @doc, @waits, @docs, @pair", *parameters)

    wait, doc = (bigquery.ScalarQueryParameter.from_api_repr(repr_) for repr_ in sent[:2])
    waits, docs = (bigquery.ArrayQueryParameter.from_api_repr(repr_) for repr_ in sent[2:4])
    pair = bigquery.StructQueryParameter.from_api_repr(sent[4])
    assert (wait.type_, wait.value) == (
        "INTERVAL",
        relativedelta(years=1, months=2, days=3, hours=4, minutes=5, seconds=6, microseconds=500_000),
    )
    assert (doc.type_, doc.value) == ("JSON", {"a": [1, None, "x"], "b": {"c": 2.5}})
    assert sent[1]["parameterValue"] == {"value": '{"a": [1, null, "x"], "b": {"c": 2.5}}'}
    assert waits.values == [relativedelta(days=1), relativedelta(years=-1, microseconds=-1)]
    assert docs.values == [[1, 2], "text", {"k": None}]
    assert pair.struct_types == {"doc": "JSON", "wait": "INTERVAL"}
    assert pair.struct_values == {"doc": [True], "wait": relativedelta(hours=1, minutes=30)}


def test_a_missing_and_an_extra_parameter_are_named() -> None:
    assert mistake("SELECT @since, @until", ("since", "DATE", "2026-01-01"), ("country", "STRING", "DE")) == (
        "its SQL uses @until, which is not declared in `custom_queries[0].parameters`; "
        "parameter `country` is declared but its SQL never uses @country."
    )


@pytest.mark.parametrize(
    ("kind", "value", "complaint"),
    [
        ("INT64", 1.5, "the value 1.5 is not of type INT64 (a whole number between -2^63 and 2^63-1,"),
        ("INT64", True, "the value True is not of type INT64"),
        ("INT64", "9223372036854775808", "the value '9223372036854775808' is not of type INT64"),
        ("NUMERIC", "ten", "the value 'ten' is not of type NUMERIC (a number, best as text to keep"),
        ("BOOL", "true", "the value 'true' is not of type BOOL (true or false)"),
        ("BYTES", "not base64!", "is not of type BYTES (base64 text)"),
        ("DATE", "31/01/2026", "the value '31/01/2026' is not of type DATE (YYYY-MM-DD)"),
        ("DATETIME", "2026-01-31T00:00:00Z", "is not of type DATETIME (an ISO 8601 date and time without"),
        ("ARRAY<INT64>", [1, "x"], "element 1: the value 'x' is not of type INT64"),
        ("ARRAY<INT64>", [1, None], "element 1: BigQuery arrays cannot hold NULL"),
        ("ARRAY<STRING>", "DE", "an ARRAY<STRING> takes a JSON list, not a string"),
        ("STRUCT<a INT64, b STRING>", {"a": 1, "c": "x"}, "b STRING>: field b is missing, it has no field c"),
        ("STRUCT<a STRUCT<b DATE>>", {"a": {"b": "soon"}}, "field a: field b: the value 'soon' is not of"),
        ("RANGE<TIMESTAMP>", {"start": "never"}, "start 'never' is not of type TIMESTAMP"),
        ("RANGE<DATE>", ["2026-01-01", None], 'a RANGE<DATE> takes {"start": ..., "end": ...}'),
        ("ARRAY<ARRAY<INT64>>", [], "BigQuery has no arrays of arrays"),
        ("INTERVAL", "3 days", "the value '3 days' is not of type INTERVAL (BigQuery's canonical"),
        ("INTERVAL", 3, "the value 3 is not of type INTERVAL"),
    ],
)  # fmt: skip
def test_a_mistyped_value_is_named_with_where_it_is_wrong(kind: str, value: Any, complaint: str) -> None:
    message = mistake("SELECT @p", ("p", kind, value))

    assert message.startswith("`custom_queries[0].parameters[0]` (p): ")
    assert complaint in message
