"""WindowCursor without the CDK: slices, boundary dedup, progress, and exact resumption."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from hypothesis import given, settings
from hypothesis import strategies as st

from cdk_extensions.incremental import Window, WindowCursor

START = datetime(2024, 1, 1, tzinfo=UTC)
END = START + timedelta(days=3)

Record = dict[str, Any]


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def contact(record_id: str, hours: float) -> Record:
    return {"id": record_id, "updatedAt": iso(START + timedelta(hours=hours))}


def hubspot_cursor(lookback: timedelta = timedelta(0)) -> WindowCursor[datetime]:
    return WindowCursor(
        stream_name="contacts",
        cursor_field="updatedAt",
        primary_key=["id"],
        start=START,
        end=END,
        step=timedelta(days=1),
        sorted_by_cursor=True,
        lookback=lookback,
    )


def ga4_cursor() -> WindowCursor[date]:
    return WindowCursor(
        stream_name="devices",
        cursor_field="date",
        primary_key=["property_id", "date", "deviceCategory"],
        start=date(2024, 1, 1),
        end=date(2024, 1, 8),
        step=timedelta(days=3),
        sorted_by_cursor=False,
        lookback=timedelta(days=2),
    )


Fetch = Callable[[Window[datetime]], Iterator[Record]]


def source(records: list[Record], shuffle_ties: random.Random | None = None) -> Fetch:
    """A fetch function: the window's records in cursor order, ties in any order."""

    def fetch(window: Window[datetime]) -> Iterator[Record]:
        inside = [r for r in records if window.start <= datetime.fromisoformat(r["updatedAt"]) < window.end]
        tie_order = {id(r): shuffle_ties.random() if shuffle_ties else 0.0 for r in inside}
        yield from sorted(inside, key=lambda r: (r["updatedAt"], tie_order[id(r)]))

    return fetch


def read_everything(cursor: WindowCursor[datetime], fetch: Fetch) -> list[Record]:
    return [record for stream_slice in cursor.stream_slices() for record in cursor.read(stream_slice, fetch)]


# --- slices --------------------------------------------------------------------------------------


def test_slices_are_the_windows_in_canonical_form() -> None:
    cursor = hubspot_cursor()
    slices = list(cursor.stream_slices())

    assert [dict(s) for s in slices] == [
        {"start": "2024-01-01T00:00:00Z", "end": "2024-01-02T00:00:00Z"},
        {"start": "2024-01-02T00:00:00Z", "end": "2024-01-03T00:00:00Z"},
        {"start": "2024-01-03T00:00:00Z", "end": "2024-01-04T00:00:00Z"},
    ]
    assert cursor.window_of(slices[1]) == Window(START + timedelta(days=1), START + timedelta(days=2))


def test_slices_start_from_the_state_minus_the_lookback() -> None:
    cursor = hubspot_cursor(lookback=timedelta(hours=2))
    cursor.load_state({"updatedAt": iso(START + timedelta(days=1, hours=6))})
    first = next(cursor.stream_slices())
    assert first["start"] == "2024-01-02T04:00:00Z"


def test_aligned_slices_resume_at_the_start_of_the_period_the_lookback_falls_in() -> None:
    cursor = WindowCursor(
        stream_name="monthly_report",
        cursor_field="startDate",
        primary_key=["property_id", "yearMonth"],
        start=date(2024, 1, 10),
        end=date(2024, 5, 20),
        step=timedelta(days=45),
        sorted_by_cursor=False,
        lookback=timedelta(days=2),
        align=lambda day: day.replace(day=1),
    )
    assert [dict(s) for s in cursor.stream_slices()][:2] == [
        {"start": "2024-01-10", "end": "2024-02-01"},  # never before the configured start
        {"start": "2024-02-01", "end": "2024-03-01"},
    ]

    cursor.load_state({"version": 2, "cursor": "2024-04-01"})
    assert [dict(s) for s in cursor.stream_slices()] == [
        {"start": "2024-03-01", "end": "2024-04-01"},  # April 1st minus 2 days is in March
        {"start": "2024-04-01", "end": "2024-05-01"},
        {"start": "2024-05-01", "end": "2024-05-20"},
    ]


def test_slices_are_fixed_when_asked_for() -> None:
    # The CDK looks ahead at slices while records move the state: the plan must not shift.
    cursor = hubspot_cursor()
    slices = cursor.stream_slices()
    cursor.observe(contact("1", 30))
    assert next(slices)["start"] == "2024-01-01T00:00:00Z"


# --- boundary dedup ----------------------------------------------------------------------------


def test_resume_skips_exactly_the_keys_already_emitted_at_the_cursor() -> None:
    cursor = hubspot_cursor()
    cursor.load_state(
        {"version": 2, "cursor": iso(START + timedelta(hours=5)), "keys_at_cursor": [["a"], ["b"]]}
    )
    records = [contact("a", 5), contact("b", 5), contact("c", 5), contact("d", 6)]

    assert read_everything(cursor, source(records)) == [contact("c", 5), contact("d", 6)]


