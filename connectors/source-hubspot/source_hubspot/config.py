"""The HubSpot source's configuration.

It accepts the official Airbyte HubSpot connector's config unchanged (`credentials` as OAuth or
private app, `start_date`, `enable_experimental_streams`, `num_worker`), so a connection can
switch connectors without being re-entered. Everything we add is optional.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, field_validator

from cdk_extensions.spec import OneOf, ensure_unique

HUBSPOT_API_URL = "https://api.hubapi.com"
HUBSPOT_LAUNCH = datetime(2006, 6, 1, tzinfo=UTC)  # nothing in a HubSpot account is older
START_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$"


class OAuthCredentials(BaseModel):
    """Connect through a HubSpot public app that the account has installed (OAuth 2.0)."""

    model_config = ConfigDict(title="OAuth")
    credentials_title: Literal["OAuth Credentials"] = Field(
        default="OAuth Credentials", title="Authentication method"
    )
    client_id: str = Field(
        title="Client ID",
        description="The client ID of your HubSpot public app (app settings, Auth tab).",
        examples=["5f1a9c3e-0b7d-4e2a-9c61-2d8f4b7a1e90"],
    )
    client_secret: SecretStr = Field(title="Client secret", description="The client secret of the same app.")
    refresh_token: SecretStr = Field(
        title="Refresh token",
        description="The refresh token HubSpot issued when the account installed the app.",
    )


class PrivateAppCredentials(BaseModel):
    """Connect with the access token of a private app created in the HubSpot account."""

    model_config = ConfigDict(title="Private app")
    credentials_title: Literal["Private App Credentials"] = Field(
        default="Private App Credentials", title="Authentication method"
    )
    access_token: SecretStr = Field(
        title="Access token",
        description="The private app's access token (Settings > Integrations > Private Apps > Auth).",
    )


Credentials = Annotated[OAuthCredentials | PrivateAppCredentials, OneOf("credentials_title")]

FilterOperator = Literal[
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
]
FilterValue = str | int | float | bool


class PropertyFilter(BaseModel):
    """One condition on a property, written as in HubSpot's search API."""

    property_name: str = Field(alias="propertyName", title="Property", examples=["lifecyclestage"])
    operator: FilterOperator = Field(title="Operator")
    value: FilterValue | None = Field(
        default=None,
        title="Value",
        description=(
            "The value to compare with (all operators but IN, NOT_IN, HAS_PROPERTY and NOT_HAS_PROPERTY); "
            "the lower bound for BETWEEN. Dates and times are milliseconds since 1970-01-01 UTC."
        ),
        examples=["customer", 1704067200000],
    )
    values: list[FilterValue] | None = Field(
        default=None, title="Values", description="The accepted (IN) or excluded (NOT_IN) values."
    )
    high_value: FilterValue | None = Field(
        default=None,
        alias="highValue",
        title="Upper bound",
        description="The upper bound for BETWEEN (inclusive).",
    )


class FilterGroup(BaseModel):
    """Conditions that must all hold (AND)."""

    filters: list[PropertyFilter] = Field(min_length=1, title="Conditions")


class ObjectSettings(BaseModel):
    """How to read one CRM object type."""

    name: str = Field(
        title="Object",
        description=(
            "A standard object (contacts, companies, deals, tickets, line_items, products, quotes, calls, "
            "emails, meetings, notes, tasks) or a custom object's name or object type ID."
        ),
        examples=["contacts", "p_vehicles", "2-3508482"],
    )
    properties: list[str] = Field(
        default=[],
        title="Properties",
        description=(
            "Read only these properties (the ID and last-modified properties are always read). "
            "Leave empty to read every property."
        ),
        examples=[["email", "firstname", "lastname", "lifecyclestage"]],
    )
    filters: list[FilterGroup] = Field(
        default=[],
        title="Filters",
        description=(
            "Read only the records that satisfy at least one group (OR) of conditions (AND). HubSpot "
            "allows 5 groups, 6 conditions per group and 18 conditions in all, and incremental syncs add "
            "their cursor condition to every group."
        ),
    )


class HubspotConfig(BaseModel):
    """Reads CRM records, their associations and property history from a HubSpot account."""

    model_config = ConfigDict(title="HubSpot")
    credentials: Credentials = Field(title="Authentication", description="How to connect to HubSpot.")
    start_date: AwareDatetime = Field(
        default=HUBSPOT_LAUNCH,
        title="Start date",
        description=(
            "Read only records created or changed at or after this UTC time. Leave empty to read everything."
        ),
        examples=["2024-01-01T00:00:00Z"],
        json_schema_extra={"pattern": START_DATE_PATTERN, "pattern_descriptor": "YYYY-MM-DDTHH:mm:ssZ"},
    )
    enable_experimental_streams: bool = Field(
        default=False,
        title="Offer experimental streams",
        description=(
            "Also offer the web analytics streams (`contacts_web_analytics`, ...: the events of HubSpot's "
            "Events API, Enterprise accounts only), as the official connector does."
        ),
    )
    num_worker: int = Field(
        default=3,
        ge=1,
        title="Streams read at once",
        description=(
            "How many streams are read at the same time, all sharing HubSpot's rate limits (one request "
            "budget for the account): more speed up syncs of many streams, not the read of one stream."
        ),
    )
    api_base_url: str = Field(
        default=HUBSPOT_API_URL,
        title="API base URL",
        description="Where HubSpot's API is reached. Change it only for a proxy or a local test server.",
        pattern=r"^https?://\S+$",
    )
    lookback_window_minutes: int = Field(
        default=0,
        ge=0,
        title="Lookback window (minutes)",
        description=(
            "On each incremental sync, also re-read records changed this many minutes before the "
            "saved cursor, in case HubSpot indexed them late. Re-read records repeat earlier ones."
        ),
        examples=[0, 10, 60],
    )
    embed_associations: bool = Field(
        default=False,
        title="Associated record IDs in object records",
        description=(
            "Add to the records of contacts, companies, deals, tickets and engagements the IDs of their "
            "associated records (e.g. `companies` on contacts), as the official connector does. Costs one "
            "request per page of records and associated object type. The `<object>_to_<object>` streams "
            "carry the same associations, with their labels, at no cost to the object streams."
        ),
    )
    objects: list[ObjectSettings] = Field(
        default=[],
        title="Per-object settings",
        description="Choose the properties and filter the records of particular objects.",
    )

    @field_validator("api_base_url")
    @classmethod
    def _without_trailing_slash(cls, url: str) -> str:
        return url.rstrip("/")

    @field_validator("objects")
    @classmethod
    def _each_object_once(cls, objects: list[ObjectSettings]) -> list[ObjectSettings]:
        ensure_unique([settings.name for settings in objects])
        return objects
