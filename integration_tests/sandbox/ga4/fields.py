"""What a dimension and a metric are in the fake: a value read off a fact, or computed from
the summed counts of a report row (`Totals`), so ratios such as `bounceRate` are right at every
level of aggregation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sandbox.ga4.dataset import Fact
from sandbox.ga4.properties import Scope


class Totals:
    """The summed counts of a report row, looked up by count name."""

    def __init__(self, names: Iterable[str], values: Iterable[float]) -> None:
        self._values = dict(zip(names, values, strict=True))

    def __getitem__(self, name: str) -> float:
        return self._values[name]


@dataclass(frozen=True)
class DimensionDef:
    api_name: str
    ui_name: str
    category: str
    value_of: Callable[[Fact], str]
    scope: Scope = Scope.EVENT
    deprecated_api_names: tuple[str, ...] = ()
    custom_definition: bool = False
    thresholded: bool = False  # demographics: GA4 may withhold rows, the request is "potentially thresholded"
    realtime: bool = False  # also available in realtime reports

    @property
    def description(self) -> str:
        return f"The {self.ui_name.lower()} of the event."


@dataclass(frozen=True)
class MetricDef:
    api_name: str
    ui_name: str
    category: str
    metric_type: str  # a MetricType name
    value_of: Callable[[Totals], float]
    scope: Scope = Scope.EVENT
    expression: str = ""
    deprecated_api_names: tuple[str, ...] = ()
    custom_definition: bool = False
    realtime: bool = False
    cohort_only: bool = False

    @property
    def description(self) -> str:
        return f"{self.ui_name}."


def count(name: str, scale: float = 1.0) -> Callable[[Totals], float]:
    return lambda totals: totals[name] * scale


def ratio(numerator: str, denominator: str, scale: float = 1.0) -> Callable[[Totals], float]:
    return lambda totals: totals[numerator] * scale / totals[denominator] if totals[denominator] else 0.0