def test_records_below_the_mark_are_kept_and_do_not_move_it() -> None:
    cursor = hubspot_cursor(lookback=timedelta(hours=3))
    cursor.load_state({"version": 2, "cursor": iso(START + timedelta(hours=5)), "keys_at_cursor": [["a"]]})
    records = [contact("late", 3), contact("a", 5)]

    assert read_everything(cursor, source(records)) == [contact("late", 3)]
    assert cursor.state == {"version": 2, "cursor": "2024-01-01T05:00:00Z", "keys_at_cursor": [["a"]]}


def test_sorted_progress_moves_with_every_record() -> None:
    cursor = hubspot_cursor()
    stream_slice = next(cursor.stream_slices())
    reading = cursor.read(stream_slice, source([contact("a", 1), contact("b", 1), contact("c", 2)]))

    next(reading)
    assert cursor.state == {"version": 2, "cursor": "2024-01-01T01:00:00Z", "keys_at_cursor": [["a"]]}
    next(reading)
    assert cursor.state["keys_at_cursor"] == [["a"], ["b"]]
    next(reading)
    assert cursor.state == {"version": 2, "cursor": "2024-01-01T02:00:00Z", "keys_at_cursor": [["c"]]}


def test_unsorted_progress_moves_only_when_the_window_is_complete() -> None:
    cursor = ga4_cursor()
    stream_slice = next(cursor.stream_slices())
    rows = [
        {"property_id": "1", "date": "20240103", "deviceCategory": "mobile"},
        {"property_id": "1", "date": "20240101", "deviceCategory": "desktop"},
    ]
    reading = cursor.read(stream_slice, lambda window: iter(rows))

    assert next(reading) == rows[0]
    assert next(reading) == rows[1]
    assert cursor.state == {}
    assert list(reading) == []
    assert cursor.state == {"version": 2, "cursor": "2024-01-03", "keys_at_cursor": []}


def test_an_empty_read_still_records_where_it_began() -> None:
    cursor = hubspot_cursor()
    assert read_everything(cursor, source([])) == []
    assert cursor.state == {"version": 2, "cursor": "2024-01-01T00:00:00Z", "keys_at_cursor": []}


def test_a_state_beyond_the_end_reads_no_window() -> None:
    cursor = hubspot_cursor()
    cursor.load_state({"updatedAt": iso(END + timedelta(days=1))})
    assert list(cursor.stream_slices()) == []


# --- misuse and bad records ----------------------------------------------------------------------


def test_checkpointing_within_windows_needs_a_primary_key() -> None:
    with pytest.raises(ValueError, match="primary key"):
        WindowCursor(
            stream_name="x",
            cursor_field="t",
            primary_key=[],
            start=START,
            end=END,
            step=timedelta(days=1),
            sorted_by_cursor=True,
        )


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ({"id": "1"}, "its 'updatedAt' is not usable"),
        ({"id": "1", "updatedAt": "soon"}, "its 'updatedAt' is not usable"),
        ({"updatedAt": "2024-01-01T01:00:00Z"}, "it has no primary key field ['id']"),
    ],
)
def test_a_record_that_cannot_be_checkpointed_is_a_system_error(record: Record, problem: str) -> None:
    with pytest.raises(AirbyteTracedException) as caught:
        hubspot_cursor().observe(record)
    assert caught.value.failure_type == FailureType.system_error
    assert caught.value.message is not None and "Stream 'contacts'" in caught.value.message
    assert problem in (caught.value.internal_message or "")


# --- exact resumption, for any data and any interruption ---------------------------------------


@settings(deadline=None)  # no timing in assertions
@given(
    hours=st.lists(st.integers(min_value=0, max_value=71), max_size=40),
    interrupt_after=st.integers(min_value=0, max_value=40),
    seed=st.integers(),
)
def test_resuming_from_any_checkpoint_emits_every_record_exactly_once(
    hours: list[int], interrupt_after: int, seed: int
) -> None:
    # Few distinct hours, many records: most timestamps are shared, the hard case.
    records = [contact(f"r{index}", hour) for index, hour in enumerate(hours)]
    interrupt_after = min(interrupt_after, len(records))

    first = hubspot_cursor()
    committed: list[Record] = []
    checkpoint = first.state
    for stream_slice in first.stream_slices():
        for record in first.read(stream_slice, source(records, random.Random(seed))):
            if len(committed) == interrupt_after:
                break
            committed.append(record)
            checkpoint = first.state
        else:
            continue
        break

    second = hubspot_cursor()
    second.load_state(checkpoint)
    resumed = read_everything(second, source(records, random.Random(seed + 1)))  # ties reordered

    emitted = [r["id"] for r in committed + resumed]
    assert sorted(emitted) == sorted(r["id"] for r in records)
    assert len(emitted) == len(set(emitted))
