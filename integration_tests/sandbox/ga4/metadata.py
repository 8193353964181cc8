"""getMetadata and checkCompatibility: a property's fields and which of them fit a request.

`properties/0/metadata` lists the fields common to every property (no custom definitions), as
the real API does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.ga4.catalog import Catalog
from sandbox.ga4.compatibility import dimension_compatible, metric_compatible
from sandbox.ga4.errors import invalid_argument
from sandbox.ga4.fields import DimensionDef, MetricDef
from sandbox.ga4.wire import COMPATIBILITY, METRIC_TYPES, EnumEncoding, enum_value, reject_unknown_fields


def dimension_metadata(dimension: DimensionDef) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "apiName": dimension.api_name,
        "uiName": dimension.ui_name,
        "description": dimension.description,
        "category": dimension.category,
    }
    if dimension.deprecated_api_names:
        metadata["deprecatedApiNames"] = list(dimension.deprecated_api_names)
    if dimension.custom_definition:
        metadata["customDefinition"] = True
    return metadata


def metric_metadata(metric: MetricDef, encoding: EnumEncoding) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "apiName": metric.api_name,
        "uiName": metric.ui_name,
        "description": metric.description,
        "type": encoding.write(metric.metric_type, METRIC_TYPES),
        "category": metric.category,
    }
    if metric.expression:
        metadata["expression"] = metric.expression
    if metric.deprecated_api_names:
        metadata["deprecatedApiNames"] = list(metric.deprecated_api_names)
    if metric.custom_definition:
        metadata["customDefinition"] = True
    return metadata


def get_metadata(property_id: str, catalog: Catalog, encoding: EnumEncoding) -> dict[str, Any]:
    standard_only = property_id == "0"
    return {
        "name": f"properties/{property_id}/metadata",
        "dimensions": [
            dimension_metadata(dimension)
            for dimension in catalog.dimensions
            if not (standard_only and dimension.custom_definition)
        ],
        "metrics": [
            metric_metadata(metric, encoding)
            for metric in catalog.metrics
            if not (standard_only and metric.custom_definition)
        ],
    }


def check_compatibility(body: Mapping[str, Any], catalog: Catalog, encoding: EnumEncoding) -> dict[str, Any]:
    """Every field of the property, marked COMPATIBLE or INCOMPATIBLE with the request's fields."""
    reject_unknown_fields(
        body, ("property", "dimensions", "metrics", "dimensionFilter", "metricFilter", "compatibilityFilter")
    )
    dimensions = [catalog.dimension(dimension.get("name", "")) for dimension in body.get("dimensions", [])]
    metrics = [catalog.metric(metric.get("name", "")) for metric in body.get("metrics", [])]
    for leaf in _filter_field_names(body.get("dimensionFilter")):
        dimensions.append(catalog.dimension(leaf))
    for leaf in _filter_field_names(body.get("metricFilter")):
        metrics.append(catalog.metric(leaf))
    wanted = enum_value(body.get("compatibilityFilter"), COMPATIBILITY, "compatibilityFilter")
    if wanted not in (0, COMPATIBILITY["COMPATIBLE"], COMPATIBILITY["INCOMPATIBLE"]):
        raise invalid_argument("Invalid compatibilityFilter.")

    def verdict(compatible: bool) -> str:
        return "COMPATIBLE" if compatible else "INCOMPATIBLE"

    dimension_verdicts = [
        (dimension, verdict(dimension_compatible(dimension, metrics)))
        for dimension in catalog.dimensions
        if not dimension.api_name.startswith("cohort")
    ]
    metric_verdicts = [
        (metric, verdict(metric_compatible(metric, dimensions)))
        for metric in catalog.metrics
        if not metric.cohort_only
    ]
    return {
        "dimensionCompatibilities": [
            {
                "dimensionMetadata": dimension_metadata(dimension),
                "compatibility": encoding.write(name, COMPATIBILITY),
            }
            for dimension, name in dimension_verdicts
            if wanted in (0, COMPATIBILITY[name])
        ],
        "metricCompatibilities": [
            {
                "metricMetadata": metric_metadata(metric, encoding),
                "compatibility": encoding.write(name, COMPATIBILITY),
            }
            for metric, name in metric_verdicts
            if wanted in (0, COMPATIBILITY[name])
        ],
    }


def _filter_field_names(expression: Any) -> list[str]:
    """Every fieldName in a filter expression tree."""
    if isinstance(expression, Mapping):
        names = [expression["fieldName"]] if isinstance(expression.get("fieldName"), str) else []
        return names + [name for value in expression.values() for name in _filter_field_names(value)]
    if isinstance(expression, list):
        return [name for value in expression for name in _filter_field_names(value)]
    return []
