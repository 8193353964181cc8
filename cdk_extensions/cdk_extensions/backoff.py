"""How long to wait before retrying a failed API call, and when to stop.

`BackoffPolicy` is exponential backoff with FULL jitter (a uniform draw between 0 and the
exponential ceiling), so many workers hit by the same outage do not retry in lock-step. A wait
the server asks for (`retry_after_seconds`) replaces the jitter, capped like any other wait.
A call stops after `max_attempts` tries or when the next wait would end past
`max_elapsed_seconds`, whichever comes first. `log_retry` writes the one line every retry leaves
in the sync log, through the CDK's "airbyte" logger so it reaches the platform as a LOG message.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime

# A child of the logger the CDK configures in `init_logger("airbyte")`: records propagate to
# its console handler, whose AirbyteLogFormatter prints them as Airbyte LOG messages.
RETRY_LOGGER = logging.getLogger("airbyte.cdk_extensions.retry")

_DELTA_SECONDS = re.compile(r"\d+(\.\d+)?")
# A "reset" value this large is a Unix timestamp, not a delay: no API asks to wait 30 years.
_EPOCH_THRESHOLD = 1_000_000_000


@dataclass(frozen=True)
class BackoffPolicy:
    """Exponential backoff with full jitter, bounded by attempts and by elapsed time.

    `random` and `clock` are injectable so tests can pin the jitter and move time by hand.
    """

    base_seconds: float = 1.0
    factor: float = 2.0
    max_wait_seconds: float = 60.0
    max_attempts: int = 6
    max_elapsed_seconds: float = 600.0
    random: Callable[[], float] = field(default=random.random, compare=False, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts counts the first try, so it must be at least 1")
        if min(self.base_seconds, self.factor, self.max_wait_seconds, self.max_elapsed_seconds) <= 0:
            raise ValueError("base_seconds, factor, max_wait_seconds and max_elapsed_seconds must be > 0")

    def next_wait(self, attempt: int, elapsed: float, server_hint: float | None = None) -> float | None:
        """Seconds to wait after the `attempt`-th failed try, or None to give up.

        `elapsed` is the time already spent on this call. A server hint longer than what is left
        of the elapsed budget means giving up now rather than retrying into a certain failure.
        """
        if attempt >= self.max_attempts:
            return None
        if server_hint is not None:
            if elapsed + server_hint > self.max_elapsed_seconds:
                return None
            return min(server_hint, self.max_wait_seconds)
        ceiling = min(self.max_wait_seconds, self.base_seconds * self.factor ** (attempt - 1))
        wait = self.random() * ceiling
        return None if elapsed + wait > self.max_elapsed_seconds else wait


def retry_after_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """The wait a response asks for, in seconds, or None when it asks for none.

    `now` is the current Unix time, needed for HTTP dates and epoch resets. In order:
    `Retry-After` (delay-seconds or HTTP-date, RFC 9110 section 10.2.3); `RateLimit-Reset` and
    `X-RateLimit-Reset` (a delay or a Unix timestamp); HubSpot's rolling window
    (`X-HubSpot-RateLimit-Interval-Milliseconds`). A reset header only counts when its
    `...-Remaining` companion is 0 or absent: a reset time with quota left is no reason to wait.
    """
    lowered = {name.lower(): value.strip() for name, value in headers.items()}
    retry_after = lowered.get("retry-after")
    if retry_after:
        return _parse_retry_after(retry_after, now)
    for prefix in ("ratelimit", "x-ratelimit"):
        reset = _parse_number(lowered.get(f"{prefix}-reset"))
        if reset is not None and _quota_spent(lowered.get(f"{prefix}-remaining")):
            return max(reset - now, 0.0) if reset >= _EPOCH_THRESHOLD else reset
    interval_ms = _parse_number(lowered.get("x-hubspot-ratelimit-interval-milliseconds"))
    if interval_ms is not None and lowered.get("x-hubspot-ratelimit-remaining") == "0":
        return interval_ms / 1000
    return None


def log_retry(
    *,
    attempt: int,
    max_attempts: int,
    wait: float,
    reason: str,
    request_id: str | None,
    logger: logging.Logger = RETRY_LOGGER,
) -> None:
    """The one line each retry leaves in the sync log; the numbers also travel as record extras."""
    logger.info(
        "Retry %d/%d in %.2fs after %s (request id: %s).",
        attempt,
        max_attempts - 1,
        wait,
        reason,
        request_id or "unknown",
        extra={"retry_attempt": attempt, "retry_wait_seconds": wait, "retry_reason": reason},
    )


def _parse_retry_after(value: str, now: float) -> float | None:
    if _DELTA_SECONDS.fullmatch(value):
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # asctime dates carry no zone; HTTP dates are always GMT
        moment = moment.replace(tzinfo=UTC)
    return max(moment.timestamp() - now, 0.0)


def _parse_number(value: str | None) -> float | None:
    if value is None or not _DELTA_SECONDS.fullmatch(value):
        return None
    return float(value)


def _quota_spent(remaining: str | None) -> bool:
    return remaining is None or _parse_number(remaining) == 0
