"""pytest plugin: every message a test captures through the CDK's test wrapper must be valid.

`airbyte_cdk.test.entrypoint_wrapper` reads a connector's output leniently: a line that is not
a valid Airbyte message becomes a LOG message, so a broken message would pass every assertion.
For the whole test session this plugin makes that wrapper read through `sandbox.protocol`
instead, so an invalid line fails the test that produced it.
"""

from __future__ import annotations

import pytest
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput

from sandbox.protocol import parse_message


@pytest.hookimpl
def pytest_configure(config: pytest.Config) -> None:
    EntrypointOutput._parse_message = staticmethod(parse_message)  # type: ignore[method-assign]
