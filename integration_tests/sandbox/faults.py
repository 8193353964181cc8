"""Programmable failures, so connectors are tested against the ways real APIs misbehave.

A test adds `Fault`s to a server's `FaultPlan` at any time. For each request the plan decides
whether a fault fires and returns its `Effect`; the server carries it out on the wire. Faults are
data only, so they are easy to read in a test: "the 2nd and 4th GET of /contacts answer 429".
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any, Literal, TypedDict, Unpack

from sandbox.messages import Response

Clock = Callable[[], float]


@dataclass(frozen=True)
class Answer:
    """Answer with this response instead of calling the route's handler."""

    response: Response


@dataclass(frozen=True)
class Delay:
    """Wait this long, then let the route's handler answer."""

    seconds: float


@dataclass(frozen=True)
class Reset:
    """Drop the connection abruptly (TCP reset), after sending part of the real response or nothing."""

    after_partial_body: bool


Effect = Answer | Delay | Reset


class Where(TypedDict, total=False):
    """Which requests a fault applies to and how often it fires.

    method: HTTP method, any if omitted.  path: regex the whole request path must match.
    times: fire at most this often (1 by default, unlimited if only `every` is given).
    every: fire only on every n-th matching request (the n-th, 2n-th, ...).
    name: key in `FaultPlan.fired`; a readable default is derived from the fault.
    """

    method: str
    path: str
    times: int
    every: int
    name: str


@dataclass(frozen=True)
class Fault:
    """One rule of a FaultPlan; build it with `Fault.status`, `Fault.reset` or `Fault.slow`."""

    name: str
    effect: Callable[[float], Effect] = field(repr=False)  # called with the plan clock's "now"
    method: str | None = None
    path: str = ".*"
    times: int | None = None
    every: int | None = None

    def __post_init__(self) -> None:
        for limit in (self.times, self.every):
            if limit is not None and limit < 1:
                raise ValueError(f"fault {self.name!r}: times and every must be at least 1")
        re.compile(self.path)  # a typo in the regex fails where the fault is written, not later

    @classmethod
    def status(
        cls,
        status: int,
        *,
        retry_after: int | None = None,
        retry_after_as: Literal["seconds", "http-date"] = "seconds",
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        **where: Unpack[Where],
    ) -> Fault:
        """Answer `status` with `body` and `headers`.

        `body` is sent as JSON (default `{"status": "error", ...}`), or as-is if it is bytes (an
        HTML page from a proxy, say), so connectors are tested against error bodies they cannot parse.

        `retry_after` adds a Retry-After header: that many seconds, or with `retry_after_as=
        "http-date"` the HTTP-date that many seconds after the plan clock's now.
        """
        payload = {"status": "error", "message": f"injected {status}"} if body is None else body

        def answer(now: float) -> Effect:
            extra = dict(headers or {})
            if retry_after is not None:
                extra["Retry-After"] = (
                    formatdate(now + retry_after, usegmt=True)
                    if retry_after_as == "http-date"
                    else str(retry_after)
                )
            if isinstance(payload, bytes):
                return Answer(Response(status, payload, extra))
            return Answer(Response.json(payload, status=status, headers=extra))

        return cls._build(f"status {status}", answer, where)

    @classmethod
    def reset(cls, *, after_partial_body: bool = True, **where: Unpack[Where]) -> Fault:
        """Reset the connection: by default after the headers and half of the real body."""
        return cls._build("reset", lambda _now: Reset(after_partial_body), where)

    @classmethod
    def slow(cls, seconds: float, **where: Unpack[Where]) -> Fault:
        """Answer normally, but only after `seconds` (to exercise client timeouts)."""
        return cls._build(f"slow {seconds}s", lambda _now: Delay(seconds), where)

    @classmethod
    def _build(cls, kind: str, effect: Callable[[float], Effect], where: Where) -> Fault:
        method, path = where.get("method"), where.get("path", ".*")
        name = where.get("name") or f"{kind} {method or '*'} {path}"
        times, every = where.get("times"), where.get("every")
        if times is None and every is None:
            times = 1
        return cls(name, effect, method.upper() if method else None, path, times, every)


@dataclass
class _Rule:
    fault: Fault
    pattern: re.Pattern[str]
    matched: int = 0
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return self.fault.method in (None, method) and self.pattern.fullmatch(path) is not None

    def wants_to_fire(self) -> bool:
        """Called once per matching request, after `matched` was counted."""
        on_beat = self.fault.every is None or self.matched % self.fault.every == 0
        within_budget = self.fault.times is None or self.fired < self.fault.times
        return on_beat and within_budget


class FaultPlan:
    """The thread-safe list of faults of one server.

    Every rule counts every request it matches; the first rule (in the order added) that wants
    to fire on a request fires, the others do not.
    """

    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []

    def add(self, fault: Fault) -> Fault:
        """Add a rule; a name already taken gets a " #2"-style suffix. Returns the fault as added."""
        with self._lock:
            taken = {rule.fault.name for rule in self._rules}
            name, suffix = fault.name, 2
            while name in taken:
                name, suffix = f"{fault.name} #{suffix}", suffix + 1
            added = dataclasses.replace(fault, name=name)
            self._rules.append(_Rule(added, re.compile(added.path)))
            return added

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def fired(self) -> dict[str, int]:
        """How often each fault fired, by name (including faults that never fired)."""
        with self._lock:
            return {rule.fault.name: rule.fired for rule in self._rules}

    def effect_for(self, method: str, path: str) -> Effect | None:
        """Decide, for one incoming request, which fault (if any) fires."""
        with self._lock:
            firing: _Rule | None = None
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                rule.matched += 1
                if firing is None and rule.wants_to_fire():
                    firing = rule
            if firing is None:
                return None
            firing.fired += 1
            return firing.fault.effect(self._clock())
