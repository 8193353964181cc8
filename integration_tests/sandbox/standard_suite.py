"""The CDK's standard source tests, run with the scenarios of a connector's `acceptance-test-config.yml`
against a local stand-in (a fake API on 127.0.0.1).

The standard suite collects its scenarios before any fixture runs, so a connector's test module
starts its stand-in when it is imported (and stops it at exit), then subclasses
`SandboxSourceTestSuite` saying, in `on_the_sandbox`, how a checked-in config is pointed at it.
Checked-in configs name the sandbox by fixed placeholders (an address, a token) that
`replace_in_config` swaps for the running stand-in's.

The suite also runs the check of the `incremental` section that the standard tests leave out:
a read from its `future_state` (a state beyond every record) emits no record. Its Docker image
tests build with buildx, which this machine lacks: images are tested by docker/tests instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteStateMessageSerializer, ConfiguredAirbyteCatalogSerializer, SyncMode
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.models import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase

Config = dict[str, Any]


def replace_in_config(config: Config, replacements: Mapping[str, str]) -> Config:
    """The config with every occurrence of each placeholder, in any value, replaced."""
    text = json.dumps(config)
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    replaced: Config = json.loads(text)
    return replaced


class SandboxSourceTestSuite(SourceTestSuiteBase):
    """A `SourceTestSuiteBase` whose scenarios run against a stand-in; see the module docstring."""

    @classmethod
    def on_the_sandbox(cls, config: Config) -> Config:
        """The checked-in config pointed at the running stand-in."""
        raise NotImplementedError(f"{cls.__name__} must say how a config reaches its stand-in")

    @classmethod
    def get_scenarios(cls) -> list[ConnectorTestScenario]:
        root = cls.get_connector_root_dir()
        return [
            scenario.model_copy(
                update={
                    "config_dict": cls.on_the_sandbox(
                        scenario.get_config_dict(connector_root=root, empty_if_missing=True)
                    )
                }
            )
            for scenario in super().get_scenarios()
        ]

    def test_read_with_future_state_emits_no_record(self) -> None:
        """Each `incremental` entry with a `future_state`: read the incremental streams of its catalog
        from that state, as the Connector Acceptance Tests did."""
        root = self.get_connector_root_dir()
        entries = [
            entry
            for entry in self.acceptance_test_config["acceptance_tests"]
            .get("incremental", {})
            .get("tests", [])
            if "future_state" in entry
        ]
        if not entries:
            pytest.skip("acceptance-test-config.yml has no `incremental` entry with a `future_state`")
        for entry in entries:
            config = self.on_the_sandbox(_json(root, entry["config_path"]))
            catalog = ConfiguredAirbyteCatalogSerializer.load(_json(root, entry["configured_catalog_path"]))
            catalog.streams = [
                stream for stream in catalog.streams if stream.sync_mode == SyncMode.incremental
            ]
            state_path = entry["future_state"]["future_state_path"]
            state = [AirbyteStateMessageSerializer.load(message) for message in _json(root, state_path)]

            output = read(self.create_connector(None), config, catalog, state)

            assert not output.errors, f"the read from {state_path} failed: {output.errors}"
            assert output.records == [], f"the read from {state_path} emitted records"

    test_docker_image_build_and_spec = None
    test_docker_image_spec_backward_compatibility = None
    test_docker_image_build_and_check = None
    test_docker_image_build_and_config_matches_spec = None
    test_docker_image_build_and_discover = None
    test_docker_image_build_and_read = None


def _json(root: Path, relative_path: str) -> Any:
    return json.loads((root / relative_path).read_text())
