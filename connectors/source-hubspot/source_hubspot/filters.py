"""User filters for HubSpot's search: checked against the object's properties, joined to the cursor.

Users filter an object with an OR of AND groups, written as in HubSpot's search API. A read adds
its own cursor conditions (the time window), and HubSpot cannot AND a condition onto an OR of
groups, so the cursor conditions are repeated in every group:
(A or B) and cursor == (A and cursor) or (B and cursor).
The repetition counts against HubSpot's filter limits, which is why `check` validates the user's
filters together with the number of cursor conditions the reads will add.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from itertools import accumulate
from typing import Any, get_args

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_hubspot.config import FilterGroup, FilterOperator, FilterValue, PropertyFilter

# HubSpot's "Search the CRM" guide, section Limits: "When filtering, you can include a maximum of
# five filterGroups with up to six filters in each group, with a maximum of 18 filters in total";
# more is a 400 VALIDATION_ERROR.
# https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm
# (A changelog of August 2024 announced 5 groups / 10 per group / 25 in all; the guide still
# documents 5 / 6 / 18, so we hold to the stricter figures.)
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18

EQUALITY = frozenset({"EQ", "NEQ"})
PRESENCE = frozenset({"HAS_PROPERTY", "NOT_HAS_PROPERTY"})
RANGE = frozenset({"LT", "LTE", "GT", "GTE", "BETWEEN"})
MEMBERSHIP = frozenset({"IN", "NOT_IN"})
TOKENS = frozenset({"CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"})
TEXT_OPERATORS = EQUALITY | PRESENCE | MEMBERSHIP | TOKENS

# Which operators apply to which property `type` (as /crm/v3/properties/{object} reports it).
# HubSpot documents the operators, not this table; we reject what cannot mean what the user wants:
# ranges need an order (numbers, dates), tokens need text, exact lists of instants or booleans are
# better said with BETWEEN or EQ. Types not listed (json, object_coordinates, ...) filter like text.
OPERATORS_BY_TYPE: Mapping[str, frozenset[str]] = {
    "number": EQUALITY | PRESENCE | RANGE | MEMBERSHIP,
    "date": EQUALITY | PRESENCE | RANGE | MEMBERSHIP,
    "datetime": EQUALITY | PRESENCE | RANGE,
    "bool": EQUALITY | PRESENCE,
    "enumeration": TEXT_OPERATORS,
    "string": TEXT_OPERATORS,
    "phone_number": TEXT_OPERATORS,
}
ORDERED_TYPES = frozenset({"number", "date", "datetime"})

# HubSpot's search also filters on the pseudo-property `associations.{objectType}` (a record ID).
ASSOCIATION_PREFIX = "associations."

MAX_PROBLEMS_SHOWN = 10  # in the user's message; the internal message lists them all

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_MS = 86_400_000
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class FilterableProperty:
    """What filter checks need to know of a property: its type and, for enumerations, its options."""

    type: str
    options: frozenset[str] = frozenset()  # empty when HubSpot lists none (e.g. owner IDs)

    @classmethod
    def from_api(cls, definition: Mapping[str, Any]) -> FilterableProperty:
        """From one entry of `results` in /crm/v3/properties/{object}."""
        options = definition.get("options") or ()
        return cls(str(definition["type"]), frozenset(str(option["value"]) for option in options))


PropertyCatalog = Mapping[str, FilterableProperty | str]  # name -> property, or just its type


def combine_with_cursor(
    user_groups: Sequence[FilterGroup],
    cursor_filters: Sequence[Mapping[str, Any]],
    *,
    properties: PropertyCatalog | None = None,
) -> list[dict[str, Any]]:
    """HubSpot `filterGroups`: the user's groups (OR), each ANDed with all the cursor filters.

    Without user groups, one group of the cursor filters (none at all without those either).
    Cursor filter values may be datetimes (sent as epoch milliseconds). With `properties`, user
    values are converted by property type (ISO dates and times become epoch milliseconds) and
    checked as `validate_object_filters` does; without, they are sent as written. Raises a
    config_error naming the filter when the result would exceed HubSpot's limits.
    """
    cursor = [_cursor_json(condition) for condition in cursor_filters]
    converted, problems = _converted(user_groups, properties)
    problems += _limit_problems(user_groups, len(cursor))
    if problems:
        raise _invalid_filters(problems, object_name=None)
    if not user_groups:
        return [{"filters": cursor}] if cursor else []
    return [{"filters": [*conditions, *cursor]} for conditions in converted]


def validate_object_filters(
    object_name: str,
    groups: Sequence[FilterGroup],
    properties: PropertyCatalog,
    cursor_filter_count: int,
) -> None:
    """Raise a config_error naming every filter of `object_name` HubSpot would reject or misread.

    `cursor_filter_count` is the most cursor conditions a read adds to each group (0 for a full
    refresh), so a filter set that only overflows HubSpot's limits once they are added fails here.
    """
    problems = _converted(groups, properties)[1] + _limit_problems(groups, cursor_filter_count)
    if problems:
        raise _invalid_filters(problems, object_name)


class _BadFilter(ValueError):
    """What is wrong with one condition, in words for the user."""


def _converted(
    groups: Sequence[FilterGroup], properties: PropertyCatalog | None
) -> tuple[list[list[dict[str, Any]]], list[str]]:
    """Every condition as HubSpot's JSON, and a problem (with its position) for each that is not fit."""
    converted: list[list[dict[str, Any]]] = []
    problems: list[str] = []
    for group_index, group in enumerate(groups):
        conditions = []
        for index, condition in enumerate(group.filters):
            try:
                conditions.append(_filter_json(condition, properties))
            except _BadFilter as problem:
                problems.append(f"{_position(group_index, index, condition)}: {problem}")
        converted.append(conditions)
    return converted, problems


