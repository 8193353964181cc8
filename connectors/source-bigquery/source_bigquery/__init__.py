"""Airbyte source for Google BigQuery."""

from source_bigquery.source import SourceBigquery

__all__ = ["SourceBigquery"]
