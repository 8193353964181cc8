"""The dimensions and metrics of a fake property: what `getMetadata` lists and reports accept.

A dimension reads its value off a `Fact`. A metric is computed from the summed counts of the
facts in a report row (`Totals`), so ratios such as `bounceRate` are right at every level of
aggregation. Each property adds its custom definitions (`customEvent:...`, `customUser:...`).
Retired names that GA4 still accepts (`conversions` for `keyEvents`) resolve to the same field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sandbox.ga4.dataset import Fact
from sandbox.ga4.errors import ApiError, invalid_argument
from sandbox.ga4.properties import PropertyProfile, Scope

SCHEMA_URL = "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"
MONEY_PER_CENT = 0.01
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Rolling active users relative to one day's, for the fake's active7DayUsers and active28DayUsers.
WEEKLY_ACTIVE_FACTOR, MONTHLY_ACTIVE_FACTOR = 4.1, 13.7


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


_Field = TypeVar("_Field", DimensionDef, MetricDef)


def _count(name: str, scale: float = 1.0) -> Callable[[Totals], float]:
    return lambda totals: totals[name] * scale


def _ratio(numerator: str, denominator: str, scale: float = 1.0) -> Callable[[Totals], float]:
    return lambda totals: totals[numerator] * scale / totals[denominator] if totals[denominator] else 0.0


def _week(day: date) -> str:
    """GA4's `week`: weeks start on Sunday and January 1st is always in week 01."""
    sunday_based_weekday_of_new_year = (date(day.year, 1, 1).weekday() + 1) % 7
    return f"{(day.timetuple().tm_yday - 1 + sunday_based_weekday_of_new_year) // 7 + 1:02d}"


TIME = "Time"
GEOGRAPHY = "Geography"
PLATFORM = "Platform / Device"
PAGE = "Page / Screen"
TRAFFIC = "Traffic source"
FIRST_USER = "User lifetime"
EVENT = "Event"
ECOMMERCE = "Ecommerce"
DEMOGRAPHICS = "Demographics"

