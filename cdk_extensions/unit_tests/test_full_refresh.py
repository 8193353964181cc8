"""FullRefreshStream: a stream read whole, through the CDK's own read, whatever the catalog asks."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from airbyte_cdk.models import AirbyteStreamStatus, ConnectorSpecification, SyncMode
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read

from cdk_extensions.full_refresh import FullRefreshStream

TEAMS = [{"id": "1", "name": "Sales"}, {"id": "2", "name": "Support"}]


class Teams(FullRefreshStream):
    primary_key = "id"

    def get_json_schema(self) -> Mapping[str, Any]:
        return {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}

    def records(self) -> Iterable[Mapping[str, Any]]:
        return iter(TEAMS)


class TeamsSource(AbstractSource):
    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(connectionSpecification={"type": "object"})

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        return [Teams()]


def test_a_full_refresh_read_emits_every_record_and_completes() -> None:
    catalog = CatalogBuilder().with_stream("teams", SyncMode.full_refresh).build()
    output = read(TeamsSource(), {}, catalog)

    assert [message.record.data for message in output.records] == TEAMS
    assert output.get_stream_statuses("teams")[-1] == AirbyteStreamStatus.COMPLETE
    assert output.errors == []


def test_it_offers_full_refresh_only() -> None:
    stream = Teams().as_airbyte_stream()
    assert stream.supported_sync_modes == [SyncMode.full_refresh]
    assert stream.name == "teams"
