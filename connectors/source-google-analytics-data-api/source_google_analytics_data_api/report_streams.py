"""Every report of every property as streams: what each report type requests and how it is read.

- flat and pivot reports keyed on a day, week or month are incremental (`IncrementalReport`):
  windows of `window_in_days`, the last `lookback_window` days re-read, periods kept whole;
  without such a dimension they are read over the whole date range at every sync;
- cohort reports follow their configured cohorts, realtime reports the last minutes, funnel
  reports the whole date range: all read whole at every sync; a funnel gives two streams, its
  table (`<name>`) and its visualization (`<name>_visualization`), from one request.

Streams are named as by the official connector: the first property's by the report's name, the
others' `<report>Property<id>`. Primary keys are `property_id` plus every dimension. The official
connector saves one flat state per such stream, which resumes ours (see `official_state`); a
declarative per-partition state naming `{"property_id": <id>}` is read for the stream's property.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from cdk_extensions.incremental import Window, WindowCursor
from source_google_analytics_data_api.api import Ga4Api
from source_google_analytics_data_api.batching import ReportBatcher
from source_google_analytics_data_api.config import (
    CohortsEnabled,
    CustomReport,
    GoogleAnalyticsDataApiConfig,
    ReportType,
)
from source_google_analytics_data_api.default_reports import DEFAULT_REPORTS, ReportDefinition
from source_google_analytics_data_api.periods import Period, period_of
from source_google_analytics_data_api.records import Record, report_records
from source_google_analytics_data_api.request_parts import (
    ApiRequest,
    cohort_spec,
    filter_expression,
    funnel_parts,
    order_by,
    pivot,
)
from source_google_analytics_data_api.responses import PropertyMetadata, ReportPage
from source_google_analytics_data_api.schema import report_schema
from source_google_analytics_data_api.streams import FullRefreshReport, IncrementalReport, ReportStream

DEFAULT_HISTORY = timedelta(days=730)  # without a start date: two years
FUNNEL_TABLE_METRICS = (
    "activeUsers",
    "funnelStepCompletionRate",
    "funnelStepAbandonments",
    "funnelStepAbandonmentRate",
)
FUNNEL_METRICS_METADATA = PropertyMetadata(
    frozenset(), frozenset(), integer_metrics=frozenset({"activeUsers", "funnelStepAbandonments"})
)


def stream_name(report: str, property_index: int, property_id: str) -> str:
    """The official connector's names: plain for the first property, `<report>Property<id>` after."""
    return report if property_index == 0 else f"{report}Property{property_id}"


@dataclass(frozen=True)
class SyncDates:
    """The days a sync reads: from `start` up to `end` (excluded)."""

    start: date
    end: date

    @classmethod
    def of(cls, config: GoogleAnalyticsDataApiConfig, today: date) -> SyncDates:
        last = config.date_ranges_end_date or today
        return cls(config.date_ranges_start_date or today - DEFAULT_HISTORY, last + timedelta(days=1))

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)


