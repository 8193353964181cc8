"""`check`: the credentials, access to every property, and the custom reports against each property.

All of it is free of quota: the credentials are tried on the metadata every property shares
(`properties/0`), each property on its own metadata (403 when the credentials may not read
it), and each custom report on every property's metadata (custom dimensions and metrics differ
per property) and, for flat and pivot reports, on `checkCompatibility`; realtime reports are
left to the sync. Every problem found is
reported at once, each naming the property and the report.
"""

from __future__ import annotations

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_google_analytics_data_api.api import Ga4Api
from source_google_analytics_data_api.config import CustomReport, GoogleAnalyticsDataApiConfig, ReportType
from source_google_analytics_data_api.report_streams import as_definition, report_body
from source_google_analytics_data_api.responses import PropertyMetadata

EVERY_PROPERTY = "0"  # properties/0/metadata: the fields every property has
COMPATIBILITY_CHECKED = (ReportType.FLAT, ReportType.PIVOT)


def check_connection(api: Ga4Api, config: GoogleAnalyticsDataApiConfig) -> None:
    """Raise a config_error listing every problem, or return when the source can sync."""
    api.metadata(EVERY_PROPERTY)  # bad credentials fail here, once, not once per property
    problems = []
    for property_id in config.property_ids:
        try:
            metadata = api.metadata(property_id)
        except AirbyteTracedException as failure:
            if failure.failure_type != FailureType.config_error:
                raise
            problems.append(failure.message or f"Property {property_id} cannot be read.")
            continue
        for report in config.custom_reports_array:
            problem = report_problem(api, property_id, metadata, report)
            if problem:
                problems.append(f"Custom report '{report.name}' on property {property_id}: {problem}")
    if problems:
        message = " ".join(problems)
        raise AirbyteTracedException(
            message=message, internal_message=message, failure_type=FailureType.config_error
        )


def report_problem(
    api: Ga4Api, property_id: str, metadata: PropertyMetadata, report: CustomReport
) -> str | None:
    """What keeps a custom report from running on a property, or None. Realtime reports have
    fields of their own (minutesAgo, ...), which the property's metadata does not list."""
    if report.kind is ReportType.REALTIME:
        return None
    dimensions = [*report.dimensions, *_funnel_dimensions(report)]
    unknown_dimensions = [
        name for name in dimensions if name not in metadata.dimensions and not _cohort_field(name)
    ]
    unknown_metrics = [name for name in report.metrics if name not in metadata.metrics]
    if unknown_dimensions or unknown_metrics:
        parts = [
            f"{kind} {', '.join(names)}"
            for kind, names in (("dimensions", unknown_dimensions), ("metrics", unknown_metrics))
            if names
        ]
        return (
            f"the property has no {' and no '.join(parts)} (custom definitions differ per property; see "
            "Admin > Custom definitions)."
        )
    if report.kind not in COMPATIBILITY_CHECKED:
        return None
    incompatible = api.incompatible_fields(property_id, report.name, report_body(as_definition(report)))
    if incompatible:
        return (
            f"GA4 cannot combine {', '.join(incompatible)} in one report (checkCompatibility says they are "
            "incompatible). Move them to separate reports."
        )
    return None


def _funnel_dimensions(report: CustomReport) -> list[str]:
    if report.funnel is None:
        return []
    return [name for name in (report.funnel.breakdown_dimension, report.funnel.next_action_dimension) if name]


def _cohort_field(name: str) -> bool:
    """Cohort reports' own dimensions (cohort, cohortNthDay, ...), which metadata does not list."""
    return name.startswith("cohort")
