"""A tiny source that prints every secret of its config, run by test_secrets_masking.py through the
CDK entrypoint: in a log line, in a failed check's message, in a plain exception and in a traced
exception's internal message. `LEAKY_SOURCE_MASKING=off` runs it with the CDK's own `launch`."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any

from airbyte_cdk import entrypoint
from airbyte_cdk.models import ConnectorSpecification, FailureType, SyncMode
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions import secrets
from cdk_extensions.auth.refreshing import RefreshingToken
from cdk_extensions.auth.token_cache import CachedToken, TokenCache

SPEC: dict[str, Any] = {
    "type": "object",
    "properties": {
        "api_key": {"type": "string", "airbyte_secret": True},
        "credentials": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["auth_type", "credentials_json"],
                    "properties": {
                        "auth_type": {"const": "Service"},
                        "credentials_json": {"type": "string", "airbyte_secret": True},
                    },
                },
                {
                    "type": "object",
                    "required": ["auth_type", "refresh_token"],
                    "properties": {
                        "auth_type": {"const": "Client"},
                        "refresh_token": {"type": "string", "airbyte_secret": True},
                    },
                },
            ]
        },
        "proxy": {
            "anyOf": [
                {"type": "object", "properties": {"password": {"type": "string", "airbyte_secret": True}}}
            ]
        },
        "accounts": {
            "type": "array",
            "items": {"type": "object", "properties": {"token": {"type": "string", "airbyte_secret": True}}},
        },
        "failure": {"type": "string", "enum": ["plain", "traced"]},
    },
}


def runtime_access_token() -> str:
    """A token obtained at run time, the way the OAuth and Google authenticators obtain theirs."""
    token = RefreshingToken(
        "leaky-source",
        fetch=lambda previous: CachedToken("RUNTIME-ACCESS-TOKEN-5", time.time() + 3600),
        cache=TokenCache(),
    )
    return token.current().access_token


def every_secret(config: Mapping[str, Any]) -> str:
    key_file = config["credentials"]["credentials_json"]
    return " | ".join(
        [
            config["api_key"],
            key_file,
            _private_key(key_file),
            config["proxy"]["password"],
            config["accounts"][0]["token"],
            runtime_access_token(),
        ]
    )


def _private_key(key_file: str) -> str:
    return str(json.loads(key_file)["private_key"])


class LeakyStream(Stream):
    primary_key = None

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = config

    def get_json_schema(self) -> Mapping[str, Any]:
        return {"type": "object"}

    def read_records(self, sync_mode: SyncMode, *args: Any, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        secrets = every_secret(self._config)
        logging.getLogger("airbyte").info(f"log line: {secrets}")
        if self._config["failure"] == "plain":
            raise ValueError(f"plain exception: {secrets}")
        raise AirbyteTracedException(
            message="A traced failure.",
            internal_message=f"internal message: {secrets}",
            failure_type=FailureType.system_error,
        )


class LeakySource(AbstractSource):
    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(connectionSpecification=SPEC)

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        secrets = every_secret(config)
        logger.info(f"check log line: {secrets}")
        return False, f"check failed: {secrets}"

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        return [LeakyStream(config)]


if __name__ == "__main__":
    launch = entrypoint.launch if os.environ.get("LEAKY_SOURCE_MASKING") == "off" else secrets.launch
    launch(LeakySource(), sys.argv[1:])
