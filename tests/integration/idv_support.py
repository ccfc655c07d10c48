"""Data the IDV function samples (events/*idv*, get_points) refer to, for tenant "ten_sample"."""

from __future__ import annotations

from kycgate.compliance.idv import points, service, store
from kycgate.compliance.idv.schemas import AccountIdvRequest
from kycgate.core import ids
from kycgate.core.dynamo import ddb
from kycgate.core.tenants import Caller

SAMPLE_TENANT = "ten_sample"
# events/upload_idv_photos.json sends this token; the seeder binds it to task 1.
SAMPLE_SDK_TOKEN = "sample-sdk-token-0000000000000000000000000000"
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
