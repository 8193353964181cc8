"""Which streams the credentials may read, asked of HubSpot itself.

HubSpot's scopes evolve (legacy `contacts` or `e-commerce`, granular `crm.objects.*.read`, and
some endpoints accept one of several), so rather than compare granted scopes with a table, each
stream names cheap requests (`Probe`, limit=1) that need exactly the scopes reading it needs.
HubSpot answers those it refuses with 403 MISSING_SCOPES, naming the scopes required; that is
what `check` reports and what `discover` uses to leave streams out. The table below only fills
in when a 403 names no scope. Streams derived from an object (its archived records, its property
history, its associations) make the same probes as the object's stream; each probe is sent once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from source_hubspot.api import Forbidden, HubSpotApi

_ENGAGEMENT = ("crm.objects.contacts.read",)
# HubSpot's documented granular scopes per stream (records, then property definitions).
REQUIRED_SCOPES: Mapping[str, tuple[str, ...]] = {
    "contacts": ("crm.objects.contacts.read", "crm.schemas.contacts.read"),
    "companies": ("crm.objects.companies.read", "crm.schemas.companies.read"),
    "deals": ("crm.objects.deals.read", "crm.schemas.deals.read"),
    "tickets": ("tickets",),
    "line_items": ("crm.objects.line_items.read",),
    "products": ("crm.objects.products.read",),
    "quotes": ("crm.objects.quotes.read",),
    "calls": _ENGAGEMENT,
    "emails": (*_ENGAGEMENT, "sales-email-read"),
    "meetings": _ENGAGEMENT,
    "notes": _ENGAGEMENT,
    "tasks": _ENGAGEMENT,
    "owners": ("crm.objects.owners.read",),
    "owners_archived": ("crm.objects.owners.read",),
    "deal_pipelines": ("crm.objects.deals.read",),
    "ticket_pipelines": ("tickets",),
}
CUSTOM_OBJECT_SCOPES = ("crm.objects.custom.read", "crm.schemas.custom.read")


@dataclass(frozen=True)
class Probe:
    """A GET that needs the same scopes as reading a stream, and costs HubSpot almost nothing.

    `scopes`: the documented ones, named when HubSpot's 403 names none (else the stream's entry
    in REQUIRED_SCOPES is).
    """

    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    scopes: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """What makes two probes the same request."""
        return self.path, tuple(sorted((name, str(value)) for name, value in self.params.items()))


class Probed(Protocol):
    """A stream that can say how to test access to it."""

    @property
    def name(self) -> str: ...

    def probes(self) -> Sequence[Probe]: ...


def missing_scopes(api: HubSpotApi, streams: Iterable[Probed]) -> dict[str, list[str]]:
    """Stream name -> the scopes HubSpot says are missing to read it; readable streams are absent."""
    missing: dict[str, list[str]] = {}
    answers: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}
    for stream in streams:
        for probe in stream.probes():
            if probe.key not in answers:
                answers[probe.key] = api.get_unless_forbidden(probe.path, probe.params)
            answer = answers[probe.key]
            if isinstance(answer, Forbidden):
                named = answer.scopes or list(
                    probe.scopes or REQUIRED_SCOPES.get(stream.name, CUSTOM_OBJECT_SCOPES)
                )
                missing[stream.name] = list(dict.fromkeys([*missing.get(stream.name, []), *named]))
    return missing


def describe_missing(missing: Mapping[str, Sequence[str]]) -> str:
    """`deals, deals_archived (crm.objects.deals.read); tickets (tickets)`: for messages and logs.

    Streams lacking the same scopes are named together: a scope left out of an app usually
    hides an object's stream and every stream derived from it.
    """
    streams_by_scopes: dict[tuple[str, ...], list[str]] = {}
    for stream, scopes in sorted(missing.items()):
        streams_by_scopes.setdefault(tuple(scopes), []).append(stream)
    return "; ".join(
        f"{', '.join(streams)} ({', '.join(scopes)})" for scopes, streams in streams_by_scopes.items()
    )
