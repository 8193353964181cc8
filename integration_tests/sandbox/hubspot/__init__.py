"""A fake HubSpot CRM API: seeded data from 100 to 1,000,000 contacts, HubSpot's limits and errors."""

from sandbox.hubspot.scenario import HubSpotScenario
from sandbox.hubspot.server import FakeHubSpot

__all__ = ["FakeHubSpot", "HubSpotScenario"]
