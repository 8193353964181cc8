"""FakeGA4: the Google Analytics Data API (v1beta, and v1alpha funnels) on 127.0.0.1.

Every API request goes through the same steps as at Google: credentials (401), the property
(400 if malformed, 403 if unknown or not shared with the caller: GA4 does not tell the two
apart), the property's quota (429), then the report. Errors are Google's JSON error bodies.
Faults from `server.faults` answer before any of this; the 5xx among them count against the
property's server-error quota.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.fake_server import FakeServer, Request, Response, endpoint
from sandbox.faults import Answer, Clock, Effect, FaultPlan
from sandbox.ga4 import core_report, funnel, metadata, pivot, realtime
from sandbox.ga4.auth import Authenticator, OAuthClient
from sandbox.ga4.catalog import Catalog
from sandbox.ga4.dataset import PropertyDataset
from sandbox.ga4.errors import ApiError, invalid_argument, json_response
from sandbox.ga4.properties import PropertyProfile
from sandbox.ga4.quota import QuotaCategory, QuotaLedger, QuotaLimits
from sandbox.ga4.reporting import FakeProperty, ReportSettings, Served
from sandbox.ga4.service_account import ServiceAccountKey, generate_service_account
from sandbox.ga4.token_endpoint import TOKEN_PATH, add_token_route
from sandbox.ga4.wire import EnumEncoding

PROPERTY_ID_HELP = "To learn more about Property ID, see https://developers.google.com/analytics/devguides/reporting/data/v1/property-id."
V1BETA, V1ALPHA = "/v1beta/properties/{property_id}", "/v1alpha/properties/{property_id}"


@dataclass(frozen=True)
class GA4Options:
    """How big the fake is and how it behaves.

    days x cardinality size the data: each property has `days` days of history up to its today,
    and high-cardinality dimensions (pages, campaigns, items, custom values) have `cardinality`
    values; a day has 4 x cardinality facts. `late_days` recent days keep changing (see
    `FakeGA4.revise_recent_data`). `quota` holds every property's limits (lower them to run out
    fast), `inaccessible_property_ids` exist but answer 403.
    """

    property_ids: tuple[str, ...] = ("400000001", "400000002")
    days: int = 365
    cardinality: int = 20
    seed: int = 2024
    late_days: int = 3
    quota: QuotaLimits = field(default_factory=QuotaLimits)
    reports: ReportSettings = field(default_factory=ReportSettings)
    token_lifetime_seconds: float = 3600
    inaccessible_property_ids: frozenset[str] = frozenset()
    oauth_client: OAuthClient = field(
        default_factory=lambda: OAuthClient("sandbox-ga4.apps.googleusercontent.com", "sandbox-ga4-secret")
    )


class FakeGA4(FakeServer):
    def __init__(
        self, options: GA4Options | None = None, *, clock: Clock = time.time, name: str = "fake-ga4"
    ) -> None:
        super().__init__(name, clock=clock)
        self.options = options or GA4Options()
        self.ledger = QuotaLedger(self.options.quota, clock)
        self.faults = _ServerErrorCounting(clock, self.ledger)
        self.authenticator = Authenticator(
            clock, self.options.token_lifetime_seconds, self.options.oauth_client
        )
        self.properties = {
            property_id: self._build_property(property_id, number)
            for number, property_id in enumerate(self.options.property_ids, start=1)
        }
        add_token_route(self, self.authenticator)

    def _build_property(self, property_id: str, number: int) -> FakeProperty:
        profile = PropertyProfile.nth(property_id, number)
        dataset = PropertyDataset(
            profile,
            seed=self.options.seed,
            days=self.options.days,
            cardinality=self.options.cardinality,
            late_days=self.options.late_days,
            clock=self.clock,
        )
        return FakeProperty(profile, dataset, Catalog(profile))

    # --- for tests and the demo -----------------------------------------------------------------

    @property
    def property_ids(self) -> list[str]:
        return list(self.properties)

    @property
    def token_uri(self) -> str:
        return f"{self.url}{TOKEN_PATH}"

    def new_service_account(self, name: str = "ga4-reader") -> ServiceAccountKey:
        """A service account the fake trusts, whose key file sends its tokens requests here."""
        key = generate_service_account(self.token_uri, name=name)
        self.authenticator.trust(key)
        return key

    def new_refresh_token(self, token: str | None = None) -> str:
        """An OAuth refresh token for `options.oauth_client`."""
        return self.authenticator.new_refresh_token(token)

    def revise_recent_data(self) -> None:
        """Late hits arrived: the last `late_days` days of every property read differently now."""
        for prop in self.properties.values():
            prop.dataset.revise()

    # --- API ------------------------------------------------------------------------------------

    @endpoint("POST", f"{V1BETA}:runReport")
    def run_report(self, request: Request) -> Response:
        return self._report(request, QuotaCategory.CORE, self._with_settings(core_report.run_report))

    @endpoint("POST", f"{V1BETA}:batchRunReports")
    def batch_run_reports(self, request: Request) -> Response:
        return self._report(request, QuotaCategory.CORE, self._with_settings(core_report.batch_run_reports))

    @endpoint("POST", f"{V1BETA}:runPivotReport")
    def run_pivot_report(self, request: Request) -> Response:
        return self._report(request, QuotaCategory.CORE, self._with_settings(pivot.run_pivot_report))

    @endpoint("POST", f"{V1BETA}:runRealtimeReport")
    def run_realtime_report(self, request: Request) -> Response:
        return self._report(
            request,
            QuotaCategory.REALTIME,
            lambda prop, body, encoding: realtime.run_realtime_report(prop, body, encoding, self.clock()),
        )

    @endpoint("POST", f"{V1ALPHA}:runFunnelReport")
    def run_funnel_report(self, request: Request) -> Response:
        return self._report(request, QuotaCategory.FUNNEL, self._with_settings(funnel.run_funnel_report))

    @endpoint("GET", f"{V1BETA}/metadata")
    def get_metadata(self, request: Request) -> Response:
        def answer(prop: FakeProperty, property_id: str) -> dict[str, Any]:
            return metadata.get_metadata(property_id, prop.catalog, EnumEncoding.of_request(request.query))

        return self._describe(request, answer, allow_universal=True)

    @endpoint("POST", f"{V1BETA}:checkCompatibility")
    def check_compatibility(self, request: Request) -> Response:
        def answer(prop: FakeProperty, _property_id: str) -> dict[str, Any]:
            return metadata.check_compatibility(
                _json_body(request), prop.catalog, EnumEncoding.of_request(request.query)
            )

        return self._describe(request, answer)

    @endpoint("POST", "/_sandbox/late-data:revise")
    def revise(self, request: Request) -> Response:
        """Not part of the API: lets a demo outside this process make recent data change."""
        self.revise_recent_data()
        return Response.json(
            {"revisions": {pid: prop.dataset.revision for pid, prop in self.properties.items()}}
        )

    # --- request steps --------------------------------------------------------------------------

    def _with_settings(
        self, run: Callable[[FakeProperty, Mapping[str, Any], EnumEncoding, ReportSettings], Served]
    ) -> Callable[[FakeProperty, Mapping[str, Any], EnumEncoding], Served]:
        return lambda prop, body, encoding: run(prop, body, encoding, self.options.reports)

    def _report(
        self,
        request: Request,
        category: QuotaCategory,
        run: Callable[[FakeProperty, Mapping[str, Any], EnumEncoding], Served],
    ) -> Response:
        try:
            caller = self.authenticator.caller(request.headers.get("Authorization"))
            prop = self._property(request.path_params["property_id"])
            body = _json_body(request)
            with self.ledger.admit(prop.profile.property_id, caller.project, category) as ticket:
                served = run(prop, body, EnumEncoding.of_request(request.query))
                ticket.charge(served.tokens, served.thresholded_requests)
                payload = served.payload
                quota = ticket.property_quota()
            _attach_quota(payload, body, quota)
            return json_response(payload)
        except ApiError as error:
            return error.response()

    def _describe(
        self,
        request: Request,
        answer: Callable[[FakeProperty, str], dict[str, Any]],
        allow_universal: bool = False,
    ) -> Response:
        """Metadata requests: authenticated and property-checked, but free of quota."""
        try:
            self.authenticator.caller(request.headers.get("Authorization"))  # 401 unless credentials hold
            property_id = request.path_params["property_id"]
            if allow_universal and property_id == "0":  # properties/0: the fields every property has
                return json_response(answer(next(iter(self.properties.values())), property_id))
            return json_response(answer(self._property(property_id), property_id))
        except ApiError as error:
            return error.response()

    def _property(self, property_id: str) -> FakeProperty:
        if not property_id.isdigit():
            raise invalid_argument(
                f"Invalid property ID: {property_id}. A numeric Property ID is required. {PROPERTY_ID_HELP}"
            )
        prop = self.properties.get(property_id)
        if prop is None or property_id in self.options.inaccessible_property_ids:
            raise ApiError(
                403, f"User does not have sufficient permissions for this property. {PROPERTY_ID_HELP}"
            )
        return prop


def _json_body(request: Request) -> Mapping[str, Any]:
    if not request.body.strip():
        return {}
    try:
        body = request.json()
    except ValueError:
        raise invalid_argument("Invalid JSON payload received.") from None
    if not isinstance(body, dict):
        raise invalid_argument("Invalid JSON payload received. The request body must be a JSON object.")
    return body


def _attach_quota(payload: dict[str, Any], body: Mapping[str, Any], quota: dict[str, Any]) -> None:
    """`propertyQuota` where the request asked for it (each report of a batch asks for itself)."""
    if "reports" in payload:
        for report, report_request in zip(payload["reports"], body.get("requests", []), strict=True):
            if report_request.get("returnPropertyQuota"):
                report["propertyQuota"] = quota
    elif body.get("returnPropertyQuota"):
        payload["propertyQuota"] = quota


class _ServerErrorCounting(FaultPlan):
    """A fault plan whose injected 5xx answers count against the property's server-error quota."""

    def __init__(self, clock: Clock, ledger: QuotaLedger) -> None:
        super().__init__(clock)
        self._ledger = ledger

    def effect_for(self, method: str, path: str) -> Effect | None:
        effect = super().effect_for(method, path)
        if isinstance(effect, Answer) and effect.response.status >= 500:
            prefix, _, rest = path.partition("/properties/")
            property_id = rest.split(":")[0].split("/")[0]
            if prefix in ("/v1beta", "/v1alpha") and property_id:
                self._ledger.record_server_error(property_id, _category_of(path))
        return effect


def _category_of(path: str) -> QuotaCategory:
    if path.endswith(":runRealtimeReport"):
        return QuotaCategory.REALTIME
    if path.endswith(":runFunnelReport"):
        return QuotaCategory.FUNNEL
    return QuotaCategory.CORE
