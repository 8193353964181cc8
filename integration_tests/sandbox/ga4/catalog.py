"""The dimensions and metrics of a fake property: what `getMetadata` lists and reports accept.

The standard fields plus the property's custom definitions (`customEvent:...`,
`customUser:...`). Retired names that GA4 still accepts (`conversions` for `keyEvents`) resolve
to the same field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from sandbox.ga4.dataset import Fact
from sandbox.ga4.dimensions import STANDARD_DIMENSIONS
from sandbox.ga4.errors import ApiError, invalid_argument
from sandbox.ga4.fields import DimensionDef, MetricDef, count
from sandbox.ga4.metrics import COHORT_METRICS, CURRENCY, MONEY_PER_CENT, STANDARD_METRICS
from sandbox.ga4.properties import PropertyProfile

SCHEMA_URL = "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"
_Field = TypeVar("_Field", bound=DimensionDef | MetricDef)


class Catalog:
    """The fields of one property, looked up by current or retired API name."""

    def __init__(self, profile: PropertyProfile) -> None:
        custom_dimensions = [
            DimensionDef(
                custom.api_name,
                custom.ui_name,
                "Custom",
                _custom_value(position),
                custom.scope,
                custom_definition=True,
            )
            for position, custom in enumerate(profile.custom_dimensions)
        ]
        custom_metrics = [
            MetricDef(
                custom.api_name,
                custom.ui_name,
                "Custom",
                custom.metric_type,
                count(custom.api_name, MONEY_PER_CENT if custom.metric_type == CURRENCY else 1.0),
                custom_definition=True,
            )
            for custom in profile.custom_metrics
        ]
        self.dimensions = [*STANDARD_DIMENSIONS, *custom_dimensions]
        self.metrics = [*STANDARD_METRICS, *COHORT_METRICS, *custom_metrics]
        self._dimensions = _by_every_name(self.dimensions)
        self._metrics = _by_every_name(self.metrics)

    def dimension(self, name: str) -> DimensionDef:
        if name not in self._dimensions:
            raise _not_valid("dimension", name)
        return self._dimensions[name]

    def metric(self, name: str) -> MetricDef:
        if name not in self._metrics:
            raise _not_valid("metric", name)
        return self._metrics[name]


def _custom_value(position: int) -> Callable[[Fact], str]:
    return lambda fact: fact.custom[position]


def _by_every_name(fields: Iterable[_Field]) -> dict[str, _Field]:
    by_name: dict[str, _Field] = {}
    for known in fields:
        for name in (known.api_name, *known.deprecated_api_names):
            by_name[name] = known
    return by_name


def _not_valid(kind: str, name: str) -> ApiError:
    return invalid_argument(
        f"Field {name} is not a valid {kind}. For a list of valid dimensions and metrics, see {SCHEMA_URL}"
    )
