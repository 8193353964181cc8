"""The account's reference data that records point at: owners and deal/ticket pipelines."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.hubspot.timestamps import iso

FIRST_NAMES = (
    "Alice", "Bob", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Keiko", "Liam", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara",
    "Umar", "Vera", "Wen", "Xavier", "Yara", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Garcia", "Müller", "Rossi", "Dubois", "Kowalski", "Nakamura", "Okafor", "Silva", "Jensen",
    "O'Brien", "Novak", "Haddad", "Lindqvist", "Petrov", "Tanaka", "Moreau", "Fischer", "Costa", "Nguyen",
)  # fmt: skip


@dataclass(frozen=True)
class Owner:
    id: str
    user_id: int
    first_name: str
    last_name: str
    archived: bool

    @property
    def email(self) -> str:
        return f"{self.first_name}.{self.last_name}@example.com".lower().replace("'", "")

    def as_json(self, created_ms: int) -> dict[str, object]:
        return {
            "id": self.id,
            "email": self.email,
            "type": "PERSON",
            "firstName": self.first_name,
            "lastName": self.last_name,
            "userId": self.user_id,
            "userIdIncludingInactive": self.user_id,
            "createdAt": iso(created_ms),
            "updatedAt": iso(created_ms + 86_400_000),
            "archived": self.archived,
            "teams": [
                {"id": str(4000 + int(self.id) % 3), "name": f"Team {int(self.id) % 3 + 1}", "primary": True}
            ],
        }


def make_owners(count: int, archived: int) -> tuple[Owner, ...]:
    """`count` active owners followed by `archived` deactivated ones (listed with archived=true)."""
    return tuple(
        Owner(
            id=str(70_000_000 + number),
            user_id=9_000_000 + number,
            first_name=FIRST_NAMES[number % len(FIRST_NAMES)],
            last_name=LAST_NAMES[number % len(LAST_NAMES)],
            archived=number >= count,
        )
        for number in range(count + archived)
    )


@dataclass(frozen=True)
class Stage:
    id: str
    label: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class Pipeline:
    id: str
    label: str
    stages: tuple[Stage, ...]

    def as_json(self, created_ms: int) -> dict[str, object]:
        timestamps = {"createdAt": iso(created_ms), "updatedAt": iso(created_ms), "archived": False}
        return {
            "label": self.label,
            "displayOrder": 0,
            "id": self.id,
            "stages": [
                {
                    "label": stage.label,
                    "displayOrder": order,
                    "metadata": stage.metadata,
                    "id": stage.id,
                    **timestamps,
                    "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                }
                for order, stage in enumerate(self.stages)
            ],
            **timestamps,
        }


def _deal_stage(stage_id: str, label: str, probability: str) -> Stage:
    return Stage(
        stage_id, label, {"isClosed": str(probability in ("0.0", "1.0")).lower(), "probability": probability}
    )


def _ticket_stage(stage_id: str, label: str, state: str) -> Stage:
    return Stage(stage_id, label, {"ticketState": state})


PIPELINES: dict[str, tuple[Pipeline, ...]] = {
    "deals": (
        Pipeline(
            "default",
            "Sales Pipeline",
            (
                _deal_stage("appointmentscheduled", "Appointment Scheduled", "0.2"),
                _deal_stage("qualifiedtobuy", "Qualified To Buy", "0.4"),
                _deal_stage("presentationscheduled", "Presentation Scheduled", "0.6"),
                _deal_stage("decisionmakerboughtin", "Decision Maker Bought-In", "0.8"),
                _deal_stage("contractsent", "Contract Sent", "0.9"),
                _deal_stage("closedwon", "Closed Won", "1.0"),
                _deal_stage("closedlost", "Closed Lost", "0.0"),
            ),
        ),
        Pipeline(
            "renewals",
            "Renewals",
            (
                _deal_stage("renewal_due", "Renewal due", "0.5"),
                _deal_stage("renewal_won", "Renewed", "1.0"),
                _deal_stage("renewal_lost", "Churned", "0.0"),
            ),
        ),
    ),
    "tickets": (
        Pipeline(
            "0",
            "Support Pipeline",
            (
                _ticket_stage("1", "New", "OPEN"),
                _ticket_stage("2", "Waiting on contact", "OPEN"),
                _ticket_stage("3", "Waiting on us", "OPEN"),
                _ticket_stage("4", "Closed", "CLOSED"),
            ),
        ),
    ),
}
