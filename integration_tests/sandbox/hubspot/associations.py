"""Deterministic associations between records, with HubSpot's association types and labels.

Each `Link` joins a child type to a parent type: child record `i` is associated with parent
record `i % parent_count` (so a parent's children are p, p + parent_count, ...). Every pair
carries the link's HubSpot-defined types (e.g. Primary + unlabeled for contact -> company) and
every fifth pair also a user-defined label, so connectors see labelled and unlabelled edges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

USER_LABEL_EVERY = 5


@dataclass(frozen=True)
class AssociationType:
    category: str  # HUBSPOT_DEFINED or USER_DEFINED
    type_id: int
    label: str | None

    def as_json(self) -> dict[str, object]:
        return {"category": self.category, "typeId": self.type_id, "label": self.label}


def _defined(*type_ids_and_labels: tuple[int, str | None]) -> tuple[AssociationType, ...]:
    return tuple(AssociationType("HUBSPOT_DEFINED", type_id, label) for type_id, label in type_ids_and_labels)


@dataclass(frozen=True)
class Link:
    child: str
    parent: str
    child_to_parent: tuple[AssociationType, ...]
    parent_to_child: tuple[AssociationType, ...]
    user_label: tuple[AssociationType, AssociationType] | None = None  # (child->parent, parent->child)


def _link(child: str, parent: str, forward: int, backward: int, label: str | None = None) -> Link:
    """A link with one unlabeled HubSpot-defined type each way, optionally a user label too."""
    user = None
    if label is not None:
        user = (
            AssociationType("USER_DEFINED", forward + 1000, label),
            AssociationType("USER_DEFINED", backward + 1000, label),
        )
    return Link(child, parent, _defined((forward, None)), _defined((backward, None)), user)


def _engagement_links(
    name: str, contact: tuple[int, int], company: tuple[int, int], deal: tuple[int, int]
) -> list[Link]:
    return [
        _link(name, "contacts", *contact),
        _link(name, "companies", *company),
        _link(name, "deals", *deal),
    ]


STANDARD_LINKS: tuple[Link, ...] = (
    Link(
        "contacts",
        "companies",
        _defined((1, "Primary"), (279, None)),
        _defined((2, "Primary"), (280, None)),
        (
            AssociationType("USER_DEFINED", 37, "Billing contact"),
            AssociationType("USER_DEFINED", 38, "Billing contact"),
        ),
    ),
    _link("deals", "contacts", 3, 4, "Decision maker"),
    Link("deals", "companies", _defined((5, "Primary"), (341, None)), _defined((6, "Primary"), (342, None))),
    _link("tickets", "contacts", 16, 15),
    Link(
        "tickets", "companies", _defined((26, "Primary"), (339, None)), _defined((25, "Primary"), (340, None))
    ),
    _link("tickets", "deals", 28, 27),
    _link("line_items", "deals", 20, 19),
    _link("quotes", "deals", 64, 63),
    *_engagement_links("calls", (194, 193), (182, 181), (206, 205)),
    *_engagement_links("emails", (198, 197), (186, 185), (210, 209)),
    *_engagement_links("meetings", (200, 199), (188, 187), (212, 211)),
    *_engagement_links("notes", (202, 201), (190, 189), (214, 213)),
    *_engagement_links("tasks", (204, 203), (192, 191), (216, 215)),
)


def custom_object_link(name: str, number: int) -> Link:
    """Custom objects are associated with contacts through user-defined association types."""
    return Link(
        name,
        "contacts",
        (AssociationType("USER_DEFINED", 200 + 2 * number, None),),
        (AssociationType("USER_DEFINED", 201 + 2 * number, None),),
    )


@dataclass(frozen=True)
class Target:
    index: int
    types: tuple[AssociationType, ...]


class Associations:
    """Answers "which records of type B is record i of type A associated with, and how"."""

    def __init__(self, links: tuple[Link, ...], counts: Mapping[str, int]) -> None:
        self._links = links
        self._counts = counts

    def labels(self, from_type: str, to_type: str) -> tuple[AssociationType, ...] | None:
        """Every association type defined from one object type to another (None: not related)."""
        found = self._find(from_type, to_type)
        if found is None:
            return None
        link, from_is_child = found
        defined = link.child_to_parent if from_is_child else link.parent_to_child
        user = () if link.user_label is None else (link.user_label[0 if from_is_child else 1],)
        return defined + user

    def targets(self, from_type: str, from_index: int, to_type: str) -> list[Target]:
        found = self._find(from_type, to_type)
        if found is None:
            return []
        link, from_is_child = found
        child_count, parent_count = self._counts.get(link.child, 0), self._counts.get(link.parent, 0)
        if parent_count == 0:
            return []
        if from_is_child:
            pairs = [(from_index, from_index % parent_count)]
        else:
            pairs = [(child, from_index) for child in range(from_index, child_count, parent_count)]
        return [
            Target(
                parent if from_is_child else child,
                self._types(link, from_is_child, labelled=child % USER_LABEL_EVERY == 0),
            )
            for child, parent in pairs
        ]

    def _types(self, link: Link, from_is_child: bool, labelled: bool) -> tuple[AssociationType, ...]:
        defined = link.child_to_parent if from_is_child else link.parent_to_child
        if labelled and link.user_label is not None:
            return (*defined, link.user_label[0 if from_is_child else 1])
        return defined

    def _find(self, from_type: str, to_type: str) -> tuple[Link, bool] | None:
        for link in self._links:
            if (link.child, link.parent) == (from_type, to_type):
                return link, True
            if (link.parent, link.child) == (from_type, to_type):
                return link, False
        return None
