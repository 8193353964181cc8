"""The parts every report request shares: dimensions, metrics, filters, order, paging.

Validation follows the API: unknown fields and names are INVALID_ARGUMENT, as are more than 9
dimensions or 10 metrics, a limit outside 1..250,000 (it is capped at 250,000 like the API
does) and incompatible dimension/metric pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.ga4.catalog import Catalog
from sandbox.ga4.compatibility import first_incompatible
from sandbox.ga4.dataset import Fact
from sandbox.ga4.errors import invalid_argument
from sandbox.ga4.fields import DimensionDef, MetricDef, Totals
from sandbox.ga4.filters import Predicate, compile_expression, field_filter
from sandbox.ga4.table import MetricColumn, ReportRow
from sandbox.ga4.wire import METRIC_AGGREGATIONS, enum_value, int64

MAX_DIMENSIONS, MAX_METRICS = 9, 10
DEFAULT_LIMIT, MAX_LIMIT = 10_000, 250_000
EXPLORER_URL = "https://ga-dev-tools.google/ga4/dimensions-metrics-explorer/"
UNSUPPORTED = {
    "comparisons": "comparisons",
    "dimensionExpression": "dimension expressions",
    "expression": "metric expressions",
}


@dataclass(frozen=True)
class ReportQuery:
    dimension_names: list[str]
    dimensions: dict[str, DimensionDef]  # the catalog's ones; special dimensions (dateRange, ...) are absent
    columns: list[MetricColumn]
    dimension_filter: Predicate[Fact] | None
    metric_filter: Predicate[ReportRow] | None
    order_bys: list[Mapping[str, Any]]
    offset: int
    limit: int
    aggregations: list[int]
    keep_empty_rows: bool

    @property
    def thresholded(self) -> bool:
        """Demographic dimensions make a request "potentially thresholded" (a separate quota)."""
        return any(dimension.thresholded for dimension in self.dimensions.values())


def parse_query(
    body: Mapping[str, Any],
    catalog: Catalog,
    *,
    special_dimensions: Collection[str] = (),
    dimension_lookup: Callable[[str], DimensionDef] | None = None,
    metric_lookup: Callable[[str], MetricDef] | None = None,
    count_names: Sequence[str],
) -> ReportQuery:
    """Parse the shared fields; `special_dimensions` are computed by the report itself."""
    dimension_of = dimension_lookup or catalog.dimension
    metric_of = metric_lookup or catalog.metric
    for dimension in body.get("dimensions", []):
        _reject_unsupported(dimension)
    for metric in body.get("metrics", []):
        _reject_unsupported(metric)
    if "comparisons" in body:
        _reject_unsupported(body)
    names = [dimension.get("name", "") for dimension in body.get("dimensions", [])]
    if len(names) > MAX_DIMENSIONS or len(body.get("metrics", [])) > MAX_METRICS:
        raise invalid_argument(
            f"Requests are allowed up to {MAX_DIMENSIONS} dimensions and {MAX_METRICS} metrics."
        )
    if len(set(names)) != len(names):
        raise invalid_argument(f"Dimensions must be unique: {names}")
    dimensions = {name: dimension_of(name) for name in names if name not in special_dimensions}
    columns = [
        MetricColumn(metric.get("name", ""), metric_of(metric.get("name", "")), bool(metric.get("invisible")))
        for metric in body.get("metrics", [])
    ]
    if not columns:
        raise invalid_argument("At least one metric is required.")
    incompatible = first_incompatible(list(dimensions.values()), [column.definition for column in columns])
    if incompatible:
        raise invalid_argument(
            f"Please remove {incompatible} to make the request compatible. The request's dimensions & "
            f"metrics are incompatible. To learn more, see {EXPLORER_URL}"
        )
    for column in columns:
        if column.definition.cohort_only and "cohort" not in special_dimensions:
            raise invalid_argument(f"{column.name} is only available in cohort reports (with a cohortSpec).")
    limit = int64(body.get("limit"), "limit", DEFAULT_LIMIT)
    offset = int64(body.get("offset"), "offset")
    if limit < 0 or offset < 0:
        raise invalid_argument("limit and offset must not be negative.")
    return ReportQuery(
        dimension_names=names,
        dimensions=dimensions,
        columns=columns,
        dimension_filter=compile_dimension_filter(body, dimension_of),
        metric_filter=_metric_filter(body, metric_of, count_names),
        order_bys=list(body.get("orderBys", [])),
        offset=offset,
        limit=min(limit or DEFAULT_LIMIT, MAX_LIMIT),
        aggregations=[
            enum_value(value, METRIC_AGGREGATIONS, "metricAggregations")
            for value in body.get("metricAggregations", [])
        ],
        keep_empty_rows=bool(body.get("keepEmptyRows")),
    )


def _reject_unsupported(part: Mapping[str, Any]) -> None:
    for key, what in UNSUPPORTED.items():
        if part.get(key):
            raise invalid_argument(f"The sandbox's fake GA4 does not support {what}.")


def compile_dimension_filter(
    body: Mapping[str, Any], dimension_of: Callable[[str], DimensionDef]
) -> Predicate[Fact] | None:
    if "dimensionFilter" not in body:
        return None

    def resolve(name: str) -> Callable[[Fact], str]:
        return dimension_of(name).value_of

    return compile_expression(body["dimensionFilter"], field_filter(resolve), "dimensionFilter")


def _metric_filter(
    body: Mapping[str, Any], metric_of: Callable[[str], MetricDef], count_names: Sequence[str]
) -> Predicate[ReportRow] | None:
    if "metricFilter" not in body:
        return None

    def resolve(name: str) -> Callable[[ReportRow], float]:
        value_of = metric_of(name).value_of
        return lambda row: value_of(Totals(count_names, row.counts))

    return compile_expression(body["metricFilter"], field_filter(resolve), "metricFilter")
