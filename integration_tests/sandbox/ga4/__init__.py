"""A fake Google Analytics Data API (v1beta, v1alpha funnels) with a Google-like token endpoint.

with FakeGA4(GA4Options(days=30)) as ga4:
    key = ga4.new_service_account()  # key.info is a service-account key file for google-auth
    client = BetaAnalyticsDataClient(
        transport="rest",
        client_options={"api_endpoint": ga4.url},
        credentials=service_account.Credentials.from_service_account_info(key.info, scopes=[...]),
    )
"""

from sandbox.ga4.auth import OAuthClient
from sandbox.ga4.errors import error_body
from sandbox.ga4.quota import QuotaLimits
from sandbox.ga4.reporting import ReportSettings
from sandbox.ga4.server import FakeGA4, GA4Options
from sandbox.ga4.service_account import ANALYTICS_READONLY_SCOPE, ServiceAccountKey, generate_service_account

__all__ = [
    "ANALYTICS_READONLY_SCOPE",
    "FakeGA4",
    "GA4Options",
    "OAuthClient",
    "QuotaLimits",
    "ReportSettings",
    "ServiceAccountKey",
    "error_body",
    "generate_service_account",
]
