"""`FakeHubSpot`: the HubSpot CRM API endpoints our connector calls, on a local FakeServer.

Every API request passes the same gate, in the order HubSpot's edge applies it: request-target
length (414), authentication (401), rate limits (429, with the burst headers on the answer),
then the endpoint, which checks its scopes (403) and its input (400) before answering.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sandbox.fake_server import FakeServer, Request, Response, endpoint
from sandbox.faults import Clock
from sandbox.hubspot.account import PIPELINES, make_owners
from sandbox.hubspot.associations import (
    STANDARD_LINKS,
    Associations,
    AssociationType,
    Target,
    custom_object_link,
)
from sandbox.hubspot.auth import Authenticator, Caller, OAuthApp
from sandbox.hubspot.catalog import (
    CUSTOM_SCHEMA_SCOPES,
    STANDARD_OBJECTS,
    ObjectType,
    all_scopes,
    custom_object,
)
from sandbox.hubspot.errors import HubSpotError, not_found, validation_error
from sandbox.hubspot.events import EventLog
from sandbox.hubspot.rate_limits import RateLimits
from sandbox.hubspot.records import DataShape, ObjectStore, Snapshot
from sandbox.hubspot.scenario import HubSpotScenario
from sandbox.hubspot.search import Search, SearchRequest
from sandbox.hubspot.timestamps import iso, parse_moment
from sandbox.hubspot.values import ValueFactory

DATA_START_MS = 1_420_070_400_000  # 2015-01-01: the first record's create date
DATA_END_MS = 1_748_736_000_000  # 2025-06-01: no generated record is modified later
LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, LIST_MAX_LIMIT_WITH_HISTORY = 10, 100, 50
BATCH_READ_MAX_INPUTS, BATCH_READ_MAX_INPUTS_WITH_HISTORY = 100, 50
ASSOCIATIONS_BATCH_MAX_INPUTS = 1_000
OWNERS_MAX_LIMIT = 500
EVENTS_DEFAULT_LIMIT, EVENTS_MAX_LIMIT = 10, 100
URI_TOO_LARGE = (
    b"<html>\r\n<head><title>414 Request-URI Too Large</title></head>\r\n<body>\r\n"
    b"<center><h1>414 Request-URI Too Large</h1></center>\r\n</body>\r\n</html>\r\n"
)

ApiHandler = Callable[[Request, Caller], Response]


class FakeHubSpot(FakeServer):
    """A seeded HubSpot account; see HubSpotScenario for its knobs.

    Tests reach into it with `store(name)` (ids, counts), `touch` and `archive` (change data
    between reads), `auth` (issue or inspect tokens) and `limits` (budgets), and can still add
    faults and one-off routes as on any FakeServer.
    """

    def __init__(
        self, scenario: HubSpotScenario | None = None, *, clock: Clock = time.time, name: str = "fake-hubspot"
    ) -> None:
        super().__init__(name, clock=clock)
        self.scenario = scenario = scenario or HubSpotScenario()
        self.owners = make_owners(scenario.owners, archived=2)
        values = ValueFactory(scenario.seed, self.owners)
        customs = [
            custom_object(name, number, scenario.hub_id)
            for number, name in enumerate(scenario.custom_objects)
        ]
        self.stores: dict[str, ObjectStore] = {}
        for object_type in (*STANDARD_OBJECTS, *customs):
            wide = object_type.with_extra_properties(scenario.extra_properties.get(object_type.name, 0))
            self.stores[wide.name] = ObjectStore(wide, self._shape(wide.name), values, scenario.seed)
        self._aliases = {
            alias: store for store in self.stores.values() for alias in store.object_type.aliases
        }
        links = STANDARD_LINKS + tuple(
            custom_object_link(name, number) for number, name in enumerate(scenario.custom_objects)
        )
        self.associations = Associations(links, {name: store.count for name, store in self.stores.items()})
        self._event_logs: dict[str, EventLog] = {}
        self._events_lock = threading.Lock()
        oauth_app = OAuthApp(scenario.client_id, scenario.client_secret, app_id=1_234_567)
        self.auth = Authenticator(
            clock,
            private_app_token=scenario.private_app_token,
            oauth_app=oauth_app,
            refresh_token=scenario.refresh_token,
            scopes=scenario.scopes
            if scenario.scopes is not None
            else all_scopes(tuple(self._object_types())),
            access_token_lifetime=scenario.access_token_lifetime_seconds,
            rotate_refresh_tokens=scenario.rotate_refresh_tokens,
            hub_id=scenario.hub_id,
        )
        self.limits = RateLimits(
            clock,
            burst_limit=scenario.burst_limit,
            burst_seconds=scenario.burst_window_seconds,
            search_per_second=scenario.search_requests_per_second,
            daily_limit=scenario.daily_limit,
            time_zone=scenario.time_zone,
            retry_after_seconds=scenario.retry_after_seconds,
            app_id=oauth_app.app_id,
            hub_id=scenario.hub_id,
        )

    def events(self, object_type: str) -> EventLog:
        """The web analytics events of a type's records, generated on first use (see `events.py`)."""
        store = self.store(object_type)
        with self._events_lock:
            log = self._event_logs.get(store.object_type.name)
            if log is None:
                log = EventLog(store, self.scenario.seed, self.scenario.hub_id, DATA_END_MS)
                self._event_logs[store.object_type.name] = log
            return log

    def _shape(self, object_name: str) -> DataShape:
        count = self.scenario.count(object_name)
        shared = self.scenario.shared_timestamp_contacts if object_name == "contacts" else 0
        return DataShape(
            count, DATA_START_MS, DATA_END_MS, shared, archived=int(count * self.scenario.archived_share)
        )

    def _object_types(self) -> Iterable[ObjectType]:
        return (store.object_type for store in self.stores.values())

    # --- for tests ------------------------------------------------------------------------------

    def store(self, object_type: str) -> ObjectStore:
        """The records of a type, by any name the API accepts (contacts, contact, 0-1, p123_cars...)."""
        found = self._aliases.get(object_type)
        if found is None:
            raise validation_error(f"Unable to infer object type from: {object_type}")
        return found

    def touch(self, object_type: str, record_ids: Iterable[str | int], at_ms: int | None = None) -> int:
        """Edit records (new property values, last-modified = `at_ms`); returns the time used.

        By default the edit happens 1 s after the newest modification in the account, so an
        incremental read sees the records again.
        """
        store = self.store(object_type)
        at_ms = at_ms if at_ms is not None else max(store.snapshot().modified, default=DATA_END_MS) + 1_000
        store.touch(record_ids, at_ms)
        return at_ms

    def archive(self, object_type: str, record_ids: Iterable[str | int], at_ms: int | None = None) -> None:
        store = self.store(object_type)
        store.archive(record_ids, at_ms if at_ms is not None else DATA_END_MS)

    # --- the gate every API request passes ------------------------------------------------------

    def _api(self, request: Request, handler: ApiHandler, *, search: bool = False) -> Response:
        headers: dict[str, str] = {}
        try:
            self._check_url_length(request)
            caller = self.auth.authenticate(request)
            headers = self.limits.admit(search=search, private_app=caller.private_app)
            response = handler(request, caller)
        except HubSpotError as error:
            response = error.response
        return replace(response, headers={**headers, **response.headers})

    def _check_url_length(self, request: Request) -> None:
        """HubSpot's edge refuses long request targets with an HTML 414 before anything else."""
        query = urlencode(request.query, doseq=True)
        if len(request.path) + (len(query) + 1 if query else 0) > self.scenario.max_url_length:
            raise HubSpotError(Response(414, URI_TOO_LARGE, {"Content-Type": "text/html"}))

    def _readable_store(self, name: str, caller: Caller) -> ObjectStore:
        store = self.store(name)
        caller.require(store.object_type.scopes)
        return store

    # --- OAuth ----------------------------------------------------------------------------------

    @endpoint("POST", "/oauth/v1/token")
    def oauth_token(self, request: Request) -> Response:
        return self.auth.token_endpoint(request)

    @endpoint("GET", "/oauth/v1/access-tokens/{token}")
    def oauth_token_info(self, request: Request) -> Response:
        return self.auth.access_token_info(request.path_params["token"])

    @endpoint("POST", "/oauth/v2/private-apps/get/access-token-info")
    def private_app_token_info(self, request: Request) -> Response:
        return self.auth.private_app_token_info(request)

    # --- metadata -------------------------------------------------------------------------------

    @endpoint("GET", "/crm/v3/properties/{object_type}")
    def properties(self, request: Request) -> Response:
        def answer(request: Request, caller: Caller) -> Response:
            object_type = self.store(request.path_params["object_type"]).object_type
            caller.require(object_type.schema_scopes)
            archived = _flag(request, "archived")
            created = iso(DATA_START_MS)
            results = [] if archived else [spec.metadata(created) for spec in object_type.properties]
            return Response.json({"results": results})

        return self._api(request, answer)

    @endpoint("GET", "/crm/v3/schemas")
    def schemas(self, request: Request) -> Response:
        def answer(request: Request, caller: Caller) -> Response:
            caller.require(CUSTOM_SCHEMA_SCOPES)
            customs = [t for t in self._object_types() if t.type_id.startswith("2-")]
            return Response.json({"results": [_schema(object_type) for object_type in customs]})

        return self._api(request, answer)

    @endpoint("GET", "/crm/v3/pipelines/{object_type}")
    def pipelines(self, request: Request) -> Response:
        def answer(request: Request, caller: Caller) -> Response:
            store = self._readable_store(request.path_params["object_type"], caller)
            pipelines = PIPELINES.get(store.object_type.name, ())
            return Response.json({"results": [pipeline.as_json(DATA_START_MS) for pipeline in pipelines]})

        return self._api(request, answer)

    @endpoint("GET", "/crm/v3/owners")
    def list_owners(self, request: Request) -> Response:
        def answer(request: Request, caller: Caller) -> Response:
            caller.require(("crm.objects.owners.read",))
            archived = _flag(request, "archived")
            owners = [owner for owner in self.owners if owner.archived == archived]
            limit = min(_int_param(request, "limit", 100), OWNERS_MAX_LIMIT)
            start = _int_param(request, "after", 0)
            page = owners[start : start + limit]
            body: dict[str, Any] = {"results": [owner.as_json(DATA_START_MS) for owner in page]}
            if start + limit < len(owners):
                after = str(start + limit)
                body["paging"] = {"next": {"after": after, "link": f"{self.url}/crm/v3/owners?after={after}"}}
            return Response.json(body)

        return self._api(request, answer)

    @endpoint("GET", "/account-info/v3/details")
    def account_details(self, request: Request) -> Response:
        """The account's settings; clients read `timeZone` to know when the daily limit resets."""

        def answer(request: Request, caller: Caller) -> Response:
            offset = datetime.fromtimestamp(self.clock(), ZoneInfo(self.scenario.time_zone)).utcoffset()
            offset_ms = round(offset.total_seconds() * 1000) if offset is not None else 0
            sign, minutes = ("-" if offset_ms < 0 else "+"), abs(offset_ms) // 60_000
            return Response.json(
                {
                    "portalId": self.scenario.hub_id,
                    "accountType": "STANDARD",
                    "timeZone": self.scenario.time_zone,
                    "companyCurrency": "USD",
                    "additionalCurrencies": [],
                    "utcOffset": f"{sign}{minutes // 60:02d}:{minutes % 60:02d}",
                    "utcOffsetMilliseconds": offset_ms,
                    "uiDomain": "app.hubspot.com",
                    "dataHostingLocation": "na1",
                }
            )

        return self._api(request, answer)

    @endpoint("GET", "/account-info/v3/api-usage/daily/private-apps")
    def daily_usage(self, request: Request) -> Response:
        def answer(request: Request, caller: Caller) -> Response:
            now = self.clock()
            usage = {
                "name": "private-apps-api-calls-daily",
                "usageLimit": self.limits.daily.limit,
                "currentUsage": self.limits.daily.used,
                "collectedAt": iso(round(now * 1000)),
                "fetchStatus": "SUCCESS",
                "resetsAt": iso(round(self.limits.daily.resets_at(now).timestamp() * 1000)),
            }
            return Response.json({"results": [usage]})

        return self._api(request, answer)

    # --- records --------------------------------------------------------------------------------

    @endpoint("GET", "/crm/v3/objects/{object_type}")
    def list_objects(self, request: Request) -> Response:
        return self._api(request, self._list_objects)

    def _list_objects(self, request: Request, caller: Caller) -> Response:
        store = self._readable_store(request.path_params["object_type"], caller)
        history = _csv(request, "propertiesWithHistory") or []
        limit = min(
            _int_param(request, "limit", LIST_DEFAULT_LIMIT),
            LIST_MAX_LIMIT_WITH_HISTORY if history else LIST_MAX_LIMIT,
        )
        if limit < 1:
            raise validation_error(f"limit must be positive, got {limit}.")
        snapshot = store.snapshot()
        ordered = snapshot.archived_by_id if _flag(request, "archived") else snapshot.live_by_id
        after = request.query.get("after", [""])[0]
        start = bisect_left(ordered, store.first_index_from_id(_decode_cursor(after))) if after else 0
        page = ordered[start : start + limit]
        properties = _csv(request, "properties")
        associated = [
            self.store(name).object_type.name
            for name in _csv(request, "associations") or []
            if name in self._aliases
        ]
        results = []
        for index in page:
            record = store.render(snapshot, index, properties, history)
            links = self._v3_associations(store, index, associated)
            if links:
                record["associations"] = links
            results.append(record)
        body: dict[str, Any] = {"results": results}
        if start + limit < len(ordered):
            cursor = _encode_cursor(store.id_of(ordered[start + limit]))
            link = f"{self.url}{request.path}?{urlencode({'after': cursor})}"
            body["paging"] = {"next": {"after": cursor, "link": link}}
        return Response.json(body)

    def _v3_associations(self, store: ObjectStore, index: int, targets: list[str]) -> dict[str, Any]:
        """The v3 `associations` of a record: ids and HubSpot-defined type names only."""
        found: dict[str, Any] = {}
        source = store.object_type.singular
        for name in targets:
            target_store = self.stores[name]
            results = [
                {
                    "id": str(target_store.id_of(target.index)),
                    "type": _v3_type_name(source, target_store, kind, target.types),
                }
                for target in self._live_targets(store, index, name)
                for kind in target.types
                if kind.category == "HUBSPOT_DEFINED"
            ]
            if results:
                found[name] = {"results": results}
        return found

    @endpoint("GET", "/crm/v3/objects/{object_type}/{object_id}")
    def read_object(self, request: Request) -> Response:
        def answer(request: Request, caller: Caller) -> Response:
            store = self._readable_store(request.path_params["object_type"], caller)
            snapshot = store.snapshot()
            index = store.index_of(request.path_params["object_id"])
            archived = _flag(request, "archived")
            if index is None or (index in snapshot.archived_at) != archived:
                raise not_found("Object not found.  objectId are usually numeric.")
            record = store.render(
                snapshot, index, _csv(request, "properties"), _csv(request, "propertiesWithHistory") or ()
            )
            return Response.json(record)

        return self._api(request, answer)

    @endpoint("POST", "/crm/v3/objects/{object_type}/search")
    def search(self, request: Request) -> Response:
        def answer(request: Request, caller: Caller) -> Response:
            store = self._readable_store(request.path_params["object_type"], caller)
            search = Search(store, SearchRequest.parse(_json_body(request)))
            result = search.run()
            properties = search.request.properties
            body: dict[str, Any] = {
                "total": result.total,
                "results": [store.render(search.snapshot, index, properties) for index in result.page],
            }
            following = search.request.offset + search.request.limit
            if following < result.total:
                body["paging"] = {"next": {"after": str(following)}}
            return Response.json(body)

        return self._api(request, answer, search=True)

    @endpoint("POST", "/crm/v3/objects/{object_type}/batch/read")
    def batch_read(self, request: Request) -> Response:
        def answer(request: Request, caller: Caller) -> Response:
            store = self._readable_store(request.path_params["object_type"], caller)
            body = _json_body(request)
            inputs = [str(item.get("id")) for item in body.get("inputs", [])]
            properties, history = body.get("properties"), body.get("propertiesWithHistory") or ()
            most = BATCH_READ_MAX_INPUTS_WITH_HISTORY if history else BATCH_READ_MAX_INPUTS
            if len(inputs) > most:
                raise validation_error(f"Batch read accepts at most {most} inputs, got {len(inputs)}.")
            snapshot = store.snapshot()
            archived = bool(body.get("archived", False))
            find = self._finder(store, snapshot, body.get("idProperty"))
            found = {value: find(value) for value in inputs}
            present = {
                value: index
                for value, index in found.items()
                if index is not None and (index in snapshot.archived_at) == archived
            }
            now = iso(round(self.clock() * 1000))
            reply: dict[str, Any] = {
                "status": "COMPLETE",
                "results": [store.render(snapshot, index, properties, history) for index in present.values()],
                "startedAt": now,
                "completedAt": now,
            }
            missing = [value for value in inputs if value not in present]
            if not missing:
                return Response.json(reply)
            reply["numErrors"] = len(missing)
            reply["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": f"Could not get some {store.object_type.singular.upper()} objects, they may "
                    "be deleted or not exist. Check that ids are valid.",
                    "context": {"ids": missing},
                }
            ]
            return Response.json(reply, status=207)

        return self._api(request, answer)

    def _finder(
        self, store: ObjectStore, snapshot: Snapshot, id_property: str | None
    ) -> Callable[[str], int | None]:
        """Looks inputs up by record id, or by the values of a unique property such as email."""
        if id_property in (None, "hs_object_id"):
            return store.index_of
        if store.spec(id_property) is None:
            raise validation_error(f"Unknown idProperty {id_property!r}.")
        by_value: dict[str, int] = {}
        for index in range(store.count):
            value = store.value(snapshot, index, id_property)
            if value is not None:
                by_value.setdefault(value, index)
        return by_value.get

    # --- web analytics events -------------------------------------------------------------------

    @endpoint("GET", "/events/v3/events")
    def list_events(self, request: Request) -> Response:
        def answer(request: Request, caller: Caller) -> Response:
            object_type = request.query.get("objectType", [""])[0]
            object_id = request.query.get("objectId", [None])[0]
            if not object_type:  # the fake serves the events of one object type at a time
                raise validation_error("objectType is required (with or without objectId).")
            store = self._readable_store(object_type, caller)
            limit = min(_int_param(request, "limit", EVENTS_DEFAULT_LIMIT), EVENTS_MAX_LIMIT)
            found = self.events(object_type).query(
                object_id=None if object_id is None else _int_param(request, "objectId", 0),
                after_ms=_moment_param(request, "occurredAfter"),
                before_ms=_moment_param(request, "occurredBefore"),
                ascending=request.query.get("sort", ["DESCENDING"])[0].upper() == "ASCENDING",
            )
            start = _decode_offset(request.query.get("after", [""])[0])
            name = store.object_type.singular.upper()
            body: dict[str, Any] = {
                "results": [event.as_json(name) for event in found[start : start + limit]]
            }
            if start + limit < len(found):
                after = _encode_cursor(start + limit, kind="offset")
                body["paging"] = {"next": {"after": after, "link": f"{self.url}{request.path}?after={after}"}}
            return Response.json(body)

        return self._api(request, answer)

    # --- associations v4 ------------------------------------------------------------------------

    @endpoint("POST", "/crm/v4/associations/{from_type}/{to_type}/batch/read")
    def associations_batch_read(self, request: Request) -> Response:
        def answer(request: Request, caller: Caller) -> Response:
            source = self._readable_store(request.path_params["from_type"], caller)
            target = self._readable_store(request.path_params["to_type"], caller)
            inputs = [str(item.get("id")) for item in _json_body(request).get("inputs", [])]
            if len(inputs) > ASSOCIATIONS_BATCH_MAX_INPUTS:
                raise validation_error(
                    f"Batch read accepts at most {ASSOCIATIONS_BATCH_MAX_INPUTS} inputs, got {len(inputs)}."
                )
            results, errors = [], []
            for record_id in inputs:
                index = source.index_of(record_id)
                targets = [] if index is None else self._live_targets(source, index, target.object_type.name)
                if not targets:
                    errors.append(_no_associations(source.object_type, target.object_type, record_id))
                    continue
                to = [
                    {
                        "toObjectId": target.id_of(found.index),
                        "associationTypes": [kind.as_json() for kind in found.types],
                    }
                    for found in targets
                ]
                results.append({"from": {"id": record_id}, "to": to})
            now = iso(round(self.clock() * 1000))
            body: dict[str, Any] = {
                "status": "COMPLETE",
                "results": results,
                "startedAt": now,
                "completedAt": now,
            }
            if not errors:
                return Response.json(body)
            return Response.json({**body, "numErrors": len(errors), "errors": errors}, status=207)

        return self._api(request, answer)

    @endpoint("GET", "/crm/v4/associations/{from_type}/{to_type}/labels")
    def association_labels(self, request: Request) -> Response:
        def answer(request: Request, caller: Caller) -> Response:
            source = self._readable_store(request.path_params["from_type"], caller)
            target = self._readable_store(request.path_params["to_type"], caller)
            kinds = self.associations.labels(source.object_type.name, target.object_type.name) or ()
            return Response.json({"results": [kind.as_json() for kind in kinds]})

        return self._api(request, answer)

    def _live_targets(self, store: ObjectStore, index: int, to_type: str) -> list[Target]:
        """Associations never point at archived records."""
        archived = self.stores[to_type].snapshot().archived_at
        return [
            t
            for t in self.associations.targets(store.object_type.name, index, to_type)
            if t.index not in archived
        ]


