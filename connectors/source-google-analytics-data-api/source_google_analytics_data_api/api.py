"""`Ga4Api`: the one connection to the Data API that every stream of a sync shares.

It owns what no stream should decide alone: the official clients on their REST transport (so the
endpoint can be a proxy or the local sandbox), the credentials (one cached access token for the
whole sync), retries (`call_with_retry` with GA4's error table), and each property's quota
(`QuotaTracker`: every request asks for `returnPropertyQuota`). The clients are imported when
first needed: `spec` must not pay for them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, TypeVar

from cdk_extensions.auth.token_cache import TokenCache
from cdk_extensions.backoff import BackoffPolicy
from cdk_extensions.errors import ApiFailure
from cdk_extensions.google_retry import call_with_retry
from source_google_analytics_data_api.auth import google_credentials
from source_google_analytics_data_api.config import GoogleAnalyticsDataApiConfig
from source_google_analytics_data_api.errors import GA4_ERRORS, Quota, describe_google_error
from source_google_analytics_data_api.quota import QuotaTracker
from source_google_analytics_data_api.request_parts import ApiRequest
from source_google_analytics_data_api.responses import PropertyMetadata, ReportPage

if TYPE_CHECKING:
    from google.analytics.data_v1alpha import AlphaAnalyticsDataClient
    from google.analytics.data_v1beta import BetaAnalyticsDataClient
    from google.api_core.exceptions import GoogleAPICallError

MAX_ROWS_PER_REQUEST = 250_000  # the most a report request may ask for
# The REST client parses a whole answer at once (bytes, text, a tree of dicts, then protobuf), so a
# page costs memory per value, not per byte on the wire: ~370 bytes a value while parsing plus
# ~100 for the protobuf kept while the next page is parsed, ~400 a row (measured with
# google-analytics-data 0.23.3). A 250,000-row page of 19 columns would need ~1.8 GB; pages are
# sized to the configured budget instead (`page_memory_mb`; by default a sync stays under 150 MB,
# the process itself taking ~100 MB).
PARSE_BYTES_PER_ROW = 400
PARSE_BYTES_PER_VALUE = 470
MAX_BATCH_REPORTS = 5  # the most reports a batchRunReports may hold
REQUEST_TIMEOUT_SECONDS = 300.0
DEFAULT_BACKOFF = BackoffPolicy(base_seconds=2.0, max_wait_seconds=60.0, max_attempts=6)
_Response = TypeVar("_Response")


def rows_per_page(columns: int, budget: int) -> int:
    """The most rows a page of `columns` dimensions and metrics may ask for within `budget` bytes:
    wide reports get smaller pages, narrow ones up to GA4's maximum."""
    fitting = budget // (PARSE_BYTES_PER_ROW + PARSE_BYTES_PER_VALUE * columns)
    return max(1, min(MAX_ROWS_PER_REQUEST, fitting))


