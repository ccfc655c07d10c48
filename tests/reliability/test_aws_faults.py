"""Fault injection at the AWS boundary, for every operation, on the real moto-backed clients.

For each operation a clean valid request is recorded first: which AWS calls it makes, its status,
and how many items/objects it adds or removes. Then, for every AWS call it makes, faults are
injected into botocore's retry loop (throttling, 500s, transaction conflicts, timeouts, dropped
connections; see harness.FAULTS):

- persistent (every attempt fails): the answer is 503 problem+json with Retry-After after exactly
  core.aws.TOTAL_ATTEMPTS attempts (1 for errors botocore must not retry), and the tables and the
  bucket are exactly as before: nothing half-written. A 2xx is accepted only where the failure is
  absorbed by design (the outbox's queue send) and then the data equals the clean run's.
- transient (the first attempt fails): botocore's retry absorbs it; the answer and the data equal
  the clean run's, with one more attempt counted.
- slow (every call delayed): same answer and data as the clean run.

KYCGATE_FAULTS=all (make fuzz) crosses every fault with every call; the bounded run (make test)
gives writes and S3/SQS calls every fault and each read one, rotating through the catalogue.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from kycgate.app import create_app
from kycgate.core.aws import TOTAL_ATTEMPTS
from tests.reliability.harness import (
    FAULTS,
    Fault,
    FaultInjector,
    Operation,
    World,
    assert_error,
    aws_state,
    count,
    operations,
    valid_request,
)

OPERATIONS = operations(create_app())
ALL_FAULTS = os.environ.get("KYCGATE_FAULTS") == "all"
SLOW_CALL_SECONDS = 0.03
# Where a lasting AWS failure is absorbed on purpose: the state change has committed, and the
# outbox sweeper re-sends what the queue did not take (webhooks/outbox.py).
ABSORBED = {("sqs", "SendMessageBatch"), ("sqs", "SendMessage")}
_USED: Counter[str] = Counter()
MAX_SERVICE_RETRIES = 20
DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})


@pytest.fixture(scope="module")
def faults(world: World) -> Iterator[FaultInjector]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        injector = FaultInjector(monkeypatch)
        yield injector
        injector.uninstall()


def _fresh(world: World, op: Operation) -> Any:
    # Reads may share objects; a write may consume its object (a decided review, a used token).
    return valid_request(world, op, fresh=op.method != "GET")


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_aws_faults(world: World, faults: FaultInjector, op: Operation) -> None:
    # One request first, so the clean run below sees the steady state (first writes create items
    # that later runs update) that the faulted runs will see too.
    _fresh(world, op).send(world)
    request = _fresh(world, op)
    before = aws_state()
    with faults.recording() as calls:
        clean = request.send(world)
    assert clean.status_code < 300, clean.text[:300]
    clean_calls = dict(calls)
    clean_delta = before.delta(aws_state())
    if not clean_calls:
        count("fault trials", "operations without AWS calls")  # hosted page shells, static assets
        return

    for target in sorted(clean_calls):
        applicable = [f for f in FAULTS if f.applies_to(*target)]
        # Bounded run: writes and the few S3/SQS calls get every fault once (the error handling
        # around them differs per fault); a read gets the fault used least so far, so every fault
        # gets its turns. Transient faults and last-of-several failures take one fault per call.
        least_used = min(applicable, key=lambda f: _USED[f.name])
        every = ALL_FAULTS or target[0] != "dynamodb" or target[1] in DYNAMODB_WRITES
        for fault in applicable if every else [least_used]:
            _USED[fault.name] += 1
            _persistent(world, faults, op, target, fault, clean, clean_delta)
        for fault in applicable if ALL_FAULTS else [least_used]:
            if clean_calls[target] > 1:
                # The last of several such calls fails: the earlier ones must be undone.
                _persistent(world, faults, op, target, fault, clean, clean_delta, after=clean_calls[target] - 1)
            if fault.retryable:
                _transient(world, faults, op, target, fault, clean, clean_delta, clean_calls)
    if op.method != "GET":
        _slow(world, faults, op, clean, clean_delta, sum(clean_calls.values()))


def _persistent(
    world: World,
    faults: FaultInjector,
    op: Operation,
    target: tuple[str, str],
    fault: Fault,
    clean: Any,
    clean_delta: dict,
    after: int = 0,
) -> None:
    request = _fresh(world, op)
    before = aws_state()
    with faults.armed(fault, *target, after=after):
        response = request.send(world)
        injected = faults.injected[target]
        sleeps = list(faults.sleeps)
    delta = before.delta(aws_state())
    where = f"{op.label} with {fault.name} on every {'.'.join(target)} after {after} clean calls"
    count("faults injected (attempts)", fault.name, injected)
    count("fault trials", "persistent")
    attempts = TOTAL_ATTEMPTS if fault.retryable else 1
    assert injected and injected % attempts == 0, f"{where}: {injected} attempts, expected multiples of {attempts}"
    if response.status_code == 503:
        assert_error(op, response, 503, where)
        assert response.headers.get("retry-after", "").isdigit(), f"{where}: no Retry-After"
        if fault.retryable:
            assert injected == attempts, f"{where}: {injected} attempts before giving up, expected {attempts}"
        else:
            # botocore does not retry these; an optimistic-concurrency loop in a service may, boundedly.
            assert injected <= MAX_SERVICE_RETRIES, f"{where}: {injected} attempts before giving up"
        assert len(sleeps) >= attempts - 1, f"{where}: retried without backing off"
        assert not delta, f"{where}: 503 but the data changed (half-written): {delta}"
    else:
        assert target in ABSORBED, f"{where}: expected 503, got {response.status_code} {response.text[:300]}"
        assert response.status_code == clean.status_code, f"{where}: {response.status_code} {response.text[:300]}"
        assert delta == clean_delta, f"{where}: data differs from a clean run: {delta} vs {clean_delta}"


def _transient(
    world: World,
    faults: FaultInjector,
    op: Operation,
    target: tuple[str, str],
    fault: Fault,
    clean: Any,
    clean_delta: dict,
    clean_calls: dict,
) -> None:
    request = _fresh(world, op)
    before = aws_state()
    with faults.armed(fault, *target, times=1):
        response = request.send(world)
        calls = dict(faults.calls)
    where = f"{op.label} with one {fault.name} on {'.'.join(target)}"
    count("faults injected (attempts)", fault.name)
    count("fault trials", "transient")
    assert response.status_code == clean.status_code, f"{where}: {response.status_code} {response.text[:300]}"
    assert calls[target] == clean_calls[target] + 1, f"{where}: {calls[target]} calls, clean run {clean_calls[target]}"
    assert before.delta(aws_state()) == clean_delta, f"{where}: data differs from a clean run"


def _slow(world: World, faults: FaultInjector, op: Operation, clean: Any, clean_delta: dict, clean_total: int) -> None:
    request = _fresh(world, op)
    before = aws_state()
    faults.delay = SLOW_CALL_SECONDS
    try:
        started = time.perf_counter()
        with faults.recording():
            response = request.send(world)
        elapsed = time.perf_counter() - started
    finally:
        faults.delay = 0.0
    count("fault trials", "slow")
    assert response.status_code == clean.status_code, response.text[:300]
    assert elapsed >= SLOW_CALL_SECONDS * clean_total * 0.9
    assert before.delta(aws_state()) == clean_delta


def test_retry_policy_is_standard_mode_with_bounded_attempts() -> None:
    from kycgate.core.aws import BOTO_CONFIG

    assert BOTO_CONFIG.retries == {"mode": "standard", "total_max_attempts": TOTAL_ATTEMPTS}
    assert TOTAL_ATTEMPTS == 3
