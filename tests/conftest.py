"""Shared fixtures: moto built from template.yaml, tenants with keys, an HTTP client, function loader."""

from __future__ import annotations

import copy
import gc
import importlib.util
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
FACES = FIXTURES / "faces"

# Credentials and region for moto before anything creates a boto3 client.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_METRICS_NAMESPACE": "kycgate",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Fresh in-process moto with every table, queue and bucket of template.yaml."""
    with moto_stack(monkeypatch) as env:
        yield env


class _TransactionBackups(threading.local):
    """moto's TransactWriteItems backs up the table once per *item* of the transaction (a deepcopy of the
    whole table each time, moto/dynamodb/models transact_write_items), so a 4-item transaction copies the
    table four times. The copies are taken before anything is written, so they are equal: one copy per
    table per transaction gives the same rollback, and the suite's transactions cost O(table), not
    O(items x table). Only Table objects are shared, only inside one transaction of this thread."""

    def __init__(self) -> None:
        self.tables: dict[int, Any] | None = None


_backups = _TransactionBackups()


class _CopyForMotoDynamodb:
    """Stands for the ``copy`` module inside moto.dynamodb.models."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if _backups.tables is None or not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        if id(value) not in _backups.tables:
            _backups.tables[id(value)] = copy.deepcopy(value, memo)
        return _backups.tables[id(value)]


def _one_backup_per_table() -> None:
    from moto.dynamodb import models

    if isinstance(models.copy, _CopyForMotoDynamodb):
        return
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        _backups.tables = {}
        try:
            return original(self, transact_items)
        finally:
            _backups.tables = None

    models.copy = _CopyForMotoDynamodb()  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


@contextmanager
def moto_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The `aws` fixture's body, for fixtures of a wider scope (one stack shared by a module)."""
    from moto import mock_aws

    _one_backup_per_table()

    from kycgate.core import clock
    from kycgate.core.aws import reset_clients
    from kycgate.core.settings import get_settings
    from kycgate.infra import provision

    with mock_aws():
        reset_clients()
        env = provision().env()
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("KYCGATE_FACE_MATCHER", "sface")
        get_settings.cache_clear()
        clock.reset()
        yield env
        clock.reset()
    reset_clients()
    get_settings.cache_clear()


class TenantHandle:
    def __init__(self, tenant_id: str, api_key: str, key_id: str) -> None:
        self.tenant_id = tenant_id
        self.api_key = api_key
        self.key_id = key_id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def make_tenant(name: str, tenant_id: str | None = None, scopes: tuple[str, ...] = ()) -> TenantHandle:
    from kycgate.core.tenants import create_key, create_tenant

    tenant = create_tenant(name, tenant_id=tenant_id)
    issued = create_key(tenant.tenant_id, scopes=scopes)
    return TenantHandle(tenant.tenant_id, issued.api_key, issued.key_id)


def sandbox_key_of(tenant: TenantHandle) -> TenantHandle:
    """A test-mode key (kg_test_) of the tenant: the same API over the tenant's test space."""
    from kycgate.core.tenants import create_key, data_space

    issued = create_key(tenant.tenant_id, mode="test")
    return TenantHandle(data_space(tenant.tenant_id, "test"), issued.api_key, issued.key_id)


@pytest.fixture
def tenant_a(aws: dict[str, str]) -> TenantHandle:
    return make_tenant("Tenant A")


@pytest.fixture
def tenant_b(aws: dict[str, str]) -> TenantHandle:
    return make_tenant("Tenant B")


@pytest.fixture
def client(aws: dict[str, str]) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from kycgate.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def load_function(op: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Import functions/<op>/app.py the way Lambda does (each file is its own module)."""
    path = ROOT / "functions" / op / "app.py"
    spec = importlib.util.spec_from_file_location(f"function_{op}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler


def load_event(op: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / f"{op}.json").read_text())


class LambdaContext:
    function_name = "kycgate-test"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:kycgate-test"
    memory_limit_in_mb = 1024
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/kycgate-test"
    log_stream_name = "test"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def lambda_runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process as Lambda's python3.11 runtime has it before the first invocation: kycgate's import
    paused the cyclic collector (core.coldstart). The test's own import of kycgate came long before,
    so the pause is applied here; afterwards the collector runs and nothing stays frozen."""
    from kycgate.core import coldstart

    monkeypatch.setenv("AWS_EXECUTION_ENV", "AWS_Lambda_python3.11")
    coldstart.pause_collector_in_lambda()
    assert not gc.isenabled()
    yield
    monkeypatch.setattr(coldstart, "_paused", False)
    gc.enable()
    gc.unfreeze()


def assert_collector_resumed() -> None:
    assert gc.isenabled(), "the handler left Python's cyclic collector paused after its first invocation"
    assert gc.get_freeze_count() > 0, "the handler resumed the collector without freezing what init built"


@contextmanager
def atomic_moto() -> Iterator[None]:
    """Give in-process moto DynamoDB's per-request atomicity.

    Real DynamoDB evaluates a condition and applies the write as one step, and a transaction's
    writes appear all at once. moto's backend has no lock: a thread can run between its condition
    check and its write, and a failed transaction restores whole-table snapshots, undoing other
    threads' writes. Serialising the backend's operations restores what the concurrency tests rely on.
    """
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.RLock()

    def serialised(method: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(method)
        def run(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return method(*args, **kwargs)

        return run

    with pytest.MonkeyPatch.context() as patch:
        # The whole request, not only the backend call: a read's answer is serialised from the live item
        # after the backend returns, and a concurrent update changing that item mid-way broke it.
        patch.setattr(DynamoHandler, "call_action", serialised(DynamoHandler.call_action))
        yield
