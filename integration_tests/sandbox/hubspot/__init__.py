"""A fake HubSpot CRM API: seeded data from 100 to 1,000,000 contacts, HubSpot's limits and errors.

Endpoints (JSON, camelCase as HubSpot): POST /oauth/v1/token, GET /oauth/v1/access-tokens/{token},
POST /oauth/v2/private-apps/get/access-token-info, GET /crm/v3/properties/{type}, GET /crm/v3/schemas,
GET /crm/v3/objects/{type}[/{id}], POST /crm/v3/objects/{type}/search, POST .../batch/read,
POST /crm/v4/associations/{from}/{to}/batch/read, GET /crm/v4/associations/{from}/{to}/labels,
GET /crm/v3/owners, GET /crm/v3/pipelines/{type}, GET /events/v3/events (web analytics, see events.py),
GET /account-info/v3/api-usage/daily/private-apps.

Where HubSpot's documentation is silent the fake follows what clients observe: paging a search
past 10,000 results answers 400 VALIDATION_ERROR "There was a problem with the request.";
request targets longer than ~16,300 characters get nginx's HTML 414; list `limit` above 100 (50
with propertiesWithHistory) is capped, a batch read of more than 100 inputs (50 with
propertiesWithHistory) and a search `limit` above 200 are a 400.
"""

from sandbox.hubspot.scenario import HubSpotScenario
from sandbox.hubspot.server import FakeHubSpot

__all__ = ["FakeHubSpot", "HubSpotScenario"]