def _position(group_index: int, index: int, condition: PropertyFilter) -> str:
    """Where a condition is, as the user counts (from 1), and what it says."""
    return f"group {group_index + 1}, condition {index + 1} ({condition.property_name} {condition.operator})"


def _filter_json(condition: PropertyFilter, properties: PropertyCatalog | None) -> dict[str, Any]:
    operator = condition.operator
    described = None if properties is None else _lookup(condition.property_name, properties)
    if described is not None and operator not in _operators_for(described.type):
        allowed = ", ".join(op for op in get_args(FilterOperator) if op in _operators_for(described.type))
        raise _BadFilter(f"{operator} does not apply to a {described.type} property; use one of {allowed}")
    _check_fields(condition)

    def hubspot_value(value: FilterValue, field: str) -> str:
        try:
            return _plain_text(value) if described is None else _typed_text(value, described, operator)
        except ValueError as reason:
            raise _BadFilter(f"{reason} (in `{field}`)") from None

    result: dict[str, Any] = {"propertyName": condition.property_name, "operator": operator}
    if condition.value is not None:
        result["value"] = hubspot_value(condition.value, "value")
    if condition.high_value is not None:
        result["highValue"] = hubspot_value(condition.high_value, "highValue")
    if condition.values is not None:
        result["values"] = [hubspot_value(value, "values") for value in condition.values]
    bounded = described is not None and described.type in ORDERED_TYPES and operator == "BETWEEN"
    if bounded and Decimal(result["value"]) > Decimal(result["highValue"]):
        raise _BadFilter("`value` (the lower bound) is above `highValue`, so nothing matches")
    return result


def _lookup(name: str, properties: PropertyCatalog) -> FilterableProperty:
    described = properties.get(name)
    if isinstance(described, FilterableProperty):
        return described
    if described is not None:
        return FilterableProperty(described)
    if name.startswith(ASSOCIATION_PREFIX):
        return FilterableProperty("number")
    close = difflib.get_close_matches(name, list(properties), n=1)
    suggestion = f"; did you mean '{close[0]}'?" if close else ""
    raise _BadFilter(f"the object has no property '{name}'{suggestion}")


