"""Harness rows of the IDV context (seed 001 "ID Verification"): tasks, their upload tokens, points."""

from __future__ import annotations

import base64
import functools
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests import specimens
from tests.conftest import TenantHandle
from tests.reliability.harness import (
    BODY_RECIPES,
    CALLBACK_URL,
    OBJECTS,
    OPERATION_OBJECTS,
    SELFIE_PHOTO,
    World,
    photo,
)

IDV = "/api/v1/compliance/idv"


@functools.cache
def _document(kind: str, seed: int) -> tuple[str, str | None]:
    """A generated specimen's sides, base64: the reader gets a real document. A face photo read as one
    makes it try every text-like block of the photo, about 30 s of OCR per process, in every module."""
    made = specimens.make(kind, "jpeg", seed)
    encode = base64.b64encode
    return encode(made.front).decode(), encode(made.back).decode() if made.back else None


def _passport() -> str:
    return _document("td3_passport", 7)[0]  # portrait obama_2.jpg, SELFIE_PHOTO: the same face


def _taiwan_card() -> tuple[str, str | None]:
    return _document("twn_card", 0)


def _points(world: World, tenant: TenantHandle) -> None:
    """Enough points for every create of a run, granted once per tenant (operators grant, not the API)."""
    from kycgate.compliance.idv import points

    world.memo("_idv_points", tenant, lambda: points.grant(tenant.tenant_id, 10**7))


def _initiated(world: World, tenant: TenantHandle) -> dict[str, Any]:
    """A new mobile-initiated task: its idv_task_id and sdk_token."""
    _points(world, tenant)
    return world.ok("POST", f"{IDV}/account", tenant, json={"workflow_id": 3, "country": "TWN"})


def _checked(world: World, tenant: TenantHandle) -> str:
    """A task with its photos checked (a Taiwan ID card's two sides, SELFIE_PHOTO the face),
    awaiting the tenant's review."""
    started = _initiated(world, tenant)
    world.ok("POST", f"{IDV}/sdk/upload", None, json=_upload_body(started["sdk_token"]))
    return str(started["idv_task_id"])


def _upload_body(token: str) -> dict[str, Any]:
    front, back = _taiwan_card()
    return {"token": token, "id_image": front, "id_back_image": back, "face_image": photo(SELFIE_PHOTO)}


def _create_body(world: World, tenant: TenantHandle) -> dict[str, Any]:
    _points(world, tenant)
    return {
        "country": "USA",
        "id_type": "PASSPORT",
        "id_image": _passport(),
        "face_image": photo(SELFIE_PHOTO),
        "expected_name": "Ana Beatriz Silva",
        "callback_url": CALLBACK_URL,
        "customer_reference": "harness-1",
    }


def _page_token(world: World, tenant: TenantHandle) -> str:
    """The token of a new web-initiated task's hosted page (workflow 200, an ID card, zh-TW)."""
    _points(world, tenant)
    body = {"id_type": "ID_CARD", "workflow_id": 200, "country": "TWN", "customer_reference": "harness-page"}
    started = world.ok("POST", f"{IDV}/init", tenant, json={**body, "locale": "zh-TW", "error_url": CALLBACK_URL})
    return parse_qs(urlsplit(started["url"]).query)["token"][0]


OBJECTS.update({"idv_id": lambda world, tenant: str(_initiated(world, tenant)["idv_task_id"])})
OPERATION_OBJECTS.update({("review_idv_task", "idv_id"): _checked, ("idv_page", "token"): _page_token})
BODY_RECIPES.update(
    {
        "CreateIdvTaskRequest": _create_body,
        "InitIdvRequest": lambda world, tenant: (
            _points(world, tenant)
            or {
                "id_type": "ID_CARD",
                "workflow_id": 200,
                "country": "TWN",
                "customer_reference": "harness-1",
                "locale": "zh-TW",
                "success_url": CALLBACK_URL,
                "tw_id_apply_code": 1,
                "tw_id_apply_date": "1070102",
                "tw_id_issue_site_id": "63000",
            }
        ),
        "AccountIdvRequest": lambda world, tenant: (
            _points(world, tenant) or {"workflow_id": 3, "country": "TWN", "callback_url": CALLBACK_URL}
        ),
        "SdkUploadRequest": lambda world, tenant: _upload_body(_initiated(world, tenant)["sdk_token"]),
        "ReviewIdvTaskRequest": lambda world, tenant: {"accepted": False, "comment": "Not the customer's document"},
    }
)
