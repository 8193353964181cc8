"""`check` against the local emulator: every probe passes on a readable dataset; what cannot be read
is named. (Denied permissions are checked against fakes: ../unit_tests/test_bigquery_check.py.)"""

from __future__ import annotations

import pytest
from airbyte_cdk.models import FailureType, Status
from bigquery_harness import Connector, emulator_config

from sandbox.bigquery.emulator import BigQueryEmulator

pytestmark = pytest.mark.emulator


def test_a_readable_dataset_passes(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    output = connector.check(emulator_config(bigquery_emulator, dataset))

    assert output.connection_status.status == Status.SUCCEEDED
    assert output.failure is None


def test_several_datasets_are_each_checked(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    output = connector.check(emulator_config(bigquery_emulator, dataset, datasets=["missing_one"]))

    assert output.connection_status.status == Status.FAILED
    assert output.connection_status.message.startswith(
        "dataset `sandbox.missing_one` was not found (Not found: Dataset sandbox:missing_one"
    )
    (error,) = output.errors()
    assert error.failure_type == FailureType.config_error


def test_an_unreachable_storage_api_fails_the_check_as_transient(
    connector: Connector, bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    config = emulator_config(bigquery_emulator, dataset, storage_api_endpoint="http://127.0.0.1:9")

    output = connector.check(config)

    assert output.failure is not None
    assert [error.failure_type for error in output.errors()][-1] == FailureType.transient_error
