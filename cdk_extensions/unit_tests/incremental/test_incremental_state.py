"""Incoming states: our version 2, the official connectors' plain shapes, and clear errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.incremental import CursorState
from cdk_extensions.incremental.boundary import HighWaterMark
from cdk_extensions.incremental.state import DeferredState, dump_state, load_state
from cdk_extensions.incremental.values import DatetimeValues, DateValues

NOON = datetime(2024, 3, 5, 12, tzinfo=UTC)


def load_datetime_state(raw: object) -> HighWaterMark[datetime]:
    return load_state(raw, stream_name="contacts", cursor_field="updatedAt", values=DatetimeValues())


def test_no_state_means_no_progress() -> None:
    assert load_datetime_state({}).value is None
    assert load_datetime_state(None).value is None


def test_our_state_round_trips() -> None:
    mark = HighWaterMark(NOON, [("101",), ("102",)])
    dumped = dump_state(mark, DatetimeValues())

    assert dumped == {"version": 2, "cursor": "2024-03-05T12:00:00Z", "keys_at_cursor": [["101"], ["102"]]}
    assert CursorState.model_validate(dumped).cursor == "2024-03-05T12:00:00Z"
    loaded = load_datetime_state(dumped)
    assert (loaded.value, loaded.keys_at_value) == (NOON, [("101",), ("102",)])


def test_composite_and_integer_keys_survive_json() -> None:
    dumped = dump_state(HighWaterMark(NOON, [(123, "a")]), DatetimeValues())
    assert load_datetime_state(dumped).keys_at_value == [(123, "a")]


def test_no_progress_dumps_an_empty_state() -> None:
    assert dump_state(HighWaterMark(), DatetimeValues()) == {}


def test_a_deferred_state_is_the_state_of_its_moment_even_when_used_later() -> None:
    mark = HighWaterMark(NOON, [("1",)])
    first = DeferredState(mark, DatetimeValues())
    mark.admit(NOON, ("2",))
    second = DeferredState(mark, DatetimeValues())
    mark.admit(NOON + timedelta(hours=1), ("3",))

    assert first == {"version": 2, "cursor": "2024-03-05T12:00:00Z", "keys_at_cursor": [["1"]]}
    assert second == {"version": 2, "cursor": "2024-03-05T12:00:00Z", "keys_at_cursor": [["1"], ["2"]]}
    assert DeferredState(mark, DatetimeValues()) == dump_state(mark, DatetimeValues())


def test_a_deferred_state_is_empty_only_before_any_progress() -> None:
    assert not DeferredState(HighWaterMark(), DatetimeValues())
    assert DeferredState(HighWaterMark(NOON), DatetimeValues())
    assert dict(DeferredState(HighWaterMark(), DatetimeValues())) == {}


def test_a_deferred_state_once_used_is_a_copy_of_its_own() -> None:
    mark = HighWaterMark(NOON, [("1",)])
    state = DeferredState(mark, DatetimeValues(), cursor_field="updatedAt")

    state["cursor"] = "changed"
    del state["keys_at_cursor"]

    assert state == {"version": 2, "cursor": "changed", "cursor_field": "updatedAt"}
    assert dump_state(mark, DatetimeValues())["cursor"] == "2024-03-05T12:00:00Z"


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [
        ({"updatedAt": "2024-03-05T12:00:00.000Z"}, NOON),
        ({"updatedAt": 1709640000000}, NOON),
        ({"updatedAt": "1709640000000"}, NOON),
        ({"updatedAt": "2024-03-05"}, datetime(2024, 3, 5, tzinfo=UTC)),
    ],
)
def test_official_connector_states_are_migrated(legacy: dict[str, Any], expected: datetime) -> None:
    mark = load_datetime_state(legacy)
    assert (mark.value, mark.keys_at_value) == (expected, [])


def test_official_ga4_state_is_migrated() -> None:
    mark = load_state({"date": "20240305"}, stream_name="devices", cursor_field="date", values=DateValues())
    assert mark.value == date(2024, 3, 5)


def test_a_future_cursor_is_accepted() -> None:
    future = datetime.now(UTC) + timedelta(days=2)
    assert load_datetime_state({"updatedAt": future.isoformat()}).value == future


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (["2024-03-05"], "expected a JSON object, got list"),
        ({"version": 2, "cursor": "not a date"}, "expected an ISO 8601 datetime or epoch milliseconds"),
        ({"version": 2, "cursor": 1709640000000}, "cursor: Input should be a valid string"),
        ({"version": 3, "cursor": "2024-03-05T12:00:00Z"}, "version: Input should be 2"),
        ({"version": 2}, "cursor: Field required"),
        ({"version": 2, "cursor": "2024-03-05T12:00:00Z", "keys_at_cursor": ["101"]}, "keys_at_cursor.0"),
        ({"version": 2, "cursor": "2024-03-05T12:00:00Z", "boundary": []}, "boundary: Extra inputs"),
        ({"updatedAt": True}, "expected an ISO 8601 datetime or epoch milliseconds, got True"),
        ({"hs_lastmodifieddate": "2024-03-05"}, "expected a 'version' 2 state or a 'updatedAt' value"),
    ],
)
def test_invalid_states_are_config_errors_naming_stream_and_problem(raw: object, problem: str) -> None:
    with pytest.raises(AirbyteTracedException) as caught:
        load_datetime_state(raw)

    error = caught.value
    assert error.failure_type == FailureType.config_error
    assert error.message is not None and error.internal_message is not None
    assert error.message.startswith("The saved state of stream 'contacts' is invalid (")
    assert problem in error.message
    assert "Clear or reset this stream" in error.message
    assert repr(raw) in error.internal_message


def load_partitioned_state(raw: object, property_id: str = "456") -> date | None:
    """Loaded as a GA4 report of one property reads it."""
    return load_state(
        raw,
        stream_name="devices",
        cursor_field="date",
        values=DateValues(),
        partition={"property_id": property_id},
    ).value


def partition_cursor(property_id: object, day: str, **more: str) -> dict[str, Any]:
    return {"partition": {"property_id": property_id, **more}, "cursor": {"date": day}}


def test_a_declarative_per_partition_state_resumes_the_stream_from_its_partitions_cursor() -> None:
    raw = {
        "use_global_cursor": False,
        "states": [partition_cursor("123", "20240101"), partition_cursor(456, "20240305")],
        "state": {"date": "20240101"},
        "lookback_window": 172800,
    }
    assert load_partitioned_state(raw) == date(2024, 3, 5)
    assert load_partitioned_state(raw, "123") == date(2024, 1, 1)


def test_several_matching_partitions_resume_from_the_earliest() -> None:
    raw = {"states": [partition_cursor("456", "20240305", kind="a"), partition_cursor("456", "20240301")]}
    assert load_partitioned_state(raw) == date(2024, 3, 1)


def test_partitions_that_do_not_name_the_property_apply_to_the_stream() -> None:
    raw = {"states": [{"partition": {"report": "devices"}, "cursor": {"date": "20240305"}}]}
    assert load_partitioned_state(raw) == date(2024, 3, 5)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {
                "use_global_cursor": True,
                "states": [partition_cursor("456", "20240305")],
                "state": {"date": "20240201"},
            },
            date(2024, 2, 1),
        ),
        ({"states": [partition_cursor("123", "20240305")], "state": {"date": "20240201"}}, date(2024, 2, 1)),
        ({"states": [partition_cursor("123", "20240305")]}, None),
        ({"use_global_cursor": True, "state": {}}, None),
    ],
)
def test_the_global_cursor_serves_when_asked_for_or_when_no_partition_is_ours(
    raw: dict[str, Any], expected: date | None
) -> None:
    assert load_partitioned_state(raw) == expected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"states": {"property_id": "456"}}, "states: Input should be a valid list"),
        ({"states": [{"partition": {"property_id": "456"}}]}, "states.0.cursor: Field required"),
        (
            {"states": [{"partition": {"property_id": "456"}, "cursor": {"startDate": "x"}}]},
            "has no 'date' value",
        ),
        ({"states": [partition_cursor("456", "2024-13-01")]}, "2024-13-01"),
        (
            {"use_global_cursor": "yes", "state": {"date": "20240101"}},
            "use_global_cursor: Input should be a valid boolean",
        ),
    ],
)
def test_invalid_per_partition_states_are_config_errors_naming_the_stream(raw: object, problem: str) -> None:
    with pytest.raises(AirbyteTracedException) as caught:
        load_partitioned_state(raw)

    assert caught.value.failure_type == FailureType.config_error
    assert caught.value.message is not None
    assert caught.value.message.startswith("The saved state of stream 'devices' is invalid (")
    assert problem in caught.value.message
