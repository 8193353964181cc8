"""The fake server itself, driven by real `requests` clients over 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import socket
import threading

import pytest
import requests

from sandbox.fake_server import FakeServer, Request, Response, endpoint
from sandbox.pytest_plugin import FakeServerFactory


class FakeInventory(FakeServer):
    """A fake API the way HubSpot/GA4 fakes are written: routes as decorated methods."""

    def __init__(self, stock: int = 3) -> None:
        super().__init__("inventory")
        self.stock = stock

    @endpoint("GET", "/v1/stock")
    def read_stock(self, request: Request) -> Response:
        return Response.json({"stock": self.stock})

    @endpoint("POST", "/v1/items/{item_id}:reserve")
    @endpoint("POST", "/v1/items/{item_id}:hold")
    def reserve(self, request: Request) -> Response:
        return Response.json({"item": request.path_params["item_id"], "by": request.json()["by"]}, status=201)


def test_routes_path_params_and_query(fake_server: FakeServerFactory) -> None:
    server = fake_server("echo")

    @server.route("GET", "/crm/v3/objects/{object_type}/{object_id}")
    def echo(request: Request) -> Response:
        return Response.json({"params": request.path_params, "query": request.query})

    answer = requests.get(f"{server.url}/crm/v3/objects/contacts/a%2Fb?limit=10&properties=a&properties=b")

    assert answer.status_code == 200
    assert answer.json() == {
        "params": {"object_type": "contacts", "object_id": "a/b"},
        "query": {"limit": ["10"], "properties": ["a", "b"]},
    }


def test_subclass_endpoints_with_colon_verbs(fake_server: FakeServerFactory) -> None:
    server = fake_server(FakeInventory, stock=7)

    assert requests.get(f"{server.url}/v1/stock").json() == {"stock": 7}
    reserved = requests.post(f"{server.url}/v1/items/42:reserve", json={"by": "ann"})
    held = requests.post(f"{server.url}/v1/items/43:hold", json={"by": "bob"})
    assert (reserved.status_code, reserved.json()) == (201, {"item": "42", "by": "ann"})
    assert held.json() == {"item": "43", "by": "bob"}


def test_same_route_registered_again_replaces_the_fake_default(fake_server: FakeServerFactory) -> None:
    server = fake_server(FakeInventory)
    server.add_route("GET", "/v1/stock", lambda request: Response.json({"stock": 0}))

    assert requests.get(f"{server.url}/v1/stock").json() == {"stock": 0}


def test_unknown_route_and_wrong_method_answer_json_404(fake_server: FakeServerFactory) -> None:
    server = fake_server(FakeInventory)

    for answer in (requests.get(f"{server.url}/nowhere"), requests.delete(f"{server.url}/v1/stock")):
        assert answer.status_code == 404
        assert "no route for" in answer.json()["message"]


def test_raising_handler_answers_500_and_keeps_serving(caplog: pytest.LogCaptureFixture) -> None:
    server = FakeServer("fragile")

    @server.route("GET", "/boom")
    def boom(request: Request) -> Response:
        raise KeyError("missing fixture row")

    with server:
        answer = requests.get(f"{server.url}/boom")
        assert requests.get(f"{server.url}/boom").status_code == 500  # still alive

    assert answer.status_code == 500
    assert "missing fixture row" in answer.json()["message"]
    assert len(server.handler_errors) == 2
    assert "KeyError" in server.handler_errors[0]
    assert "Traceback" in caplog.text


def test_records_requests_with_case_insensitive_headers_and_form_body(fake_server: FakeServerFactory) -> None:
    server = fake_server("recorder")
    server.add_route("POST", "/token", lambda request: Response.json({}))

    requests.post(f"{server.url}/token", data={"grant_type": "refresh_token"}, headers={"X-Trace": "t1"})

    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/token")
    assert request.headers["x-trace"] == request.headers["X-TRACE"] == "t1"
    assert request.form() == {"grant_type": "refresh_token"}


def test_gzip_request_bodies_are_decoded(fake_server: FakeServerFactory) -> None:
    server = fake_server("gzip")
    server.add_route("POST", "/ingest", lambda request: Response.json(request.json()))

    payload = gzip.compress(json.dumps({"rows": [1, 2]}).encode())
    answer = requests.post(f"{server.url}/ingest", data=payload, headers={"Content-Encoding": "gzip"})

    assert answer.json() == {"rows": [1, 2]}


def test_chunked_request_bodies_are_read(fake_server: FakeServerFactory) -> None:
    server = fake_server("chunked")
    server.add_route("POST", "/upload", lambda request: Response(200, request.body))

    answer = requests.post(f"{server.url}/upload", data=iter([b"first,", b"second"]))

    assert answer.content == b"first,second"
    assert server.requests[0].headers["Transfer-Encoding"] == "chunked"


def test_session_reuses_one_keep_alive_connection(fake_server: FakeServerFactory) -> None:
    server = fake_server(FakeInventory)

    with requests.Session() as session:
        for _ in range(5):
            assert session.get(f"{server.url}/v1/stock").ok

    assert len({request.client_address for request in server.requests}) == 1


def test_concurrent_clients_are_all_served_and_recorded(fake_server: FakeServerFactory) -> None:
    server = fake_server(FakeInventory)
    statuses: list[int] = []

    def client() -> None:
        with requests.Session() as session:
            statuses.extend(session.get(f"{server.url}/v1/stock").status_code for _ in range(25))

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 200
    assert len(server.requests) == 200


def test_stop_closes_idle_keep_alive_connections() -> None:
    server = FakeServer("stopper")
    server.add_route("GET", "/ping", lambda request: Response.json("pong"))
    with server, requests.Session() as session:
        assert session.get(f"{server.url}/ping").ok
        url = server.url
    with requests.Session() as session, pytest.raises(requests.ConnectionError):
        session.get(f"{url}/ping", timeout=5)


def test_url_and_double_start_are_guarded() -> None:
    server = FakeServer("guarded")
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    with server:
        assert server.url.startswith("http://127.0.0.1:")
        with pytest.raises(RuntimeError, match="already running"):
            server.start()


def test_fixture_teardown_fails_when_a_handler_raised(caplog: pytest.LogCaptureFixture) -> None:
    factory = FakeServerFactory()
    server = factory("broken")
    server.add_route("GET", "/", lambda request: Response.json(1 // 0))
    requests.get(server.url)

    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        factory.stop_all()


def test_unsupported_method_and_malformed_request_answer_json(fake_server: FakeServerFactory) -> None:
    server = fake_server("strict")

    unsupported = requests.options(server.url)
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(b"GET /a b HTTP/1.1\r\n\r\n")  # a space inside the target
        malformed = raw.makefile("rb").read()

    assert (unsupported.status_code, unsupported.headers["Content-Type"]) == (501, "application/json")
    assert malformed.startswith(b"HTTP/1.1 400 ")
    assert malformed.endswith(b'"message": "Bad request syntax (\'GET /a b HTTP/1.1\')"}')


def test_first_registered_matching_route_wins(fake_server: FakeServerFactory) -> None:
    server = fake_server("overlap")
    server.add_route("GET", "/v1/items/special", lambda request: Response.json("special"))
    server.add_route("GET", "/v1/items/{item_id}", lambda request: Response.json(request.path_params))

    assert requests.get(f"{server.url}/v1/items/special").json() == "special"
    assert requests.get(f"{server.url}/v1/items/7").json() == {"item_id": "7"}


class FakeWarehouse(FakeInventory):
    """A fake built on another inherits its endpoints."""

    @endpoint("GET", "/v1/warehouses")
    def warehouses(self, request: Request) -> Response:
        return Response.json(["north"])


def test_endpoints_are_inherited(fake_server: FakeServerFactory) -> None:
    server = fake_server(FakeWarehouse)

    assert requests.get(f"{server.url}/v1/warehouses").json() == ["north"]
    assert requests.get(f"{server.url}/v1/stock").json() == {"stock": 3}
