"""The CDK's standard source tests, with the scenarios of `acceptance-test-config.yml` run against the
local BigQuery emulator (see `sandbox.standard_suite`).

The emulator is started and seeded when this module is imported, since the suite collects its
scenarios before any fixture runs, and stopped when the session ends. Each config's endpoints
(the sandbox's fixed 127.0.0.1:9050 and :9060) are pointed at it.
"""

from __future__ import annotations

import atexit

import pytest
from airbyte_cdk.test.standard_tests.pytest_hooks import pytest_generate_tests  # noqa: F401 - the scenarios

from sandbox.bigquery import seed
from sandbox.bigquery.emulator import BigQueryEmulator
from sandbox.standard_suite import Config, SandboxSourceTestSuite, replace_in_config
from source_bigquery import SourceBigquery

pytestmark = pytest.mark.emulator

SANDBOX_REST, SANDBOX_GRPC = (
    "http://127.0.0.1:9050",
    "http://127.0.0.1:9060",
)  # what the checked-in configs name
DATASET = "types"  # the dataset sample_config.json reads

EMULATOR = BigQueryEmulator()
if EMULATOR.missing_installation() is None:
    EMULATOR.start()
    atexit.register(EMULATOR.stop)
    seed.seed(EMULATOR.client(), DATASET)


@pytest.mark.skipif(EMULATOR.missing_installation() is not None, reason="BigQuery emulator not installed")
class TestSourceBigquery(SandboxSourceTestSuite):
    connector = SourceBigquery

    @classmethod
    def on_the_sandbox(cls, config: Config) -> Config:
        if EMULATOR.missing_installation() is not None:  # skipped, but its scenarios are still collected
            return config
        return replace_in_config(
            config, {SANDBOX_REST: EMULATOR.rest_url, SANDBOX_GRPC: f"http://{EMULATOR.grpc_target}"}
        )
