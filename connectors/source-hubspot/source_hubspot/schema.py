"""What a CRM record looks like: its JSON schema, built from the object's property definitions,
and the record we emit, whose values match that schema.

HubSpot sends every property value as a string ("42", "true", "" for cleared numbers), so values
are converted to the type the schema promises. Each record carries its properties twice, nested
under `properties` and flattened as `properties_<name>`, as the official connector emits them, so
downstream models built on either shape keep working.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

JSON_SCHEMA_DRAFT_07 = "http://json-schema.org/draft-07/schema#"
FLAT_PREFIX = "properties_"

_NULLABLE_STRING = {"type": ["null", "string"]}
_DATETIME = {"type": ["null", "string"], "format": "date-time"}
_DATE = {"type": ["null", "string"], "format": "date"}
_NUMBER = {"type": ["null", "number"]}
_BOOLEAN = {"type": ["null", "boolean"]}

# HubSpot property `type` -> JSON schema. `enumeration` is a string: a multiple checkbox holds
# its chosen options separated by semicolons ("a;b"). Unknown types (json, object_coordinates,
# ones HubSpot adds later) are kept as the strings HubSpot sends.
SCHEMA_BY_TYPE: Mapping[str, Mapping[str, Any]] = {
    "string": _NULLABLE_STRING,
    "phone_number": _NULLABLE_STRING,
    "enumeration": _NULLABLE_STRING,
    "number": _NUMBER,
    "bool": _BOOLEAN,
    "datetime": _DATETIME,
    "date": _DATE,
}


@dataclass(frozen=True)
class PropertyDefinition:
    """The parts of a HubSpot property definition that shape the schema and the filters."""

    name: str
    type: str
    options: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, definition: Mapping[str, Any]) -> PropertyDefinition:
        """From one entry of /crm/v3/properties/{object} (or of a custom object's schema)."""
        options = tuple(str(option["value"]) for option in definition.get("options") or ())
        return cls(str(definition["name"]), str(definition.get("type") or "string"), options)


def object_schema(properties: Iterable[PropertyDefinition]) -> dict[str, Any]:
    """The JSON schema of an object's records."""
    property_schemas = {
        prop.name: dict(SCHEMA_BY_TYPE.get(prop.type, _NULLABLE_STRING)) for prop in properties
    }
    fields: dict[str, Any] = {
        "id": {"type": ["null", "string"]},
        "createdAt": dict(_DATETIME),
        "updatedAt": dict(_DATETIME),
        "archived": dict(_BOOLEAN),
        "properties": {"type": ["null", "object"], "properties": property_schemas},
    }
    fields.update({FLAT_PREFIX + name: schema for name, schema in property_schemas.items()})
    return {
        "$schema": JSON_SCHEMA_DRAFT_07,
        "type": ["null", "object"],
        "additionalProperties": True,
        "properties": fields,
    }


class RecordShaper:
    """Turns a record as HubSpot sends it into the record we emit (see the module docstring).

    Built once per stream: the conversion of each property is looked up once, not per record.
    Properties HubSpot sends that the definitions do not know stay strings.
    """

    def __init__(self, properties: Iterable[PropertyDefinition]) -> None:
        self._converters: dict[str, Callable[[str], Any]] = {
            prop.name: converter for prop in properties if (converter := _CONVERTERS.get(prop.type))
        }
        self._flat_names: dict[str, str] = {}

    def __call__(self, record: Mapping[str, Any]) -> dict[str, Any]:
        values = dict(record.get("properties") or {})
        converters = self._converters
        for name, value in values.items():
            converter = converters.get(name)
            if converter is not None and type(value) is str:  # values already typed pass as they are
                values[name] = converter(value)
        shaped = {key: value for key, value in record.items() if key != "properties"}
        shaped["properties"] = values
        flat_names = self._flat_names
        for name, value in values.items():
            flat = flat_names.get(name)
            if flat is None:
                flat = flat_names[name] = FLAT_PREFIX + name
            shaped[flat] = value
        return shaped


def _number(text: str) -> int | float | None:
    """ "42" -> 42, "4.5" -> 4.5, "" (a cleared value) -> None."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None  # no NaN or infinity


def _boolean(text: str) -> bool | None:
    lowered = text.strip().lower()
    return True if lowered == "true" else False if lowered == "false" else None


def _datetime(text: str) -> str | None:
    """ISO 8601 as HubSpot sends it; epoch milliseconds (older custom properties) become ISO."""
    if not text:
        return None
    if text.isdigit():
        moment = datetime.fromtimestamp(int(text) / 1000, UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return text


def _date(text: str) -> str | None:
    """YYYY-MM-DD; a full timestamp or epoch milliseconds is cut to its (UTC) day."""
    if not text:
        return None
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC).date().isoformat()
    return text[:10]


_CONVERTERS: Mapping[str, Callable[[str], Any]] = {
    "number": _number,
    "bool": _boolean,
    "datetime": _datetime,
    "date": _date,
}
