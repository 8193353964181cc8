"""A connector's config, described once as a pydantic model: the SPEC and the validated config.

From the model we derive the SPEC the platform renders as a form: a draft-07 JSON schema with
everything inline (the Airbyte UI does not follow `$ref`), secrets flagged `airbyte_secret`,
unions of options as `oneOf` whose options carry a constant (`const` + `default`), and fields
shown in declaration order. The same model validates the config each command receives
(`load_config`), so the form and the checks can never disagree. Errors name every offending
field and say what is wrong, never quoting a value: config values may be secrets.
"""

from __future__ import annotations

import copy
import functools
import logging
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from airbyte_cdk.models import ConnectorSpecification, FailureType  # type: ignore[attr-defined]
from airbyte_cdk.sources.utils.schema_helpers import InternalConfig
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import BaseModel, Field, GetCoreSchemaHandler, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError, core_schema

JSON_SCHEMA_DRAFT_07 = "http://json-schema.org/draft-07/schema#"

ConfigT = TypeVar("ConfigT", bound=BaseModel)

_logger = logging.getLogger(__name__)


class OneOf:
    """Marks a union of config models told apart by one constant field, e.g. `auth_type`.

    Use as `Annotated[ServiceAccount | OAuthClient, OneOf("auth_type")]`, where each model
    declares the field as `Literal["..."]` with that value as default. The SPEC shows the union
    as `oneOf`. Configs written by older tools sometimes leave the constant out; such a config
    gets the one option that has every field it gives and needs no field it lacks. When no
    option or several fit, the error asks for the constant.
    """

    def __init__(self, tag_field: str) -> None:
        self.tag_field = tag_field

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        tag_field = self.tag_field
        options = {_constant(option, tag_field): option for option in typing.get_args(source)}

        def fill_missing_tag(value: Any) -> Any:
            if not isinstance(value, Mapping) or tag_field in value:
                return value
            fitting = [tag for tag, option in options.items() if _fits(option, value.keys())]
            if len(fitting) != 1:
                raise PydanticCustomError(
                    "option_unknown",
                    "cannot tell which option this is: set `{tag_field}` to one of {tags}",
                    {"tag_field": tag_field, "tags": ", ".join(f"'{tag}'" for tag in options)},
                )
            return {tag_field: fitting[0], **value}

        tagged_union = handler(typing.Annotated[source, Field(discriminator=tag_field)])
        return core_schema.no_info_before_validator_function(fill_missing_tag, tagged_union)


def connector_spec(model: type[BaseModel], *, documentation_url: str) -> ConnectorSpecification:
    """The SPEC a connector prints, generated from its config model."""
    return ConnectorSpecification(
        documentationUrl=documentation_url,
        connectionSpecification=connection_specification(model),
    )


def connection_specification(model: type[BaseModel]) -> dict[str, Any]:
    """The config model as an Airbyte connection specification (a fresh copy each call)."""
    return copy.deepcopy(_connection_specification(model))


def load_config(
    model: type[ConfigT], raw: Mapping[str, Any], *, logger: logging.Logger | None = None
) -> ConfigT:
    """Validate a raw config into `model`, or raise a config_error naming every bad field.

    Unknown fields, at any depth, are ignored with a warning: a config written for another
    version of the connector should still run, and a typo should still be visible.
    """
    try:
        config = model.model_validate(raw)
    except ValidationError as error:
        problems = _describe_problems(error, _connection_specification(model))
        raise AirbyteTracedException(
            message="The connector configuration is invalid: " + "; ".join(problems),
            internal_message=f"{model.__name__} rejected the config: " + "; ".join(problems),
            failure_type=FailureType.config_error,
        ) from None  # the ValidationError's own text quotes the input, which may hold secrets
    for path in _unknown_fields(config, raw, path=""):
        (logger or _logger).warning(
            f"Ignoring unknown config field `{path}`: this connector does not use it."
        )
    return config


def ensure_unique(names: Sequence[str]) -> None:
    """For config validators: reject a list where a name (a stream, an object) appears twice."""
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise PydanticCustomError(
            "repeated_name", "{names} appear more than once", {"names": ", ".join(repeated)}
        )


# --- SPEC generation ------------------------------------------------------------------------


