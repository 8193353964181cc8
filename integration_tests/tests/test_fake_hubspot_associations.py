"""The fake HubSpot's v4 associations: batch reads with labels, both directions agreeing."""

from __future__ import annotations

from typing import Any

import pytest
from fake_hubspot_client import HubSpotApi

from sandbox.hubspot import FakeHubSpot, HubSpotScenario


@pytest.fixture
def account(fake_hubspot: Any) -> FakeHubSpot:
    server: FakeHubSpot = fake_hubspot(HubSpotScenario(contacts=500, archived_share=0))
    return server


def batch_read(api: HubSpotApi, from_type: str, to_type: str, ids: list[str]) -> Any:
    return api.post(
        f"/crm/v4/associations/{from_type}/{to_type}/batch/read", {"inputs": [{"id": i} for i in ids]}
    )


def test_contacts_to_companies_carry_primary_unlabeled_and_user_labels(account: FakeHubSpot) -> None:
    api = HubSpotApi(account)
    contacts = [record["id"] for record in api.get("/crm/v3/objects/contacts", limit=10).json()["results"]]

    answer = batch_read(api, "contacts", "companies", contacts)

    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [result["from"]["id"] for result in results] == contacts
    labels = [{kind["label"] for kind in result["to"][0]["associationTypes"]} for result in results]
    assert all({"Primary", None} <= found for found in labels)
    assert any("Billing contact" in found for found in labels)
    first = results[0]["to"][0]
    assert isinstance(first["toObjectId"], int)
    assert {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None} in first["associationTypes"]


def test_both_directions_describe_the_same_pairs(account: FakeHubSpot) -> None:
    api = HubSpotApi(account)
    companies = [record["id"] for record in api.list_all("companies", limit=100)]
    contacts = [record["id"] for record in api.list_all("contacts", limit=100)]

    forward = batch_read(api, "contacts", "companies", contacts).json()["results"]
    backward = batch_read(api, "companies", "contacts", companies).json()["results"]

    pairs = {(r["from"]["id"], str(to["toObjectId"])) for r in forward for to in r["to"]}
    mirrored = {(str(to["toObjectId"]), r["from"]["id"]) for r in backward for to in r["to"]}
    assert pairs == mirrored
    assert len(pairs) == len(contacts), "every contact has exactly one company"


def test_records_without_associations_are_reported_with_207(account: FakeHubSpot) -> None:
    api = HubSpotApi(account)

    answer = batch_read(api, "contacts", "companies", ["1001", "999999999"])

    assert answer.status_code == 207
    body = answer.json()
    assert [result["from"]["id"] for result in body["results"]] == ["1001"]
    error = body["errors"][0]
    assert error["subCategory"] == "crm.associations.NO_ASSOCIATIONS_FOUND"
    assert error["context"] == {"fromObjectId": ["999999999"]}
    too_many = batch_read(api, "contacts", "companies", [str(n) for n in range(1001)])
    assert (too_many.status_code, too_many.json()["category"]) == (400, "VALIDATION_ERROR")


def test_labels_list_every_association_type_of_a_pair(account: FakeHubSpot) -> None:
    api = HubSpotApi(account)

    labels = api.get("/crm/v4/associations/deals/contacts/labels").json()["results"]

    assert labels == [
        {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None},
        {"category": "USER_DEFINED", "typeId": 1003, "label": "Decision maker"},
    ]


@pytest.mark.parametrize("engagement", ["calls", "emails", "meetings", "notes", "tasks"])
def test_engagements_are_associated_with_contacts_and_deals(account: FakeHubSpot, engagement: str) -> None:
    api = HubSpotApi(account)
    ids = [record["id"] for record in api.get(f"/crm/v3/objects/{engagement}", limit=5).json()["results"]]

    for target in ("contacts", "deals", "companies"):
        answer = batch_read(api, engagement, target, ids)
        assert answer.status_code == 200, (target, answer.text)
        assert all(len(result["to"]) == 1 for result in answer.json()["results"])


def test_associations_need_both_object_scopes(fake_hubspot: Any) -> None:
    server = fake_hubspot(HubSpotScenario(contacts=100, scopes=("crm.objects.contacts.read",)))

    answer = batch_read(HubSpotApi(server), "contacts", "companies", ["1001"])

    assert answer.status_code == 403
    assert answer.json()["errors"][0]["context"]["requiredGranularScopes"] == ["crm.objects.companies.read"]


def test_custom_objects_are_associated_with_contacts(account: FakeHubSpot) -> None:
    api = HubSpotApi(account)
    cars = api.get("/crm/v3/objects/cars", limit=3).json()["results"]

    answer = batch_read(api, "cars", "contacts", [car["id"] for car in cars])

    assert answer.status_code == 200
    kinds = answer.json()["results"][0]["to"][0]["associationTypes"]
    assert kinds[0]["category"] == "USER_DEFINED"
