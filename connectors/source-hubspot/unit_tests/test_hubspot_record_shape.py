"""The pure parts: record values typed as the schema says, property lists split to fit a URL,
and the facts error messages are made of (missing scopes, when the daily limit resets)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from source_hubspot.errors import daily_reset, required_scopes
from source_hubspot.properties import MAX_REQUEST_TARGET, PropertySplit
from source_hubspot.schema import PropertyDefinition, RecordShaper

DEFINITIONS = [
    PropertyDefinition("amount", "number"),
    PropertyDefinition("is_public", "bool"),
    PropertyDefinition("closedate", "datetime"),
    PropertyDefinition("birthday", "date"),
    PropertyDefinition("stage", "enumeration", ("a", "b")),
    PropertyDefinition("name", "string"),
]


def shaped(**properties: Any) -> dict[str, Any]:
    record = {"id": "7", "archived": False, "updatedAt": "2024-01-01T00:00:00.000Z", "properties": properties}
    return RecordShaper(DEFINITIONS)(record)


def test_values_are_typed_as_the_schema_says() -> None:
    record = shaped(
        amount="42",
        is_public="true",
        closedate="1704067200000",
        birthday="2024-01-31T00:00:00.000Z",
        stage="a;b",
        name="007",
    )
    assert record["properties"] == {
        "amount": 42,
        "is_public": True,
        "closedate": "2024-01-01T00:00:00.000Z",  # epoch milliseconds from older properties
        "birthday": "2024-01-31",
        "stage": "a;b",  # a multiple checkbox keeps HubSpot's semicolons
        "name": "007",  # strings stay strings
    }
    assert {key: record[key] for key in ("id", "archived", "updatedAt")} == {
        "id": "7", "archived": False, "updatedAt": "2024-01-01T00:00:00.000Z"
    }  # fmt: skip


def test_every_property_is_also_flattened() -> None:
    record = shaped(amount="1.5", unknown_to_the_schema="x")
    assert record["properties_amount"] == record["properties"]["amount"] == 1.5
    assert record["properties_unknown_to_the_schema"] == "x"


def test_cleared_and_unreadable_values_are_null_not_strings() -> None:
    record = shaped(amount="", is_public="", closedate="", birthday="")
    assert set(record["properties"].values()) == {None}
    assert shaped(amount="not a number", is_public="yes")["properties"] == {"amount": None, "is_public": None}
    assert shaped(amount="NaN")["properties"]["amount"] is None
    assert shaped(amount="1e400")["properties"]["amount"] is None  # infinity is no JSON number


def test_values_already_typed_pass_unchanged() -> None:
    assert shaped(amount=3.25, is_public=False, name=None)["properties"] == {
        "amount": 3.25, "is_public": False, "name": None
    }  # fmt: skip


@given(
    st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789é", min_size=1, max_size=80), max_size=600
    )
)
def test_a_split_keeps_every_property_in_order_and_the_url_within_budget(names: list[str]) -> None:
    path = "/crm/v3/objects/contacts"
    fixed = f"{path}?{urlencode({'limit': 100})}"
    split = PropertySplit.for_list_request(names, fixed)

    assert [*split.in_url, *split.in_batch_read] == names
    target = f"{fixed}&{urlencode({'properties': ','.join(split.in_url)})}"
    assert len(target) <= MAX_REQUEST_TARGET
    if split.in_batch_read:  # nothing more would have fitted
        longer = f"{fixed}&{urlencode({'properties': ','.join([*split.in_url, split.in_batch_read[0]])})}"
        assert len(longer) > MAX_REQUEST_TARGET


def test_the_scopes_a_missing_scopes_body_names() -> None:
    body = {
        "category": "MISSING_SCOPES",
        "errors": [
            {"context": {"requiredGranularScopes": ["crm.objects.deals.read", "crm.schemas.deals.read"]}},
            {"context": {"requiredGranularScopes": ["crm.objects.deals.read", 7]}},
            {"message": "no context"},
        ],
    }
    assert required_scopes(body) == ["crm.objects.deals.read", "crm.schemas.deals.read"]
    assert required_scopes({"errors": "not a list"}) == required_scopes(None) == []


def test_the_daily_limit_resets_at_the_next_midnight_of_the_account() -> None:
    new_york = ZoneInfo("America/New_York")
    evening = datetime(2025, 3, 10, 19, 0, tzinfo=UTC)  # 15:00 in New York (EDT)
    assert daily_reset(evening, new_york) == "at 2025-03-11 00:00 America/New_York (2025-03-11 04:00 UTC)"
    late = datetime(2025, 3, 11, 3, 30, tzinfo=UTC)  # still the 10th in New York
    assert daily_reset(late, new_york) == "at 2025-03-11 00:00 America/New_York (2025-03-11 04:00 UTC)"
    winter = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    assert daily_reset(winter, new_york) == "at 2025-01-11 00:00 America/New_York (2025-01-11 05:00 UTC)"
    assert daily_reset(evening, None) == "at midnight in the HubSpot account's time zone"
