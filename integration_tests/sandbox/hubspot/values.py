"""Invented but plausible property values, each a pure function of (seed, record, property, version).

Nothing is stored per record: a value is recomputed whenever it is needed, so an account of a
million contacts costs no memory beyond the store's timestamp arrays. Every draw hashes
(seed, record, property, ...) with `mix`; the shared beginnings are hashed once per record
(`record_key`) and once per property (`property_key`), since rendering a page of records is
mostly this hashing.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable, Sequence

from sandbox.hubspot.account import FIRST_NAMES, LAST_NAMES, PIPELINES, Owner, Pipeline
from sandbox.hubspot.catalog import PropertySpec
from sandbox.hubspot.timestamps import iso, iso_date

_MASK = (1 << 64) - 1
_MIX_START = 0x9E3779B97F4A7C15
_DAY_MS = 86_400_000

WORDS = (
    "quarterly", "review", "onboarding", "renewal", "pricing", "follow-up", "demo", "integration",
    "invoice", "migration", "feedback", "kickoff", "training", "proposal", "contract", "support",
)  # fmt: skip
COMPANY_WORDS = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Soylent",
    "Hooli",
    "Vandelay",
)
COMPANY_SUFFIXES = ("Inc", "GmbH", "Ltd", "SA", "Group", "Labs")
CITIES = ("Boston", "Dublin", "Berlin", "Lisbon", "Tokyo", "Lagos", "São Paulo", "Toronto", "Sydney", "Paris")
COUNTRIES = ("United States", "Ireland", "Germany", "Portugal", "Japan", "Nigeria", "Brazil", "Canada")
JOB_TITLES = ("CEO", "CTO", "Head of Sales", "Marketing Manager", "Data Engineer", "Account Executive")
PRODUCTS = ("Starter plan", "Professional plan", "Enterprise plan", "Onboarding package", "Support add-on")


def mix(*parts: int) -> int:
    """A fast, well-spread 64-bit hash of integers (splitmix64 steps)."""
    state = _MIX_START
    for part in parts:
        state = mix_onto(state, part)
    return state


def mix_onto(key: int, part: int) -> int:
    """`mix` carried one part further: mix_onto(mix(a, b), c) == mix(a, b, c)."""
    state = ((key ^ (part & _MASK)) * 0xBF58476D1CE4E5B9) & _MASK
    state = ((state ^ (state >> 27)) * 0x94D049BB133111EB) & _MASK
    return state ^ (state >> 31)


@functools.cache
def name_hash(name: str) -> int:
    return zlib.crc32(name.encode())


class ValueFactory:
    """Values for one account; `created_ms` and `modified_ms` anchor time-like values."""

    def __init__(self, seed: int, owners: Sequence[Owner]) -> None:
        self.seed = seed
        self._owner_ids = [owner.id for owner in owners if not owner.archived] or ["0"]
        self._samples: dict[str, Callable[[int, int, int, int], str]] = {
            "first_name": lambda h, i, c, m: FIRST_NAMES[self._pick(i, "first", len(FIRST_NAMES))],
            "last_name": lambda h, i, c, m: LAST_NAMES[self._pick(i, "last", len(LAST_NAMES))],
            "email": lambda h, i, c, m: self._email(i),
            "company_name": lambda h, i, c, m: self._company(i),
            "domain": lambda h, i, c, m: self._domain(i),
            "url": lambda h, i, c, m: f"https://www.{self._domain(i)}",
            "phone": lambda h, i, c, m: f"+1 555 {h % 1000:03d} {h // 1000 % 10000:04d}",
            "job_title": lambda h, i, c, m: JOB_TITLES[h % len(JOB_TITLES)],
            "city": lambda h, i, c, m: CITIES[h % len(CITIES)],
            "country": lambda h, i, c, m: COUNTRIES[h % len(COUNTRIES)],
            "zip": lambda h, i, c, m: f"{h % 100000:05d}",
            "words": lambda h, i, c, m: f"{WORDS[h % len(WORDS)]} {WORDS[h // 17 % len(WORDS)]}",
            "sentence": lambda h, i, c, m: self._sentence(h),
            "paragraph": lambda h, i, c, m: f"{self._sentence(h)}. {self._sentence(h >> 20)}.",
            "deal_name": lambda h, i, c, m: f"{self._company(i)} - {PRODUCTS[h % len(PRODUCTS)]}",
            "product_name": lambda h, i, c, m: PRODUCTS[h % len(PRODUCTS)],
            "sku": lambda h, i, c, m: f"SKU-{h % 1_000_000:06d}",
            "money": lambda h, i, c, m: f"{h % 50_000 + 100}.{h // 7 % 100:02d}",
            "count": lambda h, i, c, m: str(h % 500),
            "duration": lambda h, i, c, m: str(h % 3_600_000),
            "probability": lambda h, i, c, m: ("0.2", "0.4", "0.6", "0.8", "1.0")[h % 5],
            "year": lambda h, i, c, m: str(1950 + h % 75),
            "token": lambda h, i, c, m: f"{h:016x}",
            "currency": lambda h, i, c, m: ("USD", "EUR", "GBP")[h % 3],
            "owner": lambda h, i, c, m: self._owner_ids[h % len(self._owner_ids)],
            "past": lambda h, i, c, m: iso(c + h % max(m - c, 1)),
            "future": lambda h, i, c, m: iso(m + h % (90 * _DAY_MS)),
            "date": lambda h, i, c, m: iso_date(c - h % (40 * 365 * _DAY_MS)),
            "bool": lambda h, i, c, m: ("true", "false")[h % 2],
            "deal_pipeline": lambda h, i, c, m: self._pipeline("deals", i).id,
            "deal_stage": lambda h, i, c, m: self._stage("deals", i),
            "ticket_pipeline": lambda h, i, c, m: self._pipeline("tickets", i).id,
            "ticket_stage": lambda h, i, c, m: self._stage("tickets", i),
        }

    def record_key(self, index: int) -> int:
        """What every draw for record `index` starts from."""
        return mix(self.seed, index)

    @staticmethod
    def property_key(record_key: int, spec: PropertySpec) -> int:
        """What every draw for one property of a record starts from."""
        return mix_onto(record_key, name_hash(spec.name))

    @staticmethod
    def has_value(spec: PropertySpec, property_key: int) -> bool:
        return mix_onto(property_key, 1) % 1000 < spec.fill_rate * 1000

    def current_value(
        self, spec: PropertySpec, record_key: int, edits: int, index: int, created_ms: int, modified_ms: int
    ) -> str | None:
        """The value after the generated versions and `edits` later edits; None when the record has none."""
        key = self.property_key(record_key, spec)
        if not self.has_value(spec, key):
            return None
        newest = self.first_version_count(key) - 1 + edits
        return self.value(spec, key, newest, index, created_ms, modified_ms)

    @staticmethod
    def first_version_count(property_key: int) -> int:
        """How many values the property had by the record's last generated change (1 to 3)."""
        return 1 + property_key % 3

    def value(
        self,
        spec: PropertySpec,
        property_key: int,
        version: int,
        index: int,
        created_ms: int,
        modified_ms: int,
    ) -> str:
        """The value `spec` had on record `index` at its `version`-th change (0 is the first)."""
        entropy = mix_onto(property_key, version + 2)
        if spec.options:
            return spec.options[entropy % len(spec.options)]
        sample = spec.sample or {"date": "date", "bool": "bool", "datetime": "past", "number": "count"}.get(
            spec.type, "phone" if spec.type == "phone_number" else "words"
        )
        return self._samples[sample](entropy, index, created_ms, modified_ms)

    def _pick(self, index: int, what: str, size: int) -> int:
        return mix(self.seed, index, name_hash(what)) % size

    def _email(self, index: int) -> str:
        first = FIRST_NAMES[self._pick(index, "first", len(FIRST_NAMES))]
        last = LAST_NAMES[self._pick(index, "last", len(LAST_NAMES))]
        return f"{first}.{last}.{index}@{self._domain(index)}".lower().replace("'", "")

    def _company(self, index: int) -> str:
        entropy = mix(self.seed, index, name_hash("company"))
        return f"{COMPANY_WORDS[entropy % len(COMPANY_WORDS)]} {COMPANY_SUFFIXES[entropy // 11 % 6]}"

    def _domain(self, index: int) -> str:
        entropy = mix(self.seed, index, name_hash("company"))
        return f"{COMPANY_WORDS[entropy % len(COMPANY_WORDS)].lower()}{entropy // 101 % 1000}.example.com"

    @staticmethod
    def _sentence(entropy: int) -> str:
        words = [WORDS[(entropy >> shift) % len(WORDS)] for shift in (0, 5, 10, 15)]
        return " ".join(words).capitalize()

    def _pipeline(self, object_name: str, index: int) -> Pipeline:
        pipelines = PIPELINES[object_name]
        return pipelines[self._pick(index, "pipeline", len(pipelines))]

    def _stage(self, object_name: str, index: int) -> str:
        stages = self._pipeline(object_name, index).stages
        return stages[self._pick(index, "stage", len(stages))].id
