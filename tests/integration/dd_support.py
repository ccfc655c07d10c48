"""Data the DD function samples (events/*search_task*) refer to: imported lists and task 1 of ten_sample."""

from __future__ import annotations

from kycgate.compliance.dd import service
from kycgate.compliance.dd.schemas import CreateSearchTaskRequest
from kycgate.core.tenants import Caller
from tests.integration.kya_support import seed_sample_lists


def seed_sample_dd_task() -> None:
    seed_sample_lists()
    caller = Caller("ten_sample", "ten_sample", "key_sample", 1, "live", "", "", ())
    request = {"search_setting_id": 1, "target": {"name": "Aiman al Zawahiri"}, "customer_reference": "000000123"}
    service.create_tasks(caller, [CreateSearchTaskRequest.model_validate(request)])
