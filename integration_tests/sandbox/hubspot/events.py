"""Web analytics event occurrences (`GET /events/v3/events`): page views, form submissions and a
custom event, linked to CRM records, seeded and deterministic.

About a quarter of each object type's records have one to three events between their creation
and the data's end. Tests add more with `record` (events that happen after a sync). The
occurrences of one object type are kept sorted by (occurredAt, id); a query filters them by
object, time (`occurredAfter` and `occurredBefore`, both strict, ISO 8601 or epoch ms) and pages
them by an opaque `after` cursor. HubSpot does not document a default order: the fake answers
newest first unless asked `sort=ASCENDING`, so a client that relies on an order must ask for it.
"""

from __future__ import annotations

import threading
import uuid
from bisect import insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sandbox.hubspot.records import ObjectStore
from sandbox.hubspot.timestamps import iso
from sandbox.hubspot.values import mix, name_hash

EVENT_TYPES = ("e_visited_page", "e_submitted_form", "pe{hub_id}_trial_started")
PAGES = ("/", "/pricing", "/blog/crm-tips", "/contact-us", "/docs/getting-started")
CITIES = ("Portland", "Berlin", "São Paulo", "Tokyo", "Lagos")
BROWSERS = ("Chrome", "Firefox", "Safari", "Edge")
_SHARE = 4  # one record in _SHARE has events


@dataclass(frozen=True, order=True)
class Event:
    occurred_ms: int
    id: str
    object_id: int
    event_type: str
    seed: int

    def as_json(self, object_type: str) -> dict[str, object]:
        return {
            "objectType": object_type,
            "objectId": str(self.object_id),
            "eventType": self.event_type,
            "occurredAt": iso(self.occurred_ms),
            "id": self.id,
            "properties": {
                "hs_url": f"https://www.example.com{PAGES[self.seed % len(PAGES)]}",
                "hs_city": CITIES[self.seed // 7 % len(CITIES)],
                "hs_browser": BROWSERS[self.seed // 11 % len(BROWSERS)],
                "hs_session_id": f"s-{self.seed % 100_000}",
            },
        }


class EventLog:
    """The events linked to one object type's records, in (occurredAt, id) order."""

    def __init__(self, store: ObjectStore, seed: int, hub_id: int, end_ms: int) -> None:
        self.store = store
        self._hub_id = hub_id
        self._lock = threading.Lock()
        self._events = sorted(self._generate(seed, end_ms))

    def _generate(self, seed: int, end_ms: int) -> Iterable[Event]:
        type_seed = mix(seed, name_hash(self.store.object_type.name))
        for index in range(self.store.count):
            entropy = mix(type_seed, index)
            if entropy % _SHARE:
                continue
            created = self.store.created_ms(index)
            for number in range(1 + entropy // _SHARE % 3):
                event_seed = mix(entropy, number)
                occurred = created + event_seed % max(end_ms - created, 1)
                yield self._event(self.store.id_of(index), occurred, event_seed)

    def _event(self, object_id: int, occurred_ms: int, event_seed: int) -> Event:
        event_type = EVENT_TYPES[event_seed % len(EVENT_TYPES)].format(hub_id=self._hub_id)
        event_id = str(uuid.UUID(int=event_seed & ((1 << 128) - 1), version=4))
        return Event(occurred_ms, event_id, object_id, event_type, event_seed)

    def record(self, record_ids: Iterable[str | int], at_ms: int) -> list[Event]:
        """New events for these records at `at_ms` (after a sync, say); returns them."""
        added = [
            self._event(int(record_id), at_ms, mix(name_hash(str(record_id)), at_ms))
            for record_id in record_ids
        ]
        with self._lock:
            for event in added:
                insort(self._events, event)
        return added

    def query(
        self, *, object_id: int | None, after_ms: int | None, before_ms: int | None, ascending: bool
    ) -> list[Event]:
        with self._lock:
            events: Sequence[Event] = list(self._events)
        found = [
            event
            for event in events
            if (object_id is None or event.object_id == object_id)
            and (after_ms is None or event.occurred_ms > after_ms)
            and (before_ms is None or event.occurred_ms < before_ms)
        ]
        return found if ascending else found[::-1]
