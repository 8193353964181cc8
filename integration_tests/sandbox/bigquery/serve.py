"""Runs INSIDE the emulator's own venv (Python 3.13, `local-bigquery`); never imported by the sandbox.

`local-bigquery serve` wants fixed ports and does not say when it is ready. This launcher binds the
REST and gRPC servers to ephemeral ports on 127.0.0.1, builds the DuckDB catalog before announcing
itself (so a missing DuckDB extension fails the start, not the first query), then prints one JSON
line `{"rest_port": ..., "grpc_port": ...}`. It stops when its stdin closes, so the emulator dies
with the process that started it, even when that process is killed, and then deletes its data
directory: the catalog lives exactly as long as the emulator.
"""

import argparse
import json
import pathlib
import shutil
import sys
import threading

import uvicorn
from local_bigquery import app
from local_bigquery.engine import database
from local_bigquery.grpc import server as grpc_server
from local_bigquery.settings import settings

HOST = "127.0.0.1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", required=True)
    parser.add_argument("--data-dir", type=pathlib.Path, required=True)
    arguments = parser.parse_args()
    settings.bigquery_host = HOST
    settings.default_project_id = arguments.project
    settings.data_dir = arguments.data_dir
    database.connection()

    storage, grpc_port = grpc_server.start(HOST, 0)
    rest = uvicorn.Server(uvicorn.Config(app, host=HOST, port=0, log_level="warning"))
    rest_thread = threading.Thread(target=rest.run, name="rest", daemon=True)
    rest_thread.start()
    while not rest.started and rest_thread.is_alive():
        rest_thread.join(0.01)
    if not rest.started:
        sys.exit("the REST server did not start")
    rest_port = rest.servers[0].sockets[0].getsockname()[1]
    print(json.dumps({"rest_port": rest_port, "grpc_port": grpc_port}), flush=True)

    sys.stdin.read()  # returns at EOF: our parent closed the pipe or died
    rest.should_exit = True
    rest_thread.join(timeout=5)
    storage.stop(grace=None)
    shutil.rmtree(arguments.data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
