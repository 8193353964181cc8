"""Runs the GA4 source against a FakeGA4 on 127.0.0.1 through the CDK's test entrypoint, whose
output the `sandbox.strict_output` plugin parses strictly (every line a valid Airbyte message).

The fake and the source share a `VirtualClock` that starts at the real time (google-auth stamps
its JWTs with the real time, and the fake checks them on its clock) and only moves when the
source sleeps: retries and quota pauses cost no real time, and the fake sees the time they took.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from airbyte_cdk.models import AirbyteStateMessage, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, _run_command, discover, read

from cdk_extensions.auth.token_cache import TokenCache
from cdk_extensions.backoff import BackoffPolicy
from sandbox.ga4 import FakeGA4, GA4Options
from sandbox.protocol import ConnectorOutput
from sandbox.virtual_clock import VirtualClock
from source_google_analytics_data_api import SourceGoogleAnalyticsDataApi

SMALL_PROPERTIES = GA4Options(days=60, cardinality=4)
# Retries wait milliseconds of virtual time; the jitter is pinned to half the ceiling.
FAST_RETRIES = BackoffPolicy(base_seconds=0.5, max_wait_seconds=4.0, max_attempts=4, random=lambda: 0.5)


@dataclass
class Ga4Sandbox:
    """A fake GA4 and the means to run the source against it; one token cache per test."""

    fake: FakeGA4
    clock: VirtualClock
    workdir: Path
    token_cache: TokenCache = field(default_factory=TokenCache)
    rows_per_request: int | None = None

    @property
    def today(self) -> date:
        return datetime.fromtimestamp(self.clock(), UTC).date()

    def service_account_config(self, **options: Any) -> dict[str, Any]:
        key = self.fake.new_service_account()
        credentials = {"auth_type": "Service", "credentials_json": json.dumps(key.info)}
        return self._config(credentials, options)

    def oauth_config(self, refresh_token: str | None = None, **options: Any) -> dict[str, Any]:
        client = self.fake.options.oauth_client
        credentials = {
            "auth_type": "Client",
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "refresh_token": refresh_token or self.fake.new_refresh_token(),
            "token_uri": self.fake.token_uri,
        }
        return self._config(credentials, options)

    def _config(self, credentials: Mapping[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "credentials": credentials,
            "property_ids": self.fake.property_ids,
            "api_endpoint": self.fake.url,
            "date_ranges_start_date": (self.today - timedelta(days=self.fake.options.days - 2)).isoformat(),
            **options,
        }

    def source(self) -> SourceGoogleAnalyticsDataApi:
        return SourceGoogleAnalyticsDataApi(
            clock=self.clock,
            sleep=self.clock.sleep,
            backoff=FAST_RETRIES,
            token_cache=self.token_cache,
            rows_per_request=self.rows_per_request,
        )

    def check(self, config: Mapping[str, Any]) -> ConnectorOutput:
        path = self.workdir / "check-config.json"
        path.write_text(json.dumps(config))
        return _messages(_run_command(self.source(), ["check", "--config", str(path)]))

    def discover(self, config: Mapping[str, Any]) -> ConnectorOutput:
        return _messages(discover(self.source(), config))

    def read(
        self,
        config: Mapping[str, Any],
        streams: Iterable[str] | Mapping[str, SyncMode],
        state: list[AirbyteStateMessage] | None = None,
        mode: SyncMode = SyncMode.incremental,
        expect_failure: bool = False,
    ) -> ConnectorOutput:
        """Read `streams` in `mode`, or each in the mode a mapping gives it."""
        modes = streams if isinstance(streams, Mapping) else dict.fromkeys(streams, mode)
        builder = CatalogBuilder()
        for name, stream_mode in modes.items():
            builder.with_stream(name, stream_mode)
        return _messages(
            read(self.source(), config, builder.build(), state, expecting_exception=expect_failure)
        )

    def requests_to(self, suffix: str) -> int:
        return sum(1 for request in self.fake.requests if request.path.endswith(suffix))

    def request_counts(self) -> Counter[str]:
        return Counter(
            request.path.rpartition(":")[2] if ":" in request.path else request.path
            for request in self.fake.requests
        )


def _messages(output: EntrypointOutput) -> ConnectorOutput:
    """The CDK wrapper's messages (parsed strictly: `sandbox.strict_output`), its uncaught exception too."""
    return ConnectorOutput(list(output.get_message_iterator()))


def key_of(record: Mapping[str, Any], primary_key: Iterable[str]) -> tuple[Any, ...]:
    return tuple(record[name] for name in primary_key)


def direct_report(
    fake: FakeGA4, property_id: str, dimensions: list[str], metrics: list[str], start: date, end: date
) -> dict[tuple[str, ...], list[str]]:
    """The report as the official client reads it straight from the fake: metric values (as GA4
    writes them) by dimension values."""
    from google.analytics.data_v1beta import BetaAnalyticsDataClient
    from google.oauth2 import service_account

    from sandbox.ga4 import ANALYTICS_READONLY_SCOPE

    key = fake.new_service_account("direct-reader")
    client = BetaAnalyticsDataClient(
        transport="rest",
        credentials=service_account.Credentials.from_service_account_info(
            key.info, scopes=[ANALYTICS_READONLY_SCOPE]
        ),
        client_options={"api_endpoint": fake.url},
    )
    response = client.run_report(
        {
            "property": f"properties/{property_id}",
            "dimensions": [{"name": name} for name in dimensions],
            "metrics": [{"name": name} for name in metrics],
            "date_ranges": [{"start_date": start.isoformat(), "end_date": end.isoformat()}],
            "limit": 250_000,
        }
    )
    return {
        tuple(value.value for value in row.dimension_values): [value.value for value in row.metric_values]
        for row in response.rows
    }