class ReportStreams:
    """Builds the streams of every configured report for every property of one sync."""

    def __init__(
        self, config: GoogleAnalyticsDataApiConfig, api: Ga4Api, batcher: ReportBatcher, today: date
    ) -> None:
        self._config = config
        self._api = api
        self._batcher = batcher
        self._today = today
        self._dates = SyncDates.of(config, today)

    def all(self) -> list[ReportStream]:
        custom = {report.name: report for report in self._config.custom_reports_array}
        defaults = [report for report in DEFAULT_REPORTS if report.name not in custom]
        streams: list[ReportStream] = []
        for index, property_id in enumerate(self._config.property_ids):
            for default in defaults:
                streams.append(
                    self._flat(default, property_id, stream_name(default.name, index, property_id))
                )
            for report in custom.values():
                streams.extend(self._custom(report, property_id, index))
        return streams

    def _custom(self, report: CustomReport, property_id: str, index: int) -> list[ReportStream]:
        name = stream_name(report.name, index, property_id)
        kind = report.kind
        if kind in (ReportType.FLAT, ReportType.PIVOT):
            return [self._flat(as_definition(report), property_id, name)]
        if kind is ReportType.COHORT:
            return [self._cohort(report, property_id, name)]
        if kind is ReportType.REALTIME:
            return [self._realtime(report, property_id, name)]
        return self._funnel(report, property_id, index)

    # --- flat and pivot -------------------------------------------------------------------------

    def _flat(self, report: ReportDefinition, property_id: str, name: str) -> ReportStream:
        period = period_of(report.dimensions)
        primary_key = ["property_id", *report.dimensions]
        schema_of = self._schema_of(property_id, report.dimensions, report.metrics)

        def request_of(window: Window[date]) -> ApiRequest:
            return self._report_request(report, window.start, window.end - timedelta(days=1))

        def records(window: Window[date]) -> Iterator[Record]:
            for page in self._pages(property_id, name, report, request_of(window), window):
                yield from self._records(
                    page, property_id, window.start, window.end - timedelta(days=1), period
                )

        if period is None:
            whole = Window(self._dates.start, self._dates.end)
            return FullRefreshReport(name, property_id, primary_key, schema_of, lambda: records(whole))
        cursor = WindowCursor(
            stream_name=name,
            cursor_field="date" if period.is_day else "startDate",
            primary_key=primary_key,
            start=self._dates.start,
            end=self._dates.end,
            step=timedelta(days=self._config.window_in_days),
            sorted_by_cursor=False,
            lookback=timedelta(days=self._config.lookback_window),
            align=None if period.is_day else period.floor,
            partition={"property_id": property_id},
        )
        small = not report.pivots and report.dimensions == (period.dimension,)  # a row per period
        return IncrementalReport(
            name,
            property_id,
            primary_key,
            schema_of,
            cursor,
            records,
            batch_request=request_of if small else None,
        )

    def _pages(
        self, property_id: str, name: str, report: ReportDefinition, request: ApiRequest, window: Window[date]
    ) -> Iterable[ReportPage]:
        if report.pivots:
            return [self._api.pivot_report(property_id, name, request)]
        return self._batcher.pages(property_id, name, request, window)

    def _report_request(self, report: ReportDefinition, first: date, last: date) -> ApiRequest:
        request = report_body(report, keep_empty_rows=self._config.keep_empty_rows)
        return {**request, "date_ranges": [{"start_date": first.isoformat(), "end_date": last.isoformat()}]}

    # --- cohort, realtime, funnel ---------------------------------------------------------------

    def _cohort(self, report: CustomReport, property_id: str, name: str) -> ReportStream:
        assert isinstance(report.cohort_spec, CohortsEnabled)  # the config model guarantees it
        spec = report.cohort_spec
        request = {
            **report_body(as_definition(report), self._config.keep_empty_rows),
            "cohort_spec": cohort_spec(spec),
        }
        ranges = {
            cohort.name or f"cohort_{position}": (cohort.date_range.start_date, cohort.date_range.end_date)
            for position, cohort in enumerate(spec.cohorts)
        }
        first = min(start for start, _ in ranges.values())
        last = max(end for _, end in ranges.values())

        def read() -> Iterator[Record]:
            for page in self._api.report_pages(property_id, name, request):
                for record in self._records(page, property_id, first, last):
                    start, end = ranges.get(str(record.get("cohort")), (first, last))
                    yield {**record, "startDate": start.isoformat(), "endDate": end.isoformat()}

        schema_of = self._schema_of(property_id, report.dimensions, report.metrics)
        return FullRefreshReport(name, property_id, ["property_id", *report.dimensions], schema_of, read)

    def _realtime(self, report: CustomReport, property_id: str, name: str) -> ReportStream:
        body = report_body(as_definition(report))  # realtime reports have no empty rows to keep
        ranges = report.minute_ranges
        request = {
            **body,
            "minute_ranges": [
                {
                    **({"name": minutes.name} if minutes.name else {}),
                    "start_minutes_ago": minutes.start_minutes_ago,
                    "end_minutes_ago": minutes.end_minutes_ago,
                }
                for minutes in ranges
            ],
        }
        dimensions = [*report.dimensions, *(["dateRange"] if len(ranges) > 1 else [])]

        def read() -> Iterator[Record]:
            page = self._api.realtime_report(property_id, name, request)
            yield from self._records(page, property_id, self._today, self._today)

        schema_of = self._schema_of(property_id, dimensions, report.metrics)
        return FullRefreshReport(name, property_id, ["property_id", *dimensions], schema_of, read)

    def _funnel(self, report: CustomReport, property_id: str, index: int) -> list[ReportStream]:
        assert report.funnel is not None  # the config model guarantees it
        funnel = report.funnel
        request: ApiRequest = {
            "date_ranges": [
                {"start_date": self._dates.start.isoformat(), "end_date": self._dates.last.isoformat()}
            ],
            **funnel_parts(funnel),
        }
        if report.dimension_filter:
            request["dimension_filter"] = filter_expression(report.dimension_filter)

        @cache
        def both() -> tuple[ReportPage, ReportPage]:  # one request serves both streams
            return self._api.funnel_report(property_id, report.name, request)

        table_dimensions = [
            "funnelStepName",
            *([funnel.breakdown_dimension] if funnel.breakdown_dimension else []),
        ]
        visualization_dimensions = [
            "funnelStepName",
            *(["date"] if funnel.visualization_type == "TRENDED_FUNNEL" else []),
            *([funnel.next_action_dimension] if funnel.next_action_dimension else []),
        ]
        return [
            self._funnel_part(
                stream_name(report.name, index, property_id),
                property_id,
                table_dimensions,
                FUNNEL_TABLE_METRICS,
                lambda: both()[0],
            ),
            self._funnel_part(
                stream_name(f"{report.name}_visualization", index, property_id),
                property_id,
                visualization_dimensions,
                FUNNEL_TABLE_METRICS[:1],
                lambda: both()[1],
            ),
        ]

    def _funnel_part(
        self,
        name: str,
        property_id: str,
        dimensions: list[str],
        metrics: Iterable[str],
        page: Callable[[], ReportPage],
    ) -> ReportStream:
        def read() -> Iterator[Record]:
            yield from self._records(page(), property_id, self._dates.start, self._dates.last)

        def schema_of() -> dict[str, object]:
            return report_schema(dimensions, metrics, FUNNEL_METRICS_METADATA, conversions_as_decimals=False)

        return FullRefreshReport(name, property_id, ["property_id", *dimensions], schema_of, read)

    # --- shared ---------------------------------------------------------------------------------

    def _records(
        self, page: ReportPage, property_id: str, first: date, last: date, period: Period | None = None
    ) -> Iterator[Record]:
        return report_records(
            page,
            property_id=property_id,
            start=first,
            end=last,
            period=period,
            conversions_as_decimals=self._config.convert_conversions_event,
        )

    def _schema_of(
        self, property_id: str, dimensions: Iterable[str], metrics: Iterable[str]
    ) -> Callable[[], dict[str, object]]:
        def schema_of() -> dict[str, object]:
            return report_schema(
                dimensions,
                metrics,
                self._api.metadata(property_id),
                conversions_as_decimals=self._config.convert_conversions_event,
            )

        return schema_of


