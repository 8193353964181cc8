"""`POST /crm/v3/objects/{type}/search`: filter groups, one sort, offset paging, HubSpot's limits.

Searches over the record-id, create-date and last-modified properties are answered from the
store's sorted arrays (bisect, no record generated), so the queries an incremental connector
sends stay fast on a million records; any other filter evaluates property values per candidate.
"""

from __future__ import annotations

import fnmatch
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.hubspot.errors import GENERIC_PROBLEM, validation_error
from sandbox.hubspot.records import ObjectStore, Snapshot
from sandbox.hubspot.timestamps import parse_moment

DEFAULT_LIMIT = 10
MAX_LIMIT = 200
RESULT_WINDOW = 10_000  # no query pages past its 10,000th result
MAX_GROUPS, MAX_FILTERS_PER_GROUP, MAX_FILTERS = 5, 6, 18
MAX_QUERY_CHARS = 3_000
RANGE_OPERATORS = {"EQ", "LT", "LTE", "GT", "GTE", "BETWEEN"}
OPERATORS = RANGE_OPERATORS | {
    "NEQ",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
}
_TOKEN_SPLIT = re.compile(r"[\s,;:!?()\[\]{}<>\"'/|]+")

Comparable = Any  # float, int or str, depending on the property's type


@dataclass(frozen=True)
class Filter:
    property: str
    operator: str
    value: str | None = None
    high_value: str | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchRequest:
    groups: tuple[tuple[Filter, ...], ...]
    sort_property: str | None
    descending: bool
    properties: tuple[str, ...] | None
    limit: int
    offset: int
    query: str | None

    @classmethod
    def parse(cls, body: dict[str, Any]) -> SearchRequest:
        """Validate the request body against HubSpot's documented limits (400 on violation)."""
        try:
            return cls._parse(body)
        except (AttributeError, TypeError):  # a list where an object belongs, or the reverse
            raise validation_error("Invalid input JSON: unexpected structure.") from None

    @classmethod
    def _parse(cls, body: dict[str, Any]) -> SearchRequest:
        groups = tuple(
            tuple(_parse_filter(raw) for raw in group.get("filters", []))
            for group in body.get("filterGroups", [])
        )
        if len(groups) > MAX_GROUPS:
            raise validation_error(
                f"There are {len(groups)} filter groups; a search allows at most {MAX_GROUPS}."
            )
        if any(len(group) > MAX_FILTERS_PER_GROUP for group in groups):
            raise validation_error(f"A filter group has more than {MAX_FILTERS_PER_GROUP} filters.")
        if sum(map(len, groups)) > MAX_FILTERS:
            raise validation_error(
                f"There are {sum(map(len, groups))} filters; a search allows at most {MAX_FILTERS}."
            )
        sorts = body.get("sorts") or []
        if len(sorts) > 1:
            raise validation_error("Only one sort is supported.")
        sort_property, descending = None, False
        if sorts:
            sort = sorts[0]
            if isinstance(sort, str):  # the legacy spelling: "-createdate" sorts descending
                sort_property, descending = sort.lstrip("-"), sort.startswith("-")
            else:
                sort_property, descending = sort.get("propertyName"), sort.get("direction") == "DESCENDING"
        limit, offset = (
            _integer(body.get("limit", DEFAULT_LIMIT), "limit"),
            _integer(body.get("after", 0), "after"),
        )
        if not 1 <= limit <= MAX_LIMIT:
            raise validation_error(f"limit must be between 1 and {MAX_LIMIT}, got {limit}.")
        if offset < 0 or offset + limit > RESULT_WINDOW:
            raise validation_error(GENERIC_PROBLEM)
        query = body.get("query")
        if query is not None and len(str(query)) > MAX_QUERY_CHARS:
            raise validation_error(f"The query is longer than {MAX_QUERY_CHARS} characters.")
        properties = body.get("properties")
        return cls(
            groups=groups,
            sort_property=sort_property,
            descending=descending,
            properties=tuple(properties) if properties else None,
            limit=limit,
            offset=offset,
            query=str(query) if query is not None else None,
        )


def _parse_filter(raw: Any) -> Filter:
    operator = raw.get("operator", "EQ") if isinstance(raw, dict) else None
    if operator not in OPERATORS or not raw.get("propertyName"):
        raise validation_error(f"Invalid filter: {raw!r}.")
    values = tuple(str(value) for value in raw.get("values") or ())
    value, high = raw.get("value"), raw.get("highValue")
    return Filter(
        raw["propertyName"],
        operator,
        None if value is None else str(value),
        None if high is None else str(high),
        values,
    )


