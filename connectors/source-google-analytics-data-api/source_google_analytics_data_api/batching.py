"""Small reports of a property fetched together, up to five per batchRunReports.

The active-user and overview reports have one row per day: their requests cost GA4 more in
overhead (a request, a concurrent slot) than in rows. Before a sync reads anything, the source
plans which windows each such stream will read (from its state), and the first stream to read a
window fetches that window for its partners too, in one batch. A partner takes its page from
here when its turn comes, so nothing is fetched twice or for nobody; a window no partner shares,
and the pages beyond a report's first, are fetched on their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from cdk_extensions.incremental import Window
from source_google_analytics_data_api.api import MAX_BATCH_REPORTS, Ga4Api
from source_google_analytics_data_api.request_parts import ApiRequest
from source_google_analytics_data_api.responses import ReportPage


@dataclass(frozen=True)
class _Planned:
    report: str
    request: ApiRequest


class ReportBatcher:
    """Serves report pages, from a batch where one was planned."""

    def __init__(self, api: Ga4Api) -> None:
        self._api = api
        self._planned: dict[tuple[str, Window[date]], list[_Planned]] = defaultdict(list)
        self._fetched: dict[tuple[str, str, Window[date]], ReportPage] = {}

    def plan(
        self, property_id: str, report: str, requests: Sequence[tuple[Window[date], ApiRequest]]
    ) -> None:
        """`report` will read these windows with these requests, in this order."""
        for window, request in requests:
            self._planned[(property_id, window)].append(_Planned(report, request))

    def pages(
        self, property_id: str, report: str, request: ApiRequest, window: Window[date]
    ) -> Iterator[ReportPage]:
        """Every page of the report's request for `window`."""
        key = (property_id, report, window)
        if key not in self._fetched:
            self._fetch_batch_holding(property_id, report, window)
        first = self._fetched.pop(key, None)
        if first is None:
            yield from self._api.report_pages(property_id, report, request)
            return
        yield first
        if first.rows_on_page and first.rows_on_page < first.row_count:
            yield from self._api.report_pages(property_id, report, request, offset=first.rows_on_page)

    def _fetch_batch_holding(self, property_id: str, report: str, window: Window[date]) -> None:
        planned = self._planned.pop((property_id, window), [])
        if len(planned) < 2:
            return
        groups = [
            planned[start : start + MAX_BATCH_REPORTS] for start in range(0, len(planned), MAX_BATCH_REPORTS)
        ]
        group = next((group for group in groups if any(member.report == report for member in group)), None)
        others = [member for member in planned if group is None or member not in group]
        if others:
            self._planned[(property_id, window)] = others
        if group is None or len(group) < 2:
            return
        pages = self._api.batch_first_pages(
            property_id, [member.report for member in group], [member.request for member in group]
        )
        for member, page in zip(group, pages, strict=True):
            self._fetched[(property_id, member.report, window)] = page
