"""Deterministic, generated-on-demand traffic of one fake property.

A property's traffic is a list of `Fact`s per day: each fact is a slice of the day's users that
share one place, device, page, traffic source, event, item, audience and custom values, with
counts (users, sessions, revenue in cents, ...). Reports group and sum facts, so every report
agrees with every other one. A day's facts depend only on the seed, the property and the date,
and are generated when first read (a bounded cache keeps recent days).

Late-arriving data: GA4 keeps revising the last ~72 hours. Here the counts of the last
`late_days` days before the property's today are scaled down by a completeness factor that
grows with each `revise()` (and with the day's age), so re-reading those days gives new numbers
while older days never change.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sandbox.faults import Clock
from sandbox.ga4.properties import PropertyProfile
from sandbox.ga4.world import Audience, Device, Event, Item, Page, Place, Source, Stream, World

BASE_COUNTS = (
    "activeUsers",
    "newUsers",
    "totalUsers",
    "sessions",
    "engagedSessions",
    "screenPageViews",
    "eventCount",
    "keyEvents",
    "userEngagementDuration",
    "transactions",
    "addToCarts",
    "checkouts",
    "purchaseRevenue",  # cents, like every money count
    "itemsViewed",
    "itemsAddedToCart",
    "itemsPurchased",
    "itemRevenue",
    "publisherAdImpressions",
    "publisherAdClicks",
    "totalAdRevenue",
)
WEEKDAY_TRAFFIC = (1.0, 1.05, 1.05, 1.0, 0.95, 0.7, 0.75)  # Monday first
CACHED_DAYS = 2048


@dataclass(frozen=True, slots=True)
class Fact:
    day: date
    date_text: str  # the day as the `date` dimension writes it (YYYYMMDD), formatted once per day
    hour: int
    place: Place
    device: Device
    page: Page
    landing_page: Page
    session_source: Source
    first_user_source: Source
    event: Event
    item: Item
    audience: Audience
    stream: Stream
    custom: tuple[str, ...]  # aligned with the profile's custom dimensions
    counts: tuple[int, ...]  # aligned with PropertyDataset.count_names


class PropertyDataset:
    """The traffic of one property for the `days` days up to its today (per `clock`)."""

    def __init__(
        self,
        profile: PropertyProfile,
        *,
        seed: int,
        days: int,
        cardinality: int,
        late_days: int,
        clock: Clock,
    ) -> None:
        self.profile = profile
        self.days = days
        self.late_days = late_days
        self.facts_per_day = 4 * cardinality
        self.count_names = BASE_COUNTS + tuple(metric.api_name for metric in profile.custom_metrics)
        self.world = World.build(profile.number, cardinality, len(profile.custom_dimensions))
        self._seed = seed
        self._clock = clock
        self._zone = ZoneInfo(profile.time_zone)
        self._lock = threading.Lock()
        self._revision = 0
        self._complete_facts = functools.lru_cache(maxsize=CACHED_DAYS)(self._generate)

    def today(self) -> date:
        """The date in the property's reporting time zone."""
        return datetime.fromtimestamp(self._clock(), self._zone).date()

    def first_day(self) -> date:
        return self.today() - timedelta(days=self.days - 1)

    @property
    def revision(self) -> int:
        return self._revision

    def revise(self) -> None:
        """More late hits were processed: the recent days' numbers change on the next read."""
        with self._lock:
            self._revision += 1

    def facts(self, day: date) -> Sequence[Fact]:
        """The day's facts as a report run now sees them (none outside the property's history)."""
        today = self.today()
        if not self.first_day() <= day <= today:
            return ()
        facts = self._complete_facts(day)
        completeness = self.completeness(today - day)
        if completeness == 1.0:
            return facts
        return [
            dataclasses.replace(fact, counts=tuple(round(count * completeness) for count in fact.counts))
            for fact in facts
        ]

    def completeness(self, age: timedelta) -> float:
        """The share of a day's final numbers already processed, `age` after that day."""
        if age.days >= self.late_days:
            return 1.0
        missing = 0.4 * (self.late_days - age.days) / self.late_days
        return 1.0 - missing * 0.75**self._revision

    def _generate(self, day: date) -> list[Fact]:
        rng = random.Random(f"{self._seed}:{self.profile.property_id}:{day.isoformat()}")
        world, count = self.world, self.facts_per_day
        volume = self.profile.traffic_scale * _seasonality(day)
        pick = {
            name: [table[i] for i in _popular(rng, len(table), count)]
            for name, table in world.tables().items()
        }
        landing_pages = [world.pages[i] for i in _popular(rng, len(world.pages), count)]
        first_user_sources = [world.sources[i] for i in _popular(rng, len(world.sources), count)]
        facts, date_text = [], day.strftime("%Y%m%d")
        for index in range(count):
            event, item = pick["events"][index], pick["items"][index]
            facts.append(
                Fact(
                    day=day,
                    date_text=date_text,
                    hour=rng.randrange(24),
                    place=pick["places"][index],
                    device=pick["devices"][index],
                    page=pick["pages"][index],
                    landing_page=landing_pages[index],
                    session_source=pick["sources"][index],
                    first_user_source=first_user_sources[index],
                    event=event,
                    item=item,
                    audience=pick["audiences"][index],
                    stream=pick["streams"][index],
                    custom=pick["custom_values"][index],
                    counts=self._counts(rng, volume, event, item),
                )
            )
        return facts

    def _counts(self, rng: random.Random, volume: float, event: Event, item: Item) -> tuple[int, ...]:
        """One fact's counts, in BASE_COUNTS order, then the custom metrics."""
        users = max(1, round(rng.lognormvariate(2.2, 0.8) * volume))
        sessions = users + round(users * rng.uniform(0.05, 0.5))
        engaged = round(sessions * rng.uniform(0.4, 0.8))
        events = round(sessions * rng.uniform(2.0, 8.0))
        viewed = round(sessions * rng.uniform(0.0, 3.0))
        added = round(viewed * rng.uniform(0.0, 0.4))
        purchased = round(added * rng.uniform(0.0, 0.6))
        impressions = round(sessions * rng.uniform(0.0, 1.5))
        item_revenue = purchased * item.price_cents
        base = (
            users,
            round(users * rng.uniform(0.2, 0.6)),
            users + round(users * rng.uniform(0.0, 0.1)),
            sessions,
            engaged,
            round(sessions * rng.uniform(1.0, 4.0)),
            events,
            round(events * rng.uniform(0.05, 0.2)) if event.is_key_event else 0,
            round(engaged * rng.uniform(20.0, 300.0)),
            math.ceil(purchased * rng.uniform(0.4, 1.0)),
            added,
            round(added * rng.uniform(0.3, 0.8)),
            item_revenue,
            viewed,
            added,
            purchased,
            item_revenue,
            impressions,
            round(impressions * rng.uniform(0.0, 0.03)),
            round(impressions * rng.uniform(0.1, 0.5)),
        )
        custom = tuple(
            round(sessions * metric.mean_per_session * rng.uniform(0.5, 1.5))
            for metric in self.profile.custom_metrics
        )
        return base + custom


def _popular(rng: random.Random, size: int, count: int) -> list[int]:
    """`count` indexes into a table of `size`, the first entries the most popular (Zipf-like)."""
    return rng.choices(range(size), cum_weights=_zipf_cumulative(size), k=count)


@functools.cache
def _zipf_cumulative(size: int) -> list[float]:
    weights = [1 / (rank + 1) ** 0.9 for rank in range(size)]
    return [sum(weights[: index + 1]) for index in range(size)]


def _seasonality(day: date) -> float:
    """Weekday dips, a yearly wave and slow growth, so time series look like traffic."""
    yearly = 1.0 + 0.25 * math.sin(2 * math.pi * day.timetuple().tm_yday / 365.25)
    growth = 1.0 + 0.0004 * (day - date(2020, 1, 1)).days
    return WEEKDAY_TRAFFIC[day.weekday()] * yearly * growth
