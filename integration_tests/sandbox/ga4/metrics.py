"""GA4's standard metrics, each computed from the summed counts of a report row."""

from __future__ import annotations

from sandbox.ga4.dimensions import ECOMMERCE
from sandbox.ga4.fields import MetricDef, count, ratio
from sandbox.ga4.properties import Scope

MONEY_PER_CENT = 0.01
# Rolling active users relative to one day's, for the fake's active7DayUsers and active28DayUsers.
WEEKLY_ACTIVE_FACTOR, MONTHLY_ACTIVE_FACTOR = 4.1, 13.7

USER = "User"
SESSION = "Session"
PAGE_METRICS = "Page / Screen"
EVENT_METRICS = "Event"
REVENUE = "Revenue"
ADS = "Publisher"
INTEGER, FLOAT, SECONDS, CURRENCY = "TYPE_INTEGER", "TYPE_FLOAT", "TYPE_SECONDS", "TYPE_CURRENCY"

STANDARD_METRICS = [
    MetricDef("activeUsers", "Active users", USER, INTEGER, count("activeUsers"), Scope.USER, realtime=True),
    MetricDef("active1DayUsers", "1-day active users", USER, INTEGER, count("activeUsers"), Scope.USER),
    MetricDef(
        "active7DayUsers",
        "7-day active users",
        USER,
        INTEGER,
        count("activeUsers", WEEKLY_ACTIVE_FACTOR),
        Scope.USER,
    ),
    MetricDef(
        "active28DayUsers",
        "28-day active users",
        USER,
        INTEGER,
        count("activeUsers", MONTHLY_ACTIVE_FACTOR),
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
    MetricDef("newUsers", "New users", USER, INTEGER, count("newUsers"), Scope.USER),
    MetricDef("totalUsers", "Total users", USER, INTEGER, count("totalUsers"), Scope.USER),
    MetricDef(
        "userEngagementDuration",
        "User engagement",
        USER,
        SECONDS,
        count("userEngagementDuration"),
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
    MetricDef("sessions", "Sessions", SESSION, INTEGER, count("sessions"), Scope.SESSION),
    MetricDef(
        "engagedSessions", "Engaged sessions", SESSION, INTEGER, count("engagedSessions"), Scope.SESSION
    ),
    MetricDef(
        "engagementRate",
        "Engagement rate",
        SESSION,
        FLOAT,
        ratio("engagedSessions", "sessions"),
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
        ratio("userEngagementDuration", "sessions"),
        Scope.SESSION,
    ),
    MetricDef(
        "sessionsPerUser",
        "Sessions per user",
        SESSION,
        FLOAT,
        ratio("sessions", "activeUsers"),
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
    MetricDef("screenPageViews", "Views", PAGE_METRICS, INTEGER, count("screenPageViews"), realtime=True),
    MetricDef(
        "screenPageViewsPerSession",
        "Views per session",
        PAGE_METRICS,
        FLOAT,
        ratio("screenPageViews", "sessions"),
    ),
    MetricDef(
        "screenPageViewsPerUser",
        "Views per user",
        PAGE_METRICS,
        FLOAT,
        ratio("screenPageViews", "activeUsers"),
    ),
    MetricDef("eventCount", "Event count", EVENT_METRICS, INTEGER, count("eventCount"), realtime=True),
    MetricDef(
        "eventCountPerUser", "Event count per user", EVENT_METRICS, FLOAT, ratio("eventCount", "activeUsers")
    ),
    MetricDef(
        "eventsPerSession", "Events per session", EVENT_METRICS, FLOAT, ratio("eventCount", "sessions")
    ),
    MetricDef(
        "keyEvents",
        "Key events",
        EVENT_METRICS,
        INTEGER,
        count("keyEvents"),
        deprecated_api_names=("conversions",),
        realtime=True,
    ),
    MetricDef("transactions", "Transactions", ECOMMERCE, INTEGER, count("transactions")),
    MetricDef("ecommercePurchases", "Ecommerce purchases", ECOMMERCE, INTEGER, count("transactions")),
    MetricDef("addToCarts", "Add to carts", ECOMMERCE, INTEGER, count("addToCarts")),
    MetricDef("checkouts", "Checkouts", ECOMMERCE, INTEGER, count("checkouts")),
    MetricDef(
        "purchaseRevenue",
        "Purchase revenue",
        REVENUE,
        CURRENCY,
        count("purchaseRevenue", MONEY_PER_CENT),
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
        ratio("purchaseRevenue", "transactions", MONEY_PER_CENT),
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
    MetricDef("itemsViewed", "Items viewed", ECOMMERCE, INTEGER, count("itemsViewed"), Scope.ITEM),
    MetricDef(
        "itemsAddedToCart", "Items added to cart", ECOMMERCE, INTEGER, count("itemsAddedToCart"), Scope.ITEM
    ),
    MetricDef("itemsPurchased", "Items purchased", ECOMMERCE, INTEGER, count("itemsPurchased"), Scope.ITEM),
    MetricDef(
        "itemRevenue",
        "Item revenue",
        REVENUE,
        CURRENCY,
        count("itemRevenue", MONEY_PER_CENT),
        Scope.ITEM,
    ),
    MetricDef(
        "cartToViewRate",
        "Cart-to-view rate",
        ECOMMERCE,
        FLOAT,
        ratio("itemsAddedToCart", "itemsViewed"),
        Scope.ITEM,
    ),
    MetricDef(
        "purchaseToViewRate",
        "Purchase-to-view rate",
        ECOMMERCE,
        FLOAT,
        ratio("itemsPurchased", "itemsViewed"),
        Scope.ITEM,
    ),
    MetricDef(
        "publisherAdImpressions", "Publisher ad impressions", ADS, INTEGER, count("publisherAdImpressions")
    ),
    MetricDef("publisherAdClicks", "Publisher ad clicks", ADS, INTEGER, count("publisherAdClicks")),
    MetricDef(
        "totalAdRevenue",
        "Total ad revenue",
        ADS,
        CURRENCY,
        count("totalAdRevenue", MONEY_PER_CENT),
    ),
]

# Cohort reports count a cohort's users per period: the cohort engine fills these two counts.
COHORT_METRICS = [
    MetricDef(
        "cohortActiveUsers",
        "Cohort active users",
        "Cohort",
        INTEGER,
        count("activeUsers"),
        Scope.USER,
        cohort_only=True,
    ),
    MetricDef(
        "cohortTotalUsers",
        "Cohort total users",
        "Cohort",
        INTEGER,
        count("cohortTotalUsers"),
        Scope.USER,
        cohort_only=True,
    ),
]
