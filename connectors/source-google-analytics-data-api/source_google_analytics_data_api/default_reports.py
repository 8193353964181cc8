"""The reports every property gets as streams, unless the user's custom reports replace one by name.

Stream names are those of Airbyte's official GA4 connector, so existing connections keep their
streams; the dimension and metric choices are ours, made to mirror the GA4 interface's standard
reports (Reports > Acquisition, Engagement, Tech, ...). `weekly_events_report` is keyed on
`yearWeek`, not on a date: see `periods`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportDefinition:
    """A flat report (or a pivot report, with `pivots`): its dimensions and metrics, plus filters,
    order and pivots in the API's form."""

    name: str
    dimensions: tuple[str, ...]
    metrics: tuple[str, ...]
    dimension_filter: dict[str, object] | None = None
    metric_filter: dict[str, object] | None = None
    order_bys: tuple[dict[str, object], ...] = ()
    pivots: tuple[dict[str, object], ...] = ()


AUDIENCE = ("totalUsers", "newUsers", "sessions", "sessionsPerUser", "averageSessionDuration")
VIEWS = ("screenPageViews", "screenPageViewsPerSession", "bounceRate")
ENGAGEMENT = ("engagedSessions", "engagementRate", "eventCount", "keyEvents", "totalRevenue")

DEFAULT_REPORTS = (
    ReportDefinition("daily_active_users", ("date",), ("active1DayUsers",)),
    ReportDefinition("weekly_active_users", ("date",), ("active7DayUsers",)),
    ReportDefinition("four_weekly_active_users", ("date",), ("active28DayUsers",)),
    ReportDefinition("website_overview", ("date",), AUDIENCE + VIEWS),
    ReportDefinition("devices", ("date", "deviceCategory", "operatingSystem", "browser"), AUDIENCE + VIEWS),
    ReportDefinition("locations", ("date", "region", "country", "city"), AUDIENCE + VIEWS),
    ReportDefinition(
        "pages", ("date", "hostName", "pagePathPlusQueryString"), ("screenPageViews", "bounceRate")
    ),
    ReportDefinition("traffic_sources", ("date", "sessionSource", "sessionMedium"), AUDIENCE + VIEWS),
    ReportDefinition(
        "user_acquisition_first_user_medium_report", ("date", "firstUserMedium"), ("newUsers", *ENGAGEMENT)
    ),
    ReportDefinition(
        "user_acquisition_first_user_source_report", ("date", "firstUserSource"), ("newUsers", *ENGAGEMENT)
    ),
    ReportDefinition(
        "traffic_acquisition_session_source_medium_report",
        ("date", "sessionSourceMedium"),
        ("totalUsers", "sessions", *ENGAGEMENT),
    ),
    ReportDefinition(
        "events_report",
        ("date", "eventName"),
        ("eventCount", "totalUsers", "eventCountPerUser", "totalRevenue"),
    ),
    ReportDefinition(
        "weekly_events_report",
        ("yearWeek", "eventName"),
        ("eventCount", "totalUsers", "eventCountPerUser", "totalRevenue"),
    ),
    ReportDefinition(
        "conversions_report", ("date", "eventName"), ("keyEvents", "totalUsers", "totalRevenue")
    ),
    ReportDefinition(
        "pages_title_and_screen_class_report",
        ("date", "unifiedScreenClass"),
        ("screenPageViews", "totalUsers", "eventCount", "keyEvents", "totalRevenue"),
    ),
    ReportDefinition(
        "ecommerce_purchases_item_name_report",
        ("date", "itemName"),
        ("itemsViewed", "itemsAddedToCart", "itemsPurchased", "itemRevenue"),
    ),
    ReportDefinition(
        "tech_browser_report",
        ("date", "browser"),
        ("totalUsers", "newUsers", "engagedSessions", "engagementRate", "eventCount", "keyEvents"),
    ),
    ReportDefinition(
        "demographic_country_report",
        ("date", "country"),
        ("totalUsers", "newUsers", "engagedSessions", "engagementRate", "eventCount", "keyEvents"),
    ),
)