# --- request helpers ----------------------------------------------------------------------------


def _csv(request: Request, name: str) -> list[str] | None:
    """A list parameter, sent either comma-separated or repeated; None when absent."""
    if name not in request.query:
        return None
    return [item.strip() for value in request.query[name] for item in value.split(",") if item.strip()]


def _flag(request: Request, name: str) -> bool:
    return request.query.get(name, ["false"])[0].lower() == "true"


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query.get(name, [str(default)])[0]
    try:
        return int(raw)
    except ValueError:
        raise validation_error(f"{name} must be an integer, got {raw!r}.") from None


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = request.json() if request.body else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise validation_error("Invalid input JSON on line 1: the body is not JSON.") from None
    if not isinstance(body, dict):
        raise validation_error("Invalid input JSON: the body must be a JSON object.")
    return body


def _encode_cursor(value: int, kind: str = "id") -> str:
    """Paging cursors are opaque strings (clients must pass them back, not compute them)."""
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, kind: str = "id") -> int:
    try:
        found, _, value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition(":")
        if found == kind:
            return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise validation_error(f"Invalid paging cursor: {cursor!r}.")


def _decode_offset(cursor: str) -> int:
    return _decode_cursor(cursor, kind="offset") if cursor else 0


def _moment_param(request: Request, name: str) -> int | None:
    """A time filter, as ISO 8601 or epoch milliseconds; None when absent."""
    raw = request.query.get(name, [""])[0]
    if not raw:
        return None
    try:
        return parse_moment(raw)
    except ValueError:
        raise validation_error(
            f"{name} must be an ISO 8601 datetime or epoch milliseconds, got {raw!r}."
        ) from None


