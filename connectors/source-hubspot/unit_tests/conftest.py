"""The `hubspot_sandbox` fixture: a fake HubSpot account plus the means to run the source on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from airbyte_cdk.sources.streams.http import rate_limiting
from hubspot_harness import SMALL_ACCOUNT, HubSpotSandbox, start_sandbox

from sandbox.hubspot import HubSpotScenario


@pytest.fixture
def hubspot_sandbox(
    fake_hubspot: Any, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> Callable[..., HubSpotSandbox]:
    """`hubspot_sandbox(HubSpotScenario(...))` starts an account (a small one by default)."""

    def start(scenario: HubSpotScenario = SMALL_ACCOUNT) -> HubSpotSandbox:
        return start_sandbox(fake_hubspot, capfd, tmp_path, scenario)

    return start


@pytest.fixture
def cdk_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the CDK sleeps between tries, recorded instead of slept.

    The CDK sleeps each retry's wait plus one second with `time.sleep` (its `rate_limiting`
    module); tests with many retries record them here instead of spending real seconds.
    """
    slept: list[float] = []
    monkeypatch.setattr(rate_limiting, "time", SimpleNamespace(sleep=slept.append))
    return slept