def _integer(raw: Any, name: str) -> int:
    try:
        return int(str(raw))
    except ValueError:
        raise validation_error(f"{name} must be an integer, got {raw!r}.") from None


@dataclass(frozen=True)
class SearchResult:
    total: int
    page: Sequence[int]  # record indices, in result order


class _Field:
    """How to read and compare one property: indexed ones come from arrays, others from values."""

    def __init__(self, store: ObjectStore, snapshot: Snapshot, name: str) -> None:
        spec = store.spec(name)
        if spec is None:
            raise validation_error()  # HubSpot does not say which property it does not know
        self.name, self.type = name, spec.type
        object_type = store.object_type
        self.order: str | None = None  # which sorted array this property's order follows
        self.get: Callable[[int], Comparable]
        if name == "hs_object_id":
            self.get, self.order, self.type = store.id_of, "id", "number"
        elif name == object_type.created_property:
            self.get, self.order = store.created_ms, "id"
        elif name == object_type.cursor_property:
            self.get, self.order = snapshot.modified.__getitem__, "modified"
        else:
            convert = self.convert
            self.get = lambda index: _maybe(convert, store.value(snapshot, index, name))

    def convert(self, text: str) -> Comparable:
        """A filter value (or stored value) in the form comparisons use; 400 if malformed."""
        try:
            if self.type == "number":
                return float(text)
            if self.type in ("datetime", "date"):
                return parse_moment(text)
        except ValueError:
            raise validation_error(f"Invalid value {text!r} for property {self.name}.") from None
        return text if self.type == "enumeration" else text.lower()

    def sort_key(self, index: int) -> tuple[bool, Comparable]:
        value = self.get(index)
        return (value is None, value if value is not None else 0)


def _maybe(convert: Callable[[str], Comparable], value: str | None) -> Comparable | None:
    return None if value is None else convert(value)


def _predicate(field: _Field, spec: Filter) -> Callable[[int], bool]:
    """A test of one record index against one filter."""
    get, op = field.get, spec.operator
    if op == "HAS_PROPERTY":
        return lambda index: get(index) is not None
    if op == "NOT_HAS_PROPERTY":
        return lambda index: get(index) is None
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        wanted = (spec.value or "").lower()
        inverted = op == "NOT_CONTAINS_TOKEN"
        return lambda index: _contains_token(get(index), wanted) != inverted
    if op in ("IN", "NOT_IN"):
        # Strings match only lowercase values, as HubSpot documents; enumerations match exactly.
        members = {field.convert(value) if field.type != "string" else value for value in spec.values}
        if op == "IN":
            return lambda index: (value := get(index)) is not None and value in members
        return lambda index: (value := get(index)) is None or value not in members
    low = field.convert(_required(spec.value, spec))
    if op == "NEQ":
        return lambda index: get(index) != low
    if op == "BETWEEN":
        high = field.convert(_required(spec.high_value, spec))
        return lambda index: (value := get(index)) is not None and low <= value <= high
    compare: Callable[[Comparable, Comparable], bool] = {
        "EQ": lambda a, b: a == b,
        "LT": lambda a, b: a < b,
        "LTE": lambda a, b: a <= b,
        "GT": lambda a, b: a > b,
        "GTE": lambda a, b: a >= b,
    }[op]
    return lambda index: (value := get(index)) is not None and compare(value, low)


def _required(value: str | None, spec: Filter) -> str:
    if value is None:
        raise validation_error(f"Filter on {spec.property} with {spec.operator} needs a value.")
    return value


def _contains_token(value: Comparable | None, wanted: str) -> bool:
    if value is None:
        return False
    text = str(value).lower()
    if "*" in wanted:
        return fnmatch.fnmatchcase(text, wanted) or any(
            fnmatch.fnmatchcase(t, wanted) for t in _TOKEN_SPLIT.split(text)
        )
    return wanted in _TOKEN_SPLIT.split(text) or wanted == text


def _within(get: Callable[[int], Comparable], low: Comparable, high: Comparable) -> Callable[[int], bool]:
    return lambda index: bool(low <= get(index) <= high)


