"""The HubSpot source: its SPEC and the validation of its config. Streams come in a later version."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.models import ConnectorSpecification
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream

from cdk_extensions.spec import connector_spec, load_config
from source_hubspot.config import HubspotConfig

DOCUMENTATION_URL = "https://developers.hubspot.com/docs/api/crm/understanding-the-crm"
CONNECTION_CHECK_PENDING = (
    "The configuration is valid, but this version of the connector cannot test the connection to HubSpot yet."
)


class SourceHubspot(AbstractSource):
    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return connector_spec(HubspotConfig, documentation_url=DOCUMENTATION_URL)

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        load_config(HubspotConfig, config, logger=logger)
        return False, CONNECTION_CHECK_PENDING

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        load_config(HubspotConfig, config, logger=self.logger)
        return []
