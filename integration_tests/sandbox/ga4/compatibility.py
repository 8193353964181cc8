"""Which dimensions and metrics may share a report.

The fake models GA4's best-known rule: item-scoped dimensions (itemName, itemId, ...) only
combine with item-scoped metrics (itemsViewed, itemRevenue, ...); an item dimension next to an
event-, session- or user-scoped metric such as `sessions` is INCOMPATIBLE.
"""

from __future__ import annotations

from collections.abc import Sequence

from sandbox.ga4.fields import DimensionDef, MetricDef
from sandbox.ga4.properties import Scope


def dimension_compatible(dimension: DimensionDef, metrics: Sequence[MetricDef]) -> bool:
    return dimension.scope != Scope.ITEM or all(metric.scope == Scope.ITEM for metric in metrics)


def metric_compatible(metric: MetricDef, dimensions: Sequence[DimensionDef]) -> bool:
    return metric.scope == Scope.ITEM or all(dimension.scope != Scope.ITEM for dimension in dimensions)


def first_incompatible(dimensions: Sequence[DimensionDef], metrics: Sequence[MetricDef]) -> str | None:
    """The name of a field to remove to make the pair compatible, or None if it already is."""
    for dimension in dimensions:
        if not dimension_compatible(dimension, metrics):
            return dimension.api_name
    return None