STANDARD_DIMENSIONS = [
    DimensionDef("date", "Date", TIME, lambda f: f.date_text),
    DimensionDef("dateHour", "Date + hour (YYYYMMDDHH)", TIME, lambda f: f"{f.date_text}{f.hour:02d}"),
    DimensionDef("day", "Day", TIME, lambda f: f"{f.day:%d}"),
    DimensionDef("dayOfWeek", "Day of week", TIME, lambda f: str((f.day.weekday() + 1) % 7)),
    DimensionDef("dayOfWeekName", "Day of week name", TIME, lambda f: DAY_NAMES[f.day.weekday()]),
    DimensionDef("hour", "Hour", TIME, lambda f: f"{f.hour:02d}"),
    DimensionDef("month", "Month", TIME, lambda f: f"{f.day:%m}"),
    DimensionDef("year", "Year", TIME, lambda f: f"{f.day:%Y}"),
    DimensionDef("yearMonth", "Year month", TIME, lambda f: f"{f.day:%Y%m}"),
    DimensionDef("week", "Week", TIME, lambda f: _week(f.day)),
    DimensionDef("yearWeek", "Year week", TIME, lambda f: f"{f.day:%Y}{_week(f.day)}"),
    DimensionDef("isoWeek", "ISO week of the year", TIME, lambda f: f"{f.day:%V}"),
    DimensionDef("isoYear", "ISO year", TIME, lambda f: f"{f.day:%G}"),
    DimensionDef("isoYearIsoWeek", "ISO week of ISO year", TIME, lambda f: f"{f.day:%G%V}"),
    DimensionDef("continent", "Continent", GEOGRAPHY, lambda f: f.place.continent),
    DimensionDef("continentId", "Continent ID", GEOGRAPHY, lambda f: f.place.continent_id),
    DimensionDef("subContinent", "Subcontinent", GEOGRAPHY, lambda f: f.place.sub_continent),
    DimensionDef("country", "Country", GEOGRAPHY, lambda f: f.place.country, realtime=True),
    DimensionDef("countryId", "Country ID", GEOGRAPHY, lambda f: f.place.country_id, realtime=True),
    DimensionDef("region", "Region", GEOGRAPHY, lambda f: f.place.region),
    DimensionDef("city", "City", GEOGRAPHY, lambda f: f.place.city, realtime=True),
    DimensionDef("cityId", "City ID", GEOGRAPHY, lambda f: f.place.city_id, realtime=True),
    DimensionDef("language", "Language", DEMOGRAPHICS, lambda f: f.place.language, scope=Scope.USER),
    DimensionDef(
        "languageCode", "Language code", DEMOGRAPHICS, lambda f: f.place.language_code, scope=Scope.USER
    ),
    DimensionDef(
        "deviceCategory", "Device category", PLATFORM, lambda f: f.device.device_category, realtime=True
    ),
    DimensionDef("operatingSystem", "Operating system", PLATFORM, lambda f: f.device.operating_system),
    DimensionDef(
        "operatingSystemVersion", "OS version", PLATFORM, lambda f: f.device.operating_system_version
    ),
    DimensionDef(
        "operatingSystemWithVersion",
        "Operating system with version",
        PLATFORM,
        lambda f: f"{f.device.operating_system} {f.device.operating_system_version}",
    ),
    DimensionDef("browser", "Browser", PLATFORM, lambda f: f.device.browser),
    DimensionDef("platform", "Platform", PLATFORM, lambda f: f.device.platform, realtime=True),
    DimensionDef(
        "platformDeviceCategory",
        "Platform / device category",
        PLATFORM,
        lambda f: f"{f.device.platform} / {f.device.device_category}",
    ),
    DimensionDef("screenResolution", "Screen resolution", PLATFORM, lambda f: f.device.screen_resolution),
    DimensionDef("mobileDeviceBranding", "Device brand", PLATFORM, lambda f: f.device.mobile_device_branding),
    DimensionDef("mobileDeviceModel", "Device model", PLATFORM, lambda f: f.device.mobile_device_model),
    DimensionDef("appVersion", "App version", PLATFORM, lambda f: f.stream.app_version, realtime=True),
    DimensionDef("streamId", "Stream ID", PLATFORM, lambda f: f.stream.stream_id, realtime=True),
    DimensionDef("streamName", "Stream name", PLATFORM, lambda f: f.stream.stream_name, realtime=True),
    DimensionDef("hostName", "Hostname", PAGE, lambda f: f.page.host_name),
    DimensionDef("pagePath", "Page path", PAGE, lambda f: f.page.page_path),
    DimensionDef(
        "pagePathPlusQueryString",
        "Page path + query string",
        PAGE,
        lambda f: f.page.page_path + f.page.query_string,
    ),
    DimensionDef("pageTitle", "Page title", PAGE, lambda f: f.page.page_title),
    DimensionDef(
        "pageLocation",
        "Page location",
        PAGE,
        lambda f: f"https://{f.page.host_name}{f.page.page_path}{f.page.query_string}",
    ),
    DimensionDef(
        "fullPageUrl",
        "Full page URL",
        PAGE,
        lambda f: f"{f.page.host_name}{f.page.page_path}{f.page.query_string}",
    ),
    DimensionDef(
        "landingPage", "Landing page", PAGE, lambda f: f.landing_page.page_path, scope=Scope.SESSION
    ),
    DimensionDef(
        "landingPagePlusQueryString",
        "Landing page + query string",
        PAGE,
        lambda f: f.landing_page.page_path + f.landing_page.query_string,
        scope=Scope.SESSION,
    ),
    DimensionDef("contentGroup", "Content group", PAGE, lambda f: f.page.content_group),
    DimensionDef(
        "unifiedScreenName", "Page title and screen name", PAGE, lambda f: f.page.page_title, realtime=True
    ),
    DimensionDef("unifiedScreenClass", "Page title and screen class", PAGE, lambda f: f.page.screen_class),
    DimensionDef("unifiedPagePathScreen", "Page path and screen class", PAGE, lambda f: f.page.page_path),
    *[
        DimensionDef(f"{prefix}{field}", f"{ui_prefix}{ui_name}", category, value_of, scope=scope)
        for prefix, ui_prefix, category, scope, source_of in [
            ("session", "Session ", TRAFFIC, Scope.SESSION, lambda f: f.session_source),
            ("firstUser", "First user ", FIRST_USER, Scope.USER, lambda f: f.first_user_source),
        ]
        for field, ui_name, value_of in [
            ("Source", "source", lambda f, s=source_of: s(f).source),
            ("Medium", "medium", lambda f, s=source_of: s(f).medium),
            ("SourceMedium", "source / medium", lambda f, s=source_of: f"{s(f).source} / {s(f).medium}"),
            ("CampaignName", "campaign", lambda f, s=source_of: s(f).campaign_name),
            (
                "DefaultChannelGroup",
                "default channel group",
                lambda f, s=source_of: s(f).default_channel_group,
            ),
            (
                "PrimaryChannelGroup",
                "primary channel group",
                lambda f, s=source_of: s(f).default_channel_group,
            ),
            ("SourcePlatform", "source platform", lambda f, s=source_of: s(f).source_platform),
        ]
    ],
    DimensionDef("source", "Source", TRAFFIC, lambda f: f.session_source.source),
    DimensionDef("medium", "Medium", TRAFFIC, lambda f: f.session_source.medium),
    DimensionDef(
        "sourceMedium",
        "Source / medium",
        TRAFFIC,
        lambda f: f"{f.session_source.source} / {f.session_source.medium}",
    ),
    DimensionDef("campaignName", "Campaign", TRAFFIC, lambda f: f.session_source.campaign_name),
    DimensionDef(
        "defaultChannelGroup",
        "Default channel group",
        TRAFFIC,
        lambda f: f.session_source.default_channel_group,
    ),
    DimensionDef("eventName", "Event name", EVENT, lambda f: f.event.event_name, realtime=True),
    DimensionDef(
        "isKeyEvent",
        "Is key event",
        EVENT,
        lambda f: "true" if f.event.is_key_event else "false",
        deprecated_api_names=("isConversionEvent",),
    ),
    DimensionDef("itemId", "Item ID", ECOMMERCE, lambda f: f.item.item_id, scope=Scope.ITEM),
    DimensionDef("itemName", "Item name", ECOMMERCE, lambda f: f.item.item_name, scope=Scope.ITEM),
    DimensionDef(
        "itemCategory", "Item category", ECOMMERCE, lambda f: f.item.item_category, scope=Scope.ITEM
    ),
    DimensionDef("itemBrand", "Item brand", ECOMMERCE, lambda f: f.item.item_brand, scope=Scope.ITEM),
    DimensionDef(
        "userAgeBracket",
        "Age",
        DEMOGRAPHICS,
        lambda f: f.audience.age_bracket,
        scope=Scope.USER,
        thresholded=True,
    ),
    DimensionDef(
        "userGender", "Gender", DEMOGRAPHICS, lambda f: f.audience.gender, scope=Scope.USER, thresholded=True
    ),
    DimensionDef(
        "brandingInterest",
        "Interests",
        DEMOGRAPHICS,
        lambda f: f.audience.branding_interest,
        scope=Scope.USER,
        thresholded=True,
    ),
    DimensionDef(
        "newVsReturning", "New / returning", "User", lambda f: f.audience.new_vs_returning, scope=Scope.USER
    ),
]

