"""Tenant isolation and authentication, generated from app.routes.

Tenant-key routes: A's objects addressed with B's key -> 404 problem+json, nothing written, none of
A's data in the answer; a create with A's id makes B's own object and leaves A's alone; lists read
as B show nothing of A's; no key / revoked key / malformed keys -> 401 problem+json. A's own
test-mode key (kg_test_) is held to the same rows as another tenant: live and test data never meet.
Token routes: unknown, malformed and expired tokens -> 404/410 (422 for a malformed token in a body);
a valid token of tenant A's writes only A's items and objects and answers nothing of B's, who holds
live objects of every kind beside it.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from kycgate.app import create_app
from kycgate.core import clock
from tests.conftest import TenantHandle
from tests.reliability.harness import (
    FIELDS,
    PUBLIC_OPERATIONS,
    QUERY_VALUES,
    SIGNED_OPERATIONS,
    TOKEN_PARAMS,
    Operation,
    Request,
    World,
    assert_error,
    assert_problem,
    aws_state,
    count,
    mirror_preferences,
    operations,
    tenant_owns,
    valid_request,
)

OPERATIONS = operations(create_app())

# Request models whose field names a *new* object (an id in the tenant's own namespace).
CREATES = {
    "CreateProfileRequest": "customer_id",
    "CreateReuseKycSessionRequest": "reference",
    "CreateLevelsClientRequest": "client_uuid",
}

MALFORMED_KEYS: dict[str, dict[str, str]] = {
    "no-key": {},
    "scheme-basic": {"Authorization": "Basic a2dfbGl2ZV94Og=="},
    "bearer-empty": {"Authorization": "Bearer "},
    "bearer-unknown": {"Authorization": "Bearer kg_live_" + secrets.token_urlsafe(32)},
    "bearer-no-prefix": {"Authorization": "Bearer " + secrets.token_urlsafe(32)},
    "bearer-huge": {"Authorization": "Bearer kg_live_" + "A" * 8000},
    "bearer-sql": {"Authorization": "Bearer kg_live_' OR '1'='1"},
}
WRONG_TOKENS = {
    "unknown-token": secrets.token_urlsafe(32),
    "short-token": "abc",
    "long-token": "A" * 2000,
    "traversal-token": "..%2F..%2Fadmin",
    "unicode-token": "tok\u202eneyb\u200b",
}
TOKEN_TTL_MARGIN_SECONDS = 16 * 60  # past both the 10-minute session and the 15-minute handoff


def _cases(op: Operation) -> list[str]:
    if op.auth == "tenant":
        cases = [*MALFORMED_KEYS, "revoked-key"]
        if op.path_params or _referenced_fields(op) or any(r and n not in QUERY_VALUES for n, r in op.query_params):
            cases += ["other-tenant", "test-mode"]
        if op.body_model in CREATES:
            cases += ["same-id-other-tenant", "same-id-test-mode"]
        if op.method == "GET" and not op.path_params:
            cases += ["read-as-other-tenant", "read-as-test-mode"]
        return cases
    if op.auth == "token":
        return [*WRONG_TOKENS, "expired-token", "own-tenant-token"]
    if op.auth == "signed":
        return ["tampered-body", "signed-by-other-tenant"]
    return ["public"] if op.operation_id in PUBLIC_OPERATIONS else []


def _referenced_fields(op: Operation) -> list[str]:
    created = CREATES.get(op.body_model or "")
    return [name for name in op.body_fields if name in FIELDS and name != created]


# Routes whose answer to an unknown id is not a 404 by design (still indistinguishable from A's id).
NOT_FOUND_EXCEPTIONS: dict[str, int] = {}

MATRIX = [(op, case) for op in OPERATIONS for case in _cases(op)]


@pytest.mark.parametrize(("op", "case"), MATRIX, ids=[f"{op.operation_id}-{case}" for op, case in MATRIX])
def test_isolation(world: World, op: Operation, case: str) -> None:
    CASES[_family(case)](world, op, case)
    count("isolation matrix cells (routes x cases)", op.operation_id)


def _family(case: str) -> str:
    if case in MALFORMED_KEYS:
        return "malformed-key"
    if case in WRONG_TOKENS:
        return "wrong-token"
    return case.replace("test-mode", "other-tenant")


def _other(world: World, case: str) -> TenantHandle:
    """Who plays "the other tenant" in a case: tenant B, or tenant A's own test-mode key."""
    return world.a_test if case.endswith("test-mode") else world.b


def _a_secrets(world: World) -> list[str]:
    """Strings that only tenant A's data contains: its id, key and the ids of everything it owns."""
    values = [world.a.tenant_id, world.a.api_key]
    values += [v for (_, tenant_id), v in world.objects().items() if tenant_id == world.a.tenant_id]
    return [v for v in values if isinstance(v, str) and len(v) >= 8]


