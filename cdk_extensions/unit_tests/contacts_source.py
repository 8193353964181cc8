"""A small real CDK source shaped like HubSpot's contacts API, retried by `HttpRetry`.

test_http_retry.py reads it in process and, through the CDK entrypoint, in a subprocess
(`python contacts_source.py read --config ... --catalog ...`, config `{"url_base": ...}`).
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Iterable, Mapping
from typing import Any

import requests
from airbyte_cdk.entrypoint import launch
from airbyte_cdk.models import ConnectorSpecification, FailureType
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from requests.auth import AuthBase

from cdk_extensions.backoff import BackoffPolicy
from cdk_extensions.errors import ApiFailure, ErrorRule, ErrorTaxonomy
from cdk_extensions.http_retry import HttpRetry
from cdk_extensions.http_session import SessionHttpStream, connector_session

CONTACTS_PATH = "/crm/v3/objects/contacts"
PAGE_SIZE = 2

HUBSPOT_LIKE_ERRORS = ErrorTaxonomy(
    rules=[
        ErrorRule(
            FailureType.transient_error,
            "HubSpot's daily API limit is used up ({detail}); the sync can resume tomorrow.",
            status=429,
            reason="DAILY",
        ),
        ErrorRule(
            FailureType.transient_error, "HubSpot is rate limiting ({detail}).", retry=True, status=429
        ),
        ErrorRule(
            FailureType.transient_error,
            "HubSpot had a server error ({status}).",
            retry=True,
            status=range(500, 600),
        ),
        ErrorRule(FailureType.config_error, "The token may not read contacts ({detail}).", status=403),
        ErrorRule(
            FailureType.transient_error,
            "HubSpot's access token expired ({detail}).",
            retry=True,
            status=401,
            reason="EXPIRED_AUTHENTICATION",
        ),
        ErrorRule(FailureType.config_error, "HubSpot rejected the credentials ({detail}).", status=401),
    ],
    fallback=ErrorRule(FailureType.system_error, "Unexpected HubSpot error {status}: {detail}"),
)
# HubSpot names the exhausted limit in `policyName` (TEN_SECONDLY_ROLLING, DAILY, ...).
describe_hubspot_failure = functools.partial(ApiFailure.from_response, reason_keys=("policyName", "category"))

# Small waits: the CDK adds a second to each anyway (see cdk_extensions.http_retry).
FAST_POLICY = BackoffPolicy(
    base_seconds=0.1, factor=2.0, max_wait_seconds=2.0, max_attempts=4, random=lambda: 0.5
)


def hubspot_like_retry(policy: BackoffPolicy = FAST_POLICY) -> HttpRetry:
    return HttpRetry(policy, HUBSPOT_LIKE_ERRORS, describe=describe_hubspot_failure, api_name="HubSpot")


class Contacts(SessionHttpStream):
    primary_key = "id"
    cursor_field = "updatedAt"

    def __init__(
        self,
        url_base: str,
        retry: HttpRetry,
        session: requests.Session | None = None,
        authenticator: AuthBase | None = None,
    ) -> None:
        self._url_base = url_base
        self._retry = retry
        super().__init__(session or connector_session("source-contacts-test", "0.0.1"), authenticator)

    @property
    def url_base(self) -> str:
        return self._url_base

    def get_error_handler(self) -> ErrorHandler:
        return self._retry

    def get_backoff_strategy(self) -> BackoffStrategy:
        return self._retry

    def path(self, **_kwargs: Any) -> str:
        return CONTACTS_PATH

    def request_params(
        self, stream_state: Any, stream_slice: Any = None, next_page_token: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        return {"limit": PAGE_SIZE, **(next_page_token or {})}

    def next_page_token(self, response: requests.Response) -> Mapping[str, Any] | None:
        following = response.json().get("paging", {}).get("next")
        return {"after": following["after"]} if following else None

    def parse_response(self, response: requests.Response, **_kwargs: Any) -> Iterable[Mapping[str, Any]]:
        yield from response.json()["results"]

    def get_json_schema(self) -> Mapping[str, Any]:
        return {"type": "object", "properties": {"id": {"type": "string"}, "updatedAt": {"type": "string"}}}


class ContactsSource(AbstractSource):
    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(
            connectionSpecification={"type": "object", "properties": {"url_base": {"type": "string"}}}
        )

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        return [Contacts(config["url_base"], hubspot_like_retry())]


if __name__ == "__main__":
    launch(ContactsSource(), sys.argv[1:])
