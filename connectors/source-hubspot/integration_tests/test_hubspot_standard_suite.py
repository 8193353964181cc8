"""The CDK's standard source tests, with the scenarios of `acceptance-test-config.yml` run against
a FakeHubSpot on 127.0.0.1 (see `sandbox.standard_suite`).

The fake starts when this module is imported, since the suite collects its scenarios before any
fixture runs. It is a small account on HubSpot's "API limit increase" tier (250 requests per
10 s): the suite's ~200 requests then need no pause (pacing is tested in unit_tests).
"""

from __future__ import annotations

import atexit

from airbyte_cdk.test.standard_tests.pytest_hooks import pytest_generate_tests  # noqa: F401 - the scenarios

from sandbox.hubspot import FakeHubSpot, HubSpotScenario
from sandbox.standard_suite import Config, SandboxSourceTestSuite, replace_in_config
from source_hubspot.source import SourceHubspot

SANDBOX_URL = "http://127.0.0.1:8380"  # what the checked-in configs name
PLACEHOLDER_TOKEN = "sandbox-private-app-token"

ACCOUNT = HubSpotScenario(contacts=100, burst_limit=250)
FAKE = FakeHubSpot(ACCOUNT).start()
atexit.register(FAKE.stop)


class TestSourceHubspot(SandboxSourceTestSuite):
    connector = SourceHubspot

    @classmethod
    def on_the_sandbox(cls, config: Config) -> Config:
        return replace_in_config(
            config, {SANDBOX_URL: FAKE.url, PLACEHOLDER_TOKEN: ACCOUNT.private_app_token}
        )