def _assert_nothing_of_a(world: World, response: Any, caller: TenantHandle | None = None) -> None:
    # An id the caller sent may be echoed in the problem detail; anything else of A's may not appear.
    # A's test space is named after A (`<A>.test`): the caller's own id is not A's data.
    sent = str(response.request.url) + (response.request.content or b"").decode(errors="replace")
    text = response.text.replace(caller.tenant_id, "") if caller else response.text
    leaked = [v for v in _a_secrets(world) if v in text and v not in sent]
    assert not leaked, f"the answer carries tenant A's {leaked}"


def _malformed_key(world: World, op: Operation, case: str) -> None:
    request = valid_request(world, op)
    before = aws_state()
    response = world.request(
        request.method, request.url, None, headers=MALFORMED_KEYS[case], params=request.params, json=request.body
    )
    assert_problem(response, 401, case)
    assert response.headers.get("www-authenticate", "").lower().startswith("bearer")
    assert not before.delta(aws_state()), f"{op.label} wrote data for an unauthenticated caller"


def _revoked_key(world: World, op: Operation, case: str) -> None:
    request = valid_request(world, op)
    request.tenant = world.revoked
    before = aws_state()
    assert_problem(request.send(world), 401, case)
    assert not before.delta(aws_state())


def _other_tenant(world: World, op: Operation, case: str) -> None:
    other = _other(world, case)
    mirror_preferences(world, world.a, other)  # so only the ids can decide B's answer
    request = valid_request(world, op, world.a)
    request.tenant = other
    before = aws_state()
    response = request.send(world)
    _assert_nothing_of_a(world, response, other)
    assert not before.delta(aws_state()), f"{op.label}: tenant B's call on A's object wrote data"
    # B cannot tell A's object from one that never existed: same status, same body.
    ghost, renamed = _with_ghost_ids(world, op, request)
    ghost_response = ghost.send(world)
    assert response.status_code == ghost_response.status_code, (response.text[:300], ghost_response.text[:300])
    assert _json(response) == _json(ghost_response, renamed), "A's id answers differently from an unknown id"
    expected = NOT_FOUND_EXCEPTIONS.get(op.operation_id, 404)
    if expected == 404:
        assert_problem(response, 404, f"{op.label} with tenant A's ids and tenant B's key")
    else:
        assert response.status_code == expected, response.text[:300]


def _with_ghost_ids(world: World, op: Operation, request: Request) -> tuple[Request, dict[str, str]]:
    """The same request with each of A's ids swapped for a never-created id of the same shape."""
    owned = {v for (_, t), v in world.objects().items() if t == world.a.tenant_id and isinstance(v, str)}
    sent = json.dumps([request.url, request.params, request.body])
    renamed = {}
    for value in sorted(owned, key=len, reverse=True):
        if value in sent and value.isdigit():  # the seeds' integer ids: one never given, of the same length
            renamed[value] = str(10 ** len(value) - 1 - int(value) % 7)
        elif value in sent and _is_uuid(value):
            renamed[value] = str(uuid.uuid4())  # an id typed as a UUID must stay one
        elif value in sent:
            prefix = value.split("_", 1)[0] + "_" if re.match(r"^[a-z]+_", value) else "ghost-"
            renamed[value] = prefix + uuid.uuid4().hex[: max(8, len(value) - len(prefix))]
    integers = {old: new for old, new in renamed.items() if old.isdigit()}
    for old, new in renamed.items():
        if not old.isdigit():
            sent = sent.replace(old, new)
    url, params, body = json.loads(sent)
    # An integer id is replaced where it is a whole value: "1" is also in "/api/v1/", and "/12+" can be
    # in a base64 photo.
    url = "/".join(integers.get(segment, segment) for segment in url.split("/"))
    ghost = Request(request.method, url, request.tenant, _swap(params, integers), _swap(body, integers), request.files)
    return ghost, {new: old for old, new in renamed.items()}


def _swap(value: Any, integers: dict[str, str]) -> Any:
    """``value`` with each whole value that is one of A's integer ids replaced, kept of its own type."""
    if isinstance(value, dict):
        return {k: _swap(v, integers) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, integers) for v in value]
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value) not in integers:
        return value
    return type(value)(integers[str(value)])


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _json(response: Any, renamed: dict[str, str] | None = None) -> Any:
    text = response.text
    for new, old in (renamed or {}).items():
        text = re.sub(rf"(?<!\w){new}(?!\w)", old, text) if new.isdigit() else text.replace(new, old)
    return json.loads(text) if text else None


def _same_id_other_tenant(world: World, op: Operation, case: str) -> None:
    field = CREATES[op.body_model or ""]
    first = valid_request(world, op, world.a, fresh=True)
    created_by_a = first.send(world)
    assert created_by_a.status_code < 300, created_by_a.text
    other = _other(world, case)
    second = valid_request(world, op, other, fresh=True)
    second.body[field] = first.body[field]
    response = second.send(world)
    assert response.status_code < 300, f"B could not use an id A uses: {response.status_code} {response.text[:300]}"
    assert world.a.tenant_id not in response.text.replace(other.tenant_id, "")
    again = first.send(world)
    assert again.status_code == created_by_a.status_code or again.status_code == 409, again.text
    assert other.tenant_id not in again.text


