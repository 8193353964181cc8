"""Incremental progress on a user-chosen cursor column, applied to sorted Arrow batches.

Rows are read `WHERE cursor >= @cursor_start ORDER BY cursor` (inclusive, so rows that share the
last value but arrived later are not lost) and the rows at that value that were already emitted
are skipped by primary key (cdk_extensions.incremental.boundary). Both happen per Arrow batch:
only rows AT the previous value are looked at for duplicates, and only rows at the batch's last
value move the mark, so a million-row page costs a few vectorised comparisons, not a Python loop.

Without a primary key, rows at the last value are read again on the next sync (at least once).
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from cdk_extensions.incremental.boundary import HighWaterMark, JsonScalar, RecordKey
from cdk_extensions.incremental.state import dump_state, load_state
from cdk_extensions.incremental.values import (
    CursorValues,
    DatetimeValues,
    DateValues,
    DecimalValues,
    IntegerValues,
    NaiveDatetimeValues,
    TextValues,
)
from source_bigquery.schema import canonical_type
from source_bigquery.sql import CURSOR_PARAMETER

if TYPE_CHECKING:
    from google.cloud.bigquery import ScalarQueryParameter, SchemaField

VALUES_OF_TYPE: dict[str, type[CursorValues[Any]]] = {
    "INT64": IntegerValues,
    "NUMERIC": DecimalValues,
    "BIGNUMERIC": DecimalValues,
    "STRING": TextValues,
    "DATE": DateValues,
    "DATETIME": NaiveDatetimeValues,
    "TIMESTAMP": DatetimeValues,
}


class ColumnCursor:
    """The mark of one stream: the highest cursor value emitted and the keys emitted at it."""

    def __init__(self, stream_name: str, cursor: SchemaField, primary_key: Sequence[str]) -> None:
        self.stream_name = stream_name
        self.field = cursor
        self.bigquery_type = canonical_type(cursor)
        self.values: CursorValues[Any] = VALUES_OF_TYPE[self.bigquery_type]()
        self.primary_key = tuple(primary_key)
        self.mark: HighWaterMark[Any] = HighWaterMark()

    @property
    def name(self) -> str:
        return str(self.field.name)

    @property
    def state(self) -> dict[str, Any]:
        return dump_state(self.mark, self.values, cursor_field=self.name)

    def load_state(self, raw: object) -> None:
        """Resume from an incoming state (ours, or an official connector's); config_error if invalid."""
        self.mark = load_state(raw, stream_name=self.stream_name, cursor_field=self.name, values=self.values)

    def start_parameter(self) -> ScalarQueryParameter | None:
        """`@cursor_start`, the last value emitted; None before any progress (read everything)."""
        from google.cloud.bigquery import ScalarQueryParameter

        if self.mark.value is None:
            return None
        return ScalarQueryParameter(CURSOR_PARAMETER, self.bigquery_type, self.mark.value)

    def admit(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """The rows of a batch (sorted by the cursor, nulls first) not emitted yet; the mark then
        moves to the batch's last value, with the keys of the rows at it."""
        if batch.num_rows == 0:
            return batch
        cursor = batch.column(self.name)
        duplicates = self._already_emitted(batch, cursor)
        kept = batch.filter(pc.invert(duplicates)) if duplicates is not None else batch
        if kept.num_rows:
            self._advance(kept, kept.column(self.name))
        return kept

    def _already_emitted(self, batch: pa.RecordBatch, cursor: pa.Array) -> pa.Array | None:
        if self.mark.value is None or not self.primary_key:
            return None
        at_mark = pc.fill_null(pc.equal(cursor, pa.scalar(self.mark.value, cursor.type)), False)
        rows = pc.indices_nonzero(at_mark).to_pylist()
        emitted = [row for row in rows if self.mark.already_emitted(self.mark.value, self._key(batch, row))]
        if not emitted:
            return None
        mask = [False] * batch.num_rows
        for row in emitted:
            mask[row] = True
        return pa.array(mask)

    def _advance(self, batch: pa.RecordBatch, cursor: pa.Array) -> None:
        last = cursor[batch.num_rows - 1]
        if not last.is_valid:  # only NULL cursors (they sort first): nothing to remember
            return
        value = _comparable(last.as_py())
        if not self.primary_key:
            self.mark.raise_to(value)
            return
        for row in pc.indices_nonzero(pc.fill_null(pc.equal(cursor, last), False)).to_pylist():
            self.mark.admit(value, self._key(batch, row))

    def _key(self, batch: pa.RecordBatch, row: int) -> RecordKey:
        return tuple(_json_scalar(batch.column(column)[row].as_py()) for column in self.primary_key)


def _comparable(value: Any) -> Any:
    """Arrow's value as the cursor values parse them (aware datetimes in UTC)."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC)
    return value


def _json_scalar(value: Any) -> JsonScalar:
    """A primary key value as the state can hold it (and compare it once read back)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Decimal):
        return DecimalValues().format(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)
