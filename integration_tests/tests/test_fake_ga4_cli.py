"""`python -m sandbox.ga4` serves the fake for a demo and hands out working credentials."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from google.analytics.data_v1beta import BetaAnalyticsDataClient
from google.analytics.data_v1beta import types as beta
from google.oauth2 import credentials as oauth2
from google.oauth2 import service_account

from sandbox.ga4 import ANALYTICS_READONLY_SCOPE


def test_the_cli_prints_where_it_listens_and_writes_a_key_file_that_works(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "ga4.json"
    command = [
        sys.executable,
        "-m",
        "sandbox.ga4",
        "--properties",
        "3",
        "--days",
        "30",
        "--key-file",
        str(key_file),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        announced = json.loads(process.stdout.readline())
        key = service_account.Credentials.from_service_account_file(
            str(key_file), scopes=[ANALYTICS_READONLY_SCOPE]
        )
        user = oauth2.Credentials(
            None, token_uri=announced["token_uri"], scopes=[ANALYTICS_READONLY_SCOPE], **announced["oauth"]
        )

        for credentials in (key, user):
            client = BetaAnalyticsDataClient(
                transport="rest", credentials=credentials, client_options={"api_endpoint": announced["url"]}
            )
            for property_id in announced["property_ids"]:
                response = client.run_report(
                    beta.RunReportRequest(
                        property=f"properties/{property_id}",
                        dimensions=[beta.Dimension(name="date")],
                        metrics=[beta.Metric(name="activeUsers")],
                        date_ranges=[beta.DateRange(start_date="60daysAgo", end_date="today")],
                    )
                )
                assert response.row_count == 30
    finally:
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(timeout=10)

    assert exit_code == 0
    assert announced["property_ids"] == ["400000001", "400000002", "400000003"]
    assert announced["token_uri"] == f"{announced['url']}/token"
    assert json.loads(key_file.read_text())["token_uri"] == announced["token_uri"]
    assert key_file.stat().st_mode & 0o777 == 0o600
