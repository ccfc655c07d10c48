"""Data the IDV function samples (events/*idv*, get_points) refer to, for tenant "ten_sample"."""

from __future__ import annotations

from kycgate.compliance.idv import points, service, store
from kycgate.compliance.idv.schemas import AccountIdvRequest, InitIdvRequest
from kycgate.core import ids
from kycgate.core.dynamo import ddb
from kycgate.core.tenants import Caller

SAMPLE_TENANT = "ten_sample"
# events/upload_idv_photos.json sends this token; the seeder binds it to task 1.
SAMPLE_SDK_TOKEN = "sample-sdk-token-0000000000000000000000000000"
# events/idv_page.json opens the hosted page with this token; the seeder binds it to a web task 1.
SAMPLE_WEB_TOKEN = "sample-idv-page-token-" + "0" * 21  # 43 characters, as a real token
_CALLER = Caller(SAMPLE_TENANT, SAMPLE_TENANT, "key_sample", 1, "live", "", "", ())


def seed_sample_points() -> None:
    points.grant(SAMPLE_TENANT, 1000)


def seed_sample_initiated_task() -> None:
    """Task 1, waiting for its photos, with SAMPLE_SDK_TOKEN as its upload token."""
    seed_sample_points()
    started = service.initiate_account(_CALLER, AccountIdvRequest(workflow_id=3, country="UTO"))
    expires_at = float(store.get_task(SAMPLE_TENANT, started.idv_task_id)["token_expires_at"])
    put = store.token_put(ids.digest(SAMPLE_SDK_TOKEN), SAMPLE_TENANT, started.idv_task_id, "mobile", expires_at)
    ddb().transact_write_items(TransactItems=[put])


def seed_sample_checked_task() -> None:
    """Task 1 with its photos checked (in review), awaiting the tenant's decision."""
    seed_sample_initiated_task()
    store.complete_task(SAMPLE_TENANT, 1, {"progress": "completed", "state": 1}, 100, [])


def seed_sample_web_task() -> None:
    """Task 1, initiated for the web (workflow 200, an ID card, zh-TW), with SAMPLE_WEB_TOKEN as its page's token."""
    seed_sample_points()
    request = InitIdvRequest(
        id_type="ID_CARD", workflow_id=200, country="TWN", customer_reference="sample-1", locale="zh-TW"
    )
    started = service.initiate_web(_CALLER, request, "https://kyc.example")
    expires_at = float(store.get_task(SAMPLE_TENANT, started.idv_task_id)["token_expires_at"])
    put = store.token_put(ids.digest(SAMPLE_WEB_TOKEN), SAMPLE_TENANT, started.idv_task_id, "web", expires_at)
    ddb().transact_write_items(TransactItems=[put])
