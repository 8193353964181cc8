"""Cursors on a user-chosen database column: integer, decimal, text and zone-less datetime values,
states naming their column, and the official Java sources' states migrated."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from hypothesis import given
from hypothesis import strategies as st

from cdk_extensions.incremental.boundary import HighWaterMark
from cdk_extensions.incremental.state import dump_state, load_state
from cdk_extensions.incremental.values import (
    CursorValues,
    DatetimeValues,
    DecimalValues,
    IntegerValues,
    NaiveDatetimeValues,
    TextValues,
)


@pytest.mark.parametrize(
    ("values", "raw", "parsed", "canonical"),
    [
        (IntegerValues(), 9223372036854775807, 9223372036854775807, "9223372036854775807"),
        (IntegerValues(), "-42", -42, "-42"),
        (
            DecimalValues(),
            "12345678901234567890123456789.123456789",
            Decimal("12345678901234567890123456789.123456789"),
            None,
        ),
        (DecimalValues(), "1.500", Decimal("1.5"), "1.5"),
        (DecimalValues(), "-1E-9", Decimal("-0.000000001"), "-0.000000001"),
        (DecimalValues(), 7, Decimal(7), "7"),
        (TextValues(), "SKU-001", "SKU-001", "SKU-001"),
        (
            NaiveDatetimeValues(),
            "2026-01-31T23:59:59.999999",
            datetime(2026, 1, 31, 23, 59, 59, 999999),
            None,
        ),
        (
            NaiveDatetimeValues(),
            "2026-01-31 08:00:00",
            datetime(2026, 1, 31, 8),
            "2026-01-31T08:00:00.000000",
        ),
    ],
)
def test_spellings_and_canonical_forms(
    values: CursorValues[Any], raw: object, parsed: Any, canonical: str | None
) -> None:
    value = values.parse(raw)

    assert value == parsed
    assert values.format(value) == (canonical or raw)


@pytest.mark.parametrize(
    ("values", "raw"),
    [
        (IntegerValues(), True),
        (IntegerValues(), 1.5),
        (IntegerValues(), "1e3"),
        (DecimalValues(), "NaN"),
        (DecimalValues(), "Infinity"),
        (DecimalValues(), "ten"),
        (DecimalValues(), 0.1),  # a float is already rounded: refuse rather than guess
        (TextValues(), 12),
        (NaiveDatetimeValues(), "2026-01-31T08:00:00Z"),  # a zone cannot be compared with wall-clock times
        (NaiveDatetimeValues(), 1767225600000),
    ],
)
def test_other_values_are_refused_with_what_was_expected(values: CursorValues[Any], raw: object) -> None:
    with pytest.raises(ValueError, match=f"expected {values.description}"):
        values.parse(raw)


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimal_states_round_trip_exactly(value: Decimal) -> None:
    values = DecimalValues()

    assert values.parse(values.format(value)) == value


def test_the_mark_works_for_any_orderable_value() -> None:
    mark: HighWaterMark[str] = HighWaterMark("b", [("1",)])

    assert mark.admit("b", ("2",)) and not mark.admit("b", ("1",))
    assert mark.admit("c", ("1",))
    assert (mark.value, mark.keys_at_value) == ("c", [("1",)])


def test_a_state_names_the_column_it_was_saved_for() -> None:
    state = dump_state(HighWaterMark(42, [(7, "x")]), IntegerValues(), cursor_field="order_id")

    assert state == {"version": 2, "cursor": "42", "keys_at_cursor": [[7, "x"]], "cursor_field": "order_id"}
    resumed = load_state(state, stream_name="orders", cursor_field="order_id", values=IntegerValues())
    assert (resumed.value, resumed.keys_at_value) == (42, [(7, "x")])


@pytest.mark.parametrize(
    "state",
    [
        {"version": 2, "cursor": "42", "cursor_field": "order_id"},
        {"cursor_field": ["order_id"], "cursor": "42", "state_type": "cursor_based"},
    ],
)
def test_a_state_saved_for_another_column_is_a_config_error(state: dict[str, Any]) -> None:
    with pytest.raises(AirbyteTracedException) as raised:
        load_state(state, stream_name="orders", cursor_field="updated_at", values=DatetimeValues())

    assert raised.value.failure_type == FailureType.config_error
    assert "it was saved for cursor 'order_id', but the stream's cursor is now 'updated_at'" in (
        raised.value.message or ""
    )


def test_an_official_java_source_state_is_migrated() -> None:
    java_state = {
        "stream_name": "orders",
        "stream_namespace": "shop",
        "cursor_field": ["updated_at"],
        "cursor": "2026-01-01T00:01:00.000001Z",
        "cursor_record_count": 3,
        "state_type": "cursor_based",
        "version": 2,
    }

    mark = load_state(java_state, stream_name="orders", cursor_field="updated_at", values=DatetimeValues())

    assert (mark.value, mark.keys_at_value) == (datetime(2026, 1, 1, 0, 1, 0, 1, tzinfo=UTC), [])


def test_an_official_java_source_state_without_a_cursor_yet_means_no_progress() -> None:
    java_state = {"cursor_field": ["order_id"], "cursor": None, "state_type": "cursor_based"}

    assert (
        load_state(java_state, stream_name="o", cursor_field="order_id", values=IntegerValues()).value is None
    )
