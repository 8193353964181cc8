"""The fake's GA4 properties: each differs in time zone, currency, size and custom definitions.

A property's profile is derived from its position in the list, so a test knows that the first
property reports in America/Los_Angeles, the second in Europe/Berlin, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    """What a dimension or metric describes; item-scoped fields do not mix with the others."""

    EVENT = "event"
    SESSION = "session"
    USER = "user"
    ITEM = "item"


@dataclass(frozen=True)
class CustomDimension:
    api_name: str
    ui_name: str
    scope: Scope


@dataclass(frozen=True)
class CustomMetric:
    api_name: str
    ui_name: str
    metric_type: str  # a MetricType name
    mean_per_session: float  # how much of it a session produces, for the generator


CUSTOM_DIMENSIONS = [
    CustomDimension("customEvent:article_author", "Article author", Scope.EVENT),
    CustomDimension("customUser:membership_level", "Membership level", Scope.USER),
    CustomDimension("customEvent:plan_tier", "Plan tier", Scope.EVENT),
    CustomDimension("customUser:favorite_team", "Favorite team", Scope.USER),
]
CUSTOM_METRICS = [
    CustomMetric("customEvent:reading_time", "Reading time", "TYPE_SECONDS", 95.0),
    CustomMetric("customEvent:cart_value", "Cart value", "TYPE_CURRENCY", 1250.0),  # in cents
    CustomMetric("customEvent:video_percent", "Video percent watched", "TYPE_STANDARD", 3.0),
]
TIME_ZONES = ["America/Los_Angeles", "Europe/Berlin", "Asia/Tokyo", "UTC"]
CURRENCIES = ["USD", "EUR", "JPY", "GBP"]


@dataclass(frozen=True)
class PropertyProfile:
    property_id: str
    number: int  # 1 for the first property of the fake, 2 for the second, ...
    time_zone: str
    currency_code: str
    traffic_scale: float
    custom_dimensions: tuple[CustomDimension, ...]
    custom_metrics: tuple[CustomMetric, ...]

    @classmethod
    def nth(cls, property_id: str, number: int) -> PropertyProfile:
        index = number - 1
        return cls(
            property_id=property_id,
            number=number,
            time_zone=TIME_ZONES[index % len(TIME_ZONES)],
            currency_code=CURRENCIES[index % len(CURRENCIES)],
            traffic_scale=1.0 + 0.5 * (index % 3),
            custom_dimensions=tuple(
                CUSTOM_DIMENSIONS[(index + k) % len(CUSTOM_DIMENSIONS)] for k in range(2)
            ),
            custom_metrics=(CUSTOM_METRICS[index % len(CUSTOM_METRICS)],),
        )
