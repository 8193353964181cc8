"""Run a connector the way the platform does, and read what it said.

Used by `make demo` and by the image tests: the command runs in a child process (the connector's
console script, or its Docker image) with its config, catalog and state in files, every line of
its stdout is parsed strictly as an Airbyte message, and the result keeps the time it took.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airbyte_cdk.models import (
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    ConfiguredAirbyteStream,
    DestinationSyncMode,
    SyncMode,
    Type,
)

from sandbox.protocol import ConnectorOutput, parse_output


@dataclass(frozen=True)
class ConnectorRun(ConnectorOutput):
    """What one command printed, how it exited and how long it took."""

    command: str
    exit_code: int
    seconds: float


@dataclass(frozen=True)
class Launcher:
    """How to start a connector: the command line before its arguments, and where it sees files.

    `LocalConnector` runs the console script of the running venv; `ContainerConnector` runs an
    image with the inputs folder mounted read-only and the host's network (to reach a sandbox
    service on 127.0.0.1).
    """

    name: str

    def command_line(self, inputs: Path) -> list[str]:
        raise NotImplementedError

    def path_of(self, inputs: Path, file_name: str) -> str:
        return str(inputs / file_name)


@dataclass(frozen=True)
class LocalConnector(Launcher):
    def command_line(self, inputs: Path) -> list[str]:
        return [str(Path(sys.executable).parent / self.name)]


@dataclass(frozen=True)
class ContainerConnector(Launcher):
    image: str = ""
    mount_point: str = "/inputs"

    def command_line(self, inputs: Path) -> list[str]:
        inputs.chmod(0o755)  # the image runs as a non-root user
        mount = f"{inputs}:{self.mount_point}:ro"
        return ["docker", "run", "--rm", "--network=host", "--volume", mount, self.image]

    def path_of(self, inputs: Path, file_name: str) -> str:
        return f"{self.mount_point}/{file_name}"


def run_connector(
    launcher: Launcher,
    command: str,
    *,
    config: Mapping[str, Any] | None = None,
    catalog: Mapping[str, Any] | None = None,
    state: Sequence[Mapping[str, Any]] | None = None,
    timeout: float = 600,
) -> ConnectorRun:
    """Run `<connector> <command>` with the given inputs written to temporary files."""
    with tempfile.TemporaryDirectory(prefix=f"{launcher.name}-") as folder:
        inputs = Path(folder)
        arguments = [*launcher.command_line(inputs), command]
        for option, content in (("--config", config), ("--catalog", catalog), ("--state", state)):
            if content is not None:
                file_name = option.lstrip("-") + ".json"
                (inputs / file_name).write_text(json.dumps(content))
                arguments += [option, launcher.path_of(inputs, file_name)]
        started = time.perf_counter()
        finished = subprocess.run(arguments, capture_output=True, text=True, timeout=timeout, cwd=folder)
        seconds = time.perf_counter() - started
    return ConnectorRun(parse_output(finished.stdout), command, finished.returncode, seconds)


def full_catalog(discovered: ConnectorRun) -> dict[str, Any]:
    """A configured catalog selecting every discovered stream, incremental where it can be."""
    configured = []
    for stream in discovered.catalog.streams:
        incremental = SyncMode.incremental in stream.supported_sync_modes
        configured.append(
            ConfiguredAirbyteStream(
                stream=stream,
                sync_mode=SyncMode.incremental if incremental else SyncMode.full_refresh,
                destination_sync_mode=DestinationSyncMode.append_dedup
                if incremental
                else DestinationSyncMode.overwrite,
                cursor_field=stream.default_cursor_field if incremental else None,
                primary_key=stream.source_defined_primary_key,
            )
        )
    catalog = ConfiguredAirbyteCatalog(streams=configured)
    dumped: dict[str, Any] = ConfiguredAirbyteCatalogSerializer.dump(catalog)
    return dumped


def stream_seconds(run: ConnectorRun) -> dict[str, float]:
    """Seconds from each stream's STARTED status to its last status, from the messages' own times."""
    started: dict[str, float] = {}
    ended: dict[str, float] = {}
    for message in run.of_type(Type.TRACE):
        status = message.trace.stream_status if message.trace else None
        if status is None or message.trace is None:
            continue
        name = status.stream_descriptor.name
        started.setdefault(name, message.trace.emitted_at)
        ended[name] = message.trace.emitted_at
    return {name: (ended[name] - started[name]) / 1000 for name in started}


def demo_connector(launcher: Launcher, config: Mapping[str, Any]) -> str:
    """check, discover and a read of every stream; a per-stream summary, or an exception on failure."""
    check = run_connector(launcher, "check", config=config)
    statuses = [message.connectionStatus for message in check.of_type(Type.CONNECTION_STATUS)]
    if [status.status.value for status in statuses if status] != ["SUCCEEDED"]:
        raise RuntimeError(f"check did not succeed: {[status.message for status in statuses if status]}")
    discover = run_connector(launcher, "discover", config=config)
    if discover.exit_code != 0:
        raise RuntimeError(f"discover failed: {[error.message for error in discover.errors()]}")
    read = run_connector(launcher, "read", config=config, catalog=full_catalog(discover))
    errors = [error.message for error in read.errors()]
    if read.exit_code != 0 or errors:
        raise RuntimeError(f"read failed (exit {read.exit_code}): {errors}")
    records, seconds = read.records_per_stream(), stream_seconds(read)
    width = max(map(len, seconds), default=0) + 2
    lines = [
        f"check {check.seconds:.1f} s, discover {discover.seconds:.1f} s, "
        f"read {sum(records.values())} records in {read.seconds:.1f} s",
        f"      {'stream':<{width}}{'records':>10}{'seconds':>9}",
    ]
    for name in sorted(seconds):
        lines.append(f"      {name:<{width}}{records[name]:>10}{seconds[name]:>9.2f}")
    return "\n".join(lines)
