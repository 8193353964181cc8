"""Fakes for the BigQuery unit tests: Google's token endpoint and the few BigQuery REST answers the
emulator cannot give (denials, errors, byte estimates). Tests against the emulator itself live in
../integration_tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sandbox.bigquery.fake_api import FakeBigQuery, FakeStorageRead
from sandbox.fake_server import FakeServer
from sandbox.google_tokens import GoogleTokenEndpoint
from source_bigquery.auth import BIGQUERY_SCOPE

PROJECT = "sandbox"
ORDERS_SCHEMA = [
    {"name": "id", "type": "INTEGER", "mode": "REQUIRED"},
    {"name": "total", "type": "NUMERIC", "mode": "NULLABLE"},
]


@pytest.fixture
def google_tokens(fake_server: Callable[..., FakeServer]) -> GoogleTokenEndpoint:
    """Google's token endpoint, verifying service-account JWTs for the BigQuery scope."""
    return GoogleTokenEndpoint(fake_server("fake-google-oauth"), BIGQUERY_SCOPE)


@pytest.fixture
def fake_bigquery(fake_server: Callable[..., FakeServer]) -> FakeBigQuery:
    """A BigQuery REST API with one dataset `shop` holding `orders`; no credentials required."""
    return fake_server(FakeBigQuery, project=PROJECT, tables={"shop": {"orders": ORDERS_SCHEMA}})


@pytest.fixture
def storage_read() -> Iterator[Callable[..., FakeStorageRead]]:
    """`storage_read(status, message)` starts a Storage Read API that answers CreateReadSession so."""
    started: list[FakeStorageRead] = []

    def start(*args: Any, **kwargs: Any) -> FakeStorageRead:
        started.append(FakeStorageRead(*args, **kwargs).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()
