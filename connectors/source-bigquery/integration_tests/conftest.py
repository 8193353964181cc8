"""The BigQuery source against the local emulator: one seeded dataset per test module (seeding takes
about a second), shared read-only by the module's tests."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from bigquery_harness import Connector

from sandbox.bigquery import seed
from sandbox.bigquery.emulator import BigQueryEmulator


@pytest.fixture(scope="module")
def dataset(bigquery_emulator: BigQueryEmulator) -> str:
    """A dataset seeded with every table shape of sandbox.bigquery.seed; do not change it."""
    dataset_id = f"seeded_{uuid.uuid4().hex[:12]}"
    seed.seed(bigquery_emulator.client(), dataset_id)
    return dataset_id


@pytest.fixture
def connector(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> Connector:
    return Connector(capfd, tmp_path)
