"""Arrow record batches as Airbyte RECORD lines, built column by column inside Arrow.

Turning a million rows into Python dicts and serialising each costs more than reading them from
BigQuery, so rows never become Python objects here. Each column becomes an Arrow array holding
the JSON text of every value (per BigQuery type, see schema.py), the columns are joined into one
line per row with the message's envelope around them, and the joined array's data buffer IS the
output: newline-terminated lines, ready to write. Python touches only the rare values Arrow
cannot format (strings that need escaping, tiny decimals in scientific notation, BYTES, INTERVAL
from REST pages).

The lines are exactly the protocol's RECORD messages: `{"type":"RECORD","record":{"stream":...,
"data":{...},"emitted_at":...}}`. NUMERIC and BIGNUMERIC are written as JSON number literals with
every digit (trailing fractional zeros dropped); floats that JSON cannot hold (NaN, infinities)
are null.
"""

from __future__ import annotations

import base64
import struct
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from source_bigquery.schema import canonical_type

if TYPE_CHECKING:
    from google.cloud.bigquery import SchemaField

_NEEDS_ESCAPE = r'[\x00-\x1f"\\]'  # what JSON strings must escape
_TRAILING_ZEROS = r"(\.[0-9]*?)0+$"


def record_lines(
    batch: pa.RecordBatch,
    fields: Sequence[SchemaField],
    stream: str,
    constants: Mapping[str, str] | None = None,
) -> pa.Buffer:
    """The RECORD messages of `batch`'s rows, one per line: `fields` are the columns written, found
    in the batch by name, then `constants` (a value the same for every row, e.g. a shard's suffix)."""
    prefix = b'{"type":"RECORD","record":{"stream":' + orjson.dumps(stream) + b',"data":{'
    suffix = b'},"emitted_at":' + str(int(time.time() * 1000)).encode() + b"}}\n"
    texts = [(field.name, json_texts(batch.column(field.name), field)) for field in fields]
    texts += [(name, _literal(orjson.dumps(value))) for name, value in (constants or {}).items()]
    parts: list[Any] = []
    for index, (name, values) in enumerate(texts):
        parts += [_literal((b"," if index else b"") + orjson.dumps(name) + b":"), values]
    lines = pc.binary_join_element_wise(_literal(prefix), *parts, _literal(suffix), _literal(b""))
    return _data_buffer(lines)


def json_texts(array: pa.Array, field: SchemaField) -> pa.Array:
    """The JSON text of each value of one column (its BigQuery `field`); "null" for nulls."""
    if field.mode == "REPEATED":
        return _arrays(array, field)
    return _values(array, field)


def _values(array: pa.Array, field: SchemaField) -> pa.Array:
    kind = canonical_type(field)
    formatter = _FORMATTERS.get(kind)
    if formatter is None:
        if kind == "RECORD":
            texts = _struct(array, [(child.name, child) for child in field.fields])
        elif kind == "RANGE":
            bound = _bound_field(field)
            texts = _struct(array, [("start", bound), ("end", bound)])
        else:
            texts = _with_python(array, lambda value: orjson.dumps(value, default=str).decode())
    else:
        texts = formatter(array)
    return pc.fill_null(texts, NULL)


def _arrays(array: pa.Array, field: SchemaField) -> pa.Array:
    """`[a,b]` per row; BigQuery has no NULL arrays (they read as empty)."""
    from google.cloud.bigquery import SchemaField

    element = SchemaField(field.name, field.field_type, mode="NULLABLE", fields=field.fields)
    element_texts = _values(array.flatten(), element)
    offsets = pc.subtract(array.offsets, array.offsets[0])
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, element_texts), ",")
    texts = pc.binary_join_element_wise(_literal(b"["), joined, _literal(b"]"), _literal(b""))
    return pc.if_else(array.is_valid(), texts, EMPTY_ARRAY)


def _struct(array: pa.Array, children: list[tuple[str, SchemaField]]) -> pa.Array:
    """`{"name":value,...}`; children by position, so RANGE's `start`/`end` need no names in Arrow."""
    parts: list[Any] = []
    for index, ((name, child), child_array) in enumerate(zip(children, array.flatten(), strict=True)):
        key = orjson.dumps(name) + b":"
        parts += [_literal((b"{" if index == 0 else b",") + key), json_texts(child_array, child)]
    texts = pc.binary_join_element_wise(*parts, _literal(b"}"), _literal(b""))
    return pc.if_else(array.is_valid(), texts, NULL)


def _bound_field(range_field: SchemaField) -> SchemaField:
    from google.cloud.bigquery import SchemaField

    from source_bigquery.schema import range_element_type

    return SchemaField("bound", range_element_type(range_field), mode="NULLABLE")


# --- scalars ----------------------------------------------------------------------------------


def _as_is(array: pa.Array) -> pa.Array:
    """INT64, BOOL: Arrow's text is JSON's."""
    return array.cast(pa.string())


def _float(array: pa.Array) -> pa.Array:
    finite = pc.is_finite(array)
    return pc.if_else(finite, array.cast(pa.string()), NULL)


def _decimal(array: pa.Array) -> pa.Array:
    """Every digit, as a number literal: Arrow writes `100.000000000`, or `-1E-18` for tiny values."""
    texts = pc.replace_substring_regex(array.cast(pa.string()), _TRAILING_ZEROS, r"\1")
    texts = pc.replace_substring_regex(texts, r"\.$", "")
    return _patch(texts, pc.match_substring(texts, "E"), _plain_decimal)


