"""VirtualClock: the time of a test, which moves only when code sleeps on it or the test moves it.

Code under test takes a clock and a sleep function (rate budgets, backoff, token expiry, the fakes'
rate limits and quotas); a test hands it one VirtualClock for both, so no test waits for real time
and every wait is exact. The instance is the clock (call it), `sleep` is the sleep function.
"""

from __future__ import annotations

import threading


class VirtualClock:
    """Seconds (epoch or any origin, from `start`) that move only by `sleep` or `advance`."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.slept: list[float] = []  # every sleep asked for, in order
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += max(seconds, 0.0)

    def advance(self, seconds: float) -> None:
        """Let time pass without anyone sleeping (not recorded in `slept`)."""
        with self._lock:
            self.now += seconds
