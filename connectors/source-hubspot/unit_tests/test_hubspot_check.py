"""`check`: the credentials work, which scopes are missing (exactly, as HubSpot names them), and
the per-object settings fit the account."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from airbyte_cdk.models import FailureType, Level, Status
from hubspot_harness import SMALL_ACCOUNT, HubSpotSandbox

from sandbox.hubspot import HubSpotScenario
from sandbox.hubspot.catalog import STANDARD_OBJECTS, all_scopes, custom_object

Start = Callable[..., HubSpotSandbox]
EVERY_SCOPE = all_scopes((*STANDARD_OBJECTS, custom_object("cars", 0, SMALL_ACCOUNT.hub_id)))
DEAL_SCOPES = ("crm.objects.deals.read", "crm.schemas.deals.read")


def without(*scopes: str) -> HubSpotScenario:
    return replace(SMALL_ACCOUNT, scopes=tuple(s for s in EVERY_SCOPE if s not in scopes))


def failed_check_message(sandbox: HubSpotSandbox, config: dict[str, object]) -> str:
    output = sandbox.check(config)
    status = output.connection_status
    assert status.status == Status.FAILED
    (error,) = output.errors()
    assert error.failure_type == FailureType.config_error
    assert error.message == status.message
    return str(status.message)


@pytest.mark.parametrize("auth", ["private_app_config", "oauth_config"])
def test_check_succeeds_with_every_scope(hubspot_sandbox: Start, auth: str) -> None:
    sandbox = hubspot_sandbox()
    output = sandbox.check(getattr(sandbox, auth)())
    assert output.connection_status.status == Status.SUCCEEDED
    assert not output.logs(Level.WARN)


def test_missing_scopes_are_named_exactly_and_the_check_still_succeeds(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(without("crm.objects.deals.read", "tickets"))
    output = sandbox.check(sandbox.private_app_config())
    assert output.connection_status.status == Status.SUCCEEDED
    (warning,) = output.logs(Level.WARN)
    assert warning == (
        "Some streams will not be offered, for lack of scopes (streams, then the scopes they lack): "
        "calls_to_deals, deal_pipelines, deals, deals_archived, deals_property_history, deals_to_companies, "
        "deals_to_contacts, emails_to_deals, line_items_to_deals, meetings_to_deals, notes_to_deals, "
        "quotes_to_deals, tasks_to_deals (crm.objects.deals.read); calls_to_tickets, emails_to_tickets, "
        "meetings_to_tickets, notes_to_tickets, tasks_to_tickets, ticket_pipelines, tickets, "
        "tickets_archived, tickets_to_companies, tickets_to_contacts (tickets); "
        "tickets_to_deals (tickets, crm.objects.deals.read)."
    )


def test_credentials_that_read_nothing_fail_the_check_naming_every_scope(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(replace(SMALL_ACCOUNT, scopes=("oauth",)))
    message = failed_check_message(sandbox, sandbox.oauth_config())
    assert message.startswith("These HubSpot credentials may read none of the streams.")
    assert " contacts, contacts_archived, contacts_property_history, " in message
    assert (
        "; companies, companies_archived, companies_property_history (crm.schemas.companies.read, " in message
    )
    assert (
        "; emails, emails_archived, emails_to_contacts (crm.objects.contacts.read, sales-email-read);"
        in message
    )
    assert "; tickets_to_deals (tickets, crm.objects.deals.read)." in message
    assert "; owners, owners_archived (crm.objects.owners.read);" in message


def test_an_object_named_in_the_settings_must_be_readable(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox(without(*DEAL_SCOPES))
    message = failed_check_message(sandbox, sandbox.private_app_config(objects=[{"name": "deals"}]))
    assert message == (
        "The per-object settings name objects these credentials may not read. Grant the app these "
        "scopes: deals (crm.schemas.deals.read, crm.objects.deals.read)."
    )


def test_a_revoked_private_app_token_asks_to_re_authenticate(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    config = sandbox.private_app_config()
    config["credentials"]["access_token"] = "pat-na1-revoked-0000"
    message = failed_check_message(sandbox, config)
    assert message.startswith("HubSpot rejected the source's credentials (Authentication credentials not")
    assert "Re-authenticate the source" in message


def test_an_unknown_refresh_token_asks_to_re_authenticate(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    config = sandbox.oauth_config()
    config["credentials"]["refresh_token"] = "refresh-token-of-another-app"
    message = failed_check_message(sandbox, config)
    assert "BAD_REFRESH_TOKEN" in message and "Re-authenticate the source" in message


def test_settings_for_an_object_the_account_does_not_have(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    message = failed_check_message(sandbox, sandbox.private_app_config(objects=[{"name": "vehicles"}]))
    assert message.startswith(
        "The per-object settings name objects this HubSpot account does not have: vehicles."
    )
    assert "cars, companies, contacts" in message


def test_a_custom_object_may_be_named_by_its_object_type_id(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    cars = sandbox.fake.store("cars").object_type
    config = sandbox.private_app_config(objects=[{"name": cars.type_id, "properties": ["model"]}])
    assert sandbox.check(config).connection_status.status == Status.SUCCEEDED


def test_unknown_selected_properties_are_named_with_a_suggestion(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    config = sandbox.private_app_config(objects=[{"name": "contacts", "properties": ["email", "fristname"]}])
    message = failed_check_message(sandbox, config)
    assert message == (
        "The properties chosen for 'contacts' include some HubSpot does not know: 'fristname' "
        "(did you mean 'firstname'?). Correct them in the per-object settings."
    )


def test_filters_are_validated_against_the_property_definitions(hubspot_sandbox: Start) -> None:
    sandbox = hubspot_sandbox()
    bad_filter = {"propertyName": "lifecyclestage", "operator": "EQ", "value": "Customer"}
    settings = {"name": "contacts", "filters": [{"filters": [bad_filter]}]}
    config = sandbox.private_app_config(objects=[settings])
    message = failed_check_message(sandbox, config)
    assert "group 1, condition 1 (lifecyclestage EQ)" in message
    assert "did you mean 'customer'?" in message
