"""A real HTTP server on 127.0.0.1 that stands in for a remote API in tests and in the demo.

Handlers are plain functions `Request -> Response`. A fake API is a small subclass whose methods
carry `@endpoint(...)`; a test adds one-off routes with `@server.route(...)`. Every request is
recorded, and `server.faults` injects failures (see sandbox.faults).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import re
import socket
import struct
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from sandbox.faults import Answer, Clock, Delay, Fault, FaultPlan, Reset
from sandbox.messages import Headers, Request, Response

__all__ = ["FakeServer", "Fault", "FaultPlan", "Request", "Response", "endpoint"]

Handler = Callable[[Request], Response]
_HandlerT = TypeVar("_HandlerT", bound=Callable[..., Response])
_ENDPOINTS_ATTRIBUTE = "_sandbox_endpoints"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def endpoint(method: str, path: str) -> Callable[[_HandlerT], _HandlerT]:
    """Mark a method of a FakeServer subclass as the handler of `method path` (stackable)."""

    def mark(handler: _HandlerT) -> _HandlerT:
        routes = [*getattr(handler, _ENDPOINTS_ATTRIBUTE, []), (method, path)]
        setattr(handler, _ENDPOINTS_ATTRIBUTE, routes)
        return handler

    return mark


@dataclass(frozen=True)
class _Route:
    method: str
    path: str
    pattern: re.Pattern[str]
    handler: Handler

    @classmethod
    def compile(cls, method: str, path: str, handler: Handler) -> _Route:
        """`/properties/{property_id}:runReport` matches one path segment (up to `/`) per placeholder."""
        parts = _PLACEHOLDER.split(path)  # literal, name, literal, name, ..., literal
        regex = "".join(
            f"(?P<{part}>[^/]+)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
        )
        return cls(method.upper(), path, re.compile(regex), handler)

    def match(self, method: str, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path) if method == self.method else None
        return None if found is None else {name: unquote(value) for name, value in found.groupdict().items()}


class FakeServer:
    """A threaded HTTP/1.1 (keep-alive) server on an ephemeral 127.0.0.1 port.

    `clock` is what time-dependent fakes and faults (Retry-After dates) read, so tests can fake time.
    """

    def __init__(self, name: str = "fake", *, clock: Clock = time.time) -> None:
        self.name = name
        self.clock = clock
        self.faults = FaultPlan(clock)
        self.log = logging.getLogger(f"sandbox.{name}")
        self._lock = threading.Lock()
        self._routes: list[_Route] = []
        self._requests: list[Request] = []
        self._handler_errors: list[str] = []
        self._listener: _Listener | None = None
        for attribute, routes in self._marked_endpoints():
            for method, path in routes:
                self.add_route(method, path, getattr(self, attribute))

    def _marked_endpoints(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The `@endpoint` methods of this class and its bases, base classes first."""
        marked: dict[str, list[tuple[str, str]]] = {}
        for klass in reversed(type(self).__mro__):
            for attribute, value in vars(klass).items():
                if hasattr(value, _ENDPOINTS_ATTRIBUTE):
                    marked[attribute] = getattr(value, _ENDPOINTS_ATTRIBUTE)
        return list(marked.items())

    # --- routes -------------------------------------------------------------------------------

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Register a handler; the same method + path again replaces it (to override a fake's route)."""
        route = _Route.compile(method, path, handler)
        with self._lock:
            self._routes = [r for r in self._routes if (r.method, r.path) != (route.method, route.path)]
            self._routes.append(route)

    def route(self, method: str, path: str) -> Callable[[Handler], Handler]:
        """Decorator form of `add_route`."""

        def register(handler: Handler) -> Handler:
            self.add_route(method, path, handler)
            return handler

        return register

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        if self._listener is not None:
            raise RuntimeError(f"{self.name} is already running")
        self._listener = _Listener(self)
        threading.Thread(
            target=self._listener.serve_forever,
            kwargs={"poll_interval": 0.02},  # how long stop() waits for the accept loop to notice
            name=f"{self.name}-server",
            daemon=True,
        ).start()
        self.log.debug("listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop accepting, close idle keep-alive connections; in-flight handler threads are abandoned."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.shutdown()
            listener.server_close()
            listener.close_open_connections()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._listener is None:
            raise RuntimeError(f"{self.name} is not running")
        host, port = self._listener.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- what happened ------------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        """A snapshot of the requests received so far (faulted ones too), in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def handler_errors(self) -> list[str]:
        """Tracebacks of handlers that raised (each was answered with a 500)."""
        with self._lock:
            return list(self._handler_errors)

    # --- serving (called from the connection threads) -----------------------------------------

    def _receive(self, request: Request) -> tuple[Request, _Route | None]:
        """Route and record one request."""
        route, params = self._route_for(request.method, request.path)
        request = replace(request, path_params=params)
        with self._lock:
            self._requests.append(request)
        return request, route

    def _route_for(self, method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
        """The first registered route that matches, with its path parameters."""
        with self._lock:
            routes = list(self._routes)
        for route in routes:
            params = route.match(method, path)
            if params is not None:
                return route, params
        return None, {}

    def _answer(self, request: Request, route: _Route | None) -> Response:
        if route is None:
            message = f"{self.name}: no route for {request.method} {request.path}"
            return Response.json({"status": "error", "message": message}, status=404)
        try:
            return route.handler(request)
        except Exception as error:
            self.log.exception("handler of %s %s raised", request.method, route.path)
            with self._lock:
                self._handler_errors.append(traceback.format_exc())
            message = f"{self.name}: handler raised {error!r}"
            return Response.json({"status": "error", "message": message}, status=500)


class _Listener(ThreadingHTTPServer):
    """The socket server; it tracks open connections so `stop()` can close idle keep-alive ones."""

    daemon_threads = True

    def __init__(self, fake: FakeServer) -> None:
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _ConnectionHandler)

    def server_bind(self) -> None:
        TCPServer.server_bind(self)  # HTTPServer's version does a reverse DNS lookup we never need
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def close_open_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already gone
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients vanishing mid-request are routine here (faults, timeouts): log, don't print."""
        self.fake.log.debug("connection from %s failed", client_address, exc_info=True)


class _ConnectionHandler(BaseHTTPRequestHandler):
    """Reads requests off one (keep-alive) connection and carries out the server's answer or fault."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # head and body are separate writes; Nagle would delay keep-alive
    timeout = 60  # idle keep-alive connections are dropped after this
    server: _Listener

    def _serve(self) -> None:
        fake = self.server.fake
        request, route = fake._receive(self._read_request())
        effect = fake.faults.effect_for(request.method, request.path)
        if isinstance(effect, Answer):
            self._send(effect.response)
            return
        if isinstance(effect, Delay):
            time.sleep(effect.seconds)
        response = fake._answer(request, route)
        if isinstance(effect, Reset):
            self._reset(response if effect.after_partial_body else None)
        else:
            self._send(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _read_request(self) -> Request:
        target = urlsplit(self.path)
        return Request(
            method=self.command,
            path=target.path,
            query=parse_qs(target.query, keep_blank_values=True),
            headers=Headers(self.headers.items()),
            body=self._read_body(),
            client_address=self.client_address,
        )

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        return body

    def _read_chunked(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0], 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF closing each chunk
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailer fields
        return b"".join(chunks)

    def _send_head(self, response: Response, content_length: int) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(content_length))
        self.end_headers()

    def _send(self, response: Response) -> None:
        self._send_head(response, len(response.body))
        self.wfile.write(response.body)

    def _reset(self, partial: Response | None) -> None:
        """Abort with a TCP RST (SO_LINGER 0), optionally after the head and half of the body."""
        if partial is not None:
            self._send_head(partial, max(len(partial.body), 1))
            self.wfile.write(partial.body[: len(partial.body) // 2])
            self.wfile.flush()
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the makefile() reader holds a reference that would delay the close
        self.connection.close()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors (malformed request line, unknown method) answered as JSON like the rest."""
        body = json.dumps({"status": "error", "message": message or explain or str(code)}).encode()
        self.close_connection = True
        self._send(Response(code, body, {"Content-Type": "application/json", "Connection": "close"}))

    def log_message(self, format: str, *args: Any) -> None:
        self.server.fake.log.debug(format, *args)
