"""Data the KYA function samples (events/*kya*) refer to: imported lists and task 1 of ten_sample; and
the fixtures the KYA and DD tests share (import them by their function names, ``listed_fixture,
analyst_fixture``; tests ask for ``listed`` and ``analyst``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kycgate.compliance import lists
from kycgate.compliance.kya import service
from kycgate.compliance.kya.schemas import CreateKyaTaskRequest
from kycgate.compliance.lists import importer
from kycgate.core.settings import get_settings
from kycgate.core.tenants import Caller, create_key, create_tenant
from tests.conftest import TenantHandle
from tests.unit.compliance.lists_support import ALL


def seed_sample_lists() -> None:
    lists.reset()  # an index another test's stack published must not answer here
    importer.import_lists([str(p) for p in ALL])


def seed_sample_kya_task() -> None:
    seed_sample_lists()
    caller = Caller("ten_sample", "ten_sample", "key_sample", 1, "live", "", "", ())
    service.create_task(caller, CreateKyaTaskRequest(address="bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"))


@pytest.fixture(name="listed")
def listed_fixture(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test lists imported, read again at once after an import, and callbacks to the tests'
    receivers on 127.0.0.1 allowed."""
    monkeypatch.setenv("KYCGATE_LISTS_RECHECK_SECONDS", "0")
    monkeypatch.setenv("KYCGATE_ALLOW_LOOPBACK_CALLBACKS", "true")
    get_settings.cache_clear()
    lists.reset()
    importer.import_lists([str(p) for p in ALL])
    yield
    lists.reset()


@pytest.fixture(name="analyst")
def analyst_fixture(aws: Any) -> TenantHandle:
    tenant = create_tenant("Exchange")
    issued = create_key(tenant.tenant_id, name="Eric Hung", email="eric.hung@example.com")
    return TenantHandle(tenant.tenant_id, issued.api_key, issued.key_id)
