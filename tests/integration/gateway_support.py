"""Data the provider gateway's function samples (events/*gateway*, receive_provider_webhook, provider_dispatch)
refer to, for tenant "ten_sample"."""

from __future__ import annotations

from kycgate.core import clock
from kycgate.gateway import credentials, store
from tests.integration.kyc_support import seed_sample_customer

SAMPLE_TENANT = "ten_sample"
# The application id of events/get_, update_gateway_kyc_application and provider_dispatch.
SAMPLE_APPLICATION_ID = "0b9c6f3e-2d4a-4e8b-9c1f-5a7d3e2b1c0a"
# events/receive_provider_webhook.json is a completed Vouched job SAMPLE_JOB_ID, its X-Signature the
# base64 HMAC-SHA1 of its body keyed with SAMPLE_VOUCHED_KEY (as Vouched signs).
SAMPLE_VOUCHED_KEY = "sample-vouched-private-key"
SAMPLE_JOB_ID = "sampleJb"


def seed_sample_application(status: str = "pending", provider: str = "kycgate") -> None:
    """Application SAMPLE_APPLICATION_ID of customer "cus_sample", moved on to ``status``."""
    seed_sample_customer()
    now = clock.now_iso()
    application = {
        "id": SAMPLE_APPLICATION_ID,
        "created_at": now,
        "updated_at": now,
        "application_id": SAMPLE_TENANT,
        "user_id": "cus_sample",
        "provider": provider,
        "identifier": None,
        "type": "kyc",
        "status": "pending",
        "name": "Barack Obama",
        "description": None,
        "params": {"first_name": "Barack", "last_name": "Obama"},
        "callback_url": None,
        "history": [{"status": "pending", "previous_status": None, "changed_at": now, "source": "api"}],
    }
    store.put_params(SAMPLE_TENANT, SAMPLE_APPLICATION_ID, application["params"])
    store.create_application(SAMPLE_TENANT, application, [])
    path = {"failed": ["failed"], "review": ["submitted", "review"]}[status] if status != "pending" else []
    previous = "pending"
    for to_status in path:
        change = {"status": to_status, "previous_status": previous, "changed_at": clock.now_iso(), "source": "dispatch"}
        identifier = ("vouched", SAMPLE_JOB_ID) if to_status == "submitted" else None
        sets = {"identifier": SAMPLE_JOB_ID} if identifier else {}
        moved = store.transition(
            SAMPLE_TENANT,
            SAMPLE_APPLICATION_ID,
            from_status=previous,
            to_status=to_status,
            change=change,
            sets=sets,
            deliveries=[],
            identifier=identifier,
        )
        assert moved
        previous = to_status


def seed_sample_failed_application() -> None:
    seed_sample_application("failed")


def seed_sample_vouched_review() -> None:
    """A Vouched application in review as job SAMPLE_JOB_ID, and the tenant's Vouched credentials."""
    seed_sample_application("review", provider="vouched")
    credentials.store(SAMPLE_TENANT, "vouched", {"api_key": SAMPLE_VOUCHED_KEY})
