"""Data the KYA function samples (events/*kya*) refer to: imported lists and task 1 of ten_sample."""

from __future__ import annotations

from kycgate.compliance import lists
from kycgate.compliance.kya import service
from kycgate.compliance.kya.schemas import CreateKyaTaskRequest
from kycgate.compliance.lists import importer
from kycgate.core.tenants import Caller
from tests.unit.compliance.lists_support import ALL


def seed_sample_lists() -> None:
    lists.reset()  # an index another test's stack published must not answer here
    importer.import_lists([str(p) for p in ALL])


def seed_sample_kya_task() -> None:
    seed_sample_lists()
    caller = Caller("ten_sample", "ten_sample", "key_sample", 1, "live", "", "", ())
    service.create_task(caller, CreateKyaTaskRequest(address="bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"))
