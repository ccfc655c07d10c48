"""Harness rows of the provider gateway (seed 003): KYC applications and the providers' signed webhooks.

The world runs no provider: an application for the ``kycgate`` provider needs none until it is
dispatched, and the webhook's application is moved to ``review`` at the store, as a dispatch to
Vouched would have left it (the dispatch itself is tested against the fakes in
tests/integration/gateway). A webhook is signed as Vouched signs, with the tenant's own key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from tests.conftest import TenantHandle
from tests.reliability.harness import (
    BODY_RECIPES,
    CALLBACK_URL,
    DOCUMENT_PHOTO,
    FIELDS,
    OBJECTS,
    OPERATION_OBJECTS,
    SELFIE_PHOTO,
    SIGNED_OPERATIONS,
    Request,
    World,
    _customer,
    photo,
)

GATEWAY = "/api/v1/kyc_applications"


def _create_body(world: World, tenant: TenantHandle, provider: str = "kycgate") -> dict[str, Any]:
    return {
        "provider": provider,
        "user_id": _customer(world, tenant),
        "type": "kyc",
        "params": {
            "first_name": "Barack",
            "last_name": "Obama",
            "date_of_birth": "1961-08-04",
            "id_photo": photo(DOCUMENT_PHOTO),
            "selfie": photo(SELFIE_PHOTO),
        },
        "callback_url": CALLBACK_URL,
    }


def _application(world: World, tenant: TenantHandle, provider: str = "kycgate") -> dict[str, Any]:
    """A new pending application (nothing drains DispatchQueue here)."""
    return world.ok("POST", GATEWAY, tenant, json=_create_body(world, tenant, provider))


def _dispatched(application: dict[str, Any], to_status: str, identifier: str | None = None) -> None:
    """Move a pending application on as its dispatch would (``failed``, or ``submitted`` as job ``identifier``)."""
    from kycgate.core import clock
    from kycgate.gateway import store

    change = {"status": to_status, "previous_status": "pending", "changed_at": clock.now_iso(), "source": "dispatch"}
    moved = store.transition(
        application["application_id"],
        application["id"],
        from_status="pending",
        to_status=to_status,
        change=change,
        sets={"identifier": identifier} if identifier else {"description": "vouched: service unavailable"},
        deliveries=[],
        identifier=("vouched", identifier) if identifier else None,
    )
    assert moved


def _failed(world: World, tenant: TenantHandle) -> str:
    """A failed application: a PUT may resubmit it (status pending)."""
    application = _application(world, tenant)
    _dispatched(application, "failed")
    return str(application["id"])


def _vouched_key(world: World, tenant: TenantHandle) -> str:
    """The tenant's Vouched private key, stored in Secrets Manager once per world."""
    from kycgate.gateway import credentials

    def store() -> str:
        key = f"harness-vouched-{secrets.token_hex(8)}"
        credentials.store(tenant.tenant_id, "vouched", {"api_key": key})
        return key

    return str(world.memo("_gateway_vouched_key", tenant, store))


def _signed_webhook(world: World, tenant: TenantHandle, signer: TenantHandle) -> Request:
    """Vouched's completed-job webhook about a new application of ``tenant`` (submitted as a job of its
    own), signed with ``signer``'s Vouched key."""
    application = _application(world, tenant, "vouched")
    job_id = secrets.token_urlsafe(6)
    _vouched_key(world, tenant)
    _dispatched(application, "submitted", job_id)
    job = {"id": job_id, "status": "completed", "errors": [], "result": {"success": True, "country": "US"}}
    body = json.dumps(job).encode()
    key = _vouched_key(world, signer).encode()
    signature = base64.b64encode(hmac.new(key, body, hashlib.sha1).digest()).decode()
    headers = {"Content-Type": "application/json", "X-Signature": signature, "X-WebHook-Event": "job-idv-complete"}
    return Request("POST", "/api/v1/gateway/webhooks/vouched", None, content=body, headers=headers)


OBJECTS.update(
    {
        "kyc_application_id": lambda world, tenant: str(_application(world, tenant)["id"]),
        # The webhook route's provider (its valid request comes from SIGNED_OPERATIONS, signed as Vouched signs).
        "provider": lambda world, tenant: "vouched",
    }
)
OPERATION_OBJECTS.update({("update_gateway_kyc_application", "kyc_application_id"): _failed})
FIELDS.update({"user_id": _customer})
BODY_RECIPES.update(
    {
        "CreateProviderKycApplicationRequest": _create_body,
        "UpdateProviderKycApplicationRequest": lambda world, tenant: {"status": "pending"},
    }
)
SIGNED_OPERATIONS.update({"receive_provider_webhook": _signed_webhook})