def _operators_for(property_type: str) -> frozenset[str]:
    return OPERATORS_BY_TYPE.get(property_type, TEXT_OPERATORS)


def _check_fields(condition: PropertyFilter) -> None:
    """Each operator takes its own value fields: HubSpot ignores or rejects the others."""
    operator = condition.operator
    if operator in PRESENCE:
        needed: set[str] = set()
    elif operator in MEMBERSHIP:
        needed = {"values"}
    elif operator == "BETWEEN":
        needed = {"value", "highValue"}
    else:
        needed = {"value"}
    given = {
        field
        for field, value in (
            ("value", condition.value),
            ("values", condition.values),
            ("highValue", condition.high_value),
        )
        if value is not None
    }
    if missing := sorted(needed - given):
        raise _BadFilter(f"{operator} needs {' and '.join(f'`{field}`' for field in missing)}")
    if extra := sorted(given - needed):
        raise _BadFilter(f"{operator} does not take {' or '.join(f'`{field}`' for field in extra)}")
    if operator in MEMBERSHIP and not condition.values:
        raise _BadFilter(f"{operator} needs at least one entry in `values`")


def _plain_text(value: FilterValue | datetime) -> str:
    """A value as HubSpot's JSON carries every value: a string (booleans and instants spelled its way)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return str(_epoch_ms(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if not text.strip():
        raise ValueError("an empty value matches nothing; to find records without one, use NOT_HAS_PROPERTY")
    return text


def _typed_text(value: FilterValue, described: FilterableProperty, operator: str) -> str:
    """HubSpot's string for `value` on a property of this type; ValueError saying why it is not one."""
    text = _TYPED_TEXT.get(described.type, _plain_text)(value)
    if described.options and operator in EQUALITY | MEMBERSHIP and text not in described.options:
        raise ValueError(f"'{text}' is not one of the property's options{_option_hint(text, described)}")
    # HubSpot matches IN / NOT_IN on string properties only against lowercase values.
    if described.type == "string" and operator in MEMBERSHIP and text != text.lower():
        raise ValueError(f"'{text}' must be lowercase for {operator} on a string property")
    return text


def _option_hint(text: str, described: FilterableProperty) -> str:
    close = difflib.get_close_matches(text, sorted(described.options), n=1)
    if close and close[0].lower() == text.lower():
        return f"; did you mean '{close[0]}'? (options are case-sensitive)"
    if close:
        return f"; did you mean '{close[0]}'?"
    if len(described.options) <= 10:
        return f" ({', '.join(sorted(described.options))})"
    return ""


def _number_text(value: FilterValue) -> str:
    if isinstance(value, bool):
        raise ValueError(f"{value} is a boolean, not a number")
    text = _plain_text(value).strip()
    try:
        finite = Decimal(text).is_finite()
    except InvalidOperation:
        finite = False
    if not finite:
        raise ValueError(f"'{text}' is not a number")
    return text


def _datetime_text(value: FilterValue) -> str:
    return str(_moment_ms(value))


def _date_text(value: FilterValue) -> str:
    """A day as HubSpot stores date properties: epoch milliseconds of its midnight UTC."""
    moment = _moment_ms(value)
    if moment % _DAY_MS:
        day = (_EPOCH + timedelta(milliseconds=moment)).date().isoformat()
        raise ValueError(f"{value!r} is not midnight UTC, as a date property's values are; write '{day}'")
    return str(moment)


def _moment_ms(value: FilterValue) -> int:
    """Epoch milliseconds from epoch milliseconds, an ISO 8601 time with its zone, or an ISO date."""
    if isinstance(value, bool):
        raise ValueError(f"{value} is a boolean, not a date or time")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"{value} is not a whole number of milliseconds")
    text = value.strip()
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        return _epoch_ms(datetime.combine(date.fromisoformat(text), time(), UTC))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"'{text}' is neither milliseconds since 1970 nor an ISO 8601 date or time "
            "(e.g. 2024-01-31 or 2024-01-31T09:30:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"'{text}' has no time zone; add one (Z for UTC)")
    return _epoch_ms(moment)


