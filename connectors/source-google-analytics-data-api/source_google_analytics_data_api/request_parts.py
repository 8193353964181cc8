"""The config's report parts (the official connector's shapes) in the Data API's request form.

The results are plain dicts with the API's field names in snake_case, which the client's request
types accept as they are; enums go by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from source_google_analytics_data_api.config import (
    AndGroup,
    BetweenFilter,
    CohortsEnabled,
    FieldCondition,
    FilterExpression,
    Funnel,
    InListFilter,
    Int64Value,
    NotExpression,
    NumericFilter,
    NumericValue,
    OrderBy,
    OrGroup,
    Pivot,
    SingleFilter,
    StringFilter,
)

ApiDict = dict[str, Any]
ApiRequest = ApiDict  # a whole request body


def filter_expression(expression: FilterExpression, *, leaf: str = "filter") -> ApiDict:
    """A FilterExpression; `leaf` is the key of a single condition (`funnel_field_filter` in funnels)."""
    if isinstance(expression, AndGroup | OrGroup):
        group = "and_group" if isinstance(expression, AndGroup) else "or_group"
        return {
            group: {"expressions": [_field(e.field_name, e.filter, leaf) for e in expression.expressions]}
        }
    if isinstance(expression, NotExpression):
        return {
            "not_expression": _field(expression.expression.field_name, expression.expression.filter, leaf)
        }
    if isinstance(expression, SingleFilter):
        return _field(expression.field_name, expression.filter, leaf)
    raise TypeError(f"not a filter expression: {expression!r}")


def _field(field_name: str, condition: FieldCondition, leaf: str) -> ApiDict:
    return {leaf: {"field_name": field_name, **_condition(condition)}}


def _condition(condition: FieldCondition) -> ApiDict:
    if isinstance(condition, StringFilter):
        return {
            "string_filter": {
                "value": condition.value,
                "match_type": condition.match_type[0] if condition.match_type else "EXACT",
                "case_sensitive": condition.case_sensitive,
            }
        }
    if isinstance(condition, InListFilter):
        return {"in_list_filter": {"values": condition.values, "case_sensitive": condition.case_sensitive}}
    if isinstance(condition, NumericFilter):
        return {"numeric_filter": {"operation": condition.operation[0], "value": _number(condition.value)}}
    if isinstance(condition, BetweenFilter):
        return {
            "between_filter": {
                "from_value": _number(condition.from_value),
                "to_value": _number(condition.to_value),
            }
        }
    raise TypeError(f"not a field condition: {condition!r}")


def _number(value: NumericValue) -> ApiDict:
    if isinstance(value, Int64Value):
        return {"int64_value": int(value.value)}
    return {"double_value": value.value}


def order_by(order: OrderBy, metrics: Sequence[str]) -> ApiDict:
    """An OrderBy: by metric when the field is one of the report's metrics, else by dimension."""
    if order.field_name in metrics:
        return {"metric": {"metric_name": order.field_name}, "desc": order.desc}
    dimension: ApiDict = {"dimension_name": order.field_name}
    if order.order_type:
        dimension["order_type"] = order.order_type
    return {"dimension": dimension, "desc": order.desc}


def pivot(part: Pivot, metrics: Sequence[str]) -> ApiDict:
    return {
        "field_names": part.field_names,
        "limit": part.limit,
        "offset": part.offset,
        "metric_aggregations": part.metric_aggregations,
        "order_bys": [order_by(order, metrics) for order in part.order_bys],
    }


def cohort_spec(cohorts: CohortsEnabled) -> ApiDict:
    spec: ApiDict = {
        "cohorts": [
            {
                **({"name": cohort.name} if cohort.name else {}),
                "dimension": cohort.dimension,
                "date_range": {
                    "start_date": cohort.date_range.start_date.isoformat(),
                    "end_date": cohort.date_range.end_date.isoformat(),
                },
            }
            for cohort in cohorts.cohorts
        ]
    }
    if cohorts.cohorts_range:
        spec["cohorts_range"] = {
            "granularity": cohorts.cohorts_range.granularity,
            "start_offset": cohorts.cohorts_range.start_offset,
            "end_offset": cohorts.cohorts_range.end_offset,
        }
    if cohorts.cohort_report_settings:
        spec["cohort_report_settings"] = {"accumulate": cohorts.cohort_report_settings.accumulate}
    return spec


def funnel_parts(funnel: Funnel) -> ApiDict:
    """The funnel-specific fields of a v1alpha RunFunnelReportRequest."""
    parts: ApiDict = {
        "funnel": {
            "is_open_funnel": funnel.is_open_funnel,
            "steps": [
                {
                    "name": step.name,
                    "is_directly_followed_by": step.is_directly_followed_by,
                    "filter_expression": filter_expression(
                        step.filter_expression, leaf="funnel_field_filter"
                    ),
                    **(
                        {"within_duration_from_prior_step": step.within_duration_from_prior_step}
                        if step.within_duration_from_prior_step
                        else {}
                    ),
                }
                for step in funnel.steps
            ],
        },
        "funnel_visualization_type": funnel.visualization_type,
    }
    if funnel.breakdown_dimension:
        breakdown: ApiDict = {"breakdown_dimension": {"name": funnel.breakdown_dimension}}
        if funnel.breakdown_limit:
            breakdown["limit"] = funnel.breakdown_limit
        parts["funnel_breakdown"] = breakdown
    if funnel.next_action_dimension:
        next_action: ApiDict = {"next_action_dimension": {"name": funnel.next_action_dimension}}
        if funnel.next_action_limit:
            next_action["limit"] = funnel.next_action_limit
        parts["funnel_next_action"] = next_action
    return parts
