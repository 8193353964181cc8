"""A local BigQuery (`local-bigquery`, DuckDB inside) started as a child process for tests and the demo.

The emulator needs Python 3.13, so it lives in its own venv (built by install.sh) and runs as a
separate process; the connectors keep their Python and talk to it over REST and gRPC exactly as
they talk to BigQuery. Use it as a context manager:

    with BigQueryEmulator(project="sandbox") as emulator:
        client = emulator.client()
        read_client = emulator.read_client()
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import grpc
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from google.cloud.bigquery_storage_v1 import BigQueryReadClient
from google.cloud.bigquery_storage_v1.services.big_query_read.transports import BigQueryReadGrpcTransport

HOST = "127.0.0.1"
REPOSITORY = Path(__file__).resolve().parents[3]
DEFAULT_VENV = REPOSITORY / ".local" / "bigquery-emulator-venv"
SERVE_SCRIPT = Path(__file__).with_name("serve.py")
INSTALL_HINT = "run `make venv` (or `bash integration_tests/sandbox/bigquery/install.sh`)"


class EmulatorNotInstalled(RuntimeError):
    """The emulator's venv is missing: nothing to start."""


class EmulatorStartError(RuntimeError):
    """The emulator process exited or stayed silent instead of announcing its ports."""


class BigQueryEmulator:
    """One emulator process with an empty, throw-away catalog; stopped (and its data deleted) on exit."""

    def __init__(self, project: str = "sandbox", *, venv: Path = DEFAULT_VENV, start_timeout: float = 60.0):
        self.project = project
        self.venv = venv
        self.start_timeout = start_timeout
        self._process: subprocess.Popen[str] | None = None
        self._data_dir: Path | None = None
        self._ports: dict[str, int] = {}

    @property
    def _python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def _duckdb_home(self) -> Path:
        """HOME of the emulator process: DuckDB loads extensions from HOME/.duckdb, which install.sh fills."""
        return self.venv / "duckdb-home"

    def missing_installation(self) -> str | None:
        """Why the emulator cannot start here, or None when it is installed."""
        if not self._python.exists():
            return f"no emulator venv at {self.venv}; {INSTALL_HINT}"
        return None

    @property
    def rest_url(self) -> str:
        return f"http://{HOST}:{self._port('rest_port')}"

    @property
    def grpc_target(self) -> str:
        return f"{HOST}:{self._port('grpc_port')}"

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the emulator is not running")
        return self._process.pid

    def client(self) -> bigquery.Client:
        """An official BigQuery client aimed at the emulator, without credentials."""
        return bigquery.Client(
            project=self.project,
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=self.rest_url),
        )

    def read_client(self) -> BigQueryReadClient:
        """A Storage Read API client on a plaintext channel, no message size limit, like BigQuery's own."""
        channel = grpc.insecure_channel(self.grpc_target, options=[("grpc.max_receive_message_length", -1)])
        return BigQueryReadClient(transport=BigQueryReadGrpcTransport(channel=channel))

    def start(self) -> BigQueryEmulator:
        if self._process is not None:
            raise RuntimeError("the emulator is already running")
        if reason := self.missing_installation():
            raise EmulatorNotInstalled(reason)
        self._data_dir = Path(tempfile.mkdtemp(prefix="bigquery-emulator-"))
        with (self._data_dir / "emulator.log").open("w") as log:
            self._process = subprocess.Popen(
                [
                    str(self._python),
                    str(SERVE_SCRIPT),
                    "--project",
                    self.project,
                    "--data-dir",
                    str(self._data_dir),
                ],
                stdin=subprocess.PIPE,  # the emulator stops when this pipe closes, even if we are killed
                stdout=subprocess.PIPE,
                stderr=log,
                env={**os.environ, "HOME": str(self._duckdb_home)},
                text=True,
                start_new_session=True,  # a Ctrl-C in the terminal is ours to handle, not the emulator's
            )
        try:
            self._ports = self._wait_for_ports()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Close the emulator's stdin (its signal to stop); kill it if it lingers. Deletes its data."""
        process, self._process, self._ports = self._process, None, {}
        if process is not None:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.close()
            process.stdout.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._data_dir is not None:
            shutil.rmtree(self._data_dir, ignore_errors=True)
            self._data_dir = None

    def __enter__(self) -> BigQueryEmulator:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _port(self, name: str) -> int:
        if name not in self._ports:
            raise RuntimeError("the emulator is not running")
        return self._ports[name]

    def _wait_for_ports(self) -> dict[str, int]:
        """Read the one JSON line serve.py prints once both servers listen and the catalog is built."""
        assert self._process is not None and self._process.stdout is not None
        deadline = time.monotonic() + self.start_timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                raise EmulatorStartError(f"no answer within {self.start_timeout} s{self._log_tail()}")
        line = self._process.stdout.readline()
        if not line:
            raise EmulatorStartError(f"the emulator exited with {self._process.wait()}{self._log_tail()}")
        ports: dict[str, int] = json.loads(line)
        return ports

    def _log_tail(self, lines: int = 20) -> str:
        assert self._data_dir is not None
        log = (self._data_dir / "emulator.log").read_text(errors="replace").splitlines()
        return "; its log ends with:\n" + "\n".join(log[-lines:]) if log else " (its log is empty)"
