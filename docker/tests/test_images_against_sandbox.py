"""Each connector's image runs check, discover and read against its local stand-in.

The container shares the host's network (`--network=host`) to reach the sandbox service (a fake
API or the BigQuery emulator) on 127.0.0.1, as a user's `docker run` reaches a private endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from airbyte_cdk.models import Type
from connector_images import ConnectorImage

from sandbox.connections import bigquery_connection, google_analytics_connection, hubspot_connection
from sandbox.connector_run import ContainerConnector, demo_connector, full_catalog, run_connector

Connection = Callable[[], AbstractContextManager[dict[str, Any]]]

SANDBOXES: dict[str, Connection] = {
    "source-hubspot": lambda: hubspot_connection(contacts=500),
    "source-google-analytics-data-api": lambda: google_analytics_connection(properties=1, days=30),
    "source-bigquery": lambda: bigquery_connection(big_table_rows=10_000),
}

pytestmark = [pytest.mark.docker, pytest.mark.timeout(1800)]


@pytest.mark.parametrize("connector", sorted(SANDBOXES))
def test_check_discover_and_read_every_stream_in_the_image(
    built_images: dict[str, ConnectorImage], connector: str
) -> None:
    launcher = ContainerConnector(connector, image=built_images[connector].tag)
    with SANDBOXES[connector]() as config:
        summary = demo_connector(launcher, config)  # raises when check, discover or read fails

    assert " records in " in summary


@pytest.mark.parametrize("connector", sorted(SANDBOXES))
def test_a_read_with_a_bad_catalog_is_a_config_error_naming_the_field(
    built_images: dict[str, ConnectorImage], connector: str
) -> None:
    launcher = ContainerConnector(connector, image=built_images[connector].tag)
    with SANDBOXES[connector]() as config:
        catalog = full_catalog(run_connector(launcher, "discover", config=config))
        catalog["streams"][0]["sync_mode"] = "sometimes"
        read = run_connector(launcher, "read", config=config, catalog=catalog)

    errors = read.errors()
    assert read.exit_code != 0
    assert [error.failure_type.value for error in errors] == ["config_error"]
    assert "streams/0/sync_mode" in errors[0].message
    assert not read.of_type(Type.RECORD)
