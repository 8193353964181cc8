"""A few BigQuery REST endpoints and a Storage Read API that refuses, for what the emulator cannot do.

The emulator (emulator.py) allows everything and bills nothing. These fakes answer what BigQuery
answers when it does not: permission denials, quota and server errors (add `Fault.status` with a
`bigquery_error` body to `FakeBigQuery.faults`), dry-run byte estimates, and a Storage Read API
that denies or does not exist. They speak the wire formats the official clients read:

- `FakeBigQuery` (REST, on a FakeServer): list datasets and tables, get a table, `tabledata.list`
  (no rows), insert a job (dry runs answer `dry_run_bytes[sql]`, default 0; every job is done at
  once, with no rows), get a job and its results; with
  `tokens`, each request must carry a bearer token that TokenIssuer issued;
- `FakeStorageRead` (gRPC on 127.0.0.1): CreateReadSession fails with the status it is given, or
  opens an empty session.
"""

from __future__ import annotations

import uuid
from concurrent import futures
from typing import Any

import grpc
from google.cloud.bigquery_storage_v1 import types

from sandbox.fake_server import FakeServer, Request, Response, endpoint
from sandbox.tokens import TokenIssuer

PREFIX = "/bigquery/v2/projects/{project}"
STORAGE_SERVICE = "google.cloud.bigquery.storage.v1.BigQueryRead"


def bigquery_error(status: int, reason: str, message: str) -> dict[str, Any]:
    """BigQuery's JSON error body, as the official client parses it."""
    return {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": "ERROR",
        }
    }


