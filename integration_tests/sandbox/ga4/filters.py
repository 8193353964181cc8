"""Filter expressions (`andGroup` / `orGroup` / `notExpression` / leaf filters) as predicates.

The same tree shape serves v1beta's `dimensionFilter` and `metricFilter` and v1alpha's funnel
step filters; only the leaves differ, so `compile_expression` takes the leaf compiler.
Leaf filters follow the API: string matches are case-insensitive unless `caseSensitive`,
regular expressions must match fully (`FULL_REGEXP`) or anywhere (`PARTIAL_REGEXP`), numeric
and between filters compare numbers (a non-numeric value never matches), `emptyFilter` matches
"" and "(not set)".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sandbox.ga4.errors import invalid_argument
from sandbox.ga4.wire import MATCH_TYPES, NUMERIC_OPERATIONS, enum_value, number

Item = TypeVar("Item")
Predicate = Callable[[Item], bool]
Value = str | float
ValueTest = Callable[[Value], bool]
LeafCompiler = Callable[[str, Mapping[str, Any]], Callable[[Item], bool]]
GROUPS = ("andGroup", "orGroup", "notExpression")


def compile_expression(
    expression: Mapping[str, Any], leaf: LeafCompiler[Item], where: str
) -> Predicate[Item]:
    """One predicate for a whole expression tree; `leaf(kind, body)` compiles the leaves."""
    if not isinstance(expression, Mapping) or len(expression) != 1:
        raise invalid_argument(
            f"{where}: an expression must set exactly one of andGroup, orGroup, notExpression or a filter"
        )
    ((kind, body),) = expression.items()
    if kind in ("andGroup", "orGroup"):
        parts = [compile_expression(part, leaf, where) for part in body.get("expressions", [])]
        if not parts:
            raise invalid_argument(f"{where}: {kind} needs at least one expression")
        combine = all if kind == "andGroup" else any
        return lambda item: combine(part(item) for part in parts)
    if kind == "notExpression":
        inner = compile_expression(body, leaf, where)
        return lambda item: not inner(item)
    return leaf(kind, body)


def field_filter(
    resolve: Callable[[str], Callable[[Item], Value]], leaf_kind: str = "filter"
) -> LeafCompiler[Item]:
    """Leaves of the form `{fieldName, stringFilter | inListFilter | numericFilter | ...}`."""

    def leaf(kind: str, body: Mapping[str, Any]) -> Predicate[Item]:
        if kind != leaf_kind:
            raise invalid_argument(
                f'Invalid JSON payload received. Unknown name "{kind}": Cannot find field.'
            )
        value_of = resolve(body.get("fieldName", ""))
        test = value_test(body, body.get("fieldName", ""))
        return lambda item: test(value_of(item))

    return leaf


def value_test(body: Mapping[str, Any], field: str) -> ValueTest:
    """The test of one leaf filter, whichever of the filter kinds it sets."""
    if "stringFilter" in body:
        return _string_test(body["stringFilter"], field)
    if "inListFilter" in body:
        spec = body["inListFilter"]
        sensitive = bool(spec.get("caseSensitive"))
        values = {_fold(str(value), sensitive) for value in spec.get("values", [])}
        return lambda value: _fold(_text(value), sensitive) in values
    if "numericFilter" in body:
        spec = body["numericFilter"]
        operation = enum_value(spec.get("operation"), NUMERIC_OPERATIONS, f"{field}.numericFilter.operation")
        if operation == 0:
            raise invalid_argument(f"numericFilter of {field} needs an operation")
        target = number(spec.get("value"), f"{field}.numericFilter.value")
        compare = _COMPARISONS[operation]
        return lambda value: (numeric := _numeric(value)) is not None and compare(numeric, target)
    if "betweenFilter" in body:
        spec = body["betweenFilter"]
        low = number(spec.get("fromValue"), f"{field}.betweenFilter.fromValue")
        high = number(spec.get("toValue"), f"{field}.betweenFilter.toValue")
        return lambda value: (numeric := _numeric(value)) is not None and low <= numeric <= high
    if "emptyFilter" in body:
        return lambda value: value in ("", "(not set)")
    raise invalid_argument(
        f"The filter on {field} sets no stringFilter, inListFilter, numericFilter or betweenFilter"
    )


def _string_test(spec: Mapping[str, Any], field: str) -> ValueTest:
    match_type = (
        enum_value(spec.get("matchType"), MATCH_TYPES, f"{field}.stringFilter.matchType")
        or MATCH_TYPES["EXACT"]
    )
    sensitive = bool(spec.get("caseSensitive"))
    expected = _fold(str(spec.get("value", "")), sensitive)
    if match_type in (MATCH_TYPES["FULL_REGEXP"], MATCH_TYPES["PARTIAL_REGEXP"]):
        try:
            pattern = re.compile(str(spec.get("value", "")), 0 if sensitive else re.IGNORECASE)
        except re.error as error:
            raise invalid_argument(f"Invalid regular expression for {field}: {error}") from error
        find = pattern.fullmatch if match_type == MATCH_TYPES["FULL_REGEXP"] else pattern.search
        return lambda value: find(_text(value)) is not None
    matches: Callable[[str], bool] = {
        MATCH_TYPES["EXACT"]: lambda text: text == expected,
        MATCH_TYPES["BEGINS_WITH"]: lambda text: text.startswith(expected),
        MATCH_TYPES["ENDS_WITH"]: lambda text: text.endswith(expected),
        MATCH_TYPES["CONTAINS"]: lambda text: expected in text,
    }[match_type]
    return lambda value: matches(_fold(_text(value), sensitive))


_COMPARISONS: dict[int, Callable[[float, float], bool]] = {
    NUMERIC_OPERATIONS["EQUAL"]: lambda a, b: a == b,
    NUMERIC_OPERATIONS["LESS_THAN"]: lambda a, b: a < b,
    NUMERIC_OPERATIONS["LESS_THAN_OR_EQUAL"]: lambda a, b: a <= b,
    NUMERIC_OPERATIONS["GREATER_THAN"]: lambda a, b: a > b,
    NUMERIC_OPERATIONS["GREATER_THAN_OR_EQUAL"]: lambda a, b: a >= b,
}


def _fold(text: str, case_sensitive: bool) -> str:
    return text if case_sensitive else text.lower()


def _text(value: Value) -> str:
    return value if isinstance(value, str) else _number_text(value)


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _numeric(value: Value) -> float | None:
    if not isinstance(value, str):
        return float(value)
    try:
        return float(value)
    except ValueError:
        return None
