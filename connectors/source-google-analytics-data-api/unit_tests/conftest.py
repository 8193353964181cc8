"""The `ga4_sandbox` fixture: a fake GA4 Data API plus the means to run the source on it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ga4_harness import SMALL_PROPERTIES, Ga4Sandbox

from sandbox.ga4 import FakeGA4, GA4Options
from sandbox.pytest_plugin import FakeServerFactory
from sandbox.virtual_clock import VirtualClock


@pytest.fixture
def ga4_sandbox(fake_server: FakeServerFactory, tmp_path: Path) -> Callable[..., Ga4Sandbox]:
    """`ga4_sandbox(GA4Options(...))` starts a fake GA4 (two small properties by default)."""

    def start(options: GA4Options = SMALL_PROPERTIES, **sandbox_options: Any) -> Ga4Sandbox:
        clock = VirtualClock(time.time())  # google-auth stamps its JWTs with the real time
        fake = fake_server(FakeGA4, options=options, clock=clock)
        return Ga4Sandbox(fake, clock, tmp_path, **sandbox_options)

    return start
