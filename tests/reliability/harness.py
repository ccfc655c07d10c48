"""Route-driven machinery for the reliability and security tests.

Everything here is derived from ``kycgate.app.create_app()``: the operations, how each is
authorized, its path/query parameters and its request body schema. A test that needs "a valid
request" for an operation builds one from three registries, each keyed by a *name*, never by a route:

- ``OBJECTS``: path/query parameter name -> a factory that creates the object for a tenant through
  the public API and returns its id (``customer_id``, ``kyc_id``, ``token`` ...).
  ``OPERATION_OBJECTS``: (operation id, parameter name) -> a factory, for an operation whose parameter
  of a shared name is an object of another kind (a KYC submit link's ``token``, not a Re-Use KYC one).
- ``FIELDS``: request body field name -> a value provider (live token, real photo, existing customer).
- ``QUERY_VALUES``: required query parameter name -> the plain value a valid request sends, for
  parameters that name no object (a list route's paging): a route is not one that addresses a
  tenant's objects for requiring them.
- ``BODY_RECIPES``: request model name -> a full body, for models whose required fields need more
  than the generic filler can guess (a *new* customer id, a fresh session reference).

A new route whose parameter or model is in none of them fails tests/reliability/test_catalogue.py
with a message naming the registry entry to add.
"""

from __future__ import annotations

import base64
import functools
import importlib
import io
import json
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter

from tests.conftest import FACES, LambdaContext, TenantHandle, make_tenant, moto_stack
from tests.integration.kya_support import seed_sample_lists

MOBILE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
PROBLEM_JSON = "application/problem+json"
KYA_ADDRESS = "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h"  # an SDN-listed address of the list fixtures

# Operations that deliberately take neither a tenant key nor a capability token.
PUBLIC_OPERATIONS: frozenset[str] = frozenset({"get_page_asset"})  # the hosted pages' CSS and JS
# Operations authenticated by a third party's signature over the body (a provider's webhook): a rows
# module registers a factory making a request signed for the tenant's object with ``signer``'s secret.
SIGNED_OPERATIONS: dict[str, Callable[[World, TenantHandle, TenantHandle], Request]] = {}
# Parameter names that carry a capability token (the operation is authorized by it).
TOKEN_PARAMS: frozenset[str] = frozenset({"token", "liveness_token"})
# Operations only a test-mode key may call (the seeds' sandbox): their valid request uses tenant A's
# test-mode key, and a live key is answered as if the route did not exist (404).
TEST_MODE_OPERATIONS: frozenset[str] = frozenset(
    {"sandbox_approve_kyc_application", "sandbox_reject_kyc_application", "sandbox_clarify_kyc_application"}
)

# Figures the terminal summary prints (tests/reliability/conftest.py) and README "Reliability" quotes.
FIGURES: dict[str, Counter[str]] = {}


def count(figure: str, key: str, n: int = 1) -> None:
    FIGURES.setdefault(figure, Counter())[key] += n


# ------------------------------------------------------------------------------------------ routes


@dataclass(frozen=True)
class Operation:
    route: APIRoute
    method: str
    path: str
    operation_id: str
    path_params: tuple[str, ...]
    query_params: tuple[tuple[str, bool], ...]  # (name, required)
    body: dict[str, Any] | None  # request body JSON schema, $refs inlined
    body_model: str | None
    auth: str  # "tenant" | "token" | "signed" | "public"
    in_openapi: bool
    multipart: bool = False  # the body is multipart/form-data (file uploads), not JSON
    optional_body: bool = False  # the route also takes no body at all

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def url(self, values: dict[str, str]) -> str:
        path = self.path
        for name in self.path_params:
            path = path.replace("{" + name + "}", _quote(values[name]))
        return path

    @property
    def html(self) -> bool:
        """A page for a browser: its errors are HTML pages, not problem documents."""
        from fastapi.responses import HTMLResponse

        response_class = getattr(self.route.response_class, "value", self.route.response_class)
        return isinstance(response_class, type) and issubclass(response_class, HTMLResponse)

    @property
    def body_fields(self) -> dict[str, dict[str, Any]]:
        return (self.body or {}).get("properties", {})


def _quote(value: str) -> str:
    return quote(value, safe="")


def operations(app: FastAPI) -> list[Operation]:
    from kycgate.core.auth import current_caller

    found = []
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        body, model = _body_schema(route)
        path_params = tuple(p.name for p in route.dependant.path_params)
        query = tuple(_query_params(route))
        names = {*path_params, *(n for n, _ in query), *(body or {}).get("properties", {})}
        if _depends_on(route.dependant, current_caller):
            auth = "tenant"
        elif route.operation_id in SIGNED_OPERATIONS:
            auth = "signed"
        elif names & TOKEN_PARAMS:
            auth = "token"
        else:
            auth = "public"
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            found.append(
                Operation(
                    route=route,
                    method=method,
                    path=route.path,
                    operation_id=route.operation_id or route.name,
                    path_params=path_params,
                    query_params=query,
                    body=body,
                    body_model=model,
                    auth=auth,
                    in_openapi=route.include_in_schema,
                    multipart=_is_multipart(route),
                    optional_body=route.body_field is not None and not route.body_field.field_info.is_required(),
                )
            )
    return found


