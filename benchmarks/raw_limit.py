"""The raw limit: how fast RECORD messages can be written at all, beside the CDK's own read path.

Connector benchmarks are reported as a fraction of these two figures: `orjson` is the ceiling of any
Python connector (serialise in-memory records, nothing else); `cdk` is the same records pushed through
an `AbstractSource` and the CDK entrypoint, i.e. the ceiling of a connector built on the CDK.

Run a case directly: `python -m benchmarks.raw_limit orjson 100000 > /dev/null`.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

STREAM = "bench_records"


def make_records(count: int) -> Iterator[dict[str, Any]]:
    """Small, typical records: an id, a short string, a timestamp, a number and a flag."""
    for index in range(count):
        yield {
            "id": index,
            "name": f"record-{index}",
            "updated_at": "2026-11-28T12:00:00.000000Z",
            "amount": index * 0.25,
            "active": index % 2 == 0,
        }


def write_with_orjson(count: int) -> None:
    import orjson

    emitted_at = int(time.time() * 1000)
    write = sys.stdout.buffer.write
    for data in make_records(count):
        message = {"type": "RECORD", "record": {"stream": STREAM, "data": data, "emitted_at": emitted_at}}
        write(orjson.dumps(message, option=orjson.OPT_APPEND_NEWLINE))
    sys.stdout.buffer.flush()


def read_through_cdk(count: int) -> None:
    from airbyte_cdk.entrypoint import launch
    from airbyte_cdk.models import ConnectorSpecification, SyncMode
    from airbyte_cdk.sources import AbstractSource
    from airbyte_cdk.sources.streams import Stream
    from airbyte_cdk.test.catalog_builder import CatalogBuilder

    class InMemoryStream(Stream):
        name = STREAM
        primary_key = "id"

        def get_json_schema(self) -> Mapping[str, Any]:
            return {"type": "object", "properties": {}}

        def read_records(self, *args: Any, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
            return make_records(count)

    class InMemorySource(AbstractSource):
        def spec(self, logger: Any) -> ConnectorSpecification:
            return ConnectorSpecification(connectionSpecification={"type": "object"})

        def check_connection(self, logger: Any, config: Mapping[str, Any]) -> tuple[bool, Any]:
            return True, None

        def streams(self, config: Mapping[str, Any]) -> list[Stream]:
            return [InMemoryStream()]

    catalog = CatalogBuilder().with_stream(STREAM, SyncMode.full_refresh).build()
    with tempfile.TemporaryDirectory() as folder:
        config_path, catalog_path = Path(folder, "config.json"), Path(folder, "catalog.json")
        config_path.write_text("{}")
        catalog_path.write_text(json.dumps(catalog_as_dict(catalog)))
        launch(InMemorySource(), ["read", "--config", str(config_path), "--catalog", str(catalog_path)])


def catalog_as_dict(catalog: Any) -> Any:
    from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer

    return ConfiguredAirbyteCatalogSerializer.dump(catalog)


CASES = {"orjson": write_with_orjson, "cdk": read_through_cdk}

if __name__ == "__main__":
    case, count = sys.argv[1], int(sys.argv[2])
    CASES[case](count)
