"""pytest plugin: every message a test captures through the CDK's test wrapper must be valid.

`airbyte_cdk.test.entrypoint_wrapper` reads a connector's output leniently: a line that is not
a valid Airbyte message becomes a LOG message, so a broken message would pass every assertion.
For the whole test session this plugin makes that wrapper read through `sandbox.protocol`
instead, so an invalid line fails the test that produced it.

It also keeps one test's logging level from leaking into the next: the wrapper's `discover`
always passes `--debug`, and the CDK then leaves its "airbyte" logger at DEBUG for the rest of
the process, so later tests of other connectors would print the CDK's debug lines (which are not
protocol messages) where a real run prints none.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput

from sandbox.protocol import parse_message


@pytest.hookimpl
def pytest_configure(config: pytest.Config) -> None:
    EntrypointOutput._parse_message = staticmethod(parse_message)  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _restore_logger_levels() -> Iterator[None]:
    """Put every logger's level back as it was before the test."""
    loggers = [logging.getLogger(), *map(logging.getLogger, list(logging.Logger.manager.loggerDict))]
    levels = {logger: logger.level for logger in loggers}
    yield
    for logger, level in levels.items():
        logger.setLevel(level)