def as_definition(report: CustomReport) -> ReportDefinition:
    """A custom report's dimensions, metrics, filters, order and pivots in the API's form."""
    metrics = tuple(report.metrics)
    return ReportDefinition(
        name=report.name,
        dimensions=tuple(report.dimensions),
        metrics=metrics,
        dimension_filter=filter_expression(report.dimension_filter) if report.dimension_filter else None,
        metric_filter=filter_expression(report.metric_filter) if report.metric_filter else None,
        order_bys=tuple(order_by(order, metrics) for order in report.order_bys),
        pivots=tuple(pivot(part, metrics) for part in report.pivots),
    )


def report_body(report: ReportDefinition, keep_empty_rows: bool | None = None) -> ApiRequest:
    """The request fields a report's definition sets (no dates, paging or property)."""
    body: ApiRequest = {
        "dimensions": [{"name": name} for name in report.dimensions],
        "metrics": [{"name": name} for name in report.metrics],
    }
    if keep_empty_rows is not None:
        body["keep_empty_rows"] = keep_empty_rows
    if report.dimension_filter:
        body["dimension_filter"] = report.dimension_filter
    if report.metric_filter:
        body["metric_filter"] = report.metric_filter
    if report.order_bys:
        body["order_bys"] = list(report.order_bys)
    if report.pivots:
        body["pivots"] = list(report.pivots)
    return body
