"""A running sandbox service per connector, with a config that points the connector at it.

`make demo` and the image tests start the same stand-ins the same way: each context manager here
starts one (a fake API or the BigQuery emulator, on 127.0.0.1) and yields a complete connector
config for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from sandbox.bigquery.emulator import BigQueryEmulator
from sandbox.bigquery.seed import DATASET, seed
from sandbox.ga4 import FakeGA4, GA4Options
from sandbox.hubspot import FakeHubSpot, HubSpotScenario

Config = dict[str, Any]


@contextmanager
def hubspot_connection(contacts: int = 5_000) -> Iterator[Config]:
    """A fake HubSpot account and a private-app config for it, experimental streams included."""
    scenario = HubSpotScenario(contacts=contacts)
    with FakeHubSpot(scenario) as fake:
        credentials = {
            "credentials_title": "Private App Credentials",
            "access_token": scenario.private_app_token,
        }
        yield {"credentials": credentials, "api_base_url": fake.url, "enable_experimental_streams": True}


@contextmanager
def google_analytics_connection(properties: int = 2, days: int = 90) -> Iterator[Config]:
    """A fake GA4 Data API with `properties` properties and a service-account config for it."""
    options = GA4Options(property_ids=tuple(str(111_111_111 * (n + 1)) for n in range(properties)), days=days)
    with FakeGA4(options) as fake:
        key = fake.new_service_account("sandbox")
        yield {
            "credentials": {"auth_type": "Service", "credentials_json": json.dumps(key.info)},
            "property_ids": list(options.property_ids),
            "date_ranges_start_date": (date.today() - timedelta(days=days - 1)).isoformat(),
            "api_endpoint": fake.url,
        }


@contextmanager
def bigquery_connection(big_table_rows: int = 100_000) -> Iterator[Config]:
    """The BigQuery emulator, seeded (every type, partitions, shards, a view, a big table)."""
    with BigQueryEmulator() as emulator:
        seed(emulator.client(), DATASET, big_table_rows=big_table_rows)
        yield {
            "project_id": emulator.project,
            "dataset_id": DATASET,
            "api_endpoint": emulator.rest_url,
            "storage_api_endpoint": f"http://{emulator.grpc_target}",
        }
