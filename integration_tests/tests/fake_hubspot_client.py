"""What the fake-HubSpot tests drive the fake with: a plain `requests` client and a hand-moved clock."""

from __future__ import annotations

from typing import Any

import requests

from sandbox.hubspot import FakeHubSpot

# 2025-03-10 19:00:00 UTC = 15:00 in the default account time zone (America/New_York, EDT).
TEST_START = 1_741_633_200.0


class HubSpotApi:
    """A client as a connector's HTTP layer would be: one keep-alive session, bearer auth."""

    def __init__(self, server: FakeHubSpot, token: str | None = None) -> None:
        self.base = server.url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token or server.scenario.private_app_token}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(f"{self.base}{path}", params=params, timeout=30)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.session.post(f"{self.base}{path}", json=body, timeout=30)

    def list_all(self, object_type: str, **params: Any) -> list[dict[str, Any]]:
        """Every record of a list endpoint, following `paging.next.after` to the end."""
        records: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            page = self.get(f"/crm/v3/objects/{object_type}", **params, **({"after": after} if after else {}))
            assert page.status_code == 200, page.text
            records += page.json()["results"]
            after = page.json().get("paging", {}).get("next", {}).get("after")
            if after is None:
                return records

    def search_all(self, object_type: str, body: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
        """(total, every result) of a search, paging with `after` offsets."""
        results: list[dict[str, Any]] = []
        after = "0"
        while True:
            page = self.post(f"/crm/v3/objects/{object_type}/search", {**body, "after": after})
            assert page.status_code == 200, page.text
            results += page.json()["results"]
            after = page.json().get("paging", {}).get("next", {}).get("after")
            if after is None:
                return page.json()["total"], results
