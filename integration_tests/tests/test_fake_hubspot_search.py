"""The fake HubSpot's search endpoint: filters, one sort, offset paging and HubSpot's limits.

Expected results are computed here from the list endpoint's records, independently of the
fake's search engine, so a wrong filter or sort in the engine fails a test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fake_hubspot_client import HubSpotApi

from sandbox.hubspot import FakeHubSpot, HubSpotScenario
from sandbox.hubspot.timestamps import iso, parse_moment

FAST_SEARCH = {"search_requests_per_second": 10_000}  # these tests are about results, not rate limits
PROPERTIES = [
    "email",
    "firstname",
    "lifecyclestage",
    "jobtitle",
    "num_notes",
    "lastmodifieddate",
    "createdate",
]
Record = dict[str, Any]


@pytest.fixture(scope="module")
def account() -> Any:
    server = FakeHubSpot(HubSpotScenario(contacts=600, **FAST_SEARCH)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def everyone(account: FakeHubSpot) -> list[Record]:
    return HubSpotApi(account).list_all("contacts", limit=100, properties=",".join(PROPERTIES))


def search_ids(account: FakeHubSpot, body: dict[str, Any]) -> tuple[int, list[str]]:
    total, results = HubSpotApi(account).search_all("contacts", {"limit": 200, **body})
    return total, [record["id"] for record in results]


def modified(record: Record) -> int:
    return parse_moment(record["properties"]["lastmodifieddate"])


def test_a_time_window_sorted_by_last_modified_pages_through_every_match(
    account: FakeHubSpot, everyone: list[Record]
) -> None:
    low, high = sorted(modified(record) for record in everyone)[100], 1_700_000_000_000
    body = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(low)},
                    {"propertyName": "lastmodifieddate", "operator": "LT", "value": str(high)},
                ]
            }
        ],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["email"],
    }

    total, ids = search_ids(account, body)

    expected = sorted(
        (r for r in everyone if low <= modified(r) < high), key=lambda r: (modified(r), int(r["id"]))
    )
    assert ids == [record["id"] for record in expected]
    assert total == len(expected) > 200, "the window spans several pages"


def test_iso_8601_and_epoch_millisecond_values_select_the_same_records(account: FakeHubSpot) -> None:
    def window(value: str) -> dict[str, Any]:
        return {
            "filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "GT", "value": value}]}]
        }

    by_epoch = search_ids(account, window("1577836800000"))
    by_iso = search_ids(account, window("2020-01-01T00:00:00Z"))

    assert by_epoch == by_iso
    assert 0 < by_epoch[0] < 600


def test_descending_sort_reverses_the_order(account: FakeHubSpot, everyone: list[Record]) -> None:
    body = {"sorts": [{"propertyName": "createdate", "direction": "DESCENDING"}]}

    total, ids = search_ids(account, body)

    assert ids == [record["id"] for record in reversed(everyone)]
    assert total == len(everyone)


FILTER_CASES: list[tuple[str, dict[str, Any], Callable[[dict[str, Any]], bool]]] = [
    (
        "enumeration EQ",
        {"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"},
        lambda p: p["lifecyclestage"] == "customer",
    ),
    (
        "string IN (lowercase values)",
        {"propertyName": "firstname", "operator": "IN", "values": ["alice", "bob"]},
        lambda p: (p["firstname"] or "").lower() in ("alice", "bob"),
    ),
    (
        "NEQ includes records without a value",
        {"propertyName": "jobtitle", "operator": "NEQ", "value": "CEO"},
        lambda p: p["jobtitle"] != "CEO",
    ),
    (
        "NOT_HAS_PROPERTY",
        {"propertyName": "jobtitle", "operator": "NOT_HAS_PROPERTY"},
        lambda p: p["jobtitle"] is None,
    ),
    (
        "number BETWEEN is inclusive",
        {"propertyName": "num_notes", "operator": "BETWEEN", "value": "100", "highValue": "200"},
        lambda p: p["num_notes"] is not None and 100 <= float(p["num_notes"]) <= 200,
    ),
    (
        "CONTAINS_TOKEN with a wildcard",
        {"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@acme*"},
        lambda p: p["email"] is not None and "@acme" in p["email"],
    ),
    (
        "NOT_IN",
        {"propertyName": "lifecyclestage", "operator": "NOT_IN", "values": ["lead", "customer"]},
        lambda p: p["lifecyclestage"] not in ("lead", "customer"),
    ),
]


@pytest.mark.parametrize(
    ("case", "condition", "expected"), FILTER_CASES, ids=[case[0] for case in FILTER_CASES]
)
def test_filter_operators(
    account: FakeHubSpot,
    everyone: list[Record],
    case: str,
    condition: dict[str, Any],
    expected: Callable[[dict[str, Any]], bool],
) -> None:
    total, ids = search_ids(account, {"filterGroups": [{"filters": [condition]}]})

    matching = [record["id"] for record in everyone if expected(record["properties"])]
    assert ids == matching
    assert total == len(matching) > 0


def test_filter_groups_are_ored_and_filters_anded(account: FakeHubSpot, everyone: list[Record]) -> None:
    body = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"},
                    {"propertyName": "jobtitle", "operator": "HAS_PROPERTY"},
                ]
            },
            {"filters": [{"propertyName": "hs_object_id", "operator": "LTE", "value": "1030"}]},
        ]
    }

    _, ids = search_ids(account, body)

    expected = [
        r["id"]
        for r in everyone
        if (r["properties"]["lifecyclestage"] == "lead" and r["properties"]["jobtitle"])
        or int(r["id"]) <= 1030
    ]
    assert ids == expected


def test_archived_records_never_appear_in_search(account: FakeHubSpot, everyone: list[Record]) -> None:
    archived = HubSpotApi(account).list_all("contacts", archived="true", limit=100)

    _, ids = search_ids(account, {})

    assert archived
    assert not {record["id"] for record in archived} & set(ids)
    assert len(ids) == len(everyone)


def error_of(account: FakeHubSpot, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    answer = HubSpotApi(account).post("/crm/v3/objects/contacts/search", body)
    return answer.status_code, answer.json()


def filters(count: int) -> list[dict[str, str]]:
    return [{"propertyName": "hs_object_id", "operator": "GT", "value": str(n)} for n in range(count)]


@pytest.mark.parametrize(
    "groups",
    [
        [filters(1)] * 6,  # six groups
        [filters(7)],  # seven filters in one group
        [filters(5)] * 4,  # twenty filters in all
    ],
    ids=["6 groups", "7 filters in a group", "19+ filters in all"],
)
def test_too_many_filters_is_a_validation_error(
    account: FakeHubSpot, groups: list[list[dict[str, str]]]
) -> None:
    status, body = error_of(account, {"filterGroups": [{"filters": group} for group in groups]})

    assert status == 400
    assert (body["status"], body["category"]) == ("error", "VALIDATION_ERROR")
    assert body["correlationId"]


def test_the_largest_filter_set_allowed_is_accepted(account: FakeHubSpot) -> None:
    status, _ = error_of(account, {"filterGroups": [{"filters": filters(6)}] * 3})

    assert status == 200


@pytest.mark.parametrize(
    "body",
    [
        {
            "filterGroups": [
                {"filters": [{"propertyName": "no_such_property", "operator": "EQ", "value": "x"}]}
            ]
        },
        {"sorts": [{"propertyName": "email"}, {"propertyName": "createdate"}]},
        {"limit": 201},
        {"after": "ten"},
        {"filterGroups": [{"filters": [{"propertyName": "num_notes", "operator": "GT", "value": "many"}]}]},
    ],
    ids=["unknown property", "two sorts", "limit over 200", "non-numeric after", "malformed number"],
)
def test_malformed_searches_are_rejected(account: FakeHubSpot, body: dict[str, Any]) -> None:
    status, error = error_of(account, body)

    assert (status, error["category"]) == (400, "VALIDATION_ERROR")


@pytest.fixture(scope="module")
def bulk_updated() -> Any:
    """12,000 of 13,000 contacts share one lastmodifieddate: more than one search can page through."""
    server = FakeHubSpot(
        HubSpotScenario(contacts=13_000, shared_timestamp_contacts=12_000, **FAST_SEARCH)
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sharing_ids(bulk_updated: FakeHubSpot) -> list[str]:
    """The ids of the live contacts modified at the bulk-update time, read from the list endpoint."""
    shared = iso(bulk_updated.store("contacts").bulk_update_ms)
    records = HubSpotApi(bulk_updated).list_all("contacts", limit=100, properties="lastmodifieddate")
    return [record["id"] for record in records if record["properties"]["lastmodifieddate"] == shared]


def test_paging_past_10000_results_is_refused(bulk_updated: FakeHubSpot, sharing_ids: list[str]) -> None:
    shared = str(bulk_updated.store("contacts").bulk_update_ms)
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "lastmodifieddate", "operator": "EQ", "value": shared}]}
        ]
    }

    last_page = HubSpotApi(bulk_updated).post(
        "/crm/v3/objects/contacts/search", {**body, "limit": 200, "after": "9800"}
    )
    beyond = HubSpotApi(bulk_updated).post(
        "/crm/v3/objects/contacts/search", {**body, "limit": 200, "after": "10000"}
    )
    straddling = HubSpotApi(bulk_updated).post(
        "/crm/v3/objects/contacts/search", {**body, "limit": 100, "after": "9950"}
    )

    assert last_page.status_code == 200
    assert last_page.json()["total"] == len(sharing_ids) > 11_800  # some of the 12,000 are archived
    assert last_page.json()["paging"]["next"]["after"] == "10000"
    for refused in (beyond, straddling):
        assert refused.status_code == 400
        assert refused.json()["status"] == "error"
        assert refused.json()["category"] == "VALIDATION_ERROR"
        assert refused.json()["message"] == "There was a problem with the request."


def test_records_sharing_one_timestamp_are_reachable_by_paging_on_the_record_id(
    bulk_updated: FakeHubSpot, sharing_ids: list[str]
) -> None:
    api = HubSpotApi(bulk_updated)
    shared = str(bulk_updated.store("contacts").bulk_update_ms)
    seen: list[str] = []
    last_id = "0"
    while True:
        body = {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "lastmodifieddate", "operator": "EQ", "value": shared},
                        {"propertyName": "hs_object_id", "operator": "GT", "value": last_id},
                    ]
                }
            ],
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "limit": 200,
        }
        results = api.post("/crm/v3/objects/contacts/search", body).json()["results"]
        if not results:
            break
        seen += [record["id"] for record in results]
        last_id = results[-1]["id"]

    assert seen == sharing_ids