class Ga4Api:
    """`clock` (epoch seconds), `sleep`, `backoff`, `token_cache` and `rows_per_request` are for
    tests; the defaults are GA4's real limits. Pages are further capped by `rows_per_page`."""

    def __init__(
        self,
        config: GoogleAnalyticsDataApiConfig,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        backoff: BackoffPolicy = DEFAULT_BACKOFF,
        token_cache: TokenCache | None = None,
        rows_per_request: int = MAX_ROWS_PER_REQUEST,
    ) -> None:
        self._config = config
        self._clock, self._sleep, self._backoff = clock, sleep, backoff
        self._token_cache = token_cache
        self.rows_per_request = rows_per_request
        self._page_budget = config.page_memory_mb * 2**20
        self.quota = QuotaTracker(config.quota_reserve, clock=clock, sleep=sleep)
        self.requests_sent = 0
        self._metadata: dict[str, PropertyMetadata] = {}

    # --- quota-free descriptions ----------------------------------------------------------------

    def metadata(self, property_id: str) -> PropertyMetadata:
        """The property's dimensions and metrics, custom ones included (asked once per sync)."""
        if property_id not in self._metadata:
            answer = self._call(
                property_id,
                "metadata",
                lambda: self._beta.get_metadata(name=f"properties/{property_id}/metadata", **self._options),
                spends_quota=False,
            )
            self._metadata[property_id] = PropertyMetadata.of(answer)
        return self._metadata[property_id]

    def incompatible_fields(self, property_id: str, report: str, request: ApiRequest) -> list[str]:
        """The dimensions and metrics of `request` that GA4 says cannot be in one report together."""
        from google.analytics.data_v1beta.types import CheckCompatibilityRequest

        parts = ("dimensions", "metrics", "dimension_filter", "metric_filter")
        body = {key: request[key] for key in parts if request.get(key)}
        check = CheckCompatibilityRequest(
            {**body, "property": f"properties/{property_id}", "compatibility_filter": "INCOMPATIBLE"}
        )
        answer = self._call(
            property_id,
            report,
            lambda: self._beta.check_compatibility(check, **self._options),
            spends_quota=False,
        )
        requested = {field["name"] for key in ("dimensions", "metrics") for field in request.get(key, [])}
        incompatible = [
            *(c.dimension_metadata.api_name for c in answer.dimension_compatibilities),
            *(c.metric_metadata.api_name for c in answer.metric_compatibilities),
        ]
        return [name for name in incompatible if name in requested]

    # --- reports ------------------------------------------------------------------------------

    def report_pages(
        self, property_id: str, report: str, request: ApiRequest, *, offset: int = 0
    ) -> Iterator[ReportPage]:
        """Every page of a runReport (flat or cohort), as many rows at a time as `_paged` allows."""
        from google.analytics.data_v1beta.types import RunReportRequest

        while True:
            page_request = RunReportRequest(self._paged(property_id, request, offset))
            send = partial(self._beta.run_report, page_request, **self._options)
            page = ReportPage(self._call(property_id, report, send))
            yield page
            offset += page.rows_on_page
            if page.rows_on_page == 0 or offset >= page.row_count:
                return

    def batch_first_pages(
        self, property_id: str, reports: Sequence[str], requests: Sequence[ApiRequest]
    ) -> list[ReportPage]:
        """The first page of up to five reports of one property in one batchRunReports, which
        share one answer and so one page's memory budget."""
        from google.analytics.data_v1beta.types import BatchRunReportsRequest

        batch = BatchRunReportsRequest(
            property=f"properties/{property_id}",
            requests=[self._paged(property_id, request, 0, shared_by=len(requests)) for request in requests],
        )
        answer = self._call(
            property_id,
            ", ".join(reports),
            lambda: self._beta.batch_run_reports(batch, **self._options),
            quota_of=lambda batch_answer: batch_answer.reports[-1].property_quota,
        )
        return [ReportPage(report) for report in answer.reports]

    def pivot_report(self, property_id: str, report: str, request: ApiRequest) -> ReportPage:
        from google.analytics.data_v1beta.types import RunPivotReportRequest

        pivot = RunPivotReportRequest(self._quota_asked(property_id, request))
        return ReportPage(
            self._call(property_id, report, lambda: self._beta.run_pivot_report(pivot, **self._options))
        )

    def realtime_report(self, property_id: str, report: str, request: ApiRequest) -> ReportPage:
        from google.analytics.data_v1beta.types import RunRealtimeReportRequest

        realtime = RunRealtimeReportRequest(
            {**self._quota_asked(property_id, request), "limit": self.rows_per_request}
        )
        return ReportPage(
            self._call(property_id, report, lambda: self._beta.run_realtime_report(realtime, **self._options))
        )

    def funnel_report(
        self, property_id: str, report: str, request: ApiRequest
    ) -> tuple[ReportPage, ReportPage]:
        """The funnel table and the funnel visualization of a v1alpha runFunnelReport."""
        from google.analytics.data_v1alpha.types import RunFunnelReportRequest

        funnel = RunFunnelReportRequest(
            {**self._quota_asked(property_id, request), "limit": self.rows_per_request}
        )
        answer = self._call(
            property_id, report, lambda: self._alpha.run_funnel_report(funnel, **self._options)
        )
        return ReportPage(answer.funnel_table), ReportPage(answer.funnel_visualization)

    # --- plumbing -------------------------------------------------------------------------------

    def _paged(self, property_id: str, request: ApiRequest, offset: int, *, shared_by: int = 1) -> ApiRequest:
        columns = len(request.get("dimensions", ())) + len(request.get("metrics", ()))
        limit = min(self.rows_per_request, rows_per_page(columns, self._page_budget // shared_by))
        return {**self._quota_asked(property_id, request), "limit": limit, "offset": offset}

    @staticmethod
    def _quota_asked(property_id: str, request: ApiRequest) -> ApiRequest:
        return {**request, "property": f"properties/{property_id}", "return_property_quota": True}

    def _call(
        self,
        property_id: str,
        report: str,
        send: Callable[[], Any],
        *,
        spends_quota: bool = True,
        quota_of: Callable[[Any], Any] = lambda answer: answer.property_quota,
    ) -> Any:
        """Send a request through the quota checks and retries; the answer's raw protobuf message."""
        context = {"property_id": property_id, "report": report}
        if spends_quota:
            self.quota.before_request(property_id, context)
        self.requests_sent += 1
        answer = call_with_retry(
            send,
            policy=self._backoff,
            taxonomy=GA4_ERRORS,
            api_name="Google Analytics",
            context=context,
            sleep=self._sleep,
            describe=lambda error: self._describe(error, context),
        )
        message = type(answer).pb(answer)
        if spends_quota:
            self.quota.observe(property_id, report, quota_of(message))
        return message

    def _describe(self, error: GoogleAPICallError, context: Mapping[str, str]) -> ApiFailure:
        failure = describe_google_error(error, context, datetime.fromtimestamp(self._clock(), UTC))
        quota = Quota.named(failure.reason)
        if quota is not None and quota.stops_the_property:
            self.quota.stop(context["property_id"], failure)  # its other streams stop at once
        return failure

    @property
    def _options(self) -> dict[str, Any]:
        return {"retry": None, "timeout": REQUEST_TIMEOUT_SECONDS}  # `_call` is the only retry loop

    @cached_property
    def _credentials(self) -> Any:
        return google_credentials(self._config.credentials, cache=self._token_cache, clock=self._clock)

    @cached_property
    def _client_options(self) -> dict[str, str]:
        return {"api_endpoint": self._config.api_endpoint}

    @cached_property
    def _beta(self) -> BetaAnalyticsDataClient:
        from google.analytics.data_v1beta import BetaAnalyticsDataClient

        return BetaAnalyticsDataClient(
            transport="rest", credentials=self._credentials, client_options=self._client_options
        )

    @cached_property
    def _alpha(self) -> AlphaAnalyticsDataClient:
        from google.analytics.data_v1alpha import AlphaAnalyticsDataClient

        return AlphaAnalyticsDataClient(
            transport="rest", credentials=self._credentials, client_options=self._client_options
        )
