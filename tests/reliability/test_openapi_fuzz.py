"""Schemathesis against the app's own OpenAPI document, in-process (ASGI) on moto.

Every operation, positive and negative data. Each example also draws who is calling (tenant A's
key mostly; no key, a revoked key, tenant B's key or a garbage bearer otherwise) and, with some
probability, swaps generated ids/tokens for live objects of tenant A and image fields for real
photos, so examples reach past the "not found" and "bad base64" answers into the real code.

Pass: no 5xx, every answer matches its declared status, media type, headers and schema (errors are
problem+json), negative data is rejected, and schema-valid data is never refused for breaking a
declared type or constraint (a 422 whose errors are all ``value_error`` is a business rule).

KYCGATE_FUZZ_EXAMPLES sets examples per operation and mode (default 15: the bounded `make test`
run, derandomized so CI is repeatable); `make fuzz` runs 200 with fresh randomness.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kycgate.app import create_app
from tests.reliability.harness import (
    FIELDS,
    IMAGE_FIELD,
    MOBILE_UA,
    OBJECTS,
    PROBLEM_JSON,
    Operation,
    World,
    count,
    operations,
    photo,
)

DEFAULT_EXAMPLES = 15
EXAMPLES = int(os.environ.get("KYCGATE_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
# Operations that match faces cost ~0.3 s per example with a real photo: fewer in the bounded run.
IMAGE_OPERATION_EXAMPLES = EXAMPLES if EXAMPLES > DEFAULT_EXAMPLES else 6
MODES = {"positive": schemathesis.GenerationMode.POSITIVE, "negative": schemathesis.GenerationMode.NEGATIVE}
OPERATIONS = [op for op in operations(create_app()) if op.in_openapi]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# pydantic's error types for rules a JSON schema can state (types, lengths, bounds, enums, patterns).
# A schema-valid value that breaks one of these means the published schema and the parser disagree;
# custom types (value_error, image_type, invalid_url ...) are business rules a schema cannot express.
CONTRACT_ERRORS = frozenset(
    {
        "missing", "extra_forbidden", "none_required", "literal_error", "enum", "union_tag_invalid",
        "string_type", "int_type", "float_type", "bool_type", "dict_type", "list_type", "model_type",
        "model_attributes_type", "int_parsing", "float_parsing", "bool_parsing", "int_from_float",
        "string_too_short", "string_too_long", "too_short", "too_long", "string_pattern_mismatch",
        "greater_than", "greater_than_equal", "less_than", "less_than_equal", "multiple_of", "finite_number",
        "date_parsing", "date_type", "datetime_parsing", "datetime_type", "json_invalid",
    }
)  # fmt: skip

CALLERS = st.sampled_from(["tenant_a"] * 7 + ["none", "revoked", "tenant_b", "garbage"])
GARBAGE_BEARER = st.from_regex(r"[!-~]{0,120}", fullmatch=True)


def _has_images(op: Operation) -> bool:
    return any(IMAGE_FIELD.search(name) for name in op.body_fields)


@pytest.fixture(scope="module")
def schema(world: World) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", world.app)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_fuzz(world: World, schema: Any, op: Operation, mode: str) -> None:
    operation = schema[op.path][op.method]
    examples = IMAGE_OPERATION_EXAMPLES if _has_images(op) else EXAMPLES
    checks = [*CHECKS, negative_data_rejection] if mode == "negative" else CHECKS

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=EXAMPLES == DEFAULT_EXAMPLES,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=operation.as_strategy(generation_mode=MODES[mode]), data=st.data())
    def run(case: Any, data: Any) -> None:
        if mode == "negative" and _negated(case, ParameterLocation.HEADER):
            # The generated Authorization header is the invalid part: send it as generated.
            headers = {"User-Agent": MOBILE_UA}
        else:
            headers = _caller(world, data)
        if mode == "positive":
            _use_live_values(world, op, case, data)
        response = case.call(headers=headers)
        count(f"fuzz examples ({mode})", op.operation_id)
        case.validate_response(response, checks=checks, headers=headers)
        if response.status_code >= 400:
            assert response.headers["content-type"][0].startswith(PROBLEM_JSON), response.text[:300]
        if mode == "positive" and response.status_code == 422 and headers.get("Authorization") == _key(world.a):
            _assert_business_rule(op, case, response)

    run()


def _negated(case: Any, location: ParameterLocation) -> bool:
    info = case.meta.components.get(location) if case.meta else None
    return info is not None and info.mode == schemathesis.GenerationMode.NEGATIVE


def _key(tenant: Any) -> str:
    return tenant.headers["Authorization"]


def _caller(world: World, data: Any) -> dict[str, str]:
    caller = data.draw(CALLERS, label="caller")
    if caller == "garbage":
        return {"User-Agent": MOBILE_UA, "Authorization": "Bearer " + data.draw(GARBAGE_BEARER, label="bearer")}
    tenant = {"tenant_a": world.a, "tenant_b": world.b, "revoked": world.revoked}.get(caller)
    return {"User-Agent": MOBILE_UA, **(tenant.headers if tenant else {})}


def _use_live_values(world: World, op: Operation, case: Any, data: Any) -> None:
    """Swap generated ids for tenant A's live objects, and image fields for real photos, at random."""
    for name in op.path_params:
        if name in OBJECTS and data.draw(st.booleans(), label=f"live {name}"):
            case.path_parameters[name] = world.obj(name, world.a, op.operation_id)
    for name, _ in op.query_params:
        if name in OBJECTS and data.draw(st.booleans(), label=f"live {name}"):
            case.query = {**(case.query or {}), name: world.obj(name, world.a, op.operation_id)}
    if isinstance(case.body, dict):
        for name in list(case.body):
            # Body fields that refer to an existing object (FIELDS), by the object's parameter name.
            if name in FIELDS and name in OBJECTS and data.draw(st.booleans(), label=f"live {name}"):
                case.body[name] = world.obj(name, world.a, op.operation_id)
            elif IMAGE_FIELD.search(name) and data.draw(st.integers(0, 3), label=f"photo {name}") == 0:
                case.body[name] = photo(data.draw(st.sampled_from(["obama_1.jpg", "obama_2.jpg", "biden_1.jpg"])))


def _assert_business_rule(op: Operation, case: Any, response: Any) -> None:
    errors = response.json().get("errors") or []
    # A service may call a conditionally required field "missing" too; pydantic says "Field required".
    contract = [
        e
        for e in errors
        if e.get("type") in CONTRACT_ERRORS and (e["type"] != "missing" or e.get("msg") == "Field required")
    ]
    assert not contract, (
        f"{op.label}: schema-valid input refused for breaking a declared type/constraint: {contract}\n"
        f"body: {str(case.body)[:500]}\nquery: {case.query}\npath: {case.path_parameters}"
    )
