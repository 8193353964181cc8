"""User filters: ANDed with the cursor in every group, within HubSpot's limits, mistakes named.

The property-based tests generate filter sets and records, and judge the built `filterGroups`
with a small reference evaluator of their own: a record matches the combined search exactly
when it matches the user's filters and lies in the cursor window.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from hypothesis import given, settings
from hypothesis import strategies as st

from source_hubspot.config import FilterGroup, ObjectSettings
from source_hubspot.filters import (
    MAX_FILTERS,
    MAX_FILTERS_PER_GROUP,
    MAX_GROUPS,
    FilterableProperty,
    combine_with_cursor,
    validate_object_filters,
)

STAGES = frozenset({"appointmentscheduled", "closedwon", "closedlost"})
PROPERTIES: dict[str, FilterableProperty | str] = {
    "amount": FilterableProperty("number"),
    "dealstage": FilterableProperty("enumeration", STAGES),
    "dealname": FilterableProperty("string"),
    "hs_is_closed": FilterableProperty("bool"),
    "closedate": FilterableProperty("datetime"),
    "contract_start": FilterableProperty("date"),
    "phone": FilterableProperty("phone_number"),
    "hubspot_owner_id": FilterableProperty("enumeration"),  # options HubSpot does not list
    "hs_lastmodifieddate": "datetime",  # a bare type is enough
}
JAN_1 = datetime(2024, 1, 1, tzinfo=UTC)
JAN_1_MS = 1_704_067_200_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
WINDOW = [
    {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": JAN_1},
    {"propertyName": "hs_lastmodifieddate", "operator": "LT", "value": JAN_1 + timedelta(days=1)},
]
WINDOW_JSON = [
    {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(JAN_1_MS)},
    {"propertyName": "hs_lastmodifieddate", "operator": "LT", "value": str(JAN_1_MS + DAY_MS)},
]
NAMED_FILTER = re.compile(r"group (\d+), condition (\d+) \((\S+) (\S+)\)")


def when(name: str, operator: str, **fields: Any) -> dict[str, Any]:
    """One condition as a user writes it in the config."""
    return {"propertyName": name, "operator": operator, **fields}


def groups(*conditions: Sequence[dict[str, Any]]) -> list[FilterGroup]:
    return [FilterGroup.model_validate({"filters": list(group)}) for group in conditions]


def amount_over(threshold: int) -> dict[str, Any]:
    return when("amount", "GT", value=threshold)


def sized(*sizes: int) -> list[FilterGroup]:
    return groups(*([amount_over(index) for index in range(size)] for size in sizes))


def uniform(group_count: int, size: int) -> list[FilterGroup]:
    return sized(*[size] * group_count)


def rejection(call: Callable[[], object]) -> AirbyteTracedException:
    with pytest.raises(AirbyteTracedException) as caught:
        call()
    assert caught.value.failure_type == FailureType.config_error
    return caught.value


def validation_message(filter_groups: list[FilterGroup], cursor_count: int = 0) -> str:
    error = rejection(lambda: validate_object_filters("deals", filter_groups, PROPERTIES, cursor_count))
    return error.message or ""


# --- combine_with_cursor: the shape of the search ---


def test_without_user_filters_the_search_is_one_group_of_the_cursor_conditions() -> None:
    assert combine_with_cursor([], WINDOW) == [{"filters": WINDOW_JSON}]


def test_without_any_condition_the_search_has_no_filter_groups() -> None:
    assert combine_with_cursor([], []) == []


def test_a_full_refresh_sends_the_user_groups_alone() -> None:
    user = groups([when("dealstage", "EQ", value="closedwon")], [amount_over(5)])

    assert combine_with_cursor(user, []) == [
        {"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"}]},
        {"filters": [{"propertyName": "amount", "operator": "GT", "value": "5"}]},
    ]


def test_every_user_group_gets_every_cursor_condition() -> None:
    user = groups(
        [when("dealstage", "EQ", value="closedwon"), amount_over(1000)],
        [when("hs_is_closed", "EQ", value=False)],
        [when("dealname", "CONTAINS_TOKEN", value="acme*")],
    )

    assert combine_with_cursor(user, WINDOW) == [
        {
            "filters": [
                {"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"},
                {"propertyName": "amount", "operator": "GT", "value": "1000"},
                *WINDOW_JSON,
            ]
        },
        {"filters": [{"propertyName": "hs_is_closed", "operator": "EQ", "value": "false"}, *WINDOW_JSON]},
        {
            "filters": [
                {"propertyName": "dealname", "operator": "CONTAINS_TOKEN", "value": "acme*"},
                *WINDOW_JSON,
            ]
        },
    ]


def test_cursor_values_are_sent_as_strings_and_datetimes_as_epoch_milliseconds() -> None:
    paris = timezone(timedelta(hours=1))
    cursor: list[dict[str, Any]] = [
        {
            "propertyName": "hs_lastmodifieddate",
            "operator": "EQ",
            "value": datetime(2024, 1, 1, 1, tzinfo=paris),
        },
        {"propertyName": "hs_object_id", "operator": "GT", "value": 12345},
        {"propertyName": "hs_lastmodifieddate", "operator": "BETWEEN", "value": 1, "highValue": JAN_1},
        {"propertyName": "hs_object_id", "operator": "IN", "values": [1, 2]},
    ]

    assert combine_with_cursor([], cursor) == [
        {
            "filters": [
                {"propertyName": "hs_lastmodifieddate", "operator": "EQ", "value": str(JAN_1_MS)},
                {"propertyName": "hs_object_id", "operator": "GT", "value": "12345"},
                {
                    "propertyName": "hs_lastmodifieddate",
                    "operator": "BETWEEN",
                    "value": "1",
                    "highValue": str(JAN_1_MS),
                },
                {"propertyName": "hs_object_id", "operator": "IN", "values": ["1", "2"]},
            ]
        }
    ]


def test_combining_leaves_the_cursor_conditions_it_was_given_unchanged() -> None:
    cursor = [dict(condition) for condition in WINDOW]

    combine_with_cursor(uniform(2, 1), cursor)

    assert cursor == WINDOW


def test_without_property_types_values_go_as_written_in_the_field_their_operator_uses() -> None:
    user = groups(
        [
            when("amount", "BETWEEN", value=2.5, highValue=3.0),
            when("hs_is_closed", "EQ", value=True),
            when("dealstage", "NOT_IN", values=["closedlost", 7]),
            when("dealname", "HAS_PROPERTY"),
            when("closedate", "GTE", value="2024-01-01T00:00:00Z"),
        ]
    )

    assert combine_with_cursor(user, []) == [
        {
            "filters": [
                {"propertyName": "amount", "operator": "BETWEEN", "value": "2.5", "highValue": "3"},
                {"propertyName": "hs_is_closed", "operator": "EQ", "value": "true"},
                {"propertyName": "dealstage", "operator": "NOT_IN", "values": ["closedlost", "7"]},
                {"propertyName": "dealname", "operator": "HAS_PROPERTY"},
                {"propertyName": "closedate", "operator": "GTE", "value": "2024-01-01T00:00:00Z"},
            ]
        }
    ]


@pytest.mark.parametrize(
    ("name", "written", "sent"),
    [
        ("closedate", "2024-01-01T00:00:00Z", str(JAN_1_MS)),
        ("closedate", "2024-01-01T02:00:00+02:00", str(JAN_1_MS)),
        ("closedate", "2024-01-01T00:00:00.250Z", str(JAN_1_MS + 250)),
        ("closedate", "2024-01-01", str(JAN_1_MS)),
        ("closedate", JAN_1_MS, str(JAN_1_MS)),
        ("closedate", float(JAN_1_MS), str(JAN_1_MS)),
        ("closedate", f" {JAN_1_MS} ", str(JAN_1_MS)),
        ("closedate", "-86400000", "-86400000"),  # before 1970: birthdays
        ("contract_start", "2024-01-01", str(JAN_1_MS)),
        ("contract_start", "2024-01-01T00:00:00Z", str(JAN_1_MS)),
        ("contract_start", JAN_1_MS, str(JAN_1_MS)),
        ("hs_is_closed", "TRUE", "true"),
        ("hs_is_closed", False, "false"),
        ("amount", " 12 ", "12"),
        ("amount", 1.5, "1.5"),
        ("amount", "-3.25e2", "-3.25e2"),
        ("dealstage", "closedwon", "closedwon"),
        ("hubspot_owner_id", 123, "123"),
        ("phone", "555 0100", "555 0100"),
    ],
)
def test_with_property_types_values_are_sent_as_hubspot_reads_them(
    name: str, written: Any, sent: str
) -> None:
    combined = combine_with_cursor(groups([when(name, "EQ", value=written)]), [], properties=PROPERTIES)

    assert combined == [{"filters": [{"propertyName": name, "operator": "EQ", "value": sent}]}]


def test_with_property_types_a_value_that_does_not_parse_is_a_config_error_naming_it() -> None:
    user = groups([amount_over(1)], [when("closedate", "GT", value="last tuesday")])

    error = rejection(lambda: combine_with_cursor(user, WINDOW, properties=PROPERTIES))

    assert "group 2, condition 1 (closedate GT)" in (error.message or "")
    assert "'last tuesday'" in (error.message or "")


# --- HubSpot's limits, counted with the cursor conditions ---


@pytest.mark.parametrize(
    ("group_count", "size", "cursor_count"),
    [
        (MAX_GROUPS, 1, 2),  # 5 groups
        (3, 4, 2),  # 6 per group, 18 in all
        (1, MAX_FILTERS_PER_GROUP, 0),  # a full refresh fills a group
        (2, 3, 3),
        (MAX_GROUPS, 3, 0),  # 15 in all
    ],
)
def test_filters_within_hubspots_limits_are_sent(group_count: int, size: int, cursor_count: int) -> None:
    cursor = [WINDOW[0]] * cursor_count

    combined = combine_with_cursor(uniform(group_count, size), cursor)
    validate_object_filters("deals", uniform(group_count, size), PROPERTIES, cursor_count)

    assert len(combined) == group_count
    assert all(len(group["filters"]) == size + cursor_count for group in combined)


@pytest.mark.parametrize(
    ("at_limit", "one_over", "cursor_count", "problem"),
    [
        ([1] * 5, [1] * 6, 0, "6 filter groups, 1 over HubSpot's limit of 5"),
        ([6], [7], 0, "group 1 has 7 conditions, 1 over HubSpot's limit of 6 per group"),
        ([4], [5], 2, "group 1 has 5 conditions + 2 cursor conditions = 7, 1 over"),
        ([], [1], 6, "group 1 has 1 condition + 6 cursor conditions = 7, 1 over"),
        ([6, 6, 6], [6, 6, 6, 1], 0, "19 conditions in all, 1 over HubSpot's limit of 18"),
        ([5, 5, 5], [5, 5, 4, 1], 1, "15 conditions + 4 cursor conditions = 19 in all, 1 over"),
    ],
)
def test_filters_at_a_limit_are_sent_and_one_more_is_refused(
    at_limit: list[int], one_over: list[int], cursor_count: int, problem: str
) -> None:
    cursor = [WINDOW[0]] * cursor_count

    combine_with_cursor(sized(*at_limit), cursor)
    validate_object_filters("deals", sized(*at_limit), PROPERTIES, cursor_count)

    assert problem in (rejection(lambda: combine_with_cursor(sized(*one_over), cursor)).message or "")
    assert problem in validation_message(sized(*one_over), cursor_count)


def test_too_many_groups_names_the_first_group_over_the_limit() -> None:
    filter_groups = groups(*([amount_over(index)] for index in range(MAX_GROUPS + 2)))

    message = rejection(lambda: combine_with_cursor(filter_groups, [])).message or ""

    assert "group 6, condition 1 (amount GT): 7 filter groups, 2 over HubSpot's limit of 5" in message


def test_a_group_that_overflows_with_the_cursor_names_its_first_condition_over() -> None:
    message = validation_message(uniform(1, 5), cursor_count=2)

    assert (
        "group 1, condition 5 (amount GT): group 1 has 5 conditions + 2 cursor conditions = 7, "
        "1 over HubSpot's limit of 6 per group"
    ) in message


def test_a_group_too_large_even_without_a_cursor_is_named() -> None:
    message = validation_message(uniform(1, MAX_FILTERS_PER_GROUP + 1))

    assert "group 1, condition 7 (amount GT): group 1 has 7 conditions, 1 over" in message


def test_too_many_conditions_in_all_names_the_first_that_does_not_fit() -> None:
    # Four groups of 4 + 1 cursor condition: 5, 10, 15, then 16 + 1 + 1 reaches 18 at condition 2.
    message = validation_message(uniform(4, 4), cursor_count=1)

    assert (
        "group 4, condition 3 (amount GT): 16 conditions + 4 cursor conditions = 20 in all, "
        "2 over HubSpot's limit of 18"
    ) in message


def test_when_the_cursor_conditions_overflow_the_total_the_groups_first_condition_is_named() -> None:
    # Three groups of 3 + 3 cursor conditions fill all 18; the fourth group's cursor has no room.
    message = validation_message(uniform(4, 3), cursor_count=3)

    assert "group 4, condition 1 (amount GT): 12 conditions + 12 cursor conditions = 24 in all" in message


def test_the_limits_count_the_cursor_conditions_the_reads_will_add() -> None:
    validate_object_filters("deals", uniform(3, 4), PROPERTIES, cursor_filter_count=2)

    assert "over HubSpot's limit of 6 per group" in validation_message(uniform(3, 4), cursor_count=3)


def test_more_cursor_conditions_than_a_group_holds_is_the_connectors_own_error() -> None:
    with pytest.raises(AirbyteTracedException) as caught:
        combine_with_cursor([], [WINDOW[0]] * (MAX_FILTERS_PER_GROUP + 1))

    assert caught.value.failure_type == FailureType.system_error


# --- validate_object_filters: what is wrong, and where ---


def test_sound_filters_pass() -> None:
    validate_object_filters(
        "deals",
        groups(
            [
                when("dealstage", "IN", values=["closedwon", "closedlost"]),
                when("amount", "BETWEEN", value="100", highValue=1000),
                when("closedate", "GTE", value="2024-01-01T00:00:00Z"),
                when("contract_start", "LT", value="2025-01-01"),
            ],
            [
                when("dealname", "NOT_CONTAINS_TOKEN", value="test*"),
                when("hs_is_closed", "NEQ", value="true"),
                when("phone", "NOT_HAS_PROPERTY"),
            ],
            [when("associations.contact", "EQ", value="123"), when("hubspot_owner_id", "IN", values=[42])],
        ),
        PROPERTIES,
        cursor_filter_count=2,
    )


def test_the_error_names_the_object_group_condition_property_and_operator() -> None:
    filter_groups = groups([amount_over(1)], [amount_over(2), when("amount", "CONTAINS_TOKEN", value="5")])

    error = rejection(lambda: validate_object_filters("deals", filter_groups, PROPERTIES, 2))

    assert error.message == (
        "HubSpot's search cannot take the filters of 'deals': group 2, condition 2 (amount CONTAINS_TOKEN): "
        "CONTAINS_TOKEN does not apply to a number property; use one of EQ, NEQ, LT, LTE, GT, GTE, BETWEEN, "
        "IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY. Correct them in the per-object settings."
    )
    assert "deals" in (error.internal_message or "")
    assert "group 2, condition 2 (amount CONTAINS_TOKEN)" in (error.internal_message or "")


def test_an_unknown_property_is_named_with_the_closest_real_one() -> None:
    message = validation_message(groups([when("dealstag", "EQ", value="closedwon")]))

    assert "group 1, condition 1 (dealstag EQ): the object has no property 'dealstag'; " in message
    assert "did you mean 'dealstage'?" in message


def test_an_unknown_property_far_from_any_real_one_gets_no_suggestion() -> None:
    message = validation_message(groups([when("zzzzqqq", "HAS_PROPERTY")]))

    assert "the object has no property 'zzzzqqq'" in message
    assert "did you mean" not in message


# Which operators each property type takes: the decision recorded in filters.py, restated as the spec.
TEXT = {
    "EQ",
    "NEQ",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
}
ALLOWED = {
    "number": {
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
    },
    "date": {
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
    },
    "datetime": {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "HAS_PROPERTY", "NOT_HAS_PROPERTY"},
    "bool": {"EQ", "NEQ", "HAS_PROPERTY", "NOT_HAS_PROPERTY"},
    "enumeration": TEXT,
    "string": TEXT,
    "phone_number": TEXT,
    "json": TEXT,  # types we don't know filter like text
}
OPERATORS = sorted(ALLOWED["number"] | TEXT)
LOW_AND_HIGH = {
    "number": (5, 10),
    "date": ("2024-01-01", "2024-02-01"),
    "datetime": ("2024-01-01T00:00:00Z", 1706745600000),
    "bool": (True, False),
    "enumeration": ("closedwon", "closedwon"),
    "string": ("acme", "acme"),
    "phone_number": ("555", "555"),
    "json": ("x", "x"),
}


def sound_condition(name: str, operator: str, property_type: str) -> dict[str, Any]:
    low, high = LOW_AND_HIGH[property_type]
    if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return when(name, operator)
    if operator in ("IN", "NOT_IN"):
        return when(name, operator, values=[low, high])
    if operator == "BETWEEN":
        return when(name, operator, value=low, highValue=high)
    return when(name, operator, value=low)


@pytest.mark.parametrize("property_type", sorted(ALLOWED))
@pytest.mark.parametrize("operator", OPERATORS)
def test_each_property_type_takes_its_operators_and_only_those(property_type: str, operator: str) -> None:
    properties = {
        "subject": FilterableProperty(
            property_type, STAGES if property_type == "enumeration" else frozenset()
        )
    }
    filter_groups = groups([sound_condition("subject", operator, property_type)])

    def validate() -> None:
        validate_object_filters("deals", filter_groups, properties, cursor_filter_count=2)

    if operator in ALLOWED[property_type]:
        validate()
    else:
        message = rejection(validate).message or ""
        assert f"(subject {operator}): {operator} does not apply to a {property_type} property" in message


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        (when("amount", "BETWEEN", value=1), "BETWEEN needs `highValue`"),
        (when("amount", "BETWEEN", highValue=1), "BETWEEN needs `value`"),
        (when("amount", "BETWEEN", value=1, highValue=2, values=[3]), "BETWEEN does not take `values`"),
        (when("dealstage", "IN", values=[]), "IN needs at least one entry in `values`"),
        (when("dealstage", "NOT_IN", value="closedwon"), "NOT_IN needs `values`"),
        (when("dealstage", "IN", values=["closedwon"], value="closedwon"), "IN does not take `value`"),
        (when("dealname", "HAS_PROPERTY", value="x"), "HAS_PROPERTY does not take `value`"),
        (
            when("dealname", "NOT_HAS_PROPERTY", values=["x"], highValue=1),
            "NOT_HAS_PROPERTY does not take `highValue` or `values`",
        ),
        (when("dealname", "EQ"), "EQ needs `value`"),
        (when("dealname", "EQ", value="x", values=["y"]), "EQ does not take `values`"),
        (when("amount", "GT", value=1, highValue=2), "GT does not take `highValue`"),
        (when("dealname", "CONTAINS_TOKEN"), "CONTAINS_TOKEN needs `value`"),
    ],
)
def test_each_operator_takes_its_own_value_fields(condition: dict[str, Any], problem: str) -> None:
    message = validation_message(groups([condition]))

    assert f"group 1, condition 1 ({condition['propertyName']} {condition['operator']}): {problem}" in message


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        (when("amount", "EQ", value="abc"), "'abc' is not a number (in `value`)"),
        (when("amount", "EQ", value="NaN"), "'NaN' is not a number"),
        (when("amount", "GT", value=True), "True is a boolean, not a number"),
        (when("amount", "IN", values=[1, "two"]), "'two' is not a number (in `values`)"),
        (
            when("closedate", "GT", value="yesterday"),
            "'yesterday' is neither milliseconds since 1970 nor an ISO",
        ),
        (
            when("closedate", "GT", value="2024-01-31T09:30:00"),
            "'2024-01-31T09:30:00' has no time zone; add one",
        ),
        (when("closedate", "GT", value=1.5), "1.5 is not a whole number of milliseconds"),
        (when("closedate", "GT", value=False), "False is a boolean, not a date or time"),
        (when("closedate", "BETWEEN", value=0, highValue="soon"), "'soon' is neither"),
        (when("contract_start", "EQ", value=JAN_1_MS + HOUR_MS), "is not midnight UTC, as a date property's"),
        (when("contract_start", "EQ", value="2024-01-31T09:00:00Z"), "write '2024-01-31'"),
        (when("hs_is_closed", "EQ", value="yes"), "'yes' is not true or false"),
        (when("hs_is_closed", "EQ", value=1), "1 is not true or false"),
        (
            when("dealstage", "EQ", value="closedwom"),
            "'closedwom' is not one of the property's options; did you mean",
        ),
        (
            when("dealstage", "NEQ", value="ClosedWon"),
            "did you mean 'closedwon'? (options are case-sensitive)",
        ),
        (
            when("dealstage", "IN", values=["closedwon", "zz"]),
            "'zz' is not one of the property's options (appointmentscheduled, closedlost, closedwon) "
            "(in `values`)",
        ),
        (
            when("dealname", "IN", values=["acme", "Globex"]),
            "'Globex' must be lowercase for IN on a string property",
        ),
        (when("dealname", "EQ", value="  "), "an empty value matches nothing; to find records without one"),
        (
            when("amount", "BETWEEN", value=10, highValue="5"),
            "`value` (the lower bound) is above `highValue`",
        ),
        (
            when("closedate", "BETWEEN", value="2024-02-01", highValue="2024-01-01T00:00:00Z"),
            "is above `highValue`, so nothing matches",
        ),
    ],
)
def test_values_must_be_what_the_property_holds(condition: dict[str, Any], problem: str) -> None:
    message = validation_message(groups([condition]))

    assert f"group 1, condition 1 ({condition['propertyName']} {condition['operator']}): " in message
    assert problem in message


def test_options_and_case_are_only_checked_where_hubspot_matches_exactly() -> None:
    validate_object_filters(
        "deals",
        groups(
            [when("dealstage", "CONTAINS_TOKEN", value="closed*")],  # a token, not an option
            [when("dealname", "EQ", value="Acme")],  # HubSpot's EQ ignores case
            [when("hubspot_owner_id", "EQ", value="any-owner")],  # no options listed: nothing to check
        ),
        PROPERTIES,
        cursor_filter_count=0,
    )


def test_every_problem_is_reported_and_the_message_shows_the_first_ten() -> None:
    unknown = [when(f"nope{index}", "HAS_PROPERTY") for index in range(12)]
    filter_groups = groups(
        unknown[:1], unknown[1:2], unknown[2:3], unknown[3:]
    )  # 12 unknown, 1 group too big

    error = rejection(lambda: validate_object_filters("deals", filter_groups, PROPERTIES, 0))

    assert "; and 3 more problems" in (error.message or "")
    assert "nope10" not in (error.message or "")
    internal = error.internal_message or ""
    assert all(f"no property 'nope{index}'" in internal for index in range(12))
    assert "group 4, condition 7 (nope9 HAS_PROPERTY): group 4 has 9 conditions, 3 over" in internal


def test_filters_from_the_connector_config_are_validated() -> None:
    settings_ = ObjectSettings.model_validate(
        {
            "name": "deals",
            "filters": [{"filters": [{"propertyName": "amount", "operator": "GT", "value": "high"}]}],
        }
    )

    error = rejection(lambda: validate_object_filters("deals", settings_.filters, PROPERTIES, 2))

    assert "group 1, condition 1 (amount GT): 'high' is not a number" in (error.message or "")


def test_property_definitions_come_from_hubspots_properties_api() -> None:
    definition = {
        "name": "dealstage",
        "label": "Deal Stage",
        "type": "enumeration",
        "fieldType": "select",
        "options": [
            {"label": "Closed Won", "value": "closedwon", "displayOrder": 0, "hidden": False},
            {"label": "Closed Lost", "value": "closedlost", "displayOrder": 1, "hidden": True},
        ],
    }

    assert FilterableProperty.from_api(definition) == FilterableProperty(
        "enumeration", frozenset({"closedwon", "closedlost"})
    )
    assert FilterableProperty.from_api({"name": "amount", "type": "number", "options": []}) == (
        FilterableProperty("number")
    )


# --- Property-based: generated filter sets and records, judged by a reference evaluator ---

WORDS = ("acme", "globex", "labs", "initech")
NAMES = ("acme", "acme labs", "globex", "initech labs")
HOUR_GRID = [JAN_1_MS + step * HOUR_MS for step in range(7)]
DAY_GRID = [JAN_1_MS + step * DAY_MS for step in range(5)]
TYPES = {
    "amount": "number",
    "dealstage": "enumeration",
    "dealname": "string",
    "hs_is_closed": "bool",
    "closedate": "datetime",
    "contract_start": "date",
    "hs_lastmodifieddate": "datetime",
}
STORED: dict[str, Sequence[Any]] = {  # the values a record may hold, in their canonical form
    "amount": [Decimal(step) / 2 for step in range(12)],
    "dealstage": sorted(STAGES),
    "dealname": NAMES,
    "hs_is_closed": [True, False],
    "closedate": HOUR_GRID,
    "contract_start": DAY_GRID,
    "hs_lastmodifieddate": HOUR_GRID,
}


def iso(milliseconds: int, offset_hours: int = 0) -> str:
    zone = timezone(timedelta(hours=offset_hours))
    return datetime.fromtimestamp(milliseconds / 1000, zone).isoformat().replace("+00:00", "Z")


def written_forms(property_type: str, canonical: Any) -> list[Any]:
    """The ways a user may write a value in the config."""
    if property_type == "number":
        return (
            [int(canonical), float(canonical), str(canonical)]
            if canonical == int(canonical)
            else [str(canonical)]
        )
    if property_type == "datetime":
        return [canonical, str(canonical), iso(canonical), iso(canonical, 2), iso(canonical, -5)]
    if property_type == "date":
        return [canonical, iso(canonical)[:10], iso(canonical)]
    if property_type == "bool":
        return [canonical, str(canonical).lower(), str(canonical).upper()]
    return [canonical]


def written(name: str, pool: Sequence[Any] | None = None) -> st.SearchStrategy[Any]:
    return st.sampled_from(pool or STORED[name]).flatmap(
        lambda canonical: st.sampled_from(written_forms(TYPES[name], canonical))
    )


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(sorted(TYPES)))
    operator = draw(st.sampled_from(sorted(ALLOWED[TYPES[name]])))
    if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return when(name, operator)
    if operator in ("IN", "NOT_IN"):
        return when(name, operator, values=draw(st.lists(written(name), min_size=1, max_size=3)))
    if operator == "BETWEEN":
        low, high = sorted(draw(st.lists(st.sampled_from(STORED[name]), min_size=2, max_size=2)))
        return when(name, operator, value=draw(written(name, [low])), highValue=draw(written(name, [high])))
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN") and TYPES[name] == "string":
        return when(name, operator, value=draw(st.sampled_from(WORDS)))
    return when(name, operator, value=draw(written(name)))


def filter_groups(max_groups: int, max_size: int) -> st.SearchStrategy[list[FilterGroup]]:
    return st.lists(st.lists(conditions(), min_size=1, max_size=max_size), max_size=max_groups).map(
        lambda drawn: groups(*drawn)
    )


records = st.fixed_dictionaries(
    {}, optional={name: st.sampled_from(values) for name, values in STORED.items()}
)


def canonical_written(property_type: str, value: Any) -> Any:
    """The reference reading of a value as the user wrote it (independent of filters.py)."""
    if property_type == "number":
        return Decimal(str(value))
    if property_type in ("datetime", "date"):
        if isinstance(value, int | float) or value.strip().lstrip("-").isdigit():
            return int(value)
        moment = datetime.fromisoformat(value)
        return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000)
    if property_type == "bool":
        return value if isinstance(value, bool) else value.lower() == "true"
    return str(value)


def canonical_sent(property_type: str, text: str) -> Any:
    """The reference reading of a value as HubSpot receives it: always a string."""
    assert isinstance(text, str)
    if property_type == "number":
        return Decimal(text)
    if property_type in ("datetime", "date"):
        return int(text)
    if property_type == "bool":
        return {"true": True, "false": False}[text]
    return text


def holds(operator: str, actual: Any, value: Any, high: Any, values: Sequence[Any]) -> bool:
    if operator == "HAS_PROPERTY":
        return actual is not None
    if operator == "NOT_HAS_PROPERTY":
        return actual is None
    if actual is None:
        return False
    tests: dict[str, Callable[[], bool]] = {
        "EQ": lambda: actual == value,
        "NEQ": lambda: actual != value,
        "LT": lambda: actual < value,
        "LTE": lambda: actual <= value,
        "GT": lambda: actual > value,
        "GTE": lambda: actual >= value,
        "BETWEEN": lambda: value <= actual <= high,
        "IN": lambda: actual in values,
        "NOT_IN": lambda: actual not in values,
        "CONTAINS_TOKEN": lambda: value in actual.split(),
        "NOT_CONTAINS_TOKEN": lambda: value not in actual.split(),
    }
    return tests[operator]()


def matches(record: Mapping[str, Any], condition: Mapping[str, Any], read: Callable[[str, Any], Any]) -> bool:
    property_type = TYPES[condition["propertyName"]]

    def reading(raw: Any) -> Any:
        return None if raw is None else read(property_type, raw)

    return holds(
        condition["operator"],
        record.get(condition["propertyName"]),
        reading(condition.get("value")),
        reading(condition.get("highValue")),
        [read(property_type, raw) for raw in condition.get("values") or ()],
    )


def user_selects(record: Mapping[str, Any], user_groups: Sequence[FilterGroup]) -> bool:
    return not user_groups or any(
        all(
            matches(record, condition.model_dump(by_alias=True, exclude_none=True), canonical_written)
            for condition in group.filters
        )
        for group in user_groups
    )


def search_selects(record: Mapping[str, Any], filter_groups_json: Sequence[Mapping[str, Any]]) -> bool:
    return not filter_groups_json or any(
        all(matches(record, condition, canonical_sent) for condition in group["filters"])
        for group in filter_groups_json
    )


@st.composite
def cursor_windows(draw: st.DrawFn) -> tuple[int | None, int | None]:
    """A window on the cursor property: open ended at either side (a full refresh has neither)."""
    start = draw(st.none() | st.sampled_from(HOUR_GRID))
    end = draw(st.none() | st.sampled_from(HOUR_GRID))
    return start, end


def cursor_conditions(start: int | None, end: int | None) -> list[dict[str, Any]]:
    def moment(milliseconds: int) -> datetime:
        return datetime.fromtimestamp(milliseconds / 1000, UTC)

    bounds = [("GTE", start), ("LT", end)]
    return [
        {"propertyName": "hs_lastmodifieddate", "operator": operator, "value": moment(bound)}
        for operator, bound in bounds
        if bound is not None
    ]


def in_window(record: Mapping[str, Any], start: int | None, end: int | None) -> bool:
    modified = record.get("hs_lastmodifieddate")
    if start is None and end is None:
        return True
    return modified is not None and (start is None or start <= modified) and (end is None or modified < end)


@settings(max_examples=300, deadline=None)
@given(
    user_groups=filter_groups(max_groups=3, max_size=4),
    window=cursor_windows(),
    sample=st.lists(records, max_size=25),
)
def test_the_search_selects_exactly_the_users_records_inside_the_cursor_window(
    user_groups: list[FilterGroup], window: tuple[int | None, int | None], sample: list[dict[str, Any]]
) -> None:
    start, end = window
    cursor = cursor_conditions(start, end)

    combined = combine_with_cursor(user_groups, cursor, properties=PROPERTIES)

    sent_cursor = [
        {**condition, "value": str(int(condition["value"].timestamp() * 1000))} for condition in cursor
    ]
    assert all(condition in group["filters"] for group in combined for condition in sent_cursor)
    assert len(combined) == (len(user_groups) or (1 if cursor else 0))
    for record in sample:
        assert search_selects(record, combined) == (
            user_selects(record, user_groups) and in_window(record, start, end)
        ), record


def fits(user_groups: Sequence[FilterGroup], cursor_count: int) -> bool:
    sizes = [len(group.filters) + cursor_count for group in user_groups]
    return len(sizes) <= 5 and all(size <= 6 for size in sizes) and sum(sizes) <= 18


def assert_names_real_filters(message: str, user_groups: Sequence[FilterGroup]) -> None:
    named = NAMED_FILTER.findall(message)
    assert named, message
    for group_number, condition_number, name, operator in named:
        condition = user_groups[int(group_number) - 1].filters[int(condition_number) - 1]
        assert (condition.property_name, condition.operator) == (name, operator)
    assert "over HubSpot's limit of" in message


@settings(max_examples=300, deadline=None)
@given(
    user_groups=filter_groups(max_groups=8, max_size=8), cursor_count=st.integers(0, MAX_FILTERS_PER_GROUP)
)
def test_the_search_never_exceeds_hubspots_limits_and_an_overflow_names_a_filter(
    user_groups: list[FilterGroup], cursor_count: int
) -> None:
    cursor = [WINDOW[0]] * cursor_count

    def combine() -> list[dict[str, Any]]:
        return combine_with_cursor(user_groups, cursor, properties=PROPERTIES)

    def validate() -> None:
        validate_object_filters("deals", user_groups, PROPERTIES, cursor_count)

    if fits(user_groups, cursor_count):
        combined = combine()
        validate()
        assert len(combined) <= MAX_GROUPS
        assert all(len(group["filters"]) <= MAX_FILTERS_PER_GROUP for group in combined)
        assert sum(len(group["filters"]) for group in combined) <= MAX_FILTERS
    else:
        assert_names_real_filters(rejection(combine).message or "", user_groups)
        assert_names_real_filters(rejection(validate).message or "", user_groups)
