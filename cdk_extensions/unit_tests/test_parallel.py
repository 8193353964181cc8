"""`merged`: every item of every producer, at most `workers` producers at once, bounded memory,
a producer's failure raised to the consumer, and producers stopped when the consumer goes away.

Threads are coordinated with events, never with sleeps: each test fails, not hangs, if the
behaviour it checks is missing (every wait has a timeout)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from cdk_extensions.parallel import merged

WAIT = 10.0  # seconds; only reached when the behaviour under test is broken


def numbers(name: str, count: int) -> Callable[[], Iterator[str]]:
    return lambda: (f"{name}{index}" for index in range(count))


def test_every_item_of_every_producer_arrives_each_producer_in_its_order() -> None:
    items = list(merged([numbers("a", 50), numbers("b", 50), numbers("c", 50)], workers=2, queue_size=4))

    assert len(items) == 150
    for name in "abc":
        assert [item for item in items if item.startswith(name)] == [f"{name}{i}" for i in range(50)]


def test_producers_run_at_the_same_time() -> None:
    both_started = threading.Barrier(2, timeout=WAIT)

    def producer(name: str) -> Callable[[], Iterator[str]]:
        def run() -> Iterator[str]:
            both_started.wait()  # breaks (BrokenBarrierError) unless the other runs meanwhile
            yield name

        return run

    assert sorted(merged([producer("a"), producer("b")], workers=2, queue_size=1)) == ["a", "b"]


def test_no_more_than_workers_producers_run_at_once() -> None:
    running = 0
    most = 0
    guard = threading.Lock()

    def producer() -> Iterator[int]:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        yield 1
        with guard:
            running -= 1

    assert sum(merged([producer] * 6, workers=2, queue_size=1)) == 6
    assert most <= 2


def test_a_full_queue_makes_producers_wait() -> None:
    produced: list[int] = []

    def producer() -> Iterator[int]:
        for index in range(100):
            produced.append(index)
            yield index

    items = merged([producer], workers=1, queue_size=3)
    assert next(items) == 0
    threading.Event().wait(0.2)  # time enough for an unbounded producer to run far ahead
    # The producer may be ahead by the queue's 3 items, plus the one it holds while waiting.
    assert len(produced) <= 5
    assert list(items) == list(range(1, 100))


def test_a_producer_failure_is_raised_to_the_consumer() -> None:
    def failing() -> Iterator[str]:
        yield "before"
        raise ValueError("broken producer")

    with pytest.raises(ValueError, match="broken producer"):
        list(merged([failing], workers=1, queue_size=2))


def test_closing_the_iterator_stops_the_producers() -> None:
    stopped = threading.Event()

    def endless() -> Iterator[int]:
        try:
            index = 0
            while True:
                yield index
                index += 1
        finally:
            stopped.set()

    items = merged([endless], workers=1, queue_size=2)
    assert next(items) == 0
    items.close()
    assert stopped.wait(WAIT)
