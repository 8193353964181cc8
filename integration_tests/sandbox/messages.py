"""What a fake server received (Request) and what a fake handler answers (Response)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl


class Headers(Mapping[str, str]):
    """Read-only request headers looked up case-insensitively, as HTTP header names are."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._by_lower_name: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key = name.lower()
            if key in self._by_lower_name:  # a repeated header means the comma-joined list
                first_name, first_value = self._by_lower_name[key]
                self._by_lower_name[key] = (first_name, f"{first_value}, {value}")
            else:
                self._by_lower_name[key] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._by_lower_name[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._by_lower_name.values())

    def __len__(self) -> int:
        return len(self._by_lower_name)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


@dataclass(frozen=True)
class Request:
    """One request as the fake server received it; `path` is as sent (percent-encoded, no query)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Headers
    body: bytes
    client_address: tuple[str, int]
    path_params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        """The body as an `application/x-www-form-urlencoded` form (last value wins)."""
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass(frozen=True)
class Response:
    """What a handler answers; Content-Length is added by the server."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        return cls(status, json.dumps(payload).encode(), all_headers)
