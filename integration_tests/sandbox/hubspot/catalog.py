"""What the fake account contains: object types, their properties and the scopes guarding them.

The property sets follow HubSpot's default properties (names, types, field types, groups) so a
connector builds the same schemas here as against a real account. A property's `sample` names
the kind of value the data generator invents for it (see sandbox.hubspot.values).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

# HubSpot's property types and the field type its UI uses for each by default.
DEFAULT_FIELD_TYPES = {
    "string": "text",
    "number": "number",
    "date": "date",
    "datetime": "date",
    "enumeration": "select",
    "bool": "booleancheckbox",
    "phone_number": "phonenumber",
}


@dataclass(frozen=True)
class PropertySpec:
    """One property definition, as `GET /crm/v3/properties/{objectType}` describes it."""

    name: str
    type: str
    sample: str = ""  # which kind of value to generate; "" means the type's default
    label: str = ""
    group: str = "information"
    field_type: str = ""
    options: tuple[str, ...] = ()
    fill_rate: float = 0.9  # share of records that have a value
    calculated: bool = False
    hidden: bool = False
    hubspot_defined: bool = True

    def metadata(self, timestamp: str) -> dict[str, object]:
        options = [
            {
                "label": option.replace("_", " ").title(),
                "value": option,
                "displayOrder": order,
                "hidden": False,
            }
            for order, option in enumerate(self.options)
        ]
        if self.type == "bool":
            options = [
                {"label": "True", "value": "true", "displayOrder": 0, "hidden": False},
                {"label": "False", "value": "false", "displayOrder": 1, "hidden": False},
            ]
        return {
            "updatedAt": timestamp,
            "createdAt": timestamp,
            "name": self.name,
            "label": self.label or self.name.replace("_", " ").capitalize(),
            "type": self.type,
            "fieldType": self.field_type or DEFAULT_FIELD_TYPES[self.type],
            "description": "",
            "groupName": self.group,
            "options": options,
            "displayOrder": -1,
            "calculated": self.calculated,
            "externalOptions": False,
            "hasUniqueValue": self.name == "hs_object_id",
            "hidden": self.hidden,
            "hubspotDefined": self.hubspot_defined,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.calculated,
            },
            "formField": not self.calculated,
        }


def _enum(name: str, *options: str, **kwargs: Any) -> PropertySpec:
    return PropertySpec(name, "enumeration", options=options, **kwargs)


OWNER = PropertySpec("hubspot_owner_id", "enumeration", "owner", label="Contact owner", fill_rate=0.8)
LIFECYCLE = _enum(
    "lifecyclestage",
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
    fill_rate=0.95,
)


@dataclass(frozen=True)
class ObjectType:
    """A CRM object type: how it is addressed, which scopes read it, which properties it has."""

    name: str  # the plural path name, e.g. "contacts"
    type_id: str  # "0-1" for standard objects, "2-..." for custom ones
    singular: str
    created_property: str
    cursor_property: str  # the last-modified property incremental reads filter on
    scopes: tuple[str, ...]  # granular scopes needed to read records
    schema_scopes: tuple[str, ...]  # granular scopes needed to read property definitions
    default_properties: tuple[str, ...]  # returned when a request names no properties
    own_properties: tuple[PropertySpec, ...]
    first_id: int
    fully_qualified_name: str = ""  # custom objects: "p{hubId}_{name}"

    @property
    def properties(self) -> tuple[PropertySpec, ...]:
        """Own properties plus the three every record has."""
        timestamps = (
            PropertySpec(self.created_property, "datetime", "created", label="Create date", fill_rate=1.0),
            PropertySpec(
                self.cursor_property, "datetime", "modified", label="Last modified date", fill_rate=1.0
            ),
            PropertySpec(
                "hs_object_id", "number", "object_id", label="Record ID", fill_rate=1.0, calculated=True
            ),
        )
        return self.own_properties + timestamps

    @property
    def always_returned(self) -> tuple[str, ...]:
        """HubSpot adds these to every record, whichever properties were asked for."""
        return (self.created_property, self.cursor_property, "hs_object_id")

    @property
    def aliases(self) -> tuple[str, ...]:
        """Every spelling the API accepts for this type in a path."""
        names = (self.name, self.singular, self.type_id, self.fully_qualified_name)
        return tuple(name for name in names if name)

    def with_extra_properties(self, count: int) -> ObjectType:
        """Add `count` custom properties with long names, to make the object wide."""
        types = ("string", "number", "datetime", "enumeration", "bool", "date")
        extra = tuple(
            PropertySpec(
                f"custom_property_with_a_deliberately_long_internal_name_{number:04d}",
                types[number % len(types)],
                options=("alpha", "beta", "gamma") if types[number % len(types)] == "enumeration" else (),
                group="custom",
                fill_rate=0.5,
                hubspot_defined=False,
            )
            for number in range(count)
        )
        return replace(self, own_properties=self.own_properties + extra)


def _crm_object(
    name: str,
    type_id: str,
    singular: str,
    scopes: tuple[str, ...],
    defaults: tuple[str, ...],
    properties: tuple[PropertySpec, ...],
    first_id: int,
    *,
    schema_scopes: tuple[str, ...] = (),
    created: str = "createdate",
    cursor: str = "hs_lastmodifieddate",
) -> ObjectType:
    return ObjectType(
        name,
        type_id,
        singular,
        created,
        cursor,
        scopes,
        schema_scopes or scopes,
        defaults,
        properties,
        first_id,
    )


_ENGAGEMENT_SCOPES = ("crm.objects.contacts.read",)
_ENGAGEMENT_DEFAULTS = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")

STANDARD_OBJECTS: tuple[ObjectType, ...] = (
    _crm_object(
        "contacts",
        "0-1",
        "contact",
        ("crm.objects.contacts.read",),
        ("firstname", "lastname", "email", "createdate", "lastmodifieddate", "hs_object_id"),
        (
            PropertySpec("firstname", "string", "first_name", label="First Name", group="contactinformation"),
            PropertySpec("lastname", "string", "last_name", label="Last Name", group="contactinformation"),
            PropertySpec("email", "string", "email", label="Email", group="contactinformation"),
            PropertySpec("phone", "string", "phone", label="Phone Number", field_type="phonenumber"),
            PropertySpec("mobilephone", "phone_number", "phone", fill_rate=0.4),
            PropertySpec("company", "string", "company_name", label="Company Name"),
            PropertySpec("jobtitle", "string", "job_title", label="Job Title", fill_rate=0.7),
            PropertySpec("website", "string", "url", label="Website URL", fill_rate=0.5),
            PropertySpec("city", "string", "city"),
            PropertySpec("country", "string", "country"),
            PropertySpec("zip", "string", "zip", label="Postal Code", fill_rate=0.6),
            LIFECYCLE,
            _enum("hs_lead_status", "NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", fill_rate=0.6),
            OWNER,
            PropertySpec("hs_email_optout", "bool", label="Unsubscribed from all email", fill_rate=0.7),
            PropertySpec("date_of_birth", "date", fill_rate=0.2),
            PropertySpec("notes_last_updated", "datetime", "past", label="Last Activity Date", fill_rate=0.6),
            PropertySpec("num_notes", "number", "count", label="Number of Sales Activities", calculated=True),
            PropertySpec(
                "hs_analytics_num_page_views", "number", "count", label="Number of Pageviews", calculated=True
            ),
            _enum("hs_persona", "persona_1", "persona_2", "persona_3", fill_rate=0.3, hidden=True),
        ),
        1001,
        cursor="lastmodifieddate",
    ),
    _crm_object(
        "companies",
        "0-2",
        "company",
        ("crm.objects.companies.read",),
        ("name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id"),
        (
            PropertySpec("name", "string", "company_name", label="Company name", group="companyinformation"),
            PropertySpec(
                "domain", "string", "domain", label="Company Domain Name", group="companyinformation"
            ),
            _enum(
                "industry",
                "COMPUTER_SOFTWARE",
                "RETAIL",
                "BANKING",
                "HOSPITALITY",
                "MARKETING_AND_ADVERTISING",
            ),
            PropertySpec("phone", "string", "phone", field_type="phonenumber"),
            PropertySpec("city", "string", "city"),
            PropertySpec("country", "string", "country"),
            PropertySpec("numberofemployees", "number", "count", label="Number of Employees"),
            PropertySpec("annualrevenue", "number", "money", label="Annual Revenue"),
            PropertySpec("description", "string", "sentence", field_type="textarea", fill_rate=0.5),
            PropertySpec("is_public", "bool", fill_rate=0.6),
            PropertySpec("founded_year", "string", "year", fill_rate=0.4),
            LIFECYCLE,
            replace(OWNER, label="Company owner"),
            PropertySpec(
                "hs_num_open_deals", "number", "count", label="Number of open deals", calculated=True
            ),
        ),
        5001,
        schema_scopes=("crm.schemas.companies.read",),
    ),
    _crm_object(
        "deals",
        "0-3",
        "deal",
        ("crm.objects.deals.read",),
        ("dealname", "amount", "closedate", "pipeline", "dealstage", "createdate", "hs_lastmodifieddate"),
        (
            PropertySpec(
                "dealname", "string", "deal_name", label="Deal Name", group="dealinformation", fill_rate=1.0
            ),
            PropertySpec("amount", "number", "money", label="Amount"),
            PropertySpec("pipeline", "enumeration", "deal_pipeline", label="Pipeline", fill_rate=1.0),
            PropertySpec("dealstage", "enumeration", "deal_stage", label="Deal Stage", fill_rate=1.0),
            PropertySpec("closedate", "datetime", "future", label="Close Date", fill_rate=0.7),
            _enum("dealtype", "newbusiness", "existingbusiness", label="Deal Type", fill_rate=0.6),
            PropertySpec("description", "string", "sentence", field_type="textarea", fill_rate=0.4),
            replace(OWNER, label="Deal owner"),
            PropertySpec("hs_is_closed", "bool", calculated=True, fill_rate=1.0),
            PropertySpec("hs_deal_stage_probability", "number", "probability", calculated=True),
        ),
        9001,
        schema_scopes=("crm.schemas.deals.read",),
    ),
    _crm_object(
        "tickets",
        "0-5",
        "ticket",
        ("tickets",),
        (
            "content",
            "hs_pipeline",
            "hs_pipeline_stage",
            "hs_ticket_category",
            "hs_ticket_priority",
            "subject",
            "createdate",
            "hs_lastmodifieddate",
        ),
        (
            PropertySpec("subject", "string", "sentence", label="Ticket name", fill_rate=1.0),
            PropertySpec("content", "string", "paragraph", label="Ticket description", field_type="textarea"),
            PropertySpec("hs_pipeline", "enumeration", "ticket_pipeline", label="Pipeline", fill_rate=1.0),
            PropertySpec(
                "hs_pipeline_stage", "enumeration", "ticket_stage", label="Ticket status", fill_rate=1.0
            ),
            _enum("hs_ticket_priority", "LOW", "MEDIUM", "HIGH", "URGENT", label="Priority"),
            _enum(
                "hs_ticket_category", "PRODUCT_ISSUE", "BILLING_ISSUE", "FEATURE_REQUEST", "GENERAL_INQUIRY"
            ),
            _enum("source_type", "EMAIL", "CHAT", "PHONE", "FORM", label="Source"),
            PropertySpec("closed_date", "datetime", "past", fill_rate=0.5),
            replace(OWNER, label="Ticket owner"),
        ),
        13001,
    ),
    _crm_object(
        "line_items",
        "0-8",
        "line_item",
        ("e-commerce",),
        ("quantity", "amount", "price", "createdate", "hs_lastmodifieddate", "hs_object_id"),
        (
            PropertySpec("name", "string", "product_name", fill_rate=1.0),
            PropertySpec("quantity", "number", "count", fill_rate=1.0),
            PropertySpec("price", "number", "money", fill_rate=1.0),
            PropertySpec("amount", "number", "money", calculated=True, fill_rate=1.0),
            PropertySpec("hs_sku", "string", "sku", label="SKU", fill_rate=0.6),
            PropertySpec("hs_product_id", "number", "count", label="Product ID", fill_rate=0.8),
        ),
        17001,
    ),
    _crm_object(
        "products",
        "0-7",
        "product",
        ("e-commerce",),
        ("name", "description", "price", "createdate", "hs_lastmodifieddate", "hs_object_id"),
        (
            PropertySpec("name", "string", "product_name", fill_rate=1.0),
            PropertySpec("description", "string", "sentence", field_type="textarea", fill_rate=0.7),
            PropertySpec("price", "number", "money", fill_rate=1.0),
            PropertySpec("hs_sku", "string", "sku", label="SKU"),
            PropertySpec("hs_cost_of_goods_sold", "number", "money", label="Unit cost", fill_rate=0.5),
            _enum("recurringbillingfrequency", "monthly", "quarterly", "annually", fill_rate=0.5),
        ),
        21001,
    ),
    _crm_object(
        "quotes",
        "0-14",
        "quote",
        ("crm.objects.quotes.read",),
        (
            "hs_expiration_date",
            "hs_public_url_key",
            "hs_status",
            "hs_title",
            "hs_createdate",
            "hs_lastmodifieddate",
        ),
        (
            PropertySpec("hs_title", "string", "sentence", label="Quote name", fill_rate=1.0),
            PropertySpec("hs_expiration_date", "datetime", "future", label="Expiration date", fill_rate=1.0),
            _enum("hs_status", "DRAFT", "APPROVAL_NOT_NEEDED", "PENDING_APPROVAL", "APPROVED", "REJECTED"),
            PropertySpec("hs_public_url_key", "string", "token", fill_rate=0.8),
            PropertySpec("hs_quote_amount", "number", "money", calculated=True),
            PropertySpec("hs_currency", "string", "currency", fill_rate=1.0),
        ),
        25001,
        created="hs_createdate",
    ),
    _crm_object(
        "calls",
        "0-48",
        "call",
        _ENGAGEMENT_SCOPES,
        _ENGAGEMENT_DEFAULTS,
        (
            PropertySpec("hs_call_title", "string", "sentence", fill_rate=0.9),
            PropertySpec("hs_call_body", "string", "paragraph", field_type="textarea", fill_rate=0.7),
            PropertySpec("hs_call_duration", "number", "duration"),
            _enum("hs_call_direction", "INBOUND", "OUTBOUND"),
            _enum("hs_call_status", "COMPLETED", "BUSY", "NO_ANSWER", "FAILED", "CANCELED"),
            PropertySpec("hs_timestamp", "datetime", "past", label="Activity date", fill_rate=1.0),
            replace(OWNER, label="Activity assigned to"),
        ),
        30001,
        created="hs_createdate",
    ),
    _crm_object(
        "emails",
        "0-49",
        "email",
        (*_ENGAGEMENT_SCOPES, "sales-email-read"),
        _ENGAGEMENT_DEFAULTS,
        (
            PropertySpec("hs_email_subject", "string", "sentence", fill_rate=1.0),
            PropertySpec("hs_email_text", "string", "paragraph", field_type="textarea"),
            _enum("hs_email_direction", "EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL", fill_rate=1.0),
            _enum("hs_email_status", "SENT", "BOUNCED", "FAILED", "SCHEDULED", "SENDING"),
            PropertySpec("hs_timestamp", "datetime", "past", label="Activity date", fill_rate=1.0),
            replace(OWNER, label="Activity assigned to"),
        ),
        34001,
        created="hs_createdate",
    ),
    _crm_object(
        "meetings",
        "0-47",
        "meeting",
        _ENGAGEMENT_SCOPES,
        _ENGAGEMENT_DEFAULTS,
        (
            PropertySpec("hs_meeting_title", "string", "sentence", fill_rate=1.0),
            PropertySpec("hs_meeting_body", "string", "paragraph", field_type="textarea", fill_rate=0.6),
            PropertySpec("hs_meeting_start_time", "datetime", "past", fill_rate=1.0),
            PropertySpec("hs_meeting_end_time", "datetime", "past", fill_rate=1.0),
            _enum("hs_meeting_outcome", "SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED"),
            PropertySpec("hs_timestamp", "datetime", "past", label="Activity date", fill_rate=1.0),
            replace(OWNER, label="Activity assigned to"),
        ),
        38001,
        created="hs_createdate",
    ),
    _crm_object(
        "notes",
        "0-46",
        "note",
        _ENGAGEMENT_SCOPES,
        _ENGAGEMENT_DEFAULTS,
        (
            PropertySpec("hs_note_body", "string", "paragraph", field_type="textarea", fill_rate=1.0),
            PropertySpec("hs_timestamp", "datetime", "past", label="Activity date", fill_rate=1.0),
            replace(OWNER, label="Activity assigned to"),
        ),
        42001,
        created="hs_createdate",
    ),
    _crm_object(
        "tasks",
        "0-27",
        "task",
        _ENGAGEMENT_SCOPES,
        _ENGAGEMENT_DEFAULTS,
        (
            PropertySpec("hs_task_subject", "string", "sentence", fill_rate=1.0),
            PropertySpec("hs_task_body", "string", "paragraph", field_type="textarea", fill_rate=0.7),
            _enum("hs_task_status", "NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"),
            _enum("hs_task_priority", "NONE", "LOW", "MEDIUM", "HIGH"),
            _enum("hs_task_type", "CALL", "EMAIL", "TODO"),
            PropertySpec("hs_timestamp", "datetime", "future", label="Due date", fill_rate=1.0),
            replace(OWNER, label="Assigned to"),
        ),
        46001,
        created="hs_createdate",
    ),
)

CUSTOM_OBJECT_SCOPES = ("crm.objects.custom.read",)
CUSTOM_SCHEMA_SCOPES = ("crm.schemas.custom.read",)


def custom_object(name: str, number: int, hub_id: int) -> ObjectType:
    """A custom object type in the shape portals typically define (a 'cars'-like inventory)."""
    return ObjectType(
        name=name,
        type_id=f"2-{1_000_000 + number}",
        singular=name.removesuffix("s"),
        created_property="hs_createdate",
        cursor_property="hs_lastmodifieddate",
        scopes=CUSTOM_OBJECT_SCOPES,
        schema_scopes=CUSTOM_SCHEMA_SCOPES,
        default_properties=("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
        own_properties=(
            PropertySpec("model", "string", "product_name", fill_rate=1.0, hubspot_defined=False),
            _enum("make", "toyota", "ford", "volvo", "tesla", hubspot_defined=False),
            PropertySpec("year", "number", "year", hubspot_defined=False),
            PropertySpec("vin", "string", "sku", label="VIN", hubspot_defined=False),
            PropertySpec("purchase_date", "date", fill_rate=0.7, hubspot_defined=False),
        ),
        first_id=50001 + 4000 * number,
        fully_qualified_name=f"p{hub_id}_{name}",
    )


def all_scopes(objects: tuple[ObjectType, ...]) -> tuple[str, ...]:
    """Every scope the account's endpoints ask for (what a fully privileged token holds)."""
    scopes = {"oauth", "crm.objects.owners.read"}
    for object_type in objects:
        scopes.update(object_type.scopes, object_type.schema_scopes)
    return tuple(sorted(scopes))
