"""Airbyte source for Google Analytics 4 (the Google Analytics Data API)."""

from source_google_analytics_data_api.source import SourceGoogleAnalyticsDataApi

__all__ = ["SourceGoogleAnalyticsDataApi"]
