"""The `hubspot_sandbox` fixture: a fake HubSpot account plus the means to run the source on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
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
