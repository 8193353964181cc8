"""Read-only views of what the Data API answers, over its raw protobuf messages.

The clients return proto-plus wrappers, whose every attribute access builds a new wrapper: too
slow for hundreds of thousands of rows. These views read the underlying protobuf messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

INTEGER_METRIC_TYPE = 1  # MetricType.TYPE_INTEGER; every other metric type is a decimal number


@dataclass(frozen=True)
class DataQuality:
    """What GA4 says about how exact a report is."""

    sampling_share: float | None  # the share of events read when the report was sampled
    subject_to_thresholding: bool  # rows were withheld to protect users' privacy
    data_loss_from_other_row: bool  # rows were rolled into an "(other)" row

    @classmethod
    def of(cls, metadata: Any) -> DataQuality:
        samplings = list(getattr(metadata, "sampling_metadatas", ()))
        read = sum(int(sampling.samples_read_count) for sampling in samplings)
        space = sum(int(sampling.sampling_space_size) for sampling in samplings)
        return cls(
            sampling_share=read / space if space else None,
            subject_to_thresholding=bool(getattr(metadata, "subject_to_thresholding", False)),
            data_loss_from_other_row=bool(getattr(metadata, "data_loss_from_other_row", False)),
        )

    def as_record_field(self) -> dict[str, Any]:
        return {
            "sampled": self.sampling_share is not None,
            "sampling_share": self.sampling_share,
            "subject_to_thresholding": self.subject_to_thresholding,
            "data_loss_from_other_row": self.data_loss_from_other_row,
        }


@dataclass(frozen=True)
class ReportPage:
    """One answer of a report method (flat, pivot, realtime, a funnel sub-report): headers and rows."""

    message: Any  # the protobuf message
    row_count: int = field(init=False)

    def __post_init__(self) -> None:
        row_count = getattr(self.message, "row_count", None)
        object.__setattr__(self, "row_count", int(row_count) if row_count is not None else self.rows_on_page)

    @property
    def dimension_names(self) -> list[str]:
        return [header.name for header in self.message.dimension_headers]

    @property
    def metric_names(self) -> list[str]:
        return [header.name for header in self.message.metric_headers]

    @property
    def integer_metrics(self) -> list[bool]:
        return [header.type_ == INTEGER_METRIC_TYPE for header in self.message.metric_headers]

    @property
    def rows_on_page(self) -> int:
        return len(self.message.rows)

    def rows(self) -> Iterator[tuple[list[str], list[str]]]:
        """Each row's dimension values and metric values, as GA4 writes them (strings)."""
        for row in self.message.rows:
            yield (
                [value.value for value in row.dimension_values],
                [value.value for value in row.metric_values],
            )

    @property
    def quality(self) -> DataQuality:
        return DataQuality.of(getattr(self.message, "metadata", None))  # realtime reports have none


@dataclass(frozen=True)
class PropertyMetadata:
    """The dimensions and metrics a property offers (its custom definitions included)."""

    dimensions: frozenset[str]
    metrics: frozenset[str]
    integer_metrics: frozenset[str]

    @classmethod
    def of(cls, message: Any) -> PropertyMetadata:
        def names(field: Any) -> set[str]:
            return {field.api_name, *field.deprecated_api_names}

        integers = {
            name
            for metric in message.metrics
            if metric.type_ == INTEGER_METRIC_TYPE
            for name in names(metric)
        }
        return cls(
            dimensions=frozenset(name for dimension in message.dimensions for name in names(dimension)),
            metrics=frozenset(name for metric in message.metrics for name in names(metric)),
            integer_metrics=frozenset(integers),
        )