def _is_multipart(route: APIRoute) -> bool:
    from fastapi import params

    return route.body_field is not None and isinstance(route.body_field.field_info, params.Form)


def _query_params(route: APIRoute) -> Iterator[tuple[str, bool]]:
    for param in route.dependant.query_params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            # A query-parameter model (FastAPI >= 0.115): its fields are the parameters.
            for name, info in annotation.model_fields.items():
                yield info.alias or name, info.is_required()
        else:
            yield param.alias, bool(param.field_info.is_required())


def _depends_on(dependant: Any, call: Callable[..., Any]) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


def _body_schema(route: APIRoute) -> tuple[dict[str, Any] | None, str | None]:
    if route.body_field is None:
        return None, None
    annotation = route.body_field.field_info.annotation
    schema = TypeAdapter(annotation).json_schema()
    inlined = inline_refs(schema, schema.get("$defs", {}))
    # An optional body (`Model | None`) is named by its model.
    return inlined, schema.get("title") or non_null(inlined).get("title")


def inline_refs(schema: Any, defs: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        if "$ref" in schema:
            return inline_refs(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
        return {k: inline_refs(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [inline_refs(v, defs) for v in schema]
    return schema


def non_null(schema: dict[str, Any]) -> dict[str, Any]:
    """The first non-null alternative of an ``anyOf`` (pydantic's ``X | None``)."""
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            if options:
                return {**{k: v for k, v in schema.items() if k != key}, **options[0]}
    return schema


def leaf_fields(schema: dict[str, Any] | None, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple, dict]]:
    """Every scalar field of a body schema as (path, schema); arrays contribute their first element."""
    schema = non_null(schema or {})
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        for name, sub in schema.get("properties", {}).items():
            yield from leaf_fields(sub, (*prefix, name))
    elif kind == "array":
        yield from leaf_fields(schema.get("items", {}), (*prefix, 0))
    elif prefix:
        yield prefix, schema


# ------------------------------------------------------------------------------------------- world


class World:
    """One moto stack, the full app on a TestClient, tenants A and B, and the objects they own."""

    def __init__(self, client: Any, app: FastAPI) -> None:
        self.client = client
        self.app = app
        # Both may decide reviews (the reviewer scope), so a review route answers B's call on A's
        # application as it answers any unknown id: the scope is tested in tests/integration.
        self.a = make_tenant("Tenant A", scopes=("reviewer",))
        self.b = make_tenant("Tenant B", scopes=("reviewer",))
        self.revoked = make_tenant("Tenant R")
        from kycgate.core.tenants import create_key, data_space, revoke_key

        # Tenant A's own test-mode key: the same account, data of its own (core.tenants).
        test_key = create_key(self.a.tenant_id, mode="test")
        self.a_test = TenantHandle(data_space(self.a.tenant_id, "test"), test_key.api_key, test_key.key_id)

        assert revoke_key(self.revoked.tenant_id, self.revoked.key_id)
        self._objects: dict[tuple[str, str], Any] = {}
        self._lock = threading.RLock()
        self.ops = operations(app)

    def request(
        self,
        method: str,
        path: str,
        tenant: TenantHandle | None = None,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        sent = {"User-Agent": MOBILE_UA, **(tenant.headers if tenant else {}), **(headers or {})}
        return self.client.request(method, path, headers=sent, **kwargs)

    def ok(self, method: str, path: str, tenant: TenantHandle | None, **kwargs: Any) -> Any:
        response = self.request(method, path, tenant, **kwargs)
        assert response.status_code < 300, f"{method} {path} -> {response.status_code} {response.text[:500]}"
        return response.json() if "json" in response.headers.get("content-type", "") else response.text

    def obj(self, name: str, tenant: TenantHandle, operation: str | None = None) -> str:
        """The tenant's object for a parameter name (of ``operation``, when it has its own kind), created
        once per world."""
        with self._lock:
            own = (operation, name) in OPERATION_OBJECTS
            cache_key = (f"{name}@{operation}" if own else name, tenant.tenant_id)
            if cache_key not in self._objects:
                self._objects[cache_key] = self.fresh(name, tenant, operation)
            return self._objects[cache_key]

    def fresh(self, name: str, tenant: TenantHandle, operation: str | None = None) -> str:
        if (operation, name) in OPERATION_OBJECTS:
            return OPERATION_OBJECTS[(operation, name)](self, tenant)
        if name not in OBJECTS:
            raise LookupError(unknown_parameter_message(name))
        return OBJECTS[name](self, tenant)

    def memo(self, key: str, tenant: TenantHandle, make: Callable[[], Any]) -> Any:
        with self._lock:
            cache_key = (key, tenant.tenant_id)
            if cache_key not in self._objects:
                self._objects[cache_key] = make()
            return self._objects[cache_key]

    def objects(self) -> dict[tuple[str, str], Any]:
        """Everything created so far, by (parameter name, tenant id)."""
        with self._lock:
            return dict(self._objects)

    def operation(self, operation_id: str) -> Operation | None:
        return next((op for op in self.ops if op.operation_id == operation_id), None)


@contextmanager
def world_context() -> Iterator[World]:
    from fastapi.testclient import TestClient

    from kycgate.app import create_app
    from kycgate.compliance import lists

    with pytest.MonkeyPatch.context() as monkeypatch, moto_stack(monkeypatch):
        # The screening routes answer 503 without lists: the world has the fixtures' excerpts.
        seed_sample_lists()
        app = create_app()
        try:
            with TestClient(app, raise_server_exceptions=False) as client:
                yield World(client, app)
        finally:
            lists.reset()


def unknown_parameter_message(name: str) -> str:
    return (
        f"No factory for the parameter {name!r}. Add OBJECTS[{name!r}] in tests/reliability/harness.py: "
        f"a function (world, tenant) -> str that creates a {name} for the tenant through the API, so the "
        "isolation matrix, the fuzzer and the fault tests can address a real object."
    )


# ----------------------------------------------------------------------------------- object factories


def photo(name: str) -> str:
    return base64.b64encode((FACES / name).read_bytes()).decode()


@functools.cache
def review_band_selfie() -> str:
    """SELFIE_PHOTO blurred until sface scores it 0.39 against DOCUMENT_PHOTO: in the review band
    (0.363-0.45), so the request waits for a reviewer. No photo pair in the data set lands there."""
    from PIL import Image, ImageFilter

    buffer = io.BytesIO()
    Image.open(FACES / SELFIE_PHOTO).convert("RGB").filter(ImageFilter.GaussianBlur(16)).save(buffer, "JPEG")
    return base64.b64encode(buffer.getvalue()).decode()


# Every flow that can call back does, so the outbox transaction and the queue send are exercised. A
# public address literal passes the SSRF guard without DNS (the tests run offline).
CALLBACK_URL = "https://93.184.215.14/hooks/kycgate"
DOCUMENT_PHOTO = "obama_1.jpg"
SELFIE_PHOTO = "obama_2.jpg"
OTHER_PERSON_PHOTO = "biden_1.jpg"

# PII the fixtures send, which the log-hygiene test must never find in any log line.
CUSTOMER_PII = {
    "first_name": "Zaphodia",
    "last_name": "Quarrington",
    "birthday": "1961-08-04",
    "email": "zaphodia.quarrington@example.com",
    "phone": "+14155552671",
}


def _new_customer_body() -> dict[str, Any]:
    return {
        "customer_id": f"cust-{uuid.uuid4().hex[:12]}",
        "name": {"first_name": CUSTOMER_PII["first_name"], "last_name": CUSTOMER_PII["last_name"]},
        "email": CUSTOMER_PII["email"],
        "phone": CUSTOMER_PII["phone"],
        "birthday": CUSTOMER_PII["birthday"],
        "nationality": "US",
    }


def _customer(world: World, tenant: TenantHandle) -> str:
    return world.ok("POST", "/api/v1/kyc/customers", tenant, json=_new_customer_body())["customer_id"]


def _verification_body(customer_id: str, selfie: str | None = None) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "document_type": "passport",
        "document_front": photo(DOCUMENT_PHOTO),
        "selfie": selfie or photo(SELFIE_PHOTO),
        "callback_url": CALLBACK_URL,
    }


# The preferences the factories' documents meet. The fuzzer PATCHes preferences at random (a proof of
# address required, three documents, no selfie ...), so a factory puts these back before it builds.
FACTORY_PREFERENCES = {
    "is_face_verification_required": True,
    "is_address_verification_required": False,
    "is_age_verification_required": True,
    "min_age": 18,
    "max_age": 120,
    "required_document_count": 1,
    "supported_document_types": ["passport", "national_id", "driving_license", "residence_permit"],
}


def settle_preferences(world: World, tenant: TenantHandle) -> None:
    world.ok("PATCH", "/api/v1/kyc/preferences", tenant, json=FACTORY_PREFERENCES)


def _verify(world: World, tenant: TenantHandle, selfie: str | None, expected: str) -> dict[str, Any]:
    settle_preferences(world, tenant)
    body = _verification_body(_customer(world, tenant), selfie)
    result = world.ok("POST", "/api/v1/kyc/documents/verify", tenant, json=body)
    assert result["status"] == expected, result
    return result


def _kyc_request(world: World, tenant: TenantHandle) -> str:
    # In review, so that every route taking a kyc_id (the reviewer's decision included) accepts it.
    return _verify(world, tenant, review_band_selfie(), "in_review")["kyc_id"]


def _approved_customer(world: World, tenant: TenantHandle) -> str:
    """A customer KYC'd with a reference face (the Re-Use KYC precondition), once per tenant."""
    return world.memo("_approved_customer", tenant, lambda: _verify(world, tenant, None, "approved")["customer_id"])


def _enable_reuse(world: World, tenant: TenantHandle, max_retry_attempts: int = 2) -> None:
    world.ok(
        "PATCH",
        "/api/v1/kyc/preferences",
        tenant,
        json={
            "is_reuse_kyc_enabled": True,
            "reuse_kyc_triggers": {"login": True},
            "reuse_kyc_reactions": {"max_retry_attempts": max_retry_attempts, "trigger_alert": True},
        },
    )


def mirror_preferences(world: World, source: TenantHandle, target: TenantHandle) -> None:
    """Give ``target`` the preferences of ``source`` (every settable key)."""
    current = world.ok("GET", "/api/v1/kyc/preferences", source)
    settable = world.operation("update_preferences").body_fields  # type: ignore[union-attr]
    world.ok("PATCH", "/api/v1/kyc/preferences", target, json={k: v for k, v in current.items() if k in settable})


def _session_body(world: World, tenant: TenantHandle) -> dict[str, Any]:
    """A create-session body that requires a session: approved customer, feature on, login event."""
    customer_id = _approved_customer(world, tenant)
    world.memo("_reuse_enabled", tenant, lambda: _enable_reuse(world, tenant))
    reference = f"ref-{uuid.uuid4().hex[:12]}"
    return {"reference": reference, "customer_id": customer_id, "event": "login", "callback_url": CALLBACK_URL}


def reuse_session(world: World, tenant: TenantHandle) -> dict[str, Any]:
    """A fresh required Re-Use KYC session (its own reference and token)."""
    session = world.ok("POST", "/api/v1/kyc/reuse/sessions", tenant, json=_session_body(world, tenant))
    assert session["is_required"] and session["token"], session
    return session


def _alert(world: World, tenant: TenantHandle) -> str:
    # One failed selfie with max_retry_attempts 0 exhausts the session and raises the alert. The
    # session's body first: building it enables Re-Use KYC (once per tenant) with the default attempts,
    # which would undo the 0 when the alert is the tenant's first session.
    session_body = _session_body(world, tenant)
    _enable_reuse(world, tenant, max_retry_attempts=0)
    try:
        token = world.ok("POST", "/api/v1/kyc/reuse/sessions", tenant, json=session_body)["token"]
        body = {"token": token, "proof": photo(OTHER_PERSON_PHOTO)}
        result = world.ok("POST", "/api/v1/kyc/reuse/sessions/submit", tenant, json=body)
    finally:
        _enable_reuse(world, tenant)
    assert result["data"]["alert_id"], result
    return result["data"]["alert_id"]


def _kya_task(world: World, tenant: TenantHandle) -> str:
    task = world.ok("POST", "/api/v1/compliance/kya", tenant, json={"address": KYA_ADDRESS})
    return str(task["kya_id"])


def _delivery(world: World, tenant: TenantHandle) -> str:
    """A failed webhook delivery (so that a replay is allowed), made the way production makes one:
    committed through the outbox, then attempted by the real webhook_worker, whose SSRF guard refuses
    the loopback receiver for good."""
    from kycgate.webhooks import outbox, worker

    delivery = outbox.new_delivery(
        tenant.tenant_id,
        event="reliability.test",
        reference=f"ref-{uuid.uuid4().hex[:12]}",
        url="https://127.0.0.1/kycgate-hook",
        payload={"hello": "world"},
    )
    outbox.commit([], [delivery])
    body = json.dumps({"tenant_id": tenant.tenant_id, "delivery_id": delivery.delivery_id})
    record = {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "unused",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }
    result = worker.handler({"Records": [record]}, LambdaContext())
    assert not result.get("batchItemFailures"), result
    status = world.ok("GET", f"/api/v1/webhooks/deliveries/{delivery.delivery_id}", tenant)["status"]
    assert status == "failed", status
    return delivery.delivery_id


def _page_asset(world: World, tenant: TenantHandle) -> str:
    """An asset the hosted pages really link to (read off a rendered page)."""
    page = world.ok("GET", "/reuse-kyc", None, params={"token": world.obj("token", tenant)})
    match = re.search(r"assets/([A-Za-z0-9._-]+)\?v=", page)
    assert match, "the hosted page links no asset"
    return match.group(1)


def kyc_link(world: World, tenant: TenantHandle) -> dict[str, Any]:
    """A fresh passport submit link (document + face) for a new customer of the tenant."""
    settle_preferences(world, tenant)
    body = {"customer_id": _customer(world, tenant), "document_type": "passport", "callback_url": CALLBACK_URL}
    link = world.ok("POST", "/api/v1/kyc/submit-link", tenant, json=body)
    assert link["status"] == "pending_submission" and link["token"], link
    return link


def _filled_kyc_link(world: World, tenant: TenantHandle) -> str:
    """A fresh submit link with both its slots uploaded (the same person's passport photo and selfie)."""
    token = kyc_link(world, tenant)["token"]
    for slot, name in (("document", DOCUMENT_PHOTO), ("face", SELFIE_PHOTO)):
        world.ok("POST", "/api/v1/kyc/session/upload", None, json={"token": token, "slot": slot, "image": photo(name)})
    return token


OBJECTS: dict[str, Callable[[World, TenantHandle], str]] = {
    "customer_id": _customer,
    "kyc_id": _kyc_request,
    "reference": lambda world, tenant: reuse_session(world, tenant)["reference"],
    "token": lambda world, tenant: reuse_session(world, tenant)["token"],
    "alert_id": _alert,
    "delivery_id": _delivery,
    "name": _page_asset,
    "kya_id": _kya_task,
}


# A KYC handoff's token routes take a submit link's token; the Re-Use KYC ones (and the handoff routes
# both share) take OBJECTS["token"], a Re-Use KYC session's.
OPERATION_OBJECTS: dict[tuple[str, str], Callable[[World, TenantHandle], str]] = {
    ("get_kyc_submission_status", "token"): lambda world, tenant: kyc_link(world, tenant)["token"],
    ("upload_kyc_handoff_slot", "token"): lambda world, tenant: kyc_link(world, tenant)["token"],
    ("submit_kyc_handoff", "token"): _filled_kyc_link,
    ("kyc_submit_page", "token"): lambda world, tenant: kyc_link(world, tenant)["token"],
}


# Required query parameters that carry a plain value, not a tenant's object (see the module docstring).
QUERY_VALUES: dict[str, str] = {}

# ------------------------------------------------------------------------------------ valid requests

IMAGE_FIELD = re.compile(r"(^|_)(proof|selfie|image|photo|face|document_front|document_back)$")

# Body field name -> value for a valid request (tokens fresh: a submit consumes its session).
FIELDS: dict[str, Callable[[World, TenantHandle], Any]] = {
    "customer_id": lambda world, tenant: _approved_customer(world, tenant),
    "token": lambda world, tenant: reuse_session(world, tenant)["token"],
    "reference": lambda world, tenant: reuse_session(world, tenant)["reference"],
    "kyc_id": lambda world, tenant: world.obj("kyc_id", tenant),
}

BODY_RECIPES: dict[str, Callable[[World, TenantHandle], dict[str, Any]]] = {
    "CreateProfileRequest": lambda world, tenant: _new_customer_body(),
    "DocumentVerificationRequest": lambda world, tenant: _verification_body(_customer(world, tenant)),
    "CreateReuseKycSessionRequest": _session_body,
    "UpdateKycAlertRequest": lambda world, tenant: {"status": "in_review"},
    "CreateKyaTaskRequest": lambda world, tenant: {"address": KYA_ADDRESS, "chain": "btc"},
    "SubmitReuseKycSessionRequest": lambda world, tenant: {
        "token": reuse_session(world, tenant)["token"],
        "proof": photo(SELFIE_PHOTO),
    },
    # A new customer each time: the customer's open link would answer every later request without a write.
    "RequestKycSubmitLinkRequest": lambda world, tenant: {
        "customer_id": _customer(world, tenant),
        "document_type": "passport",
        "callback_url": CALLBACK_URL,
        "trigger_event": "onboarding",
    },
    "RequestAdditionalDocumentsRequest": lambda world, tenant: {
        "document_types": ["proof_of_address"],
        "message": "Please send a utility bill from the last three months.",
    },
    "UploadKycHandoffSlotRequest": lambda world, tenant: {
        "token": kyc_link(world, tenant)["token"],
        "slot": "document",
        "image": photo(DOCUMENT_PHOTO),
    },
    "SubmitKycHandoffRequest": lambda world, tenant: {"token": _filled_kyc_link(world, tenant)},
}


# Request model -> a body built from the request's path and query values (a document of the query's client).
CONTEXT_RECIPES: dict[str, Callable[[World, TenantHandle, dict[str, str]], dict[str, Any]]] = {}


class CannotBuild(LookupError):
    pass


def field_value(world: World, tenant: TenantHandle, name: str, schema: dict[str, Any]) -> Any:
    if name in FIELDS:
        return FIELDS[name](world, tenant)
    if IMAGE_FIELD.search(name):
        return photo(SELFIE_PHOTO)
    return example_value(world, tenant, schema, name)


def example_value(world: World, tenant: TenantHandle, schema: dict[str, Any], name: str) -> Any:
    """The simplest value that satisfies ``schema``: required keys only, first enum member, minimums."""
    schema = non_null(schema)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            key: field_value(world, tenant, key, sub)
            for key, sub in schema.get("properties", {}).items()
            if key in schema.get("required", [])
        }
    if kind == "array":
        return [field_value(world, tenant, name, schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + (1 if kind == "integer" else 0.5))
        return max(low, 1) if schema.get("maximum", 1) >= 1 else low
    if kind == "string":
        if schema.get("pattern"):
            raise CannotBuild(f"field {name!r} has a pattern")
        fmt = schema.get("format")
        value = {"date": "1990-01-01", "date-time": "2024-01-01T00:00:00Z", "email": "a@example.com"}.get(fmt)
        return value or "x" * max(1, schema.get("minLength", 1))
    raise CannotBuild(f"field {name!r} has no type the filler knows: {schema}")


@dataclass
class Request:
    method: str
    url: str
    tenant: TenantHandle | None
    params: dict[str, str] = field(default_factory=dict)
    body: Any = None
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None  # a multipart body
    content: bytes | None = None  # a raw body (a signed webhook's exact bytes)
    headers: dict[str, str] = field(default_factory=dict)

    def send(self, world: World, **overrides: Any) -> Any:
        kwargs: dict[str, Any] = {"params": self.params}
        if self.headers:
            kwargs["headers"] = self.headers
        if self.files is not None:
            kwargs["files"] = self.files
        elif self.content is not None:
            kwargs["content"] = self.content
        elif self.body is not None:
            kwargs["json"] = self.body
        kwargs.update(overrides)
        return world.request(self.method, self.url, self.tenant, **kwargs)


def valid_request(world: World, op: Operation, tenant: TenantHandle | None = None, *, fresh: bool = False) -> Request:
    """A request the operation should answer with 2xx, its objects owned by ``tenant`` (default A).

    ``fresh`` creates new objects instead of the world's shared ones, for requests that consume them.
    """
    tenant = tenant or (world.a_test if op.operation_id in TEST_MODE_OPERATIONS else world.a)
    if op.operation_id in SIGNED_OPERATIONS:
        return SIGNED_OPERATIONS[op.operation_id](world, tenant, tenant)  # each about an object of its own
    get = world.fresh if fresh else world.obj
    values = {name: get(name, tenant, op.operation_id) for name in op.path_params}
    # Required parameters, and the capability token of pages that read it from the query string.
    params = {
        name: QUERY_VALUES[name] if name in QUERY_VALUES else get(name, tenant, op.operation_id)
        for name, required in op.query_params
        if required or name == "token"
    }
    body = None
    if op.body is not None:
        if op.body_model in CONTEXT_RECIPES:
            body = CONTEXT_RECIPES[op.body_model](world, tenant, {**values, **params})
        elif op.body_model in BODY_RECIPES:
            body = BODY_RECIPES[op.body_model](world, tenant)
        else:
            try:
                body = example_value(world, tenant, op.body, op.body_model or "body")
            except CannotBuild as exc:
                raise CannotBuild(
                    f"{op.label}: cannot build a valid {op.body_model} body ({exc}). Add "
                    f"BODY_RECIPES[{op.body_model!r}] in tests/reliability/harness.py."
                ) from None
    files = None
    if op.multipart:
        files, body = [("files", file) for file in body["files"]], None
    return Request(op.method, op.url(values), tenant if op.auth == "tenant" else None, params, body, files)


# ---------------------------------------------------------------------------------------- AWS state


@dataclass(frozen=True)
class AwsState:
    items: dict[str, frozenset[str]]  # table -> canonical JSON of each item
    versions: frozenset[tuple[str, str]]  # (key, version id or delete-marker id) in the proofs bucket

    def delta(self, after: AwsState) -> dict[str, tuple[int, int]]:
        """Per store: (added, removed) entries between this state and ``after``."""
        out = {
            table: (len(after.items[table] - before), len(before - after.items[table]))
            for table, before in self.items.items()
        }
        out["s3"] = (len(after.versions - self.versions), len(self.versions - after.versions))
        return {k: v for k, v in out.items() if v != (0, 0)}


def tenant_owns(item: dict[str, Any], tenant_id: str) -> bool:
    """A stored item is the tenant's: in its partition (its own ``T#<tenant>`` record partition, where
    its counters live, or one under ``T#<tenant>#``) or naming it as ``tenant_id``."""
    pk = item["PK"]["S"]
    owner = item.get("tenant_id", {}).get("S")
    return pk == f"T#{tenant_id}" or pk.startswith(f"T#{tenant_id}#") or owner == tenant_id


def aws_state() -> AwsState:
    """Every item of both tables and every object version of the proofs bucket.

    Read from moto's in-memory backends rather than through Scan/ListObjectVersions: the same data,
    about 50 times faster, which is what lets every cell of the matrix and every fault check it.
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.s3.models import s3_backends

    from kycgate.core.settings import get_settings

    settings = get_settings()
    tables = dynamodb_backends[DEFAULT_ACCOUNT_ID][settings.aws_region].tables
    items = {
        name: frozenset(_canonical(item.to_json()["Attributes"]) for item in tables[name].all_items())
        for name in (settings.records_table, settings.sessions_table)
    }
    # The bucket's key store itself, not list_object_versions: that deep-copies every version's bytes on
    # each call, which across the fault trials kept gigabytes of image copies alive until the world closed.
    bucket = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_bucket(settings.proofs_bucket)
    entries = {(v.name, str(v.version_id)) for _, versions in bucket.keys.iterlists() for v in versions}
    return AwsState(items=items, versions=frozenset(entries))


def _canonical(item: dict[str, Any]) -> str:
    return json.dumps(item, sort_keys=True, default=repr)


# ------------------------------------------------------------------------------------- fault injection


@dataclass
class Fault:
    """What the AWS boundary answers instead of the real (moto) service."""

    name: str
    services: tuple[str, ...]
    respond: Callable[[Any], Any]  # request -> AWSResponse, or raise a botocore HTTP error
    retryable: bool = True
    operations: tuple[str, ...] = ()  # restrict to these API operations (empty: any)

    def applies_to(self, service: str, operation: str) -> bool:
        return service in self.services and (not self.operations or operation in self.operations)


def _aws_response(request: Any, status: int, body: str, content_type: str) -> Any:
    from botocore.awsrequest import AWSResponse
    from moto.core.botocore_stubber import MockRawResponse

    headers = {"Content-Type": content_type, "x-amzn-RequestId": str(uuid.uuid4())}
    return AWSResponse(request.url, status, headers, MockRawResponse(body))


def _json_error(prefix: str, code: str, status: int = 400, **extra: Any) -> Callable[[Any], Any]:
    body = json.dumps({"__type": f"{prefix}#{code}", "message": f"injected {code}", **extra})
    return lambda request: _aws_response(request, status, body, "application/x-amz-json-1.0")


def _s3_error(code: str, status: int) -> Callable[[Any], Any]:
    body = f"<?xml version='1.0'?><Error><Code>{code}</Code><Message>injected</Message></Error>"
    return lambda request: _aws_response(request, status, body, "application/xml")


def _read_timeout(request: Any) -> Any:
    from botocore.exceptions import ReadTimeoutError

    raise ReadTimeoutError(endpoint_url=request.url)


def _connection_closed(request: Any) -> Any:
    from botocore.exceptions import ConnectionClosedError

    raise ConnectionClosedError(endpoint_url=request.url)


_DDB = "com.amazonaws.dynamodb.v20120810"
FAULTS: tuple[Fault, ...] = (
    Fault("ddb-throughput-exceeded", ("dynamodb",), _json_error(_DDB, "ProvisionedThroughputExceededException")),
    Fault("ddb-throttling", ("dynamodb",), _json_error(_DDB, "ThrottlingException")),
    Fault("ddb-internal-500", ("dynamodb",), _json_error(_DDB, "InternalServerError", status=500)),
    Fault(
        "ddb-transaction-conflict",
        ("dynamodb",),
        _json_error(
            _DDB,
            "TransactionCanceledException",
            CancellationReasons=[{"Code": "TransactionConflict", "Message": "injected conflict"}],
        ),
        retryable=False,
        operations=("TransactWriteItems",),
    ),
    Fault("s3-internal-500", ("s3",), _s3_error("InternalError", 500)),
    Fault("s3-slow-down-503", ("s3",), _s3_error("SlowDown", 503)),
    Fault("sqs-internal-500", ("sqs",), _json_error("com.amazonaws.sqs", "InternalError", status=500)),
    Fault("read-timeout", ("dynamodb", "s3", "sqs"), _read_timeout),
    Fault("connection-closed", ("dynamodb", "s3", "sqs"), _connection_closed),
)


class FaultInjector:
    """Sits in the ``before-send`` hook of kycgate's own (moto-backed) clients.

    ``before-send`` fires once per *attempt*, inside botocore's retry loop, so a fault here is seen
    by the standard retry mode exactly as a real AWS error would be; ``before-call`` would fire once
    per API call and bypass retries. moto's own stubber is moved behind this hook, so a faulted
    attempt never reaches moto (nothing is written) and a clean one is answered by moto as usual.
    Backoff sleeps are recorded, not slept.
    """

    SERVICES = ("dynamodb", "s3", "sqs")

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import botocore.endpoint
        from moto.core.models import botocore_stubber

        from kycgate.core import aws

        self._stubber = botocore_stubber
        self.calls: Counter[tuple[str, str]] = Counter()
        self.injected: Counter[tuple[str, str]] = Counter()
        self.sleeps: list[float] = []
        self._fault: Fault | None = None
        self._target: tuple[str, str] | None = None
        self._remaining: int | None = None
        self._after = 0
        self.delay = 0.0
        monkeypatch.setattr(botocore.endpoint, "time", _RecordingTime(self.sleeps))
        for service in self.SERVICES:
            events = aws.client(service).meta.events
            events.unregister("before-send", botocore_stubber)
            events.register("before-send", self._send, unique_id=f"reliability-faults-{service}")
        self._clients = [aws.client(s) for s in self.SERVICES]

    def uninstall(self) -> None:
        for service, client in zip(self.SERVICES, self._clients, strict=True):
            client.meta.events.unregister("before-send", unique_id=f"reliability-faults-{service}")
            client.meta.events.register("before-send", self._stubber)

    @contextmanager
    def armed(
        self, fault: Fault | None, service: str, operation: str, times: int | None = None, after: int = 0
    ) -> Iterator[None]:
        """Fault every attempt of ``service.operation`` (or the first ``times`` attempts), once
        ``after`` attempts of it have gone through untouched (to fail the last of several writes)."""
        self.calls.clear()
        self.injected.clear()
        self.sleeps.clear()
        self._refill_retry_quotas()
        self._fault, self._target, self._remaining, self._after = fault, (service, operation), times, after
        try:
            yield
        finally:
            self._fault = self._target = self._remaining = None
            self._after = 0

    @contextmanager
    def recording(self) -> Iterator[Counter[tuple[str, str]]]:
        with self.armed(None, "", ""):
            yield self.calls

    def _send(self, event_name: str, request: Any, **kwargs: Any) -> Any:
        _, service, operation = event_name.split(".")
        target = (service, operation)
        self.calls[target] += 1
        if self.delay:
            time.sleep(self.delay)
        armed = self._fault is not None and target == self._target and self._remaining != 0
        if armed and self.calls[target] > self._after:
            if self._remaining is not None:
                self._remaining -= 1
            self.injected[target] += 1
            return self._fault.respond(request)  # type: ignore[union-attr]
        return self._stubber(event_name=event_name, request=request, **kwargs)

    def _refill_retry_quotas(self) -> None:
        """Give every client a full retry quota, as a fresh Lambda container has.

        Standard mode spends quota on each retry and stops retrying once it is empty (no retry
        storms); hundreds of faults in one process would otherwise drain it and later trials
        would see no retries at all. The quota is reached through the ``after-call`` handler that
        botocore registers for it; a botocore that stops doing so fails here, loudly.
        """
        for client in self._clients:
            service_id = client.meta.service_model.service_id.hyphenize()
            handlers = client.meta.events._emitter._handlers.prefix_search(f"after-call.{service_id}.Any")
            quotas = [h.__self__._quota for h in handlers if hasattr(getattr(h, "__self__", None), "_quota")]
            assert quotas, f"cannot find botocore's retry quota for {service_id}"
            for quota in quotas:
                quota._available_capacity = quota._max_capacity


class _RecordingTime:
    def __init__(self, sleeps: list[float]) -> None:
        self._sleeps = sleeps

    def sleep(self, seconds: float) -> None:
        self._sleeps.append(seconds)


# ------------------------------------------------------------------------------------------ helpers


def assert_error(op: Operation, response: Any, status: int | set[int], context: str = "") -> None:
    """The operation's kind of error answer: an HTML page for pages, problem+json for the API."""
    if not op.html:
        assert_problem(response, status, context)
        return
    statuses = {status} if isinstance(status, int) else status
    assert response.status_code in statuses, f"expected {statuses}, got {response.status_code} ({context})"
    assert response.headers.get("content-type", "").startswith("text/html"), f"not an HTML page ({context})"


def assert_problem(response: Any, status: int | set[int], context: str = "") -> dict[str, Any]:
    statuses = {status} if isinstance(status, int) else status
    where = f" ({context})" if context else ""
    got = f"expected {statuses}, got {response.status_code}{where}: {response.text[:400]}"
    assert response.status_code in statuses, got
    assert response.headers.get("content-type", "").startswith(PROBLEM_JSON), f"not problem+json{where}"
    body = response.json()
    assert body["status"] == response.status_code and body["title"] and body["type"], body
    assert isinstance(body.get("detail"), str) and len(body["detail"]) >= 10, f"unhelpful detail{where}: {body}"
    return body


def png_bytes(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 180, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


# The contexts' rows, last: each module updates the registries above (tests/reliability/rows/).
ROW_MODULES = ("levels", "idv", "uploads", "gateway", "dd")
for _module in ROW_MODULES:
    importlib.import_module(f"tests.reliability.rows.{_module}")
