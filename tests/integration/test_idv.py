"""IDV tasks (seed 001 "ID Verification") through the API on moto, with the real document reader and
face matcher on a generated passport: accept, review for a wrong expected name, reject for another
person's face, points taken once and never below zero, the mobile and web initiations.

One moto stack and one set of images for the module: each check reads a document by OCR (seconds on
2 vCPUs), so every test that reads one asserts all it can about that one task.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from kycgate.compliance.idv import points, service, store
from kycgate.compliance.idv.schemas import AccountIdvRequest
from kycgate.core.tenants import Caller
from tests import specimens
from tests.conftest import FACES, TenantHandle, atomic_moto, make_tenant, moto_stack
from tests.integration.kya_support import seed_sample_lists
from tests.integration.reuse_support import PUBLIC_HOOK

IDV = "/api/v1/compliance/idv"
# Seed 7's passport: Ana Beatriz Silva, portrait obama_2.jpg (tests/specimens.py draws it).
PASSPORT = specimens.make("td3_passport", "jpeg", 7)
SAME_PERSON = (FACES / "obama_3.jpg").read_bytes()
OTHER_PERSON = (FACES / "biden_2.jpg").read_bytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from kycgate.app import create_app

    with (
        pytest.MonkeyPatch.context() as patch,
        moto_stack(patch),
        TestClient(create_app(), raise_server_exceptions=False) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def client(stack: Any) -> Any:
    return stack


@pytest.fixture
def tenant(stack: Any) -> TenantHandle:
    handle = make_tenant("Exchange", scopes=("reviewer",))
    points.grant(handle.tenant_id, 1000)
    return handle


def passport_body(**changes: Any) -> dict[str, Any]:
    truth = PASSPORT.truth
    body = {
        "country": "UTO",
        "id_type": "PASSPORT",
        "id_image": b64(PASSPORT.front),
        "face_image": b64(SAME_PERSON),
        # Another order, case and spacing than the document prints: the same name, the same number.
        "expected_name": "silva, ANA beatriz",
        "expected_birthday": truth["birthday"],
        "expected_id_number": " ".join(truth["id_number"][i : i + 3] for i in range(0, 9, 3)).lower(),
        "expected_expiry_date": truth["expiry_date"],
        "expected_gender": "F",
        "customer_reference": "cus-42",
        "callback_url": PUBLIC_HOOK,
    }
    return {**body, **changes}


def create(client: Any, tenant: TenantHandle, **changes: Any) -> dict[str, Any]:
    created = client.post(IDV, json=passport_body(**changes), headers=tenant.headers)
    assert created.status_code == 201, created.text
    assert set(created.json()) == {"idv_task_id", "timestamp"}
    detail = client.get(f"{IDV}/{created.json()['idv_task_id']}", headers=tenant.headers)
    assert detail.status_code == 200, detail.text
    return detail.json()


def balance(client: Any, tenant: TenantHandle) -> int:
    return client.get("/api/v1/compliance/points", headers=tenant.headers).json()["points"]


def test_matching_passport_selfie_and_fields_accept_pay_once_call_back_and_review_once(
    client: Any, tenant: TenantHandle
) -> None:
    task = create(client, tenant)
    truth = PASSPORT.truth
    assert task["idv_task_id"] == 1 and (task["state"], task["review_reasons"], task["reject_reasons"]) == (0, [], [])
    assert (task["full_name"], task["first_name"], task["last_name"]) == ("ANA BEATRIZ SILVA", "ANA BEATRIZ", "SILVA")
    for field in ("birthday", "id_number", "issuing_date", "expiry_date", "gender"):
        assert task[field] == truth[field], field
    assert (task["country"], task["expected_country"], task["id_type"]) == ("UTO", "UTO", "PASSPORT")
    assert task["audit_status"] == "Pending" and task["customer_reference"] == "cus-42"
    assert task["face_similarity"] > 0.5 and task["dd_tasks"] == [] and task["created_search_task_id"] is None
    assert balance(client, tenant) == 900

    deliveries = client.get("/api/v1/webhooks/deliveries", headers=tenant.headers).json()["data"]
    (delivery,) = deliveries
    assert delivery["event"] == "idv_task" and delivery["reference"] == "1"
    detail = client.get(f"/api/v1/webhooks/deliveries/{delivery['delivery_id']}", headers=tenant.headers).json()
    assert detail["payload"] == {"event": "idv_task", **task}

    review = {"accepted": True, "comment": "documents and face checked"}
    reviewed = client.post(f"{IDV}/1/review", json=review, headers=tenant.headers)
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["audit_status"] == "Accepted" and reviewed.json()["audit_timestamp"]
    again = client.post(f"{IDV}/1/review", json={"accepted": False, "comment": "no"}, headers=tenant.headers)
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    assert client.get(f"{IDV}/1", headers=tenant.headers).json()["audit_status"] == "Accepted"
    listed = client.get(IDV, params={"state": 0, "customer_reference": "cus-42"}, headers=tenant.headers).json()
    assert [t["idv_task_id"] for t in listed["items"]] == [1]
    assert client.get(IDV, params={"state": 2}, headers=tenant.headers).json()["items"] == []

    other = make_tenant("Other")
    assert client.get(f"{IDV}/1", headers=other.headers).status_code == 404


def default_setting(client: Any, tenant: TenantHandle) -> int:
    settings = client.get("/api/v1/compliance/search-settings", headers=tenant.headers).json()["data"]
    (default,) = [s["search_setting_id"] for s in settings if s["is_default"]]
    return default


def idv_callback(client: Any, tenant: TenantHandle, idv_task_id: int) -> dict[str, Any]:
    """The payload of the task's one idv_task delivery (the outbox item the callback sends)."""
    deliveries = client.get("/api/v1/webhooks/deliveries", headers=tenant.headers).json()["data"]
    (delivery,) = [d for d in deliveries if d["event"] == "idv_task" and d["reference"] == str(idv_task_id)]
    path = f"/api/v1/webhooks/deliveries/{delivery['delivery_id']}"
    return client.get(path, headers=tenant.headers).json()["payload"]