def _v3_type_name(
    source: str, target: ObjectStore, kind: AssociationType, kinds: Sequence[AssociationType]
) -> str:
    """v3 names HubSpot-defined types: `contact_to_company`, or `..._unlabeled` beside a Primary one."""
    base = f"{source}_to_{target.object_type.singular}"
    has_primary = any(other.label == "Primary" for other in kinds)
    return f"{base}_unlabeled" if has_primary and kind.label != "Primary" else base


def _no_associations(source: ObjectType, target: ObjectType, record_id: str) -> dict[str, Any]:
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
        "context": {"fromObjectId": [record_id]},
        "message": f"No {target.singular} is associated with {source.singular} {record_id}.",
    }


def _schema(object_type: ObjectType) -> dict[str, Any]:
    created = iso(DATA_START_MS)
    return {
        "id": object_type.type_id.removeprefix("2-"),
        "name": object_type.name,
        "labels": {"singular": object_type.singular.title(), "plural": object_type.name.title()},
        "objectTypeId": object_type.type_id,
        "fullyQualifiedName": object_type.fully_qualified_name,
        "primaryDisplayProperty": object_type.own_properties[0].name,
        "secondaryDisplayProperties": [object_type.own_properties[1].name],
        "requiredProperties": [object_type.own_properties[0].name],
        "searchableProperties": [spec.name for spec in object_type.own_properties if spec.type == "string"],
        "properties": [spec.metadata(created) for spec in object_type.properties],
        "associations": [
            {
                "fromObjectTypeId": object_type.type_id,
                "toObjectTypeId": "0-1",
                "name": f"{object_type.singular}_to_contact",
                "id": object_type.type_id.removeprefix("2-"),
            }
        ],
        "archived": False,
        "metaType": "PORTAL_SPECIFIC",
        "createdAt": created,
        "updatedAt": created,
    }