USER, SESSION, PAGE_METRICS, EVENT_METRICS, REVENUE, ADS = (
    "User",
    "Session",
    "Page / Screen",
    "Event",
    "Revenue",
    "Publisher",
)
INTEGER, FLOAT, SECONDS, CURRENCY = "TYPE_INTEGER", "TYPE_FLOAT", "TYPE_SECONDS", "TYPE_CURRENCY"

STANDARD_METRICS = [
    MetricDef("activeUsers", "Active users", USER, INTEGER, _count("activeUsers"), Scope.USER, realtime=True),
    MetricDef("active1DayUsers", "1-day active users", USER, INTEGER, _count("activeUsers"), Scope.USER),
    MetricDef(
        "active7DayUsers",
        "7-day active users",
        USER,
        INTEGER,
        _count("activeUsers", WEEKLY_ACTIVE_FACTOR),
        Scope.USER,
    ),
    MetricDef(
        "active28DayUsers",
        "28-day active users",
        USER,
        INTEGER,
        _count("activeUsers", MONTHLY_ACTIVE_FACTOR),
        Scope.USER,
    ),
    MetricDef(
        "dauPerMau",
        "DAU / MAU",
        USER,
        FLOAT,
        lambda t: 1 / MONTHLY_ACTIVE_FACTOR if t["activeUsers"] else 0.0,
    ),
    MetricDef(
        "dauPerWau", "DAU / WAU", USER, FLOAT, lambda t: 1 / WEEKLY_ACTIVE_FACTOR if t["activeUsers"] else 0.0
    ),
    MetricDef(
        "wauPerMau",
        "WAU / MAU",
        USER,
        FLOAT,
        lambda t: WEEKLY_ACTIVE_FACTOR / MONTHLY_ACTIVE_FACTOR if t["activeUsers"] else 0.0,
    ),
    MetricDef("newUsers", "New users", USER, INTEGER, _count("newUsers"), Scope.USER),
    MetricDef("totalUsers", "Total users", USER, INTEGER, _count("totalUsers"), Scope.USER),
    MetricDef(
        "userEngagementDuration",
        "User engagement",
        USER,
        SECONDS,
        _count("userEngagementDuration"),
        Scope.USER,
    ),
    MetricDef(
        "userKeyEventRate",
        "User key event rate",
        USER,
        FLOAT,
        lambda t: min(1.0, t["keyEvents"] / t["activeUsers"]) if t["activeUsers"] else 0.0,
        Scope.USER,
        deprecated_api_names=("userConversionRate",),
    ),
    MetricDef("sessions", "Sessions", SESSION, INTEGER, _count("sessions"), Scope.SESSION),
    MetricDef(
        "engagedSessions", "Engaged sessions", SESSION, INTEGER, _count("engagedSessions"), Scope.SESSION
    ),
    MetricDef(
        "engagementRate",
        "Engagement rate",
        SESSION,
        FLOAT,
        _ratio("engagedSessions", "sessions"),
        Scope.SESSION,
        expression="engagedSessions/sessions",
    ),
    MetricDef(
        "bounceRate",
        "Bounce rate",
        SESSION,
        FLOAT,
        lambda t: 1.0 - t["engagedSessions"] / t["sessions"] if t["sessions"] else 0.0,
        Scope.SESSION,
        expression="1 - engagementRate",
    ),
    MetricDef(
        "averageSessionDuration",
        "Average session duration",
        SESSION,
        SECONDS,
        _ratio("userEngagementDuration", "sessions"),
        Scope.SESSION,
    ),
    MetricDef(
        "sessionsPerUser",
        "Sessions per user",
        SESSION,
        FLOAT,
        _ratio("sessions", "activeUsers"),
        Scope.SESSION,
    ),
    MetricDef(
        "sessionKeyEventRate",
        "Session key event rate",
        SESSION,
        FLOAT,
        lambda t: min(1.0, t["keyEvents"] / t["sessions"]) if t["sessions"] else 0.0,
        Scope.SESSION,
        deprecated_api_names=("sessionConversionRate",),
    ),
    MetricDef("screenPageViews", "Views", PAGE_METRICS, INTEGER, _count("screenPageViews"), realtime=True),
    MetricDef(
        "screenPageViewsPerSession",
        "Views per session",
        PAGE_METRICS,
        FLOAT,
        _ratio("screenPageViews", "sessions"),
    ),
    MetricDef(
        "screenPageViewsPerUser",
        "Views per user",
        PAGE_METRICS,
        FLOAT,
        _ratio("screenPageViews", "activeUsers"),
    ),
    MetricDef("eventCount", "Event count", EVENT_METRICS, INTEGER, _count("eventCount"), realtime=True),
    MetricDef(
        "eventCountPerUser", "Event count per user", EVENT_METRICS, FLOAT, _ratio("eventCount", "activeUsers")
    ),
    MetricDef(
        "eventsPerSession", "Events per session", EVENT_METRICS, FLOAT, _ratio("eventCount", "sessions")
    ),
    MetricDef(
        "keyEvents",
        "Key events",
        EVENT_METRICS,
        INTEGER,
        _count("keyEvents"),
        deprecated_api_names=("conversions",),
        realtime=True,
    ),
    MetricDef("transactions", "Transactions", ECOMMERCE, INTEGER, _count("transactions")),
    MetricDef("ecommercePurchases", "Ecommerce purchases", ECOMMERCE, INTEGER, _count("transactions")),
    MetricDef("addToCarts", "Add to carts", ECOMMERCE, INTEGER, _count("addToCarts")),
    MetricDef("checkouts", "Checkouts", ECOMMERCE, INTEGER, _count("checkouts")),
    MetricDef(
        "purchaseRevenue",
        "Purchase revenue",
        REVENUE,
        CURRENCY,
        _count("purchaseRevenue", MONEY_PER_CENT),
    ),
    MetricDef(
        "totalRevenue",
        "Total revenue",
        REVENUE,
        CURRENCY,
        lambda t: (t["purchaseRevenue"] + t["totalAdRevenue"]) * MONEY_PER_CENT,
    ),
    MetricDef(
        "averagePurchaseRevenue",
        "Average purchase revenue",
        REVENUE,
        CURRENCY,
        _ratio("purchaseRevenue", "transactions", MONEY_PER_CENT),
    ),
    MetricDef(
        "averageRevenuePerUser",
        "ARPU",
        REVENUE,
        CURRENCY,
        lambda t: (
            (t["purchaseRevenue"] + t["totalAdRevenue"]) * MONEY_PER_CENT / t["activeUsers"]
            if t["activeUsers"]
            else 0.0
        ),
        Scope.USER,
    ),
    MetricDef("itemsViewed", "Items viewed", ECOMMERCE, INTEGER, _count("itemsViewed"), Scope.ITEM),
    MetricDef(
        "itemsAddedToCart", "Items added to cart", ECOMMERCE, INTEGER, _count("itemsAddedToCart"), Scope.ITEM
    ),
    MetricDef("itemsPurchased", "Items purchased", ECOMMERCE, INTEGER, _count("itemsPurchased"), Scope.ITEM),
    MetricDef(
        "itemRevenue",
        "Item revenue",
        REVENUE,
        CURRENCY,
        _count("itemRevenue", MONEY_PER_CENT),
        Scope.ITEM,
    ),
    MetricDef(
        "cartToViewRate",
        "Cart-to-view rate",
        ECOMMERCE,
        FLOAT,
        _ratio("itemsAddedToCart", "itemsViewed"),
        Scope.ITEM,
    ),
    MetricDef(
        "purchaseToViewRate",
        "Purchase-to-view rate",
        ECOMMERCE,
        FLOAT,
        _ratio("itemsPurchased", "itemsViewed"),
        Scope.ITEM,
    ),
    MetricDef(
        "publisherAdImpressions", "Publisher ad impressions", ADS, INTEGER, _count("publisherAdImpressions")
    ),
    MetricDef("publisherAdClicks", "Publisher ad clicks", ADS, INTEGER, _count("publisherAdClicks")),
    MetricDef(
        "totalAdRevenue",
        "Total ad revenue",
        ADS,
        CURRENCY,
        _count("totalAdRevenue", MONEY_PER_CENT),
    ),
]