def test_an_accepted_task_creates_its_dd_task_from_what_was_read(
    client: Any, tenant: TenantHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same photos as above: the reading and the face match come from this container's recent ones.
    from botocore.exceptions import ClientError

    from kycgate.compliance.dd import store as dd_store
    from kycgate.compliance.lists import loader

    default = default_setting(client, tenant)
    dd = {"auto_create_dd_task": True, "dd_task_callback_url": PUBLIC_HOOK}
    loader.reset()  # this stack's lists bucket is empty: no index to screen against
    no_list = client.post(IDV, json=passport_body(**dd, dd_task_search_setting_id=default), headers=tenant.headers)
    assert no_list.status_code == 503 and no_list.headers["content-type"] == "application/problem+json", no_list.text
    seed_sample_lists()
    unknown = client.post(IDV, json=passport_body(**dd, dd_task_search_setting_id=99), headers=tenant.headers)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == ["body", "dd_task_search_setting_id"]
    # Both refused before anything was read, stored or charged.
    assert balance(client, tenant) == 1000 and client.get(IDV, headers=tenant.headers).json()["items"] == []

    task = create(client, tenant, **dd, dd_task_search_setting_id=default)
    assert task["state"] == 0 and task["dd_tasks"] == [task["created_search_task_id"]] and not task["dd_task_error"]
    details = client.get(f"/api/v1/compliance/task/{task['created_search_task_id']}/details", headers=tenant.headers)
    assert details.status_code == 200, details.text
    found = details.json()
    assert (found["from_idv_id"], found["customer_reference"]) == (task["idv_task_id"], "cus-42")
    assert found["target"]["name"] == "ANA BEATRIZ SILVA" and found["target"]["birthday"] == PASSPORT.truth["birthday"]
    deliveries = client.get("/api/v1/webhooks/deliveries", headers=tenant.headers).json()["data"]
    assert sorted(d["event"] for d in deliveries) == ["dd_task", "idv_task"]
    # The callback is written with the DD task's id, not before it.
    assert idv_callback(client, tenant, task["idv_task_id"]) == {"event": "idv_task", **task}

    # The DD task's write fails after the IDV task committed: the IDV request still succeeds, paid once,
    # and its detail and callback say why it has no DD task.
    def refused(*_: Any, **__: Any) -> None:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "TransactWriteItems")

    monkeypatch.setattr(dd_store, "create_task", refused)
    failed = create(client, tenant, **dd, dd_task_search_setting_id=default)
    assert (failed["state"], failed["created_search_task_id"], failed["dd_tasks"]) == (0, None, [])
    reason = failed["dd_task_error"]
    assert "ClientError" in reason and f"from_idv_id {failed['idv_task_id']}" in reason
    assert idv_callback(client, tenant, failed["idv_task_id"]) == {"event": "idv_task", **failed}
    assert balance(client, tenant) == 800 and len(client.get(IDV, headers=tenant.headers).json()["items"]) == 2


def test_one_wrong_expected_name_is_review_with_that_reason(client: Any, tenant: TenantHandle) -> None:
    task = create(client, tenant, expected_name="Ana Beatriz Santos")
    assert task["state"] == 1
    assert (task["review_reasons"], task["reject_reasons"]) == (["expected_name_mismatch"], [])


