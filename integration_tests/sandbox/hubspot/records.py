"""The records of one object type, generated from their index instead of being stored.

A record is its index `i` in creation order: its id, create date and property values are
functions of `i` (see sandbox.hubspot.values). The store keeps only compact arrays: the
last-modified time per record and the orders searches and lists walk (by id, by last-modified).
Tests change the data between reads with `touch` (an edit) and `archive` (a delete); each
change swaps in a new immutable `Snapshot`, so a request in flight never sees half a change.
"""

from __future__ import annotations

import random
import threading
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sandbox.hubspot.catalog import ObjectType, PropertySpec
from sandbox.hubspot.timestamps import iso
from sandbox.hubspot.values import ValueFactory, mix, name_hash

ID_STEP = 3  # ids leave gaps, as real portals' do: connectors must not assume contiguous ids
_DAY_MS = 86_400_000
SOURCE_TYPES = ("CRM_UI", "API", "IMPORT", "INTEGRATION")
# The properties a record carries, each with its definition (None: set by HubSpot, see `_set_by_hubspot`).
PropertyPlan = tuple[tuple[str, PropertySpec | None], ...]


@dataclass(frozen=True)
class Snapshot:
    """One consistent state of the store; record indices throughout."""

    modified: array[int]  # last-modified epoch ms per record
    live_by_id: array[int]  # unarchived records, ascending id
    live_by_modified: array[int]  # unarchived records by (last-modified, id)
    archived_by_id: array[int]
    archived_at: dict[int, int] = field(default_factory=dict)
    changes: dict[int, tuple[int, ...]] = field(default_factory=dict)  # edit times from touch()


@dataclass(frozen=True)
class DataShape:
    """How many records and which special cases a store is generated with."""

    count: int
    start_ms: int  # the first record's create date
    end_ms: int  # "now" for the data: nothing is modified later (until a test touches records)
    shared_timestamp: int = 0  # this many records share one last-modified time (a bulk update)
    archived: int = 0


