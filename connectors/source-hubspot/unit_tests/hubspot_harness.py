"""Runs the HubSpot source as the platform does (the masking entrypoint, files for config, catalog
and state) against a FakeHubSpot on 127.0.0.1, and reads its stdout strictly: every line must be
a valid Airbyte message, CONTROL and RATE_LIMITED lines printed outside the message flow included.

The fake and the connector share a `VirtualClock`: the connector's rate budget "sleeps" by
moving it forward, so pacing at HubSpot's 5 searches per second stays exact (the fake counts
on the same clock) and costs no real time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
from airbyte_cdk.exception_handler import assemble_uncaught_exception
from airbyte_cdk.models import (
    AirbyteMessageSerializer,
    AirbyteStateMessage,
    AirbyteStateMessageSerializer,
    ConfiguredAirbyteCatalogSerializer,
    SyncMode,
)
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.state_builder import StateBuilder

from cdk_extensions.backoff import BackoffPolicy
from cdk_extensions.secrets import launch
from sandbox.hubspot import FakeHubSpot, HubSpotScenario
from sandbox.protocol import ConnectorOutput, parse_messages
from sandbox.virtual_clock import VirtualClock
from source_hubspot.source import SourceHubspot
from source_hubspot.streams.crm_object import ReadSettings

SMALL_ACCOUNT = HubSpotScenario(contacts=100, owners=3)
MINUTES_BETWEEN_RUNS = 5
# 2025-07-01 19:00 UTC, 15:00 in the fake account's time zone: after the fake's last change and
# far from the midnight when its daily limit resets.
TEST_START = 1_751_396_400.0
# Retries wait a few milliseconds (the CDK adds its own second to each, see cdk_extensions.http_retry).
FAST_RETRIES = BackoffPolicy(base_seconds=0.01, max_wait_seconds=0.05, max_attempts=6, random=lambda: 0.5)


@dataclass(frozen=True)
class Output(ConnectorOutput):
    """A command's messages, parsed strictly, and the exception it ended with (if any)."""

    failure: BaseException | None = None

    def record_ids(self, stream: str) -> list[str]:
        return [record["id"] for record in self.records(stream)]

    def retries(self) -> list[str]:
        """The retry lines (`cdk_extensions.backoff.log_retry`): none in a run HubSpot never refused."""
        return [message for message in self.logs() if message.startswith("Retry ")]


@dataclass
class HubSpotSandbox:
    """A fake HubSpot account and the means to run the source against it."""

    fake: FakeHubSpot
    clock: VirtualClock
    capfd: pytest.CaptureFixture[str]
    workdir: Path
    settings: ReadSettings = field(default_factory=ReadSettings)
    runs: int = 0

    def private_app_config(self, **options: Any) -> dict[str, Any]:
        credentials = {
            "credentials_title": "Private App Credentials",
            "access_token": self.fake.scenario.private_app_token,
        }
        return {"credentials": credentials, "api_base_url": self.fake.url, **options}

    def oauth_config(self, **options: Any) -> dict[str, Any]:
        scenario = self.fake.scenario
        credentials = {
            "credentials_title": "OAuth Credentials",
            "client_id": scenario.client_id,
            "client_secret": scenario.client_secret,
            "refresh_token": scenario.refresh_token,
        }
        return {"credentials": credentials, "api_base_url": self.fake.url, **options}

    def source(self, settings: ReadSettings | None = None) -> SourceHubspot:
        return SourceHubspot(
            clock=self.clock,
            sleep=self.clock.sleep,
            wall_clock=self.clock,
            backoff=FAST_RETRIES,
            settings=settings or self.settings,
        )

    def check(self, config: Mapping[str, Any]) -> Output:
        return self.run(["check", "--config", self._file("config", config)])

    def discover(self, config: Mapping[str, Any]) -> Output:
        return self.run(["discover", "--config", self._file("config", config)])

    def read(
        self,
        config: Mapping[str, Any],
        streams: Mapping[str, SyncMode],
        state: Iterable[AirbyteStateMessage] | None = None,
        settings: ReadSettings | None = None,
    ) -> Output:
        builder = CatalogBuilder()
        for name, mode in streams.items():
            builder.with_stream(name, mode)
        catalog = ConfiguredAirbyteCatalogSerializer.dump(builder.build())
        args = ["read", "--config", self._file("config", config), "--catalog", self._file("catalog", catalog)]
        if state is not None:
            states = [AirbyteStateMessageSerializer.dump(message) for message in state]
            args += ["--state", self._file("state", states)]
        return self.run(args, settings)

    def run(self, args: list[str], settings: ReadSettings | None = None) -> Output:
        # Commands run minutes apart, as syncs do: each starts with HubSpot's rate windows clear.
        self.clock.advance(MINUTES_BETWEEN_RUNS * 60)
        self.capfd.readouterr()  # drop what earlier steps printed
        failure: BaseException | None = None
        try:
            launch(self.source(settings), args)
        except Exception as error:  # a failed read raises after its messages, as in production
            failure = error
        lines = self.capfd.readouterr().out.splitlines()
        if failure is not None:  # what the uncaught-exception hook would print
            trace = assemble_uncaught_exception(type(failure), failure).as_airbyte_message()
            lines.append(orjson.dumps(AirbyteMessageSerializer.dump(trace)).decode())
        return Output(parse_messages(lines), failure)

    def _file(self, kind: str, content: Any) -> str:
        self.runs += 1
        path = self.workdir / f"{kind}-{self.runs}.json"
        path.write_bytes(orjson.dumps(content))
        return str(path)


def resume_state(stream: str, state: Mapping[str, Any]) -> list[AirbyteStateMessage]:
    return StateBuilder().with_stream_state(stream, dict(state)).build()


def start_sandbox(
    fake_hubspot: Any, capfd: pytest.CaptureFixture[str], workdir: Path, scenario: HubSpotScenario
) -> HubSpotSandbox:
    clock = VirtualClock(TEST_START)
    return HubSpotSandbox(fake_hubspot(scenario, clock=clock), clock, capfd, workdir)