def test_another_persons_selfie_is_reject(client: Any, tenant: TenantHandle) -> None:
    task = create(client, tenant, face_image=b64(OTHER_PERSON), callback_url=None)
    assert task["state"] == 2 and task["reject_reasons"] == ["face_mismatch"] and task["face_similarity"] < 0.4


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id_type": "ID_CARD"}, "id_back_image"),
        ({"face_image": None}, "face_image"),
        ({"country": "XYZ"}, "country"),
        ({"expected_birthday": "1954-02-30"}, "expected_birthday"),
        ({"auto_create_dd_task": True}, "dd_task_search_setting_id"),
        ({"id_image": b64(b"GIF89a" + bytes(64))}, "id_image"),
        ({"callback_url": "https://169.254.169.254/latest"}, "callback_url"),
    ],
    ids=["card-without-back", "no-face", "country", "date", "dd-without-setting", "not-an-image", "private-callback"],
)
def test_bad_requests_are_422_naming_the_field_and_take_nothing(
    client: Any, tenant: TenantHandle, changes: dict[str, Any], field: str
) -> None:
    response = client.post(IDV, json=passport_body(**changes), headers=tenant.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.text
    assert client.get(IDV, headers=tenant.headers).json()["items"] == [] and balance(client, tenant) == 1000


def test_the_base64_limit_is_the_image_checks_own() -> None:
    from kycgate.compliance.idv import schemas
    from kycgate.core import images

    assert schemas.MAX_BASE64_CHARS == images.MAX_BASE64_CHARS


def test_points_at_the_floor_refuse_every_initiation_with_402(client: Any, stack: Any) -> None:
    poor = make_tenant("Poor")
    points.grant(poor.tenant_id, 500)
    for path, body in (
        (IDV, passport_body()),
        (f"{IDV}/account", {"workflow_id": 3, "country": "TWN"}),
        (f"{IDV}/init", {"id_type": "PASSPORT", "workflow_id": 200, "country": "UTO", "customer_reference": "c"}),
    ):
        response = client.post(path, json=body, headers=poor.headers)
        assert response.status_code == 402, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert "500 points" in response.json()["detail"]
    assert balance(client, poor) == 500 and client.get(IDV, headers=poor.headers).json()["items"] == []


def test_mobile_initiation_uploads_once_with_its_token(client: Any, tenant: TenantHandle) -> None:
    seed_sample_lists()
    body = {"workflow_id": 3, "country": "UTO", "customer_reference": "app-1", "expected_name": "Ana Silva Beatriz"}
    dd = {"auto_create_dd_task": True, "dd_task_search_setting_id": default_setting(client, tenant)}
    unknown_setting = {**body, **dd, "dd_task_search_setting_id": 99}
    unknown = client.post(f"{IDV}/account", json=unknown_setting, headers=tenant.headers)
    assert unknown.status_code == 422 and "dd_task_search_setting_id" in unknown.text
    started = client.post(f"{IDV}/account", json={**body, **dd, "callback_url": PUBLIC_HOOK}, headers=tenant.headers)
    assert started.status_code == 201, started.text
    token, idv_task_id = started.json()["sdk_token"], started.json()["idv_task_id"]
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    waiting = client.get(f"{IDV}/{idv_task_id}", headers=tenant.headers).json()
    assert waiting["state"] is None and waiting["progress"] == "initiated" and waiting["id_type"] == "ID_CARD"
    assert balance(client, tenant) == 1000  # nothing taken before the photos

    photos = {"token": token, "id_image": b64(PASSPORT.front), "id_back_image": b64(PASSPORT.front)}
    no_face = client.post(f"{IDV}/sdk/upload", json=photos)
    assert no_face.status_code == 422 and "face" in no_face.text
    uploaded = client.post(f"{IDV}/sdk/upload", json={**photos, "face_image": b64(SAME_PERSON)})
    assert uploaded.status_code == 200, uploaded.text
    result = uploaded.json()
    assert result["idv_task_id"] == idv_task_id and result["progress"] == "completed" and result["state"] == 0
    assert balance(client, tenant) == 900
    # The customer's token has no API key: the DD task is created as the key that initiated the task.
    assert result["dd_tasks"] == [result["created_search_task_id"]] and result["created_search_task_id"]
    assert idv_callback(client, tenant, idv_task_id)["created_search_task_id"] == result["created_search_task_id"]
    path = f"/api/v1/compliance/task/{result['created_search_task_id']}/details"
    found = client.get(path, headers=tenant.headers).json()
    assert (found["from_idv_id"], found["employee_account"]) == (idv_task_id, tenant.key_id)
    again = client.post(f"{IDV}/sdk/upload", json={**photos, "face_image": b64(SAME_PERSON)})
    assert again.status_code == 409 and balance(client, tenant) == 900
    unknown = client.post(f"{IDV}/sdk/upload", json={**photos, "token": "x" * 43})
    assert unknown.status_code == 404


def test_web_initiation_validates_and_returns_the_hosted_page(client: Any, tenant: TenantHandle) -> None:
    body = {
        "id_type": "ID_CARD",
        "workflow_id": 200,
        "country": "TWN",
        "customer_reference": "000000123",
        "locale": "zh-HK",
        "success_url": "https://93.184.215.14/done",
        "tw_id_apply_code": 2,
        "tw_id_apply_date": "1070102",
        "tw_id_issue_site_id": "10011",
    }
    started = client.post(f"{IDV}/init", json=body, headers=tenant.headers)
    assert started.status_code == 201, started.text
    assert "/idv?token=" in started.json()["url"] and started.json()["timestamp"]
    task = client.get(f"{IDV}/{started.json()['idv_task_id']}", headers=tenant.headers).json()
    assert task["progress"] == "initiated" and task["country"] == "TWN"
    for changes, field in (
        ({"workflow_id": 300}, "workflow_id"),
        ({"locale": "xx"}, "locale"),
        ({"success_url": "http://93.184.215.14/done"}, "success_url"),
        ({"error_url": "https://93.184.215.14/" + "e" * 240}, "error_url"),
        ({"tw_id_apply_code": 4}, "tw_id_apply_code"),
        ({"tw_id_apply_date": "1071302"}, "tw_id_apply_date"),
        ({"tw_id_issue_site_id": "12345"}, "tw_id_issue_site_id"),
        ({"customer_reference": "c" * 101}, "customer_reference"),
    ):
        refused = client.post(f"{IDV}/init", json={**body, **changes}, headers=tenant.headers)
        assert refused.status_code == 422 and field in refused.text, (field, refused.text)


def test_concurrent_uploads_take_points_once_each_and_never_below_zero(stack: Any) -> None:
    """Eight waiting tasks completed by sixteen threads (each task twice, as a retried upload): the
    balance covers six, each task pays once, and the balance ends at zero, never below."""
    handle = make_tenant("Busy")
    caller = Caller(handle.tenant_id, handle.tenant_id, handle.key_id, 1, "live", "", "", ())
    points.grant(handle.tenant_id, 600)
    tasks = [
        service.initiate_account(caller, AccountIdvRequest(workflow_id=3, country="TWN")).idv_task_id for _ in range(8)
    ]
    outcomes: list[str] = []
    start = threading.Barrier(16)

    def complete(idv_task_id: int) -> None:
        start.wait()
        try:
            store.complete_task(handle.tenant_id, idv_task_id, {"progress": "completed", "state": 0}, 100, [])
            outcomes.append("paid")
        except store.TaskNotWaiting:
            outcomes.append("already")
        except store.PointsExhausted:
            outcomes.append("refused")

    with atomic_moto():
        threads = [threading.Thread(target=complete, args=(t,)) for t in tasks + tasks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert outcomes.count("paid") == 6 and store.balance(handle.tenant_id) == 0
    completed = [t for t in tasks if store.get_task(handle.tenant_id, t)["progress"] == "completed"]
    assert len(completed) == 6


def test_the_hosted_page_serves_its_own_web_task_in_its_locale_and_names_a_lapse(
    client: Any, tenant: TenantHandle
) -> None:
    from kycgate.core import clock
    from kycgate.pages.api import PAGE_HEADERS

    body = {
        "id_type": "DRIVING_LICENSE",
        "workflow_id": 101,
        "country": "TWN",
        "customer_reference": "web-1",
        "locale": "zh-CN",
        "error_url": "https://93.184.215.14/error",
    }
    started = client.post(f"{IDV}/init", json=body, headers=tenant.headers).json()
    url = urlsplit(started["url"])
    token = parse_qs(url.query)["token"][0]
    page = client.get(f"{url.path}?{url.query}")
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text
    assert {name: page.headers[name] for name in PAGE_HEADERS} == PAGE_HEADERS
    # An app's sdk_token is for the upload route alone: it opens no page.
    mobile = client.post(f"{IDV}/account", json={"workflow_id": 3, "country": "UTO"}, headers=tenant.headers).json()
    assert client.get("/idv", params={"token": mobile["sdk_token"]}).status_code == 404
    clock.travel(16 * 60)
    try:
        lapsed = client.get(f"{url.path}?{url.query}")
        # The page still knows the task's error_url, to send the customer back; the token uploads nothing.
        assert lapsed.status_code == 410 and "https://93.184.215.14/error" in lapsed.text
        refused = client.post(f"{IDV}/sdk/upload", json={"token": token, "id_image": b64(PASSPORT.front)})
        assert refused.status_code == 404
    finally:
        clock.reset()
    assert client.get(f"{IDV}/{started['idv_task_id']}", headers=tenant.headers).json()["progress"] == "initiated"
