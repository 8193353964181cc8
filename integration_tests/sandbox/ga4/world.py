"""The synthetic world a fake property's traffic comes from: places, devices, pages, sources.

Each table holds rows of dimension values that belong together (a city lies in one country, a
browser runs on one operating system), so reports never show impossible combinations. Tables of
things a site has many of (pages, campaigns, items, custom values) are as long as the property's
`cardinality`; the others are fixed, realistic lists cut to that length.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple


class Place(NamedTuple):
    continent: str
    continent_id: str
    sub_continent: str
    country: str
    country_id: str
    region: str
    city: str
    city_id: str
    language: str
    language_code: str


class Device(NamedTuple):
    device_category: str
    operating_system: str
    operating_system_version: str
    browser: str
    platform: str
    screen_resolution: str
    mobile_device_branding: str
    mobile_device_model: str


class Page(NamedTuple):
    host_name: str
    page_path: str
    query_string: str
    page_title: str
    content_group: str
    screen_class: str


class Source(NamedTuple):
    source: str
    medium: str
    default_channel_group: str
    source_platform: str
    campaign_name: str


class Event(NamedTuple):
    event_name: str
    is_key_event: bool


class Item(NamedTuple):
    item_id: str
    item_name: str
    item_category: str
    item_brand: str
    price_cents: int


class Audience(NamedTuple):
    age_bracket: str
    gender: str
    new_vs_returning: str
    branding_interest: str


class Stream(NamedTuple):
    stream_id: str
    stream_name: str
    app_version: str


PLACES = [
    Place(*line.split("|"))
    for line in """
