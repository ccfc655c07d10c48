"""The harness covers every route: a new route without a factory, an auth mode or a buildable valid
request fails here with the name of the registry entry to add (tests/reliability/harness.py)."""

from __future__ import annotations

import pytest

from kycgate.app import create_app
from tests.reliability.harness import (
    OBJECTS,
    PUBLIC_OPERATIONS,
    World,
    operations,
    unknown_parameter_message,
    valid_request,
)

OPERATIONS = operations(create_app())


def test_every_route_is_authorized_by_a_key_or_a_token() -> None:
    unauthorized = [op.label for op in OPERATIONS if op.auth == "public" and op.operation_id not in PUBLIC_OPERATIONS]
    assert not unauthorized, (
        f"{unauthorized} take neither a tenant key (TenantId) nor a capability token. Add the TenantId "
        "dependency, or list the operation id in PUBLIC_OPERATIONS if it is public on purpose."
    )


def test_every_parameter_name_has_a_factory() -> None:
    names = {name for op in OPERATIONS for name in op.path_params}
    missing = sorted(names - OBJECTS.keys())
    assert not missing, "\n".join(unknown_parameter_message(name) for name in missing)


def test_every_operation_is_in_the_openapi_document() -> None:
    spec = create_app().openapi()
    documented = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    # Hosted pages and their assets are for browsers, not API clients: they stay out of the document.
    hidden = [op.label for op in OPERATIONS if (op.method, op.path) not in documented and not _browser_only(op)]
    assert not hidden, f"{hidden} are missing from the OpenAPI document, so the fuzzer cannot reach them"


def _browser_only(op) -> bool:
    return op.html or op.operation_id in PUBLIC_OPERATIONS


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_valid_request_is_accepted(world: World, op) -> None:
    """The request every other reliability test starts from really is valid (2xx). Writes get objects of
    their own, as in the other tests: one may consume its object (a decided review, a reopened request)."""
    response = valid_request(world, op, fresh=op.method != "GET").send(world)
    assert response.status_code < 300, f"{op.label}: {response.status_code} {response.text[:500]}"
