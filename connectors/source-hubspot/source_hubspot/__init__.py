"""Airbyte source for HubSpot CRM."""

from source_hubspot.source import SourceHubspot

__all__ = ["SourceHubspot"]
