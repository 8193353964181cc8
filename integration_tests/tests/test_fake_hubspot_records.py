"""The fake HubSpot's record endpoints (list, read, batch read), metadata and data changes."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
import requests
from fake_hubspot_client import HubSpotApi

from sandbox.hubspot import HubSpotScenario
from sandbox.hubspot.timestamps import iso


@pytest.fixture
def api(fake_hubspot: Any) -> HubSpotApi:
    return HubSpotApi(fake_hubspot(HubSpotScenario(contacts=1_000)))


def test_list_paging_visits_every_live_record_exactly_once(api: HubSpotApi) -> None:
    records = api.list_all("contacts", limit=100, properties="email,jobtitle")

    ids = [int(record["id"]) for record in records]
    assert len(ids) == len(set(ids)) == 990  # 1% of the 1,000 contacts are archived
    assert ids == sorted(ids)
    for record in records:
        properties = record["properties"]
        assert set(properties) == {"email", "jobtitle", "createdate", "lastmodifieddate", "hs_object_id"}
        assert properties["hs_object_id"] == record["id"]
        assert record["updatedAt"] == properties["lastmodifieddate"]
        assert record["createdAt"] == properties["createdate"]
        assert record["archived"] is False
    assert any(record["properties"]["jobtitle"] is None for record in records), "unset properties are null"


def test_list_cursor_is_opaque_and_the_paging_link_works(api: HubSpotApi) -> None:
    first = api.get("/crm/v3/objects/contacts", limit=3).json()
    after = first["paging"]["next"]["after"]
    with pytest.raises(ValueError):
        int(after)

    following = api.session.get(first["paging"]["next"]["link"], timeout=10).json()
    assert int(following["results"][0]["id"]) > int(first["results"][-1]["id"])
    assert api.get("/crm/v3/objects/contacts", after="not-a-cursor").status_code == 400


def test_default_properties_and_unknown_names_are_ignored(api: HubSpotApi) -> None:
    default = api.get("/crm/v3/objects/contacts", limit=1).json()["results"][0]["properties"]
    asked = api.get("/crm/v3/objects/contacts", limit=1, properties="firstname,no_such_property").json()

    assert set(default) == {
        "firstname",
        "lastname",
        "email",
        "createdate",
        "lastmodifieddate",
        "hs_object_id",
    }
    assert set(asked["results"][0]["properties"]) == {
        "firstname",
        "createdate",
        "lastmodifieddate",
        "hs_object_id",
    }


def test_archived_records_are_listed_only_when_asked_for(fake_hubspot: Any) -> None:
    server = fake_hubspot(HubSpotScenario(contacts=200, archived_share=0.05))
    api = HubSpotApi(server)
    live_before = {record["id"] for record in api.list_all("deals", limit=100)}
    deleted = sorted(live_before)[0]

    server.archive("deals", [deleted], at_ms=1_750_000_000_000)

    live = {record["id"] for record in api.list_all("deals", limit=100)}
    archived = api.list_all("deals", archived="true", limit=100)
    assert live == live_before - {deleted}
    assert deleted in {record["id"] for record in archived}
    assert all(record["archived"] is True and record["archivedAt"] for record in archived)
    assert api.get(f"/crm/v3/objects/deals/{deleted}").status_code == 404
    assert (
        api.get(f"/crm/v3/objects/deals/{deleted}", archived="true").json()["archivedAt"]
        == "2025-06-15T15:06:40.000Z"
    )


def test_properties_with_history_pages_hold_at_most_50_records(api: HubSpotApi) -> None:
    page = api.get("/crm/v3/objects/contacts", limit=100, propertiesWithHistory="email,lifecyclestage").json()

    assert len(page["results"]) == 50
    for record in page["results"]:
        history = record["propertiesWithHistory"]
        assert set(history) == {"email", "lifecyclestage"}
        for versions in history.values():
            timestamps = [version["timestamp"] for version in versions]
            assert timestamps == sorted(timestamps, reverse=True), "newest first"
            assert all(version["sourceType"] and "value" in version for version in versions)
        if history["email"]:
            assert history["email"][0]["value"] == record["properties"]["email"]


def test_touched_records_get_a_new_last_modified_date_and_history(fake_hubspot: Any) -> None:
    server = fake_hubspot(HubSpotScenario(contacts=300, archived_share=0))
    api = HubSpotApi(server)
    ids = [str(server.store("contacts").id_of(index)) for index in (3, 30, 300 - 1)]
    before = api.get(f"/crm/v3/objects/contacts/{ids[0]}", propertiesWithHistory="lifecyclestage").json()

    at_ms = server.touch("contacts", ids)

    after = api.get(f"/crm/v3/objects/contacts/{ids[0]}", propertiesWithHistory="lifecyclestage").json()
    newest = max(record["updatedAt"] for record in api.list_all("contacts", limit=100))
    assert after["updatedAt"] == newest > before["updatedAt"]
    assert after["updatedAt"] == iso(at_ms)
    if before["propertiesWithHistory"]["lifecyclestage"]:
        assert len(after["propertiesWithHistory"]["lifecyclestage"]) == 1 + len(
            before["propertiesWithHistory"]["lifecyclestage"]
        )


def test_batch_read_reports_missing_ids_with_207(api: HubSpotApi) -> None:
    answer = api.post(
        "/crm/v3/objects/contacts/batch/read",
        {"inputs": [{"id": "1001"}, {"id": "1004"}, {"id": "1002"}], "properties": ["email"]},
    )

    assert answer.status_code == 207
    body = answer.json()
    assert [record["id"] for record in body["results"]] == ["1001", "1004"]
    assert body["numErrors"] == 1
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"] == {"ids": ["1002"]}
    too_many = api.post(
        "/crm/v3/objects/contacts/batch/read", {"inputs": [{"id": str(i)} for i in range(101)]}
    )
    assert (too_many.status_code, too_many.json()["category"]) == (400, "VALIDATION_ERROR")


def test_batch_read_with_history_takes_at_most_50_ids(api: HubSpotApi) -> None:
    ids = [{"id": str(1001 + 3 * index)} for index in range(51)]
    path = "/crm/v3/objects/contacts/batch/read"

    fifty = api.post(path, {"inputs": ids[:50], "propertiesWithHistory": ["email"]})
    assert fifty.status_code in (200, 207)  # 207: some of the ids are archived contacts
    assert all(record["propertiesWithHistory"]["email"] for record in fifty.json()["results"][:3])
    too_many = api.post(path, {"inputs": ids, "propertiesWithHistory": ["email"]})
    assert (too_many.status_code, too_many.json()["category"]) == (400, "VALIDATION_ERROR")
    assert api.post(path, {"inputs": ids, "properties": ["email"]}).status_code in (200, 207)


def test_batch_read_by_a_unique_property(api: HubSpotApi) -> None:
    email = api.get("/crm/v3/objects/contacts/1007").json()["properties"]["email"]

    answer = api.post(
        "/crm/v3/objects/contacts/batch/read", {"idProperty": "email", "inputs": [{"id": email}]}
    )

    assert answer.status_code == 200
    assert [record["id"] for record in answer.json()["results"]] == ["1007"]


def test_property_metadata_describes_types_and_options(api: HubSpotApi) -> None:
    properties = {prop["name"]: prop for prop in api.get("/crm/v3/properties/contacts").json()["results"]}

    assert properties["email"]["type"] == "string"
    assert properties["lastmodifieddate"]["type"] == "datetime"
    assert properties["num_notes"]["calculated"] is True
    assert properties["hs_email_optout"]["type"] == "bool"
    assert properties["date_of_birth"]["type"] == "date"
    assert properties["mobilephone"]["type"] == "phone_number"
    lifecycle = properties["lifecyclestage"]
    assert (lifecycle["type"], lifecycle["fieldType"]) == ("enumeration", "select")
    assert "customer" in [option["value"] for option in lifecycle["options"]]
    assert {prop["type"] for prop in properties.values()} == {
        "string",
        "number",
        "date",
        "datetime",
        "enumeration",
        "bool",
        "phone_number",
    }


def test_a_wide_object_overflows_the_url_unless_properties_are_chunked(fake_hubspot: Any) -> None:
    server = fake_hubspot(HubSpotScenario(contacts=100, extra_properties={"contacts": 800}))
    api = HubSpotApi(server)
    names = [prop["name"] for prop in api.get("/crm/v3/properties/contacts").json()["results"]]
    assert len(names) > 800

    too_long = api.get("/crm/v3/objects/contacts", properties=",".join(names))
    chunks = [api.get("/crm/v3/objects/contacts", properties=",".join(names[i::5])) for i in range(5)]

    assert too_long.status_code == 414
    assert too_long.headers["Content-Type"] == "text/html"
    assert "414 Request-URI Too Large" in too_long.text
    assert [chunk.status_code for chunk in chunks] == [200] * 5
    merged = {name for chunk in chunks for name in chunk.json()["results"][0]["properties"]}
    assert merged == set(names)


def test_custom_objects_are_described_by_schemas_and_served_by_id_and_name(api: HubSpotApi) -> None:
    schemas = api.get("/crm/v3/schemas").json()["results"]

    assert [schema["name"] for schema in schemas] == ["cars"]
    cars = schemas[0]
    assert cars["objectTypeId"].startswith("2-")
    assert cars["fullyQualifiedName"] == "p4242424_cars"
    assert cars["primaryDisplayProperty"] == "model"
    assert cars["associations"][0]["toObjectTypeId"] == "0-1"
    by_id = api.get(f"/crm/v3/objects/{cars['objectTypeId']}", limit=5, properties="model").json()
    by_name = api.get(f"/crm/v3/objects/{cars['fullyQualifiedName']}", limit=5, properties="model").json()
    assert by_id["results"] == by_name["results"]
    assert all(record["properties"]["model"] for record in by_id["results"])


def test_owners_and_pipelines(api: HubSpotApi) -> None:
    owners = api.get("/crm/v3/owners", limit=15).json()
    rest = api.get("/crm/v3/owners", after=owners["paging"]["next"]["after"]).json()
    gone = api.get("/crm/v3/owners", archived="true").json()["results"]
    pipelines = api.get("/crm/v3/pipelines/deals").json()["results"]
    deal = api.get("/crm/v3/objects/deals", limit=1).json()["results"][0]["properties"]

    assert len(owners["results"]) + len(rest["results"]) == 20
    assert "paging" not in rest
    assert len(gone) == 2 and all(owner["archived"] for owner in gone)
    stages = {pipeline["id"]: [stage["id"] for stage in pipeline["stages"]] for pipeline in pipelines}
    assert deal["dealstage"] in stages[deal["pipeline"]]
    tickets = api.get("/crm/v3/pipelines/tickets").json()["results"][0]
    assert tickets["stages"][0]["metadata"] == {"ticketState": "OPEN"}


def test_unknown_object_type_is_a_validation_error(api: HubSpotApi) -> None:
    answer = api.get("/crm/v3/objects/spaceships")

    assert answer.status_code == 400
    assert answer.json()["message"] == "Unable to infer object type from: spaceships"
    assert answer.json()["category"] == "VALIDATION_ERROR"


def test_the_same_seed_generates_the_same_account(fake_hubspot: Any) -> None:
    pages = [
        HubSpotApi(fake_hubspot(HubSpotScenario(contacts=300, seed=seed))).get(
            "/crm/v3/objects/contacts", limit=50, properties="email,lifecyclestage,num_notes"
        )
        for seed in (7, 7, 8)
    ]

    same, again, other = (page.json()["results"] for page in pages)
    assert same == again
    assert same != other


def test_the_command_line_prints_url_and_credentials_then_serves() -> None:
    command = [sys.executable, "-m", "sandbox.hubspot", "--contacts", "150", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            started = json.loads(process.stdout.readline())
            answer = requests.get(
                f"{started['url']}/crm/v3/objects/contacts",
                headers={"Authorization": f"Bearer {started['private_app_token']}"},
                timeout=10,
            )
        finally:
            process.terminate()
    assert answer.status_code == 200
    assert started["private_app_token"].startswith("pat-na1-")
    assert {"client_id", "client_secret", "refresh_token"} <= set(started)
    assert process.returncode == 0


def test_the_command_line_takes_a_burst_limit_and_logs_every_request_when_verbose() -> None:
    command = [
        sys.executable,
        "-m",
        "sandbox.hubspot",
        "--contacts",
        "100",
        "--burst-limit",
        "2",
        "--verbose",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None and process.stderr is not None
            started = json.loads(process.stdout.readline())
            headers = {"Authorization": f"Bearer {started['private_app_token']}"}
            url = f"{started['url']}/crm/v3/objects/contacts"
            statuses = [requests.get(url, headers=headers, timeout=10).status_code for _ in range(3)]
        finally:
            process.terminate()
        log = process.stderr.read()
    assert statuses == [200, 200, 429]
    assert log.count('"GET /crm/v3/objects/contacts HTTP/1.1"') == 3


def test_the_command_line_answers_every_request_late_when_given_a_latency() -> None:
    command = [sys.executable, "-m", "sandbox.hubspot", "--contacts", "100", "--latency-ms", "300"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            started = json.loads(process.stdout.readline())
            headers = {"Authorization": f"Bearer {started['private_app_token']}"}
            url = f"{started['url']}/crm/v3/objects/contacts"
            answers = [requests.get(url, headers=headers, timeout=10) for _ in range(2)]
        finally:
            process.terminate()
    assert [answer.status_code for answer in answers] == [200, 200]
    assert all(answer.elapsed.total_seconds() >= 0.3 for answer in answers)