def _bounds(field: _Field, spec: Filter) -> tuple[Comparable, Comparable] | None:
    """The closed interval a range filter on an indexed property selects (None: not a range)."""
    if field.order is None or spec.operator not in RANGE_OPERATORS:
        return None
    value = field.convert(_required(spec.value, spec))
    low, high = float("-inf"), float("inf")
    if spec.operator in ("EQ", "GTE", "BETWEEN"):
        low = value
    if spec.operator in ("EQ", "LTE"):
        high = value
    if spec.operator == "GT":
        low = value + 1  # ids and epoch milliseconds are integers
    if spec.operator == "LT":
        high = value - 1
    if spec.operator == "BETWEEN":
        high = field.convert(_required(spec.high_value, spec))
    return low, high


class Search:
    """Runs one parsed request against one snapshot of a store."""

    def __init__(self, store: ObjectStore, request: SearchRequest) -> None:
        self.store, self.request = store, request
        self.snapshot = store.snapshot()
        self.fields: dict[str, _Field] = {}

    def field(self, name: str) -> _Field:
        if name not in self.fields:
            self.fields[name] = _Field(self.store, self.snapshot, name)
        return self.fields[name]

    def run(self) -> SearchResult:
        request = self.request
        sort = self.field(request.sort_property or "hs_object_id")
        plans = [self._plan(group, sort.order or "id") for group in request.groups or ((),)]
        order, start, stop, tests = plans[0]
        if len(plans) == 1 and not tests and request.query is None and order == sort.order:
            return self._slice_page(self._order(order), start, stop)
        matches: set[int] = set()
        for order, start, stop, tests in plans:
            tests = [*tests, *self._query_tests()]
            matches.update(i for i in self._order(order)[start:stop] if all(test(i) for test in tests))
        ranked = sorted(sorted(matches), key=sort.sort_key, reverse=request.descending)
        return SearchResult(len(ranked), ranked[request.offset : request.offset + request.limit])

    def _slice_page(self, ordered: Sequence[int], start: int, stop: int) -> SearchResult:
        """The fast path: the matches are exactly ordered[start:stop], already in sort order."""
        offset, limit = self.request.offset, self.request.limit
        if self.request.descending:
            end = max(stop - offset, start)
            return SearchResult(stop - start, ordered[max(end - limit, start) : end][::-1])
        return SearchResult(stop - start, ordered[start + offset : min(start + offset + limit, stop)])

    def _order(self, order: str) -> Sequence[int]:
        return self.snapshot.live_by_modified if order == "modified" else self.snapshot.live_by_id

    def _plan(
        self, group: tuple[Filter, ...], preferred: str
    ) -> tuple[str, int, int, list[Callable[[int], bool]]]:
        """Narrow a group to a slice of one sorted order; return the tests the slice still needs.

        Range filters on indexed properties become slice bounds (bisect); the order whose slice
        is smallest drives, and everything else is tested record by record.
        """
        intervals: dict[str, tuple[Comparable, Comparable]] = {}
        tests: list[Callable[[int], bool]] = []
        for spec in group:
            field = self.field(spec.property)
            bounds = _bounds(field, spec)
            if bounds is None:
                tests.append(_predicate(field, spec))
            else:
                low, high = intervals.get(spec.property, (float("-inf"), float("inf")))
                intervals[spec.property] = (max(low, bounds[0]), min(high, bounds[1]))
        slices = {order: (0, len(self._order(order))) for order in ("id", "modified")}
        for name, (low, high) in intervals.items():
            field = self.field(name)
            order = field.order or "id"
            ordered, (start, stop) = self._order(order), slices[order]
            start = max(start, bisect_left(ordered, low, key=field.get))
            stop = min(stop, bisect_right(ordered, high, key=field.get))
            slices[order] = (start, max(start, stop))
        used = {self.field(name).order or "id" for name in intervals} or {preferred}
        driver = min(used, key=lambda order: slices[order][1] - slices[order][0])
        for name, (low, high) in intervals.items():  # ranges on the other order: tested per record
            if self.field(name).order != driver:
                tests.append(_within(self.field(name).get, low, high))
        return driver, *slices[driver], tests

    def _query_tests(self) -> list[Callable[[int], bool]]:
        """`query`: a substring of any of the type's default text properties."""
        if self.request.query is None:
            return []
        wanted = self.request.query.lower()
        store, snapshot = self.store, self.snapshot
        names = [
            name
            for name in store.object_type.default_properties
            if (spec := store.spec(name)) is not None and spec.type == "string"
        ]
        return [
            lambda index: any(wanted in (store.value(snapshot, index, name) or "").lower() for name in names)
        ]
