"""GA4's standard dimensions, each read off a `Fact` of the synthetic world."""

from __future__ import annotations

from datetime import date

from sandbox.ga4.fields import DimensionDef
from sandbox.ga4.properties import Scope

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


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