class ObjectStore:
    """All records of one object type, read through `snapshot()`."""

    def __init__(self, object_type: ObjectType, shape: DataShape, values: ValueFactory, seed: int) -> None:
        self.object_type = object_type
        self.count = shape.count
        self.values = values
        self._seed = seed
        self._specs = {spec.name: spec for spec in object_type.properties}
        self._plans: dict[tuple[str, ...] | None, PropertyPlan] = {}
        self._lock = threading.Lock()
        self._start_ms = shape.start_ms
        creation_span = shape.end_ms - 30 * _DAY_MS - shape.start_ms
        self._step_ms = max(creation_span // max(shape.count, 1), 1)
        self.bulk_update_ms = shape.end_ms - _DAY_MS
        rng = random.Random(mix(seed, name_hash(object_type.name)))
        self._base_modified = self._generate_modified(rng, shape.end_ms)
        for index in rng.sample(range(shape.count), min(shape.shared_timestamp, shape.count)):
            self._base_modified[index] = self.bulk_update_ms
        archived = rng.sample(range(shape.count), min(shape.archived, shape.count))
        self._snapshot = self._build({index: self._base_modified[index] for index in archived}, {})

    def _generate_modified(self, rng: random.Random, end_ms: int) -> array[int]:
        draw, start, step = rng.random, self._start_ms, self._step_ms
        return array(
            "q", (start + i * step + int(draw() * (end_ms - start - i * step)) for i in range(self.count))
        )

    # --- identity and time ---------------------------------------------------------------------

    def id_of(self, index: int) -> int:
        return self.object_type.first_id + index * ID_STEP

    def index_of(self, record_id: str | int) -> int | None:
        """The index of an existing record id, None for ids that name no record."""
        try:
            offset = int(record_id) - self.object_type.first_id
        except ValueError:
            return None
        index, remainder = divmod(offset, ID_STEP)
        return index if remainder == 0 and 0 <= index < self.count else None

    def first_index_from_id(self, record_id: int) -> int:
        """The smallest index whose id is >= `record_id` (for id-ordered paging)."""
        offset = record_id - self.object_type.first_id
        return min(max(-(-offset // ID_STEP), 0), self.count)

    def created_ms(self, index: int) -> int:
        """Strictly increasing with the index: records are numbered in creation order."""
        return self._start_ms + index * self._step_ms + (index * 7919) % self._step_ms

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snapshot

    # --- changes between reads -----------------------------------------------------------------

    def touch(self, record_ids: Iterable[str | int], at_ms: int) -> None:
        """Edit these records at `at_ms`: every property they have gets a new value."""
        with self._lock:
            current = self._snapshot
            changes = dict(current.changes)
            for index in self._indices(record_ids):
                changes[index] = (*changes.get(index, ()), at_ms)
            self._snapshot = self._build(current.archived_at, changes)

    def archive(self, record_ids: Iterable[str | int], at_ms: int) -> None:
        """Delete these records at `at_ms`: they leave searches and default lists."""
        with self._lock:
            current = self._snapshot
            archived_at = dict(current.archived_at)
            for index in self._indices(record_ids):
                archived_at[index] = at_ms
            self._snapshot = self._build(archived_at, current.changes)

    def _indices(self, record_ids: Iterable[str | int]) -> list[int]:
        indices = {record_id: self.index_of(record_id) for record_id in record_ids}
        unknown = [record_id for record_id, index in indices.items() if index is None]
        if unknown:
            raise KeyError(f"no {self.object_type.name} with ids {unknown}")
        return [index for index in indices.values() if index is not None]

    def _build(self, archived_at: dict[int, int], changes: dict[int, tuple[int, ...]]) -> Snapshot:
        """Derive the orders from the base data plus the archive and edit records."""
        effective = self._base_modified
        if changes or archived_at:
            effective = array("q", self._base_modified)
            for index, times in changes.items():
                effective[index] = times[-1]
            for index, at_ms in archived_at.items():
                effective[index] = max(effective[index], at_ms)
        live = array("q", (i for i in range(self.count) if i not in archived_at)) if archived_at else None
        live_by_id = live if live is not None else array("q", range(self.count))
        return Snapshot(
            modified=effective,
            live_by_id=live_by_id,
            live_by_modified=array("q", sorted(live_by_id, key=effective.__getitem__)),
            archived_by_id=array("q", sorted(archived_at)),
            archived_at=archived_at,
            changes=changes,
        )

    # --- property values -----------------------------------------------------------------------

    def spec(self, name: str) -> PropertySpec | None:
        return self._specs.get(name)

    def value(self, snapshot: Snapshot, index: int, name: str) -> str | None:
        """The current value of property `name` on record `index` (None when unset)."""
        return self._current_values(snapshot, index, ((name, self._generated_spec(name)),))[name]

    def _current_values(self, snapshot: Snapshot, index: int, plan: PropertyPlan) -> dict[str, str | None]:
        """The newest entry of `_history` of each property in `plan`, drawing only that value."""
        record_key, edits = self.values.record_key(index), len(snapshot.changes.get(index, ()))
        created, modified = self.created_ms(index), self._base_modified[index]
        draw = self.values.current_value
        return {
            name: self._set_by_hubspot(snapshot, index, name)[0]
            if spec is None
            else draw(spec, record_key, edits, index, created, modified)
            for name, spec in plan
        }

    def _generated_spec(self, name: str) -> PropertySpec | None:
        """The definition of a property with generated values; None for those HubSpot sets itself."""
        return None if name in self.object_type.always_returned else self._specs[name]

    def _set_by_hubspot(self, snapshot: Snapshot, index: int, name: str) -> tuple[str, int]:
        """(value, timestamp) of the id, the create date or the last-modified date."""
        if name == "hs_object_id":
            return str(self.id_of(index)), self.created_ms(index)
        if name == self.object_type.created_property:
            return iso(self.created_ms(index)), self.created_ms(index)
        return iso(snapshot.modified[index]), snapshot.modified[index]

    def _history(self, snapshot: Snapshot, index: int, name: str) -> list[tuple[str, int]]:
        """(value, timestamp) of every version of a property, newest first."""
        spec = self._generated_spec(name)
        if spec is None:
            return [self._set_by_hubspot(snapshot, index, name)]
        key = self.values.property_key(self.values.record_key(index), spec)
        if not self.values.has_value(spec, key):
            return []
        created, modified = self.created_ms(index), self._base_modified[index]
        base_versions = self.values.first_version_count(key)
        times = [
            created + (modified - created) * v // max(base_versions - 1, 1) for v in range(base_versions)
        ]
        times += snapshot.changes.get(index, ())
        return [
            (self.values.value(spec, key, version, index, created, modified), at_ms)
            for version, at_ms in reversed(list(enumerate(times)))
        ]

    # --- the JSON of a record ------------------------------------------------------------------

    def render(
        self,
        snapshot: Snapshot,
        index: int,
        properties: Sequence[str] | None,
        with_history: Sequence[str] = (),
    ) -> dict[str, object]:
        """A record as the v3 objects API returns it.

        `properties` None means the type's defaults; unknown names are ignored and the
        create date, last-modified date and hs_object_id always come along, as HubSpot does.
        """
        plan = self._returned_properties(None if properties is None else tuple(properties))
        updated_ms = snapshot.modified[index]
        record: dict[str, object] = {
            "id": str(self.id_of(index)),
            "properties": self._current_values(snapshot, index, plan),
        }
        if with_history:
            record["propertiesWithHistory"] = {
                name: [
                    self._history_entry(index, name, value, at_ms)
                    for value, at_ms in self._history(snapshot, index, name)
                ]
                for name in with_history
                if name in self._specs
            }
        record.update(createdAt=iso(self.created_ms(index)), updatedAt=iso(updated_ms))
        archived_at = snapshot.archived_at.get(index)
        record["archived"] = archived_at is not None
        if archived_at is not None:
            record["archivedAt"] = iso(archived_at)
        return record

    def _returned_properties(self, requested: tuple[str, ...] | None) -> PropertyPlan:
        """The properties a record carries when `requested` are asked for, worked out once per list."""
        plan = self._plans.get(requested)
        if plan is None:
            wanted = self.object_type.default_properties if requested is None else requested
            known = (name for name in (*wanted, *self.object_type.always_returned) if name in self._specs)
            plan = self._plans[requested] = tuple(
                (name, self._generated_spec(name)) for name in dict.fromkeys(known)
            )
        return plan

    def _history_entry(self, index: int, name: str, value: str, at_ms: int) -> dict[str, object]:
        spec = self._specs[name]
        entry: dict[str, object] = {"value": value, "timestamp": iso(at_ms)}
        if spec.calculated or name in self.object_type.always_returned:
            return {**entry, "sourceType": "CALCULATED"}
        entropy = mix(self._seed, index, name_hash(name), at_ms)
        source = SOURCE_TYPES[entropy % len(SOURCE_TYPES)]
        if source == "CRM_UI":
            user_id = 9_000_000 + entropy // 7 % 20
            return {
                **entry,
                "sourceType": source,
                "sourceId": f"userId:{user_id}",
                "updatedByUserId": user_id,
            }
        return {**entry, "sourceType": source, "sourceId": f"{source.lower()}-{entropy // 7 % 1000}"}
