"""Each connector's image runs check, discover and read against its local stand-in, and a second
sync from the first one's final state, as the platform chains syncs.

The container shares the host's network (`--network=host`) to reach the sandbox service (a fake
API or the BigQuery emulator) on 127.0.0.1, as a user's `docker run` reaches a private endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteStateMessageSerializer, AirbyteStreamStatus, SyncMode, Type
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


@pytest.mark.parametrize("connector", sorted(SANDBOXES))
def test_a_second_incremental_sync_resumes_from_the_first_ones_final_state(
    built_images: dict[str, ConnectorImage], connector: str
) -> None:
    launcher = ContainerConnector(connector, image=built_images[connector].tag)
    with SANDBOXES[connector]() as config:
        catalog = full_catalog(run_connector(launcher, "discover", config=config))
        catalog["streams"] = [s for s in catalog["streams"] if s["sync_mode"] == SyncMode.incremental.value]
        first = run_connector(launcher, "read", config=config, catalog=catalog)
        state = [AirbyteStateMessageSerializer.dump(message) for message in first.final_state()]
        second = run_connector(launcher, "read", config=config, catalog=catalog, state=state)

    names = [stream["stream"]["name"] for stream in catalog["streams"]]
    for run in (first, second):
        assert run.exit_code == 0 and not run.errors(), run.errors()
        assert set(run.records_per_stream()) <= set(names)
        assert {name for name in names if run.states(name)} == set(names)  # a state for every stream
        assert all(run.statuses(name)[-1] == AirbyteStreamStatus.COMPLETE for name in names)
    # The state was used: only what changed since, or the lookback, is read again.
    assert sum(first.records_per_stream().values()) > 0
    assert sum(second.records_per_stream().values()) < sum(first.records_per_stream().values())