def _plain_decimal(text: str) -> str:
    """`-1E-18` as `-0.000000000000000001`: exact (Decimal.normalize() would round to 28 digits)."""
    plain = format(Decimal(text), "f")
    return plain.rstrip("0").rstrip(".") if "." in plain else plain


def _string(array: pa.Array) -> pa.Array:
    """A quoted JSON string; the few values with quotes, backslashes or control characters go
    through orjson's escaping."""
    if pa.types.is_large_string(array.type):
        array = array.cast(pa.string())
    quoted = pc.binary_join_element_wise(_literal(b'"'), array, _literal(b'"'), _literal(b""))
    return _patch(quoted, pc.match_substring_regex(array, _NEEDS_ESCAPE), _escaped_string)


def _escaped_string(quoted: str) -> str:
    return orjson.dumps(quoted[1:-1]).decode()


def _quoted(array: pa.Array) -> pa.Array:
    """DATE and TIME: Arrow writes ISO 8601 (microseconds always shown for TIME)."""
    return pc.binary_join_element_wise(_literal(b'"'), array.cast(pa.string()), _literal(b'"'), _literal(b""))


def _datetime(array: pa.Array, zone: bytes = b"") -> pa.Array:
    """`2026-01-31T23:59:59.999999` (+ `Z` for TIMESTAMP, whose values Arrow holds in UTC)."""
    naive = array.cast(pa.timestamp("us")) if array.type.tz is not None else array
    texts = pc.utf8_replace_slice(naive.cast(pa.string()), start=10, stop=11, replacement="T")
    return pc.binary_join_element_wise(_literal(b'"'), texts, _literal(zone + b'"'), _literal(b""))


def _timestamp(array: pa.Array) -> pa.Array:
    return _datetime(array, b"Z")


def _json(array: pa.Array) -> pa.Array:
    """A JSON column holds JSON text: written as it is, line breaks (only ever whitespace in JSON
    text) made spaces so each record stays on one line."""
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return _with_python(array, lambda value: orjson.dumps(value).decode())
    return pc.replace_substring_regex(array.cast(pa.string()), r"[\r\n]", " ")


def _bytes(array: pa.Array) -> pa.Array:
    return _with_python(array, lambda value: '"' + base64.b64encode(value).decode() + '"')


def _interval(array: pa.Array) -> pa.Array:
    """BigQuery's canonical text, `[-]Y-M [-]D [-]H:M:S[.F]`. Storage Read sends it as that text;
    REST pages arrive as Arrow intervals (the client parses the text into months, days, nanoseconds)."""
    if pa.types.is_interval(array.type):
        return _with_python(array, lambda value: '"' + _interval_text(*value) + '"')
    return _string(array)


def _interval_text(months: int, days: int, nanoseconds: int) -> str:
    """`1-2 3 4:5:6.5` for 14 months, 3 days, 4 h 5 min 6.5 s; each part carries its own sign."""
    years, months_left = divmod(abs(months), 12)
    seconds, fraction = divmod(abs(nanoseconds) // 1000, 1_000_000)  # BigQuery keeps microseconds
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    fraction_text = f".{fraction:06d}".rstrip("0") if fraction else ""
    return (
        f"{'-' if months < 0 else ''}{years}-{months_left} {days} "
        f"{'-' if nanoseconds < 0 else ''}{hours}:{minutes}:{seconds}{fraction_text}"
    )


_FORMATTERS: dict[str, Callable[[pa.Array], pa.Array]] = {
    "INT64": _as_is,
    "BOOL": _as_is,
    "FLOAT64": _float,
    "NUMERIC": _decimal,
    "BIGNUMERIC": _decimal,
    "STRING": _string,
    "GEOGRAPHY": _string,
    "DATE": _quoted,
    "TIME": _quoted,
    "DATETIME": _datetime,
    "TIMESTAMP": _timestamp,
    "JSON": _json,
    "BYTES": _bytes,
    "INTERVAL": _interval,
}


# --- helpers ----------------------------------------------------------------------------------


def _literal(text: bytes) -> pa.Scalar:
    """A string scalar built from its bytes: converting a Python object would import pandas (0.2 s)."""
    offsets = pa.py_buffer(struct.pack("<ii", 0, len(text)))
    return pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(text)])[0]


NULL = _literal(b"null")
EMPTY_ARRAY = _literal(b"[]")


def _patch(texts: pa.Array, mask: pa.Array, fix: Callable[[str], str]) -> pa.Array:
    """`texts` with the values where `mask` holds replaced by `fix(value)`, in Python."""
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return texts
    fixed = [fix(text) for text in pc.filter(texts, mask).to_pylist()]
    return pc.replace_with_mask(texts, mask, pa.array(fixed, pa.string()))


def _with_python(array: pa.Array, dump: Callable[[Any], str]) -> pa.Array:
    """For types Arrow cannot format: each non-null value dumped in Python."""
    return pa.array([None if value is None else dump(value) for value in array.to_pylist()], pa.string())


def _data_buffer(lines: pa.Array) -> pa.Buffer:
    """The concatenated values of a string array (no nulls), without copying them."""
    _validity, offsets, data = lines.buffers()
    first, last = (
        struct.unpack_from("<i", offsets, 4 * lines.offset),
        struct.unpack_from("<i", offsets, 4 * (lines.offset + len(lines))),
    )
    return data.slice(first[0], last[0] - first[0])
