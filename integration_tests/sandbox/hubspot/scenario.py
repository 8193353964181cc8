"""The knobs of a fake HubSpot account, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Counts of the other object types follow the contacts count, within these bounds.
DERIVED_COUNT_SHARE = {
    "companies": 0.1,
    "deals": 0.2,
    "tickets": 0.1,
    "line_items": 0.2,
    "products": 0.01,
    "quotes": 0.05,
    "calls": 0.2,
    "emails": 0.2,
    "meetings": 0.1,
    "notes": 0.2,
    "tasks": 0.1,
}
MAX_DERIVED_COUNT = 20_000  # a million contacts still start fast: the other types stay moderate


@dataclass(frozen=True)
class HubSpotScenario:
    """What the account holds and how strict it is; every default is HubSpot's documented value.

    contacts: number of contacts (100 to 1,000,000); `counts` overrides any object type's
    count (custom objects too, by name); unset types get a share of the contacts count.
    shared_timestamp_contacts: this many contacts share one lastmodifieddate (a bulk update,
    the case that defeats naive 10,000-result search windows).
    archived_share: share of each type's records that are archived (deleted).
    extra_properties: object type -> number of extra custom properties (to make it wide).
    scopes: the granular scopes both the private app and the OAuth app were granted; None
    grants every scope the fake's endpoints require.
    """

    contacts: int = 1_000
    counts: Mapping[str, int] = field(default_factory=dict)
    shared_timestamp_contacts: int = 0
    archived_share: float = 0.01
    extra_properties: Mapping[str, int] = field(default_factory=dict)
    custom_objects: tuple[str, ...] = ("cars",)
    owners: int = 20
    seed: int = 1
    hub_id: int = 4_242_424
    time_zone: str = "America/New_York"
    # --- auth ---
    scopes: tuple[str, ...] | None = None
    private_app_token: str = "pat-na1-5a4d0c1e-0000-4000-8000-5a4db0c5e001"
    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    refresh_token: str = "sandbox-refresh-token"
    rotate_refresh_tokens: bool = False
    access_token_lifetime_seconds: int = 1_800
    # --- limits ---
    burst_limit: int = 190  # requests per rolling window (Professional/Enterprise private apps)
    burst_window_seconds: float = 10.0
    search_requests_per_second: int = 5
    daily_limit: int = 1_000_000
    retry_after_seconds: int | None = (
        None  # HubSpot sends no Retry-After; set one to test clients that honour it
    )
    max_url_length: int = 16_300  # request target (path + query) length HubSpot's edge still accepts

    def count(self, object_name: str) -> int:
        if object_name in self.counts:
            return self.counts[object_name]
        if object_name == "contacts":
            return self.contacts
        share = DERIVED_COUNT_SHARE.get(object_name, 0.05)
        return max(1, min(int(self.contacts * share), MAX_DERIVED_COUNT))
