"""pytest fixtures for the sandbox; the root conftest.py registers this plugin."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar, overload

import pytest

from sandbox.fake_server import FakeServer

_Server = TypeVar("_Server", bound=FakeServer)


class FakeServerFactory:
    """`fake_server("name")` starts a plain FakeServer; `fake_server(FakeHubSpot, **kwargs)` a fake API."""

    def __init__(self) -> None:
        self.started: list[FakeServer] = []

    @overload
    def __call__(self, server: str = ..., /, **kwargs: Any) -> FakeServer: ...

    @overload
    def __call__(self, server: type[_Server], /, **kwargs: Any) -> _Server: ...

    def __call__(self, server: str | type[FakeServer] = "fake", /, **kwargs: Any) -> FakeServer:
        instance = FakeServer(server, **kwargs) if isinstance(server, str) else server(**kwargs)
        self.started.append(instance.start())
        return instance

    def stop_all(self) -> None:
        """Stop every server, then fail if a handler raised.

        A broken fake answers 500, which a connector may silently retry, so the bug would
        otherwise hide. Tests of that 500 path use FakeServer directly.
        """
        for server in self.started:
            server.stop()
        errors = [f"{server.name}:\n{error}" for server in self.started for error in server.handler_errors]
        if errors:
            raise AssertionError("a fake server handler raised:\n" + "\n".join(errors))


@pytest.fixture
def fake_server() -> Iterator[FakeServerFactory]:
    """Starts fake servers on demand; teardown stops them and fails the test if a handler raised."""
    factory = FakeServerFactory()
    yield factory
    factory.stop_all()


@pytest.fixture
def fake_hubspot(fake_server: FakeServerFactory) -> Any:
    """`fake_hubspot(HubSpotScenario(contacts=25_000), clock=...)` starts a FakeHubSpot account."""
    from sandbox.hubspot import FakeHubSpot, HubSpotScenario  # here: only HubSpot tests pay for the import

    def start(scenario: HubSpotScenario | None = None, **kwargs: Any) -> FakeHubSpot:
        return fake_server(FakeHubSpot, scenario=scenario, **kwargs)

    return start


@pytest.fixture
def fake_ga4(fake_server: FakeServerFactory) -> Any:
    """A started fake GA4 Data API with default options (`sandbox.ga4.FakeGA4`).

    For other options or a fake clock: `fake_server(FakeGA4, options=GA4Options(...), clock=...)`.
    """
    from sandbox.ga4 import FakeGA4  # imported here so suites without GA4 tests do not load it

    return fake_server(FakeGA4)


@pytest.fixture(scope="session")
def bigquery_emulator() -> Iterator[Any]:
    """One local BigQuery (`sandbox.bigquery.emulator.BigQueryEmulator`, project "sandbox") per session.

    Starting it costs about two seconds, so test modules share it, each seeding a dataset of its own
    (`sandbox.bigquery.seed.seed(client, dataset_id)`). When the emulator is not installed, the tests
    are skipped with a warning that says how to install it.
    """
    import warnings

    from sandbox.bigquery.emulator import BigQueryEmulator  # here: only BigQuery tests pay for the import

    emulator = BigQueryEmulator()
    if reason := emulator.missing_installation():
        warnings.warn(f"BigQuery emulator tests SKIPPED: {reason}", stacklevel=1)
        pytest.skip(f"BigQuery emulator not installed: {reason}")
    with emulator:
        yield emulator