class FakeBigQuery(FakeServer):
    """Datasets of tables with a schema and no rows: `FakeBigQuery(tables={"shop": {"orders": [...]}})`,
    each table given as BigQuery schema fields (`{"name": "id", "type": "INTEGER"}`)."""

    def __init__(
        self,
        *,
        project: str = "sandbox",
        tables: dict[str, dict[str, list[dict[str, Any]]]] | None = None,
        tokens: TokenIssuer | None = None,
    ) -> None:
        super().__init__("fake-bigquery")
        self.project = project
        self.tables = tables or {}
        self.tokens = tokens
        self.dry_run_bytes: dict[str, int] = {}
        self.jobs: dict[str, dict[str, Any]] = {}

    def _refused(self, request: Request) -> Response | None:
        if self.tokens is None or self.tokens.validate(request.headers.get("Authorization")):
            return None
        return Response.json(bigquery_error(401, "authError", "Invalid Credentials"), status=401)

    def _not_found(self, what: str) -> Response:
        return Response.json(bigquery_error(404, "notFound", f"Not found: {what}"), status=404)

    @endpoint("GET", PREFIX + "/datasets")
    def list_datasets(self, request: Request) -> Response:
        if refused := self._refused(request):
            return refused
        datasets = [
            {
                "datasetReference": {"projectId": self.project, "datasetId": name},
                "id": f"{self.project}:{name}",
            }
            for name in self.tables
        ]
        return Response.json({"kind": "bigquery#datasetList", "datasets": datasets})

    @endpoint("GET", PREFIX + "/datasets/{dataset}/tables")
    def list_tables(self, request: Request) -> Response:
        if refused := self._refused(request):
            return refused
        dataset = request.path_params["dataset"]
        if dataset not in self.tables:
            return self._not_found(f"Dataset {self.project}:{dataset}")
        listed = [
            {"tableReference": self._reference(dataset, name), "type": "TABLE", "kind": "bigquery#table"}
            for name in self.tables[dataset]
        ]
        return Response.json({"kind": "bigquery#tableList", "tables": listed, "totalItems": len(listed)})

    @endpoint("GET", PREFIX + "/datasets/{dataset}/tables/{table}")
    def get_table(self, request: Request) -> Response:
        if refused := self._refused(request):
            return refused
        dataset, table = request.path_params["dataset"], request.path_params["table"]
        fields = self.tables.get(dataset, {}).get(table)
        if fields is None:
            return self._not_found(f"Table {self.project}:{dataset}.{table}")
        return Response.json(
            {
                "kind": "bigquery#table",
                "tableReference": self._reference(dataset, table),
                "type": "TABLE",
                "schema": {"fields": fields},
                "numRows": "0",
                "numBytes": "0",
            }
        )

    @endpoint("GET", PREFIX + "/datasets/{dataset}/tables/{table}/data")
    def list_rows(self, request: Request) -> Response:
        if refused := self._refused(request):
            return refused
        return Response.json({"kind": "bigquery#tableDataList", "totalRows": "0", "rows": []})

    @endpoint("POST", PREFIX + "/jobs")
    def insert_job(self, request: Request) -> Response:
        if refused := self._refused(request):
            return refused
        job = request.json()
        job_id = job.get("jobReference", {}).get("jobId") or uuid.uuid4().hex
        query = job["configuration"].get("query", {})
        processed = str(self.dry_run_bytes.get(query.get("query", ""), 0))
        resource = {
            "kind": "bigquery#job",
            "id": f"{self.project}:US.{job_id}",
            "jobReference": {"projectId": self.project, "jobId": job_id, "location": "US"},
            "configuration": job["configuration"],
            "status": {"state": "DONE"},
            "statistics": {
                "creationTime": "1767225600000",
                "totalBytesProcessed": processed,
                "query": {"totalBytesProcessed": processed, "totalBytesBilled": "0", "cacheHit": False},
            },
        }
        self.jobs[job_id] = resource
        return Response.json(resource)

    @endpoint("GET", PREFIX + "/queries/{job_id}")
    def query_results(self, request: Request) -> Response:
        if refused := self._refused(request):
            return refused
        job = self.jobs.get(request.path_params["job_id"])
        if job is None:
            return self._not_found(f"Job {request.path_params['job_id']}")
        return Response.json(
            {
                "kind": "bigquery#getQueryResultsResponse",
                "jobReference": job["jobReference"],
                "jobComplete": True,
                "totalRows": "0",
                "schema": {"fields": []},
            }
        )

    @endpoint("GET", PREFIX + "/jobs/{job_id}")
    def get_job(self, request: Request) -> Response:
        if refused := self._refused(request):
            return refused
        job = self.jobs.get(request.path_params["job_id"])
        return Response.json(job) if job else self._not_found(f"Job {request.path_params['job_id']}")

    def _reference(self, dataset: str, table: str) -> dict[str, str]:
        return {"projectId": self.project, "datasetId": dataset, "tableId": table}


class FakeStorageRead:
    """A Storage Read API whose CreateReadSession fails with `status` and `message` (with no status,
    it opens a session without streams); with `implemented=False` the service does not exist
    (UNIMPLEMENTED), as on an endpoint without it."""

    def __init__(
        self,
        status: grpc.StatusCode | None = None,
        message: str = "",
        *,
        implemented: bool = True,
    ) -> None:
        self.status, self.message, self.implemented = status, message, implemented
        self.calls = 0
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        self.port = 0

    @property
    def endpoint(self) -> str:
        """What the connector's `storage_api_endpoint` takes."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeStorageRead:
        if self.implemented:
            handler = grpc.method_handlers_generic_handler(
                STORAGE_SERVICE,
                {
                    "CreateReadSession": grpc.unary_unary_rpc_method_handler(
                        self._create_read_session,
                        request_deserializer=types.CreateReadSessionRequest.deserialize,
                        response_serializer=types.ReadSession.serialize,
                    )
                },
            )
            self._server.add_generic_rpc_handlers((handler,))
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop(grace=None)

    def __enter__(self) -> FakeStorageRead:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _create_read_session(self, request: types.CreateReadSessionRequest, context: Any) -> Any:
        self.calls += 1
        if self.status is not None:
            context.abort(self.status, self.message)
        return types.ReadSession(
            name="projects/sandbox/locations/us/sessions/fake", table=request.read_session.table
        )
