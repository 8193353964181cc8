"""Typed named parameters of custom queries: declared in the config, checked, then bound by BigQuery.

A parameter declares its type as GoogleSQL spells it (`INT64`, `ARRAY<STRING>`,
`STRUCT<city STRING, tags ARRAY<STRING>>`, `RANGE<DATE>`, nested freely where BigQuery allows)
and its value as JSON. `bind` turns a custom query's parameters into the client's query parameter
objects, and says precisely what is wrong otherwise: a parameter the SQL uses but the config does
not declare, one declared but never used, a type it cannot read, or a value that is not of its
type (naming the element or field at fault). Values are never pasted into the SQL.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_bigquery.config import CustomQuery

if TYPE_CHECKING:  # google-cloud-bigquery is imported by the commands that talk to BigQuery only
    from google.cloud.bigquery import (
        ArrayQueryParameter,
        RangeQueryParameter,
        RangeQueryParameterType,
        ScalarQueryParameter,
        StructQueryParameter,
        StructQueryParameterType,
    )
    from google.cloud.bigquery.query import ArrayQueryParameterType, ScalarQueryParameterType

    # A declared parameter (config.QueryParameter) as the client binds it.
    BoundParameter = ScalarQueryParameter | ArrayQueryParameter | StructQueryParameter | RangeQueryParameter
    # How the client describes an array's element type (a scalar's by its name) and a struct's field.
    ElementType = str | StructQueryParameterType | RangeQueryParameterType
    FieldType = (
        ScalarQueryParameterType
        | ArrayQueryParameterType
        | StructQueryParameterType
        | RangeQueryParameterType
    )

ALIASES = {
    "INTEGER": "INT64",
    "FLOAT": "FLOAT64",
    "BOOLEAN": "BOOL",
    "DECIMAL": "NUMERIC",
    "BIGDECIMAL": "BIGNUMERIC",
}
SCALARS = {
    "INT64", "FLOAT64", "NUMERIC", "BIGNUMERIC", "BOOL", "STRING", "BYTES",
    "DATE", "DATETIME", "TIMESTAMP", "TIME", "JSON", "INTERVAL",
}  # fmt: skip
RANGE_ELEMENTS = {"DATE", "DATETIME", "TIMESTAMP"}
INT64_RANGE = range(-(2**63), 2**63)
_TOKEN = re.compile(r"\s*(<|>|,|\(|\)|[A-Za-z_][A-Za-z0-9_]*|\d+)")
# What hides an @name from being a parameter: strings, quoted identifiers, comments.
_SKIPPED = re.compile(
    r"""(?xs)
    [rRbB]{0,2}('''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")
    | `(?:\\.|[^`\\])*`
    | --[^\n]* | \#[^\n]* | /\*.*?\*/
    """
)
_PARAMETER = re.compile(r"(?<![@\w])@([A-Za-z_][A-Za-z0-9_]*)")
# The one INTERVAL text BigQuery takes as a parameter value: `[-]Y-M [-]D [-]H:M:S[.F]`.
_INTERVAL = re.compile(r"-?\d+-\d+ -?\d+ -?\d+:\d+:\d+(\.\d{1,6})?")


@dataclass(frozen=True)
class ParameterType:
    """A scalar type, or ARRAY<element>, STRUCT<name type, ...>, RANGE<element>."""

    kind: str
    element: ParameterType | None = None
    fields: tuple[tuple[str, ParameterType], ...] = ()

    def __str__(self) -> str:
        if self.kind == "STRUCT":
            return "STRUCT<" + ", ".join(f"{name} {kind}" for name, kind in self.fields) + ">"
        if self.element is not None:
            return f"{self.kind}<{self.element}>"
        return self.kind


def parse_type(text: str) -> ParameterType:
    """The type a config spells, or ValueError saying where it stops making sense."""
    tokens = _tokens(text)
    parsed = _type(tokens)
    if tokens:
        raise ValueError(f"unexpected {tokens[0]!r} after {parsed}")
    return parsed


def used_parameters(sql: str) -> list[str]:
    """The @names the SQL refers to, in order of first use (system variables, @@x, excepted)."""
    code = _SKIPPED.sub(" ", sql)
    return list(dict.fromkeys(match.group(1) for match in _PARAMETER.finditer(code)))


def bind(query: CustomQuery, path: str) -> list[BoundParameter]:
    """The custom query's parameters as BigQuery query parameters; `path` (`custom_queries[0]`)
    names it in the config_error raised for anything wrong."""
    declared = {parameter.name for parameter in query.parameters}
    used = used_parameters(query.sql)
    problems = [
        f"its SQL uses @{name}, which is not declared in `{path}.parameters`"
        for name in used
        if name not in declared
    ]
    problems += [
        f"parameter `{parameter.name}` is declared but its SQL never uses @{parameter.name}"
        for parameter in query.parameters
        if parameter.name not in used
    ]
    bound = []
    for index, parameter in enumerate(query.parameters):
        where = f"`{path}.parameters[{index}]` ({parameter.name})"
        try:
            bound.append(_parameter(parameter.name, parse_type(parameter.type), parameter.value))
        except ValueError as error:
            problems.append(f"{where}: {error}")
    if problems:
        message = f"Custom query '{query.name}' cannot run: " + "; ".join(problems) + "."
        raise AirbyteTracedException(
            message=message, internal_message=message, failure_type=FailureType.config_error
        )
    return bound


# --- types ------------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    tokens, position = [], 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"cannot read the type at {text[position:].strip()!r}")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def _type(tokens: list[str]) -> ParameterType:
    if not tokens:
        raise ValueError("a type is missing")
    name = tokens.pop(0).upper()
    name = ALIASES.get(name, name)
    if name in SCALARS:
        _skip_type_parameters(tokens)  # NUMERIC(10, 2), STRING(20): the value is checked by BigQuery
        return ParameterType(name)
    if name not in ("ARRAY", "STRUCT", "RANGE"):
        raise ValueError(f"unknown type {name} (known: {', '.join(sorted(SCALARS))}, ARRAY, STRUCT, RANGE)")
    _expect(tokens, "<", name)
    if name == "STRUCT":
        fields = [_field(tokens)]
        while tokens and tokens[0] == ",":
            tokens.pop(0)
            fields.append(_field(tokens))
        _expect(tokens, ">", name)
        return ParameterType(name, fields=tuple(fields))
    element = _type(tokens)
    _expect(tokens, ">", name)
    if name == "ARRAY" and element.kind == "ARRAY":
        raise ValueError("BigQuery has no arrays of arrays: use ARRAY<STRUCT<values ARRAY<...>>>")
    if name == "RANGE" and element.kind not in RANGE_ELEMENTS:
        raise ValueError(f"a RANGE is of DATE, DATETIME or TIMESTAMP, not {element}")
    return ParameterType(name, element=element)


def _field(tokens: list[str]) -> tuple[str, ParameterType]:
    if len(tokens) < 2 or tokens[1] in (",", ">") or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", tokens[0]):
        raise ValueError("each STRUCT field needs a name and a type, e.g. STRUCT<city STRING>")
    name = tokens.pop(0)
    return name, _type(tokens)


def _skip_type_parameters(tokens: list[str]) -> None:
    if tokens and tokens[0] == "(":
        while tokens and tokens.pop(0) != ")":
            pass


def _expect(tokens: list[str], symbol: str, after: str) -> None:
    if not tokens or tokens[0] != symbol:
        raise ValueError(f"{after} needs {symbol!r}" + (f", found {tokens[0]!r}" if tokens else ""))
    tokens.pop(0)


# --- values -----------------------------------------------------------------------------------
# The query parameter types' and RangeQueryParameter's __init__ are unannotated in
# google-cloud-bigquery: their calls below carry `type: ignore[no-untyped-call]`.


def _parameter(name: str | None, kind: ParameterType, value: Any) -> BoundParameter:
    from google.cloud import bigquery

    if kind.kind == "ARRAY":
        assert kind.element is not None
        if not isinstance(value, list):
            raise ValueError(f"an {kind} takes a JSON list, not {_json_kind(value)}")
        items = list(_elements(kind.element, value))
        array_type = _element_type(kind.element)
        return bigquery.ArrayQueryParameter(name, array_type, items)
    if kind.kind == "STRUCT":
        if not isinstance(value, Mapping):
            raise ValueError(f"a {kind} takes a JSON object, not {_json_kind(value)}")
        names = [field_name for field_name, _ in kind.fields]
        missing, extra = [n for n in names if n not in value], [n for n in value if n not in names]
        if missing or extra:
            details = [f"field {n} is missing" for n in missing] + [f"it has no field {n}" for n in extra]
            raise ValueError(f"{kind}: " + ", ".join(details))
        return bigquery.StructQueryParameter(
            name,
            *(_in_field(field_name, field_type, value[field_name]) for field_name, field_type in kind.fields),
        )
    if kind.kind == "RANGE":
        assert kind.element is not None
        if not isinstance(value, Mapping) or set(value) - {"start", "end"}:
            raise ValueError(f'a {kind} takes {{"start": ..., "end": ...}} (null for an open end)')
        bounds = {bound: _scalar(kind.element.kind, value.get(bound), bound) for bound in ("start", "end")}
        return bigquery.RangeQueryParameter(kind.element.kind, name=name, **bounds)  # type: ignore[no-untyped-call]
    return bigquery.ScalarQueryParameter(name, kind.kind, _scalar(kind.kind, value))


def _elements(element: ParameterType, values: list[Any]) -> Iterator[Any]:
    for index, value in enumerate(values):
        try:
            if element.kind in SCALARS:
                if value is None:
                    raise ValueError("BigQuery arrays cannot hold NULL")
                yield _scalar(element.kind, value)
            else:
                yield _parameter(None, element, value)
        except ValueError as error:
            raise ValueError(f"element {index}: {error}") from None


def _in_field(name: str, kind: ParameterType, value: Any) -> BoundParameter:
    try:
        return _parameter(name, kind, value)
    except ValueError as error:
        raise ValueError(f"field {name}: {error}") from None


def _element_type(element: ParameterType) -> ElementType:
    """The client's description of an array's element type."""
    from google.cloud import bigquery

    if element.kind in SCALARS:
        return element.kind
    if element.kind == "STRUCT":
        return bigquery.StructQueryParameterType(*(_named_type(n, t) for n, t in element.fields))  # type: ignore[no-untyped-call]
    assert element.element is not None
    return bigquery.RangeQueryParameterType(element.element.kind)  # type: ignore[no-untyped-call]


def _named_type(name: str, kind: ParameterType) -> FieldType:
    from google.cloud import bigquery

    if kind.kind in SCALARS:
        return bigquery.ScalarQueryParameterType(kind.kind, name=name)  # type: ignore[no-untyped-call]
    if kind.kind == "ARRAY":
        assert kind.element is not None
        return bigquery.ArrayQueryParameterType(_element_type(kind.element), name=name)  # type: ignore[no-untyped-call]
    if kind.kind == "STRUCT":
        return bigquery.StructQueryParameterType(  # type: ignore[no-untyped-call]
            *(_named_type(n, t) for n, t in kind.fields), name=name
        )
    assert kind.element is not None
    return bigquery.RangeQueryParameterType(kind.element.kind, name=name)  # type: ignore[no-untyped-call]


def _scalar(kind: str, value: Any, what: str = "the value") -> Any:
    """A JSON value as the Python value the client binds for `kind`; None stays NULL."""
    if value is None:
        return None
    try:
        return _CONVERTERS[kind](value)
    except (ValueError, TypeError, InvalidOperation, binascii.Error, OverflowError):
        raise ValueError(f"{what} {value!r} is not of type {kind} ({_EXPECTED[kind]})") from None


def _int64(value: Any) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | str)
        or (isinstance(value, str) and not re.fullmatch(r"-?\d+", value))
    ):
        raise TypeError
    number = int(value)
    if number not in INT64_RANGE:
        raise OverflowError
    return number


def _float64(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
        return float(value.replace("Infinity", "inf"))
    if not isinstance(value, int | float):
        raise TypeError
    return float(value)


def _numeric(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError
    return number


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _bytes(value: Any) -> bytes:
    return base64.b64decode(_string(value), validate=True)


def _timestamp(value: Any) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(_string(value))
    return moment.replace(tzinfo=datetime.UTC) if moment.tzinfo is None else moment


def _datetime(value: Any) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(_string(value))
    if moment.tzinfo is not None:
        raise ValueError
    return moment


def _interval(value: Any) -> str:
    if not _INTERVAL.fullmatch(_string(value)):
        raise ValueError
    return str(value)


def _json(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError
    return value


_CONVERTERS = {
    "INT64": _int64,
    "FLOAT64": _float64,
    "NUMERIC": _numeric,
    "BIGNUMERIC": _numeric,
    "BOOL": _bool,
    "STRING": _string,
    "BYTES": _bytes,
    "DATE": lambda value: datetime.date.fromisoformat(_string(value)),
    "DATETIME": _datetime,
    "TIMESTAMP": _timestamp,
    "TIME": lambda value: datetime.time.fromisoformat(_string(value)),
    "JSON": _json,
    "INTERVAL": _interval,
}
_EXPECTED = {
    "INT64": "a whole number between -2^63 and 2^63-1, or its text",
    "FLOAT64": 'a number, or "NaN", "Infinity", "-Infinity"',
    "NUMERIC": "a number, best as text to keep every digit",
    "BIGNUMERIC": "a number, best as text to keep every digit",
    "BOOL": "true or false",
    "STRING": "a string",
    "BYTES": "base64 text",
    "DATE": "YYYY-MM-DD",
    "DATETIME": "an ISO 8601 date and time without a time zone",
    "TIMESTAMP": "an ISO 8601 date and time, with a time zone or in UTC",
    "TIME": "HH:MM:SS[.ffffff]",
    "JSON": "any JSON value",
    "INTERVAL": "BigQuery's canonical interval text [-]Y-M [-]D [-]H:M:S[.F], e.g. '1-2 3 4:5:6.5'",
}


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