def _read_as_other_tenant(world: World, op: Operation, case: str) -> None:
    other = _other(world, case)
    response = valid_request(world, op, other).send(world)
    assert response.status_code == 200, response.text[:300]
    _assert_nothing_of_a(world, response, other)


def _replace_token(world: World, op: Operation, token: str) -> Any:
    request = valid_request(world, op, fresh=True)
    in_path = [name for name in op.path_params if name in TOKEN_PARAMS]
    in_body = [name for name in request.body or {} if name in TOKEN_PARAMS]
    if in_path:
        live = request.url.rsplit("/", 1)[-1]
        request.url = request.url[: -len(live)] + token.replace("/", "%2F")
    elif in_body:
        request.body[in_body[0]] = token
    else:
        request.params["token"] = token
    return request


# A hosted page is a shell that reads its session through the API: for a token it cannot use it
# shows a "broken link" page (400) or the shell itself, which holds nothing but the token sent.
PAGE_STATUSES = {200, 400, 404, 410}


def _wrong_token(world: World, op: Operation, case: str) -> None:
    request = _replace_token(world, op, WRONG_TOKENS[case])
    before = aws_state()
    response = request.send(world)
    # A token that breaks its declared shape (length, alphabet) may be refused before any lookup.
    allowed = {404} if case == "unknown-token" else {404, 422}
    assert_error(op, response, PAGE_STATUSES if op.html else allowed, case)
    _assert_nothing_of_a(world, response)
    assert not before.delta(aws_state())


def _expired_token(world: World, op: Operation, case: str) -> None:
    request = valid_request(world, op, fresh=True)
    clock.travel(TOKEN_TTL_MARGIN_SECONDS)
    try:
        before = aws_state()
        response = request.send(world)
        if op.html:
            assert_error(op, response, PAGE_STATUSES, "expired token")
        elif response.status_code == 200:
            # A status read may report the lapse itself; it must not pretend the session is live.
            assert response.json().get("status") == "expired", response.text[:300]
        else:
            assert_error(op, response, {404, 410}, "expired token")
        assert not before.delta(aws_state()), f"{op.label} wrote data for an expired token"
    finally:
        clock.reset()


def _own_tenant_token(world: World, op: Operation, case: str) -> None:
    # Tenant B holds live objects of every kind this route's tokens reach, so a leak would show them.
    b_values = [world.b.tenant_id, world.b.api_key]
    b_values += [world.obj(name, world.b, op.operation_id) for name in ("customer_id", "kyc_id", "token")]
    request = valid_request(world, op, world.a, fresh=True)
    before = aws_state()
    response = request.send(world)
    assert response.status_code < 300, response.text[:300]
    after = aws_state()
    for table, items in after.items.items():
        for item in map(json.loads, items - before.items[table]):
            assert tenant_owns(item, world.a.tenant_id), (
                f"{op.label} with tenant A's token wrote {item['PK']['S']} (tenant {item.get('tenant_id')})"
            )
    for object_key, _ in after.versions - before.versions:
        assert object_key.startswith(f"{world.a.tenant_id}/"), f"{op.label} with A's token stored {object_key}"
    leaked = [v for v in b_values if isinstance(v, str) and v in response.text]
    assert not leaked, f"{op.label} with A's token answered tenant B's {leaked}"


def _public(world: World, op: Operation, case: str) -> None:
    request = valid_request(world, op)
    before = aws_state()
    response = request.send(world)
    assert response.status_code < 300, response.text[:300]
    _assert_nothing_of_a(world, response)
    assert not before.delta(aws_state())


def _signed_refused(world: World, op: Operation, case: str) -> None:
    """A signed request whose body changed after signing, or about A's object but signed with B's
    secret: 401, nothing stored or changed."""
    if case == "tampered-body":
        request = valid_request(world, op)
        request.content = (request.content or b"") + b" "
    else:
        request = SIGNED_OPERATIONS[op.operation_id](world, world.a, world.b)
    before = aws_state()
    response = request.send(world)
    assert_error(op, response, 401, case)
    assert not before.delta(aws_state()), f"{op.label} ({case}) changed data"


CASES: dict[str, Callable[[World, Operation, str], None]] = {
    "tampered-body": _signed_refused,
    "signed-by-other-tenant": _signed_refused,
    "public": _public,
    "malformed-key": _malformed_key,
    "revoked-key": _revoked_key,
    "other-tenant": _other_tenant,
    "same-id-other-tenant": _same_id_other_tenant,
    "read-as-other-tenant": _read_as_other_tenant,
    "wrong-token": _wrong_token,
    "expired-token": _expired_token,
    "own-tenant-token": _own_tenant_token,
}


def test_every_route_is_in_the_matrix() -> None:
    uncovered = [op.label for op in OPERATIONS if not _cases(op)]
    assert not uncovered, f"{uncovered} have no isolation cases: classify them in tests/reliability/harness.py"