# Cohort reports count a cohort's users per period: the cohort engine fills these two counts.
COHORT_METRICS = [
    MetricDef(
        "cohortActiveUsers",
        "Cohort active users",
        "Cohort",
        INTEGER,
        _count("activeUsers"),
        Scope.USER,
        cohort_only=True,
    ),
    MetricDef(
        "cohortTotalUsers",
        "Cohort total users",
        "Cohort",
        INTEGER,
        _count("cohortTotalUsers"),
        Scope.USER,
        cohort_only=True,
    ),
]


class Catalog:
    """The fields of one property, looked up by current or retired API name."""

    def __init__(self, profile: PropertyProfile) -> None:
        custom_dimensions = [
            DimensionDef(
                custom.api_name,
                custom.ui_name,
                "Custom",
                lambda f, position=position: f.custom[position],
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
                _count(custom.api_name, MONEY_PER_CENT if custom.metric_type == CURRENCY else 1.0),
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


def _by_every_name(fields: Iterable[_Field]) -> Mapping[str, _Field]:
    return {name: field for field in fields for name in (field.api_name, *field.deprecated_api_names)}


def _not_valid(kind: str, name: str) -> ApiError:
    return invalid_argument(
        f"Field {name} is not a valid {kind}. For a list of valid dimensions and metrics, see {SCHEMA_URL}"
    )