@functools.cache
def _connection_specification(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    definitions = schema.pop("$defs", {})
    inlined = _tidy(_inline(schema, definitions, trail=()))
    return {"$schema": JSON_SCHEMA_DRAFT_07, **inlined, "additionalProperties": True}


def _inline(node: Any, definitions: Mapping[str, Any], trail: tuple[str, ...]) -> Any:
    """Replace every `$ref` by the definition it points to; its sibling keys win."""
    if isinstance(node, list):
        return [_inline(item, definitions, trail) for item in node]
    if not isinstance(node, dict):
        return node
    inlined = {key: _inline(value, definitions, trail) for key, value in node.items() if key != "$ref"}
    if "$ref" not in node:
        return inlined
    name = node["$ref"].rsplit("/", 1)[-1]
    if name in trail:
        raise TypeError(f"{name} contains itself; an Airbyte SPEC cannot express recursive models")
    return {**_inline(definitions[name], definitions, (*trail, name)), **inlined}


def _tidy(schema: dict[str, Any]) -> dict[str, Any]:
    """Turn one pydantic schema node (and its sub-schemas) into the form the Airbyte UI expects."""
    schema = _without_null_option(schema)
    schema.pop("discriminator", None)  # OpenAPI, not draft-07: the `const` in each option suffices
    if isinstance(schema.get("properties"), dict):
        schema["properties"] = {
            name: {"order": position, **_tidy(sub_schema)}
            for position, (name, sub_schema) in enumerate(schema["properties"].items())
        }
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            schema[key] = _tidy(schema[key])
    for key in ("oneOf", "anyOf", "allOf"):
        if isinstance(schema.get(key), list):
            schema[key] = [_tidy(option) for option in schema[key]]
    if schema.get("oneOf") and all(option.get("type") == "object" for option in schema["oneOf"]):
        schema.setdefault("type", "object")
    if schema.get("writeOnly") is True and schema.get("format") == "password":  # pydantic's SecretStr
        del schema["writeOnly"], schema["format"]
        schema["airbyte_secret"] = True
    if "const" in schema:
        schema.setdefault("default", schema["const"])
    return schema


def _without_null_option(schema: dict[str, Any]) -> dict[str, Any]:
    """`X | None = None` becomes plain X, not required: the UI renders no null branch."""
    options = schema.get("anyOf")
    if not isinstance(options, list) or {"type": "null"} not in options:
        return dict(schema)
    remaining = [option for option in options if option != {"type": "null"}]
    outer = {key: value for key, value in schema.items() if key != "anyOf"}
    if outer.get("default", ...) is None:
        del outer["default"]
    if len(remaining) == 1:
        return {**remaining[0], **outer}
    return {**outer, "anyOf": remaining}


# --- validation -----------------------------------------------------------------------------


def _describe_problems(error: ValidationError, specification: Mapping[str, Any]) -> list[str]:
    """One line per offending field, `path: what is wrong`; several complaints about one field
    (one per member of a union) are joined."""
    by_field: dict[str, list[str]] = {}
    for problem in error.errors(include_url=False, include_input=False, include_context=False):
        field = _field_path(problem["loc"], specification)
        if problem["msg"] not in by_field.setdefault(field, []):
            by_field[field].append(problem["msg"])
    return [f"{field}: {' or '.join(messages)}" for field, messages in by_field.items()]


def _field_path(location: Sequence[int | str], specification: Mapping[str, Any]) -> str:
    """Render pydantic's error location as `credentials.client_id (OAuth Credentials)`.

    The location mixes field names with the tag of the chosen option and, for plain unions,
    the member type; walking the SPEC alongside tells them apart."""
    path = ""
    options: list[str] = []
    node: Mapping[str, Any] = specification
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
            node = node.get("items") or {}
        elif part in (node.get("properties") or {}):
            path = _join(path, part)
            node = node["properties"][part]
        elif (option := _option_tagged(node, part)) is not None:
            options.append(part)
            node = option
        elif "anyOf" in node:  # a member of a plain union, e.g. `str`
            node = {}
        else:
            path = _join(path, part)
            node = {}
    path = f"`{path}`" if path else "the configuration"
    return f"{path} ({', '.join(options)})" if options else path


def _option_tagged(node: Mapping[str, Any], tag: str) -> Mapping[str, Any] | None:
    for option in node.get("oneOf") or ():
        if any(sub.get("const") == tag for sub in (option.get("properties") or {}).values()):
            return typing.cast(Mapping[str, Any], option)
    return None


def _unknown_fields(value: Any, raw: Any, path: str) -> list[str]:
    """The paths of raw keys the validated model has no field for (the CDK's internal keys,
    `_limit` and the like, excepted)."""
    if isinstance(value, BaseModel) and isinstance(raw, Mapping):
        model = type(value)
        ignored = InternalConfig.KEYWORDS if not path else set()
        accepted = _accepted_keys(model) | ignored
        unknown = [_join(path, key) for key in raw if key not in accepted]
        for name, field in model.model_fields.items():
            key = _key(name, field)
            child = raw[key] if key in raw else raw.get(name)
            unknown += _unknown_fields(getattr(value, name), child, _join(path, key))
        return unknown
    if isinstance(value, list | tuple) and isinstance(raw, list):
        return [
            found
            for index, (item, raw_item) in enumerate(zip(value, raw, strict=False))
            for found in _unknown_fields(item, raw_item, f"{path}[{index}]")
        ]
    return []


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _constant(option: type[BaseModel], field_name: str) -> str:
    default = option.model_fields[field_name].default
    if not isinstance(default, str):
        raise TypeError(f"{option.__name__}.{field_name} needs its constant as default to be a OneOf option")
    return default


def _fits(option: type[BaseModel], keys: Iterable[str]) -> bool:
    """Whether a config object with these keys can only mean this option."""
    required = {_key(name, field) for name, field in option.model_fields.items() if field.is_required()}
    return required <= set(keys) <= _accepted_keys(option)


def _accepted_keys(model: type[BaseModel]) -> set[str]:
    """The keys a model reads: each field's alias, and its name when the model allows that."""
    by_name = bool(model.model_config.get("validate_by_name") or model.model_config.get("populate_by_name"))
    keys = {_key(name, field) for name, field in model.model_fields.items()}
    return keys | set(model.model_fields) if by_name else keys


def _key(name: str, field: FieldInfo) -> str:
    return field.validation_alias if isinstance(field.validation_alias, str) else field.alias or name
