"""Builds every connector's image once per test session, through the same script as `make images`."""

from __future__ import annotations

import subprocess
import time

import pytest
from connector_images import CONNECTORS, REPO_ROOT, ConnectorImage, image_of, skip_reason_without_engine

_summary_lines: list[str] = []


@pytest.fixture(scope="session")
def built_images() -> dict[str, ConnectorImage]:
    """Every connector's image, freshly built (the layer cache makes a rebuild of unchanged code fast)."""
    reason = skip_reason_without_engine()
    if reason:
        pytest.skip(f"!!! IMAGE TESTS SKIPPED: {reason}")
    started = time.monotonic()
    subprocess.run(["bash", str(REPO_ROOT / "docker" / "build-images.sh"), *CONNECTORS], check=True)
    _summary_lines.append(f"built {len(CONNECTORS)} image(s) in {time.monotonic() - started:.0f} s")
    images = {connector: image_of(connector) for connector in CONNECTORS}
    for image in images.values():
        _summary_lines.append(f"{image.tag:<60} {image.inspect()['Size'] / 1e6:6.0f} MB")
    return images


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Report build time and image sizes, so a size regression shows in every test run."""
    if _summary_lines:
        terminalreporter.section("connector images")
        for line in _summary_lines:
            terminalreporter.write_line(line)
