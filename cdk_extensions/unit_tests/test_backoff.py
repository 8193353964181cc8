"""Backoff policy, server wait hints and the retry log line."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from airbyte_cdk.logger import AirbyteLogFormatter
from airbyte_cdk.models import Level, Type
from hypothesis import given
from hypothesis import strategies as st

from cdk_extensions.backoff import RETRY_LOGGER, BackoffPolicy, log_retry, retry_after_seconds
from sandbox.protocol import parse_message

NOW = 1_700_000_000.0  # a fixed Unix time for HTTP dates and epoch resets


def policy(max_attempts: int = 6) -> BackoffPolicy:
    """Jitter pinned to its upper bound, so every wait is the exponential ceiling itself."""
    return BackoffPolicy(
        base_seconds=1.0,
        factor=2.0,
        max_wait_seconds=10.0,
        max_attempts=max_attempts,
        max_elapsed_seconds=100.0,
        random=lambda: 1.0,
    )


# --- BackoffPolicy -----------------------------------------------------------------------------


def test_ceiling_grows_exponentially_up_to_the_single_wait_cap() -> None:
    waits = [policy().next_wait(attempt, elapsed=0.0) for attempt in range(1, 6)]
    assert waits == [1.0, 2.0, 4.0, 8.0, 10.0]


def test_full_jitter_scales_the_ceiling_by_the_random_draw() -> None:
    halved = BackoffPolicy(base_seconds=2.0, factor=3.0, random=lambda: 0.5)
    assert halved.next_wait(3, elapsed=0.0) == pytest.approx(0.5 * 2.0 * 3.0**2)


@given(attempt=st.integers(1, 50), elapsed=st.floats(0, 1000), seed=st.integers(0, 2**32))
def test_jittered_wait_stays_within_the_cap_and_the_elapsed_budget(
    attempt: int, elapsed: float, seed: int
) -> None:
    jittered = BackoffPolicy(max_attempts=100, max_elapsed_seconds=600, random=random.Random(seed).random)
    wait = jittered.next_wait(attempt, elapsed)
    if wait is not None:
        assert 0.0 <= wait <= jittered.max_wait_seconds
        assert elapsed + wait <= jittered.max_elapsed_seconds


def test_gives_up_once_the_attempts_are_spent() -> None:
    three_tries = policy(max_attempts=3)
    assert three_tries.next_wait(2, elapsed=0.0) is not None
    assert three_tries.next_wait(3, elapsed=0.0) is None


def test_gives_up_when_the_wait_would_end_past_the_elapsed_budget() -> None:
    assert policy().next_wait(1, elapsed=98.5) == 1.0
    assert policy().next_wait(1, elapsed=99.5) is None


def test_server_hint_wins_over_jitter_but_is_capped() -> None:
    assert policy().next_wait(1, elapsed=0.0, server_hint=7.0) == 7.0
    assert policy().next_wait(1, elapsed=0.0, server_hint=45.0) == 10.0


def test_server_hint_beyond_the_elapsed_budget_gives_up_at_once() -> None:
    assert policy().next_wait(1, elapsed=30.0, server_hint=86_400.0) is None


def test_rejects_a_policy_that_could_never_try() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        BackoffPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="must be > 0"):
        BackoffPolicy(max_wait_seconds=0)


# --- retry_after_seconds -----------------------------------------------------------------------


def http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.fromtimestamp(NOW + seconds_from_now, UTC), usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "120"}, 120.0),
        ({"retry-after": " 3 "}, 3.0),
        ({"Retry-After": http_date(30)}, 30.0),
        ({"Retry-After": "Tuesday, 14-Nov-23 22:13:50 GMT"}, 30.0),  # obsolete RFC 850 form
        ({"Retry-After": "Tue Nov 14 22:13:50 2023"}, 30.0),  # obsolete asctime form
        ({"Retry-After": http_date(-60)}, 0.0),  # a date in the past means "now"
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "-5"}, None),
        ({"RateLimit-Remaining": "0", "RateLimit-Reset": "12"}, 12.0),
        ({"RateLimit-Reset": "12"}, 12.0),
        ({"RateLimit-Remaining": "4", "RateLimit-Reset": "12"}, None),
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "7"}, 7.0),
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 42)}, 42.0),
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) - 42)}, 0.0),
        (
            {"X-HubSpot-RateLimit-Remaining": "0", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"},
            10.0,
        ),
        (
            {"X-HubSpot-RateLimit-Remaining": "3", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"},
            None,
        ),
        ({"Retry-After": "2", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "50"}, 2.0),
        ({"Content-Type": "application/json"}, None),
    ],
)
def test_retry_after_seconds(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_seconds(headers, NOW) == (pytest.approx(expected) if expected is not None else None)


# --- the retry log line ------------------------------------------------------------------------


def test_retry_line_is_an_airbyte_log_message_naming_attempt_wait_reason_and_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger=RETRY_LOGGER.name):
        log_retry(attempt=2, max_attempts=6, wait=1.5, reason="HTTP 503", request_id="abc-123")
    (record,) = caplog.records
    assert record.name.startswith("airbyte.")  # reaches the handler the CDK installs for "airbyte"
    assert record.retry_wait_seconds == 1.5

    message = parse_message(AirbyteLogFormatter(fmt="%(message)s").format(record))
    assert message.type == Type.LOG
    assert message.log is not None
    assert message.log.level == Level.INFO
    assert message.log.message == "Retry 2/5 in 1.50s after HTTP 503 (request id: abc-123)."
