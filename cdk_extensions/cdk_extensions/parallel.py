"""Several producers run in threads, their items merged into one iterator, with bounded memory.

Its consumers wait on the network or on C code that releases the GIL, so threads do overlap:
BigQuery's Storage Read API splits a table into streams meant to be read in parallel (and
converting their Arrow batches runs in Arrow's C++ code), and `concurrent_streams` reads several
streams of an HTTP API at once. At most `queue_size` items wait for the consumer; a full queue
makes the producers wait, which bounds memory however fast they are.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")
_POLL_SECONDS = 0.1  # how often a waiting producer checks whether the consumer has gone


@dataclass(frozen=True)
class _Failed:
    error: BaseException


class _Done:
    pass


class _Stop(Exception):
    """The consumer went away: the producer ends quietly."""


@dataclass
class _Channel(Generic[Item]):
    items: queue.Queue[Item | _Failed | _Done]
    stop: threading.Event

    def put(self, item: Item | _Failed | _Done) -> None:
        while True:
            if self.stop.is_set():
                raise _Stop
            try:
                self.items.put(item, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue


def merged(
    producers: Sequence[Callable[[], Iterator[Item]]], *, workers: int, queue_size: int
) -> Iterator[Item]:
    """Every item of every producer, as they come; at most `workers` producers run at once.

    A producer's exception is raised here, and the others are stopped. Closing the returned
    iterator early stops the producers too (each at its next item).
    """
    pending: queue.SimpleQueue[Callable[[], Iterator[Item]]] = queue.SimpleQueue()
    for producer in producers:
        pending.put(producer)
    channel: _Channel[Item] = _Channel(queue.Queue(maxsize=queue_size), threading.Event())
    threads = [
        threading.Thread(target=_work, args=(pending, channel), name=f"reader-{index}", daemon=True)
        for index in range(max(1, min(workers, len(producers))))
    ]
    for thread in threads:
        thread.start()
    try:
        running = len(threads)
        while running:
            item = channel.items.get()
            if isinstance(item, _Done):
                running -= 1
            elif isinstance(item, _Failed):
                raise item.error
            else:
                yield item
    finally:
        channel.stop.set()


def _work(pending: queue.SimpleQueue[Callable[[], Iterator[Item]]], channel: _Channel[Item]) -> None:
    try:
        while True:
            try:
                producer = pending.get_nowait()
            except queue.Empty:
                break
            for item in producer():
                channel.put(item)
        channel.put(_Done())
    except _Stop:
        return
    except BaseException as error:  # handed to the consumer, which raises it
        try:
            channel.put(_Failed(error))
        except _Stop:
            return
