"""The CDK's standard source tests, with the scenarios of `acceptance-test-config.yml` run against the
local BigQuery emulator.

The standard suite collects its scenarios (the configs) before any fixture runs, so the emulator
is started and seeded when this module is imported, and stopped when the session ends. Each
config's endpoints (the sandbox's fixed 127.0.0.1:9050 and :9060) are pointed at it. The Docker
image tests of the suite build with buildx, which this machine lacks: images are tested by
docker/tests instead.
"""

from __future__ import annotations

import atexit
import json
from typing import Any

import pytest
from airbyte_cdk.test.models import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from airbyte_cdk.test.standard_tests.pytest_hooks import pytest_generate_tests  # noqa: F401 - the scenarios

from sandbox.bigquery import seed
from sandbox.bigquery.emulator import BigQueryEmulator
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


def on_the_emulator(config: dict[str, Any]) -> dict[str, Any]:
    """The config with the sandbox's endpoints replaced by the running emulator's."""
    text = json.dumps(config).replace(SANDBOX_REST, EMULATOR.rest_url)
    pointed: dict[str, Any] = json.loads(text.replace(SANDBOX_GRPC, f"http://{EMULATOR.grpc_target}"))
    return pointed


@pytest.mark.skipif(EMULATOR.missing_installation() is not None, reason="BigQuery emulator not installed")
class TestSourceBigquery(SourceTestSuiteBase):
    connector = SourceBigquery

    @classmethod
    def get_scenarios(cls) -> list[ConnectorTestScenario]:
        if EMULATOR.missing_installation() is not None:
            return super().get_scenarios()
        root = cls.get_connector_root_dir()
        return [
            scenario.model_copy(
                update={
                    "config_dict": on_the_emulator(
                        scenario.get_config_dict(connector_root=root, empty_if_missing=True)
                    )
                }
            )
            for scenario in super().get_scenarios()
        ]

    test_docker_image_build_and_spec = None
    test_docker_image_spec_backward_compatibility = None
    test_docker_image_build_and_check = None
    test_docker_image_build_and_config_matches_spec = None
    test_docker_image_build_and_discover = None
    test_docker_image_build_and_read = None