Americas|019|Northern America|United States|US|California|San Francisco|1014221|English|en-us
Americas|019|Northern America|United States|US|New York|New York|1023191|English|en-us
Europe|150|Western Europe|Germany|DE|Berlin|Berlin|1003854|German|de
Europe|150|Northern Europe|United Kingdom|GB|England|London|1006886|English|en-gb
Asia|142|Eastern Asia|Japan|JP|Tokyo|Tokyo|1009309|Japanese|ja
Europe|150|Western Europe|France|FR|Ile-de-France|Paris|1006094|French|fr
Americas|019|South America|Brazil|BR|State of Sao Paulo|Sao Paulo|1001773|Portuguese|pt-br
Asia|142|Southern Asia|India|IN|Maharashtra|Mumbai|1007785|English|en-in
Americas|019|Northern America|Canada|CA|Ontario|Toronto|1002451|English|en-ca
Oceania|009|Australasia|Australia|AU|New South Wales|Sydney|1000286|English|en-au
Europe|150|Southern Europe|Spain|ES|Community of Madrid|Madrid|1005493|Spanish|es
Europe|150|Western Europe|Netherlands|NL|North Holland|Amsterdam|1010543|Dutch|nl
Americas|019|Central America|Mexico|MX|Mexico City|Mexico City|1010043|Spanish|es-mx
Asia|142|South-Eastern Asia|Singapore|SG|Singapore|Singapore|1015029|English|en-sg
Africa|002|Southern Africa|South Africa|ZA|Gauteng|Johannesburg|1028763|English|en-za
Europe|150|Northern Europe|Sweden|SE|Stockholm County|Stockholm|1012696|Swedish|sv
""".strip().splitlines()
]
DEVICES = [
    Device("desktop", "Windows", "10", "Chrome", "web", "1920x1080", "Microsoft", "(not set)"),
    Device("mobile", "iOS", "17.4", "Safari", "web", "390x844", "Apple", "iPhone"),
    Device("mobile", "Android", "14", "Chrome", "web", "412x915", "Samsung", "SM-S918B"),
    Device("desktop", "Macintosh", "Intel 10.15", "Safari", "web", "1440x900", "Apple", "(not set)"),
    Device("desktop", "Windows", "11", "Edge", "web", "1536x864", "Microsoft", "(not set)"),
    Device("tablet", "iOS", "17.4", "Safari", "web", "820x1180", "Apple", "iPad"),
    Device("desktop", "Linux", "(not set)", "Firefox", "web", "1920x1080", "(not set)", "(not set)"),
    Device("mobile", "Android", "13", "Samsung Internet", "web", "360x800", "Samsung", "SM-A546B"),
    Device("mobile", "iOS", "17.4", "Safari (in-app)", "iOS", "393x852", "Apple", "iPhone"),
    Device("mobile", "Android", "14", "Android Webview", "Android", "412x892", "Google", "Pixel 8"),
    Device("desktop", "Chrome OS", "15633", "Chrome", "web", "1366x768", "Google", "(not set)"),
    Device("tablet", "Android", "13", "Chrome", "web", "800x1280", "Samsung", "SM-X200"),
]
SOURCES = [
    Source("google", "organic", "Organic Search", "Google", "(organic)"),
    Source("(direct)", "(none)", "Direct", "(not set)", "(direct)"),
    Source("google", "cpc", "Paid Search", "Google Ads", "brand_search"),
    Source("facebook.com", "referral", "Organic Social", "(not set)", "(referral)"),
    Source("newsletter", "email", "Email", "Manual", "weekly_digest"),
    Source("bing", "organic", "Organic Search", "(not set)", "(organic)"),
    Source("t.co", "referral", "Organic Social", "(not set)", "(referral)"),
    Source("partner-blog.example", "referral", "Referral", "(not set)", "(referral)"),
    Source("youtube.com", "referral", "Organic Video", "(not set)", "(referral)"),
    Source("google", "display", "Display", "Google Ads", "remarketing"),
]
EVENTS = [
    Event("page_view", False),
    Event("session_start", False),
    Event("user_engagement", False),
    Event("first_visit", False),
    Event("scroll", False),
    Event("click", False),
    Event("view_item", False),
    Event("view_search_results", False),
    Event("add_to_cart", False),
    Event("begin_checkout", False),
    Event("form_start", False),
    Event("purchase", True),
    Event("sign_up", True),
    Event("generate_lead", True),
]
AUDIENCES = [
    Audience(age, gender, visitor, interest)
    for age, gender, visitor, interest in [
        ("25-34", "male", "new", "Technology/Technophiles"),
        ("18-24", "female", "returning", "Media & Entertainment/Music Lovers"),
        ("35-44", "female", "new", "Shoppers/Value Shoppers"),
        ("45-54", "male", "returning", "News & Politics/Avid News Readers"),
        ("25-34", "female", "returning", "Travel/Travel Buffs"),
        ("55-64", "male", "new", "Food & Dining/Cooking Enthusiasts"),
        ("65+", "female", "returning", "Home & Garden/Home Decor Enthusiasts"),
        ("unknown", "unknown", "new", "(not set)"),
    ]
]
CONTENT_GROUPS = ["Home", "Products", "Blog", "Support", "Checkout"]
ITEM_CATEGORIES = ["Apparel", "Bags", "Drinkware", "Office", "Electronics"]
ITEM_BRANDS = ["Acme", "Globex", "Initech", "Umbrella"]
CAMPAIGN_THEMES = ["spring_sale", "summer_launch", "black_friday", "webinar", "retargeting"]


@dataclass(frozen=True)
class World:
    """The value tables of one property."""

    places: list[Place]
    devices: list[Device]
    pages: list[Page]
    sources: list[Source]
    events: list[Event]
    items: list[Item]
    audiences: list[Audience]
    streams: list[Stream]
    custom_values: list[tuple[str, ...]]  # one value per custom dimension of the property

    @classmethod
    def build(cls, property_number: int, cardinality: int, custom_dimension_count: int) -> World:
        host = f"www.shop{property_number}.example"
        return cls(
            places=PLACES[:cardinality],
            devices=DEVICES[:cardinality],
            pages=[_page(host, index) for index in range(cardinality)],
            sources=[*SOURCES, *map(_campaign, range(max(0, cardinality - len(SOURCES))))][:cardinality],
            events=EVENTS,
            items=[_item(index) for index in range(cardinality)],
            audiences=AUDIENCES,
            streams=[
                Stream(f"{property_number}00{index}", name, version)
                for index, (name, version) in enumerate([("Web", "(not set)"), ("iOS app", "4.2.0")])
            ],
            custom_values=[
                tuple(f"value-{column + 1}-{index}" for column in range(custom_dimension_count))
                for index in range(cardinality)
            ],
        )

    def tables(self) -> dict[str, Sequence[Any]]:
        """Every table by name; a fact picks one row of each."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


def _page(host: str, index: int) -> Page:
    if index == 0:
        return Page(host, "/", "", "Home", "Home", "HomeScreen")
    group = CONTENT_GROUPS[index % len(CONTENT_GROUPS)]
    slug = f"/{group.lower()}/page-{index}"
    query = f"?ref=nav{index % 3}" if index % 4 == 0 else ""
    return Page(host, slug, query, f"{group} page {index}", group, f"{group}Screen")


def _campaign(index: int) -> Source:
    theme = CAMPAIGN_THEMES[index % len(CAMPAIGN_THEMES)]
    return Source("google", "cpc", "Paid Search", "Google Ads", f"{theme}_{index}")


def _item(index: int) -> Item:
    return Item(
        f"SKU-{index:04d}",
        f"Item {index}",
        ITEM_CATEGORIES[index % len(ITEM_CATEGORIES)],
        ITEM_BRANDS[index % len(ITEM_BRANDS)],
        499 + 250 * (index % 17),
    )