def _bool_text(value: FilterValue) -> str:
    if isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in ("true", "false")):
        return _plain_text(value).strip().lower()
    raise ValueError(f"{value!r} is not true or false")


_TYPED_TEXT: Mapping[str, Callable[[FilterValue], str]] = {
    "number": _number_text,
    "datetime": _datetime_text,
    "date": _date_text,
    "bool": _bool_text,
}


def _epoch_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _cursor_json(condition: Mapping[str, Any]) -> dict[str, Any]:
    """A cursor condition with its values as HubSpot's strings (datetimes as epoch milliseconds)."""
    result = dict(condition)
    for field in ("value", "highValue"):
        if field in result:
            result[field] = _plain_text(result[field])
    if "values" in result:
        result["values"] = [_plain_text(value) for value in result["values"]]
    return result


def _limit_problems(groups: Sequence[FilterGroup], cursor_count: int) -> list[str]:
    """HubSpot's limits, counted on the groups as they will be sent: with the cursor conditions."""
    if cursor_count > MAX_FILTERS_PER_GROUP:
        raise AirbyteTracedException(
            message="The connector built a search it cannot send to HubSpot.",
            internal_message=f"{cursor_count} cursor conditions exceed {MAX_FILTERS_PER_GROUP} per group.",
            failure_type=FailureType.system_error,
        )
    problems = []
    if len(groups) > MAX_GROUPS:
        first_extra = groups[MAX_GROUPS].filters[0]
        problems.append(
            f"{_position(MAX_GROUPS, 0, first_extra)}: {len(groups)} filter groups, "
            f"{len(groups) - MAX_GROUPS} over HubSpot's limit of {MAX_GROUPS}"
        )
    room = MAX_FILTERS_PER_GROUP - cursor_count
    for group_index, group in enumerate(groups):
        if len(group.filters) > room:
            problems.append(
                f"{_position(group_index, room, group.filters[room])}: group {group_index + 1} has "
                f"{_count(len(group.filters), cursor_count)}, {len(group.filters) - room} over "
                f"HubSpot's limit of {MAX_FILTERS_PER_GROUP} per group"
            )
    total = sum(len(group.filters) + cursor_count for group in groups)
    if total > MAX_FILTERS:
        positions = [(g, c) for g, group in enumerate(groups) for c in range(len(group.filters))]
        # A group's first condition brings the group's cursor conditions with it.
        weights = [1 + (cursor_count if c == 0 else 0) for _, c in positions]
        first_over = next(i for i, sent in enumerate(accumulate(weights)) if sent > MAX_FILTERS)
        group_index, index = positions[first_over]
        user_total = len(positions)
        problems.append(
            f"{_position(group_index, index, groups[group_index].filters[index])}: "
            f"{_count(user_total, cursor_count * len(groups))} in all, "
            f"{total - MAX_FILTERS} over HubSpot's limit of {MAX_FILTERS}; this is the first that won't fit"
        )
    return problems


def _count(conditions: int, cursor_conditions: int) -> str:
    if not cursor_conditions:
        return _conditions(conditions)
    total = conditions + cursor_conditions
    return f"{_conditions(conditions)} + {_conditions(cursor_conditions, 'cursor ')} = {total}"


def _conditions(count: int, kind: str = "") -> str:
    return f"{count} {kind}condition{'' if count == 1 else 's'}"


def _invalid_filters(problems: Sequence[str], object_name: str | None) -> AirbyteTracedException:
    subject = f"the filters of '{object_name}'" if object_name else "the record filters"
    shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
    if len(problems) > MAX_PROBLEMS_SHOWN:
        shown += f"; and {len(problems) - MAX_PROBLEMS_SHOWN} more problems"
    return AirbyteTracedException(
        message=f"HubSpot's search cannot take {subject}: {shown}. Correct them in the per-object settings.",
        internal_message=f"Invalid user filters for {object_name or 'a search'}: {'; '.join(problems)}",
        failure_type=FailureType.config_error,
    )
