"""`check`: access to every property (naming each that fails and why) and every custom report
validated against every property's metadata and, for flat and pivot reports, checkCompatibility."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airbyte_cdk.models import Status
from ga4_harness import SMALL_PROPERTIES, Ga4Sandbox

from sandbox.ga4 import GA4Options

FIRST, SECOND = SMALL_PROPERTIES.property_ids


def check_message(sandbox: Ga4Sandbox, config: dict[str, Any]) -> str | None:
    status = sandbox.check(config).connection_status
    return None if status.status == Status.SUCCEEDED else str(status.message)


def report(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "dimensions": ["date"], "metrics": ["sessions"], **fields}


def test_every_property_readable_and_every_report_valid_succeeds(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox()
    reports = [
        report("by_membership", dimensions=["date", "customUser:membership_level"]),
        report("pivot", dimensions=["country"], pivots=[{"fieldNames": ["country"], "limit": 5}]),
    ]

    assert check_message(sandbox, sandbox.service_account_config(custom_reports_array=reports)) is None
    assert sandbox.request_counts()["runReport"] == 0  # check spends no quota


def test_each_property_the_credentials_may_not_read_is_named(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    sandbox = ga4_sandbox(GA4Options(days=10, cardinality=2, inaccessible_property_ids=frozenset({SECOND})))
    config = sandbox.service_account_config(property_ids=[FIRST, SECOND, "123"])

    message = check_message(sandbox, config)

    assert message is not None
    assert f"may not read Google Analytics property {SECOND}" in message
    assert "may not read Google Analytics property 123" in message
    assert f"property {FIRST} " not in message
    assert "Viewer role" in message and "User does not have sufficient permissions" in message


def test_a_custom_dimension_one_property_lacks_is_named_with_that_property(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox()
    reports = [
        report("authors", dimensions=["date", "customEvent:article_author"], metrics=["sessions", "nope"])
    ]

    message = check_message(sandbox, sandbox.service_account_config(custom_reports_array=reports))

    # Property 1 has the author dimension but no "nope" metric; property 2 has neither.
    assert message == (
        f"Custom report 'authors' on property {FIRST}: the property has no metrics nope (custom definitions "
        "differ per property; see Admin > Custom definitions). "
        f"Custom report 'authors' on property {SECOND}: the property has no dimensions "
        "customEvent:article_author and no metrics nope (custom definitions differ per property; see Admin > "
        "Custom definitions)."
    )


def test_an_incompatible_pair_is_a_config_error_naming_it(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    sandbox = ga4_sandbox(GA4Options(property_ids=(FIRST,), days=10, cardinality=2))
    reports = [report("items", dimensions=["date", "itemName"], metrics=["sessions", "itemsViewed"])]

    message = check_message(sandbox, sandbox.service_account_config(custom_reports_array=reports))

    assert message == (
        f"Custom report 'items' on property {FIRST}: GA4 cannot combine itemName, sessions in one report "
        "(checkCompatibility says they are incompatible). Move them to separate reports."
    )
    assert sandbox.requests_to(":checkCompatibility") == 1
