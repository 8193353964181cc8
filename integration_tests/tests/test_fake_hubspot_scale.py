"""A million-contact fake HubSpot starts fast, stays small, and answers incremental searches quickly.

The bounds are generous sanity limits (twice the design targets of 3 s and 200 MB), not
benchmarks, so a busy machine does not make the test flaky.
"""

from __future__ import annotations

import resource
import time

from fake_hubspot_client import HubSpotApi

from sandbox.hubspot import FakeHubSpot, HubSpotScenario


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_million_contacts_start_fast_and_answer_a_window_search() -> None:
    peak_before = peak_rss_mb()
    started = time.perf_counter()
    server = FakeHubSpot(HubSpotScenario(contacts=1_000_000, shared_timestamp_contacts=12_000))
    startup_seconds = time.perf_counter() - started
    grown_mb = peak_rss_mb() - peak_before

    with server:
        api = HubSpotApi(server)
        body = {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "lastmodifieddate",
                            "operator": "GTE",
                            "value": "2025-01-01T00:00:00Z",
                        }
                    ]
                }
            ],
            "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
            "limit": 200,
            "after": "9800",
        }
        searched = time.perf_counter()
        answer = api.post("/crm/v3/objects/contacts/search", body)
        search_seconds = time.perf_counter() - searched
        tail = {
            "filterGroups": [
                {"filters": [{"propertyName": "hs_object_id", "operator": "GT", "value": "2999000"}]}
            ],
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        }
        last = api.post("/crm/v3/objects/contacts/search", tail).json()

    assert answer.status_code == 200
    assert answer.json()["total"] > 12_000
    assert len(answer.json()["results"]) == 200
    assert int(last["results"][0]["id"]) > 2_999_000, "ids run to the millionth record"
    assert startup_seconds < 6, startup_seconds
    assert grown_mb < 400, grown_mb
    assert search_seconds < 2, search_seconds
