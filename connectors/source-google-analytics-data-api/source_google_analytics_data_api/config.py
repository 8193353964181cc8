"""The GA4 (Google Analytics Data API) source's configuration.

It accepts the official Airbyte connector's config unchanged: `credentials`, `property_ids`,
the date range, `custom_reports_array` with its filter, pivot and cohort objects (whose odd
shapes, such as `matchType` as a list, are kept for that reason), `window_in_days`,
`lookback_window`, `keep_empty_rows` and `convert_conversions_event`. Everything we add is
optional: an API endpoint, a quota reserve, the memory a page of rows may take, and funnel,
realtime and explicitly typed reports.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from cdk_extensions.google_credentials import GoogleCredentials
from cdk_extensions.spec import OneOf, ensure_unique

GA4_API_URL = "https://analyticsdata.googleapis.com"

# --- filter expressions (the official connector's shape) ---------------------------------------

MatchType = Literal[
    "MATCH_TYPE_UNSPECIFIED", "EXACT", "BEGINS_WITH", "ENDS_WITH", "CONTAINS", "FULL_REGEXP", "PARTIAL_REGEXP"
]
Operation = Literal[
    "OPERATION_UNSPECIFIED",
    "EQUAL",
    "LESS_THAN",
    "LESS_THAN_OR_EQUAL",
    "GREATER_THAN",
    "GREATER_THAN_OR_EQUAL",
]


class Int64Value(BaseModel):
    model_config = ConfigDict(title="Whole number")
    value_type: Literal["int64Value"] = "int64Value"
    value: str = Field(pattern=r"^-?[0-9]+$", examples=["100"])


class DoubleValue(BaseModel):
    model_config = ConfigDict(title="Decimal number")
    value_type: Literal["doubleValue"] = "doubleValue"
    value: float = Field(examples=[0.25])


NumericValue = Annotated[Int64Value | DoubleValue, OneOf("value_type")]


class StringFilter(BaseModel):
    """Compare the text of a dimension."""

    model_config = ConfigDict(title="Text")
    filter_name: Literal["stringFilter"] = "stringFilter"
    value: str = Field(examples=["google"])
    match_type: list[MatchType] = Field(
        [], alias="matchType", title="Match type", description="How to compare (one value; EXACT when empty)."
    )
    case_sensitive: bool = Field(False, alias="caseSensitive", title="Case sensitive")


class InListFilter(BaseModel):
    """Keep the values in a list."""

    model_config = ConfigDict(title="In list")
    filter_name: Literal["inListFilter"] = "inListFilter"
    values: list[str] = Field(min_length=1, examples=[["mobile", "tablet"]])
    case_sensitive: bool = Field(False, alias="caseSensitive", title="Case sensitive")


class NumericFilter(BaseModel):
    """Compare a number."""

    model_config = ConfigDict(title="Number")
    filter_name: Literal["numericFilter"] = "numericFilter"
    operation: list[Operation] = Field(min_length=1, description="The comparison (one value).")
    value: NumericValue


class BetweenFilter(BaseModel):
    """Keep numbers between two bounds (both included)."""

    model_config = ConfigDict(title="Between")
    filter_name: Literal["betweenFilter"] = "betweenFilter"
    from_value: NumericValue = Field(alias="fromValue", title="From")
    to_value: NumericValue = Field(alias="toValue", title="To")


FieldCondition = Annotated[StringFilter | InListFilter | NumericFilter | BetweenFilter, OneOf("filter_name")]


class FieldFilter(BaseModel):
    """A condition on one dimension or metric."""

    field_name: str = Field(title="Dimension or metric", examples=["deviceCategory"])
    filter: FieldCondition = Field(title="Condition")


class AndGroup(BaseModel):
    """Every condition must hold."""

    model_config = ConfigDict(title="All of")
    filter_type: Literal["andGroup"] = "andGroup"
    expressions: list[FieldFilter] = Field(min_length=1)


class OrGroup(BaseModel):
    """At least one condition must hold."""

    model_config = ConfigDict(title="Any of")
    filter_type: Literal["orGroup"] = "orGroup"
    expressions: list[FieldFilter] = Field(min_length=1)


class NotExpression(BaseModel):
    """The condition must not hold."""

    model_config = ConfigDict(title="Not")
    filter_type: Literal["notExpression"] = "notExpression"
    expression: FieldFilter


class SingleFilter(BaseModel):
    """One condition."""

    model_config = ConfigDict(title="Condition")
    filter_type: Literal["filter"] = "filter"
    field_name: str = Field(title="Dimension or metric", examples=["deviceCategory"])
    filter: FieldCondition = Field(title="Condition")


FilterExpression = Annotated[AndGroup | OrGroup | NotExpression | SingleFilter, OneOf("filter_type")]

# --- report parts ---------------------------------------------------------------------------


class OrderBy(BaseModel):
    """Sort rows by a dimension or metric of the report."""

    field_name: str = Field(title="Dimension or metric", examples=["sessions"])
    desc: bool = Field(False, title="Descending")
    order_type: Literal["ALPHANUMERIC", "CASE_INSENSITIVE_ALPHANUMERIC", "NUMERIC"] | None = Field(
        None, title="Dimension order", description="How dimension values compare (ALPHANUMERIC when empty)."
    )


class Pivot(BaseModel):
    """One pivot of a pivot report: the dimensions whose value combinations become columns."""

    field_names: list[str] = Field(
        alias="fieldNames", min_length=1, title="Dimensions", examples=[["country"]]
    )
    limit: int = Field(ge=1, description="How many value combinations to keep.", examples=[10])
    offset: int = Field(0, ge=0)
    metric_aggregations: list[Literal["TOTAL", "MINIMUM", "MAXIMUM", "COUNT"]] = Field(
        [], alias="metricAggregations", title="Aggregates", description="Extra rows with these aggregates."
    )
    order_bys: list[OrderBy] = Field([], alias="orderBys", title="Order")


class DateRange(BaseModel):
    start_date: date = Field(alias="startDate", title="Start date", examples=["2024-01-01"])
    end_date: date = Field(alias="endDate", title="End date", examples=["2024-01-31"])


class Cohort(BaseModel):
    """Users who first visited in a date range."""

    model_config = ConfigDict(regex_engine="python-re")  # the name pattern needs a look-ahead
    name: str | None = Field(
        None, pattern=r"^(?!(cohort_|RESERVED_)).*$", description="Defaults to cohort_N."
    )
    dimension: Literal["firstSessionDate"] = "firstSessionDate"
    date_range: DateRange = Field(alias="dateRange", title="First visit between")


class CohortsRange(BaseModel):
    """How long after their first visit the cohorts are followed."""

    granularity: Literal["GRANULARITY_UNSPECIFIED", "DAILY", "WEEKLY", "MONTHLY"]
    start_offset: int = Field(0, ge=0, alias="startOffset", title="First period")
    end_offset: int = Field(ge=0, alias="endOffset", title="Last period", examples=[30])


class CohortReportSettings(BaseModel):
    accumulate: bool = Field(False, description="Add up each cohort's values from its first period on.")


class CohortsDisabled(BaseModel):
    model_config = ConfigDict(title="Disabled")
    enabled: Literal["false"] = "false"


class CohortsEnabled(BaseModel):
    """Follow groups of users over time."""

    model_config = ConfigDict(title="Enabled")
    enabled: Literal["true"] = "true"
    cohorts: list[Cohort] = Field(min_length=1)
    cohorts_range: CohortsRange | None = Field(None, alias="cohortsRange", title="Follow-up")
    cohort_report_settings: CohortReportSettings | None = Field(
        None, alias="cohortReportSettings", title="Settings"
    )


CohortSpec = Annotated[CohortsDisabled | CohortsEnabled, OneOf("enabled")]


class FunnelStep(BaseModel):
    """What users must do to reach this step."""

    name: str = Field(examples=["Added to cart"])
    filter_expression: FilterExpression = Field(
        alias="filterExpression",
        title="Condition",
        description="Users reach the step when they match this, e.g. eventName equals add_to_cart.",
    )
    is_directly_followed_by: bool = Field(
        False, alias="isDirectlyFollowedBy", title="Immediately after the previous step"
    )
    within_duration_from_prior_step: str | None = Field(
        None,
        alias="withinDurationFromPriorStep",
        title="Within (after the previous step)",
        pattern=r"^[0-9]+(\.[0-9]{1,9})?s$",
        examples=["1800s"],
    )


class Funnel(BaseModel):
    """A funnel report (GA4's runFunnelReport): how many users pass through each step."""

    steps: list[FunnelStep] = Field(min_length=1, max_length=10)
    is_open_funnel: bool = Field(
        False, alias="isOpenFunnel", title="Open funnel", description="Users may enter at any step."
    )
    breakdown_dimension: str | None = Field(
        None, alias="breakdownDimension", title="Breakdown dimension", examples=["deviceCategory"]
    )
    breakdown_limit: int | None = Field(None, ge=1, alias="breakdownLimit", title="Breakdown values")
    next_action_dimension: (
        Literal["eventName", "pageTitle", "pagePath", "screenName", "unifiedScreenName"] | None
    ) = Field(None, alias="nextActionDimension", title="Next action dimension")
    next_action_limit: int | None = Field(None, ge=1, alias="nextActionLimit", title="Next action values")
    visualization_type: Literal["STANDARD_FUNNEL", "TRENDED_FUNNEL"] = Field(
        "STANDARD_FUNNEL", alias="funnelVisualizationType", title="Visualization"
    )


class MinuteRange(BaseModel):
    """A window of the last minutes, for realtime reports."""

    name: str | None = None
    start_minutes_ago: int = Field(29, ge=0, le=59, alias="startMinutesAgo", title="From (minutes ago)")
    end_minutes_ago: int = Field(0, ge=0, le=59, alias="endMinutesAgo", title="To (minutes ago)")


class ReportType(StrEnum):
    FLAT = "flat"
    PIVOT = "pivot"
    COHORT = "cohort"
    FUNNEL = "funnel"
    REALTIME = "realtime"


class CustomReport(BaseModel):
    """A report to sync as its own stream."""

    name: str = Field(min_length=1, description="The stream's name.", examples=["sessions_by_campaign"])
    report_type: ReportType | None = Field(
        None,
        title="Report type",
        description=(
            "Leave empty to derive it: funnel when a funnel is given, pivot when pivots are, cohort when "
            "cohorts are enabled, otherwise flat. Realtime reports must say so."
        ),
    )
    dimensions: list[str] = Field([], examples=[["date", "sessionCampaignName"]])
    metrics: list[str] = Field([], examples=[["sessions", "conversions"]])
    dimension_filter: FilterExpression | None = Field(None, alias="dimensionFilter", title="Dimension filter")
    metric_filter: FilterExpression | None = Field(None, alias="metricFilter", title="Metric filter")
    order_bys: list[OrderBy] = Field([], alias="orderBys", title="Order")
    pivots: list[Pivot] = Field([], description="For pivot reports.")
    cohort_spec: CohortSpec | None = Field(None, alias="cohortSpec", title="Cohorts")
    funnel: Funnel | None = Field(None, description="For funnel reports.")
    minute_ranges: list[MinuteRange] = Field(
        [],
        alias="minuteRanges",
        title="Minute ranges",
        description="For realtime reports; the last 30 minutes when empty.",
    )

    @property
    def kind(self) -> ReportType:
        """The report type, as given or derived."""
        if self.report_type is not None:
            return self.report_type
        if self.funnel is not None:
            return ReportType.FUNNEL
        if self.pivots:
            return ReportType.PIVOT
        if isinstance(self.cohort_spec, CohortsEnabled):
            return ReportType.COHORT
        return ReportType.FLAT

    @model_validator(mode="after")
    def _parts_match_the_type(self) -> CustomReport:
        kind = self.kind
        problem = None
        if kind is not ReportType.FUNNEL and not self.metrics:
            problem = "a {kind} report needs at least one metric"
        elif kind is ReportType.FUNNEL and self.funnel is None:
            problem = "a funnel report needs a `funnel`"
        elif kind is ReportType.PIVOT and not self.pivots:
            problem = "a pivot report needs `pivots`"
        elif kind is ReportType.COHORT and not isinstance(self.cohort_spec, CohortsEnabled):
            problem = "a cohort report needs `cohortSpec` with cohorts enabled"
        elif self.funnel is not None and kind is not ReportType.FUNNEL:
            problem = "`funnel` only applies to funnel reports, not to a {kind} report"
        elif self.minute_ranges and kind is not ReportType.REALTIME:
            problem = "`minuteRanges` only apply to realtime reports, not to a {kind} report"
        if problem:
            raise PydanticCustomError("report_type_mismatch", problem, {"kind": kind.value})
        return self


class GoogleAnalyticsDataApiConfig(BaseModel):
    """Reads GA4 reports (standard, custom, pivot, cohort, funnel and realtime) of one or more properties."""

    model_config = ConfigDict(title="Google Analytics 4 (Data API)")
    credentials: GoogleCredentials | None = Field(
        None,
        title="Authentication",
        description="How to connect to Google. Leave empty to use the application default credentials.",
    )
    property_ids: list[Annotated[str, Field(pattern=r"^[0-9]+$")]] = Field(
        min_length=1,
        title="Property IDs",
        description="The numeric IDs of the GA4 properties to read (Admin > Property details).",
        examples=[["123456789", "987654321"]],
        json_schema_extra={"uniqueItems": True},
    )
    date_ranges_start_date: date | None = Field(
        None,
        title="Start date",
        description="The first day to read (YYYY-MM-DD). Leave empty to start two years ago.",
        examples=["2024-01-01"],
    )
    date_ranges_end_date: date | None = Field(
        None,
        title="End date",
        description="The last day to read. Leave empty to read up to today.",
        examples=["2024-12-31"],
    )
    custom_reports_array: list[CustomReport] = Field(
        [], title="Custom reports", description="Reports to sync besides the standard ones, each as a stream."
    )
    window_in_days: int = Field(
        365,
        ge=1,
        le=365,
        title="Days per request",
        description=(
            "How many days each report request covers. Larger windows need fewer requests and quota "
            "tokens; GA4 may sample very large results."
        ),
        examples=[30, 365],
    )
    lookback_window: int = Field(
        2,
        ge=2,
        le=60,
        title="Lookback (days)",
        description="Each incremental sync re-reads this many past days, because GA4 revises recent figures.",
    )
    keep_empty_rows: bool = Field(
        False, title="Keep empty rows", description="Also return rows whose metrics are all zero."
    )
    convert_conversions_event: bool = Field(
        False,
        title="Conversions as decimals",
        description="Emit `conversions:*` metrics as decimal numbers instead of integers.",
    )
    api_endpoint: str = Field(
        GA4_API_URL,
        title="API endpoint",
        description="Where the Data API is reached. Change it only for a proxy or a local test server.",
        pattern=r"^https?://\S+$",
    )
    page_memory_mb: int = Field(
        40,
        ge=8,
        le=4096,
        title="Memory per page (MB)",
        description=(
            "The most memory one page of report rows may take while it is parsed; each request asks for "
            "as many rows as fit (up to GA4's 250,000). Larger pages need fewer requests and quota tokens "
            "for wide reports (many dimensions and metrics). The connector itself needs ~100 MB more."
        ),
        examples=[40, 400],
    )
    quota_reserve: float = Field(
        0.1,
        ge=0,
        lt=1,
        title="Quota reserve",
        description=(
            "The share of each property's hourly and daily quota tokens to leave for other tools "
            "(0 uses it all; 0.25 leaves a quarter)."
        ),
        examples=[0.1, 0.25],
    )

    @field_validator("property_ids")
    @classmethod
    def _each_property_once(cls, property_ids: list[str]) -> list[str]:
        ensure_unique(property_ids)
        return property_ids

    @field_validator("custom_reports_array")
    @classmethod
    def _each_report_name_once(cls, reports: list[CustomReport]) -> list[CustomReport]:
        ensure_unique([report.name for report in reports])
        return reports

    @model_validator(mode="after")
    def _start_before_end(self) -> GoogleAnalyticsDataApiConfig:
        start, end = self.date_ranges_start_date, self.date_ranges_end_date
        if start is not None and end is not None and end < start:
            raise PydanticCustomError(
                "date_range", "`date_ranges_end_date` is before `date_ranges_start_date`"
            )
        return self
