"""The submit-link flow through the functions' Lambda entry points (functions/<op>/app.py, Mangum), as
API Gateway invokes them: the tenant's functions with the authorizer's context, the phone's without."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.conftest import load_event, load_function, make_tenant
from tests.integration.documents_support import SIX_SLOTS, b64, passport_page, utility_bill
from tests.integration.kyc_support import seed_sample_customer

TENANT = "ten_sample"


def _invoke(op: str, context: Any, body: dict[str, Any] | None = None, **path: str) -> tuple[int, Any]:
    event = copy.deepcopy(load_event(op))
    if body is not None:
        event["body"] = json.dumps(body)
    if path:
        resource = event["resource"]
        for name, value in path.items():
            resource = resource.replace("{" + name + "}", value)
        event["path"] = resource
        event["requestContext"]["path"] = "/live" + resource
        event["pathParameters"] = path
    response = load_function(op)(event, context)
    return response["statusCode"], json.loads(response["body"])


def test_link_six_slots_submit_and_additional_documents_through_lambda(aws: Any, lambda_context: Any) -> None:
    from kycgate.preferences import service as preferences
    from kycgate.preferences.schemas import UpdateKycPreferencesRequest

    make_tenant("Sample tenant", tenant_id=TENANT)
    seed_sample_customer()
    changes = {"is_address_verification_required": True, "required_document_count": 2}
    preferences.update_preferences(TENANT, UpdateKycPreferencesRequest.model_validate(changes))

    link_body = {"customer_id": "cus_sample", "document_type": "national_id", "document_two_type": "driving_license"}
    status, link = _invoke("request_kyc_submit_link", lambda_context, link_body)
    assert status == 200, link
    token = link["token"]
    assert _invoke("connect_mobile_session", lambda_context, {"token": token}) == (200, {"mobile_connected": True})
    for slot, image in SIX_SLOTS.items():
        status, shown = _invoke(
            "upload_kyc_handoff_slot", lambda_context, {"token": token, "slot": slot, "image": b64(image)}
        )
        assert status == 200, shown
    status, session = _invoke("get_handoff_session", lambda_context, token=token)
    assert status == 200 and [k for k, v in session.items() if v == "filled"] == list(SIX_SLOTS)
    status, result = _invoke("submit_kyc_handoff", lambda_context, {"token": token})
    assert (status, result["status"]) == (200, "approved"), result
    status, request = _invoke("get_kyc_request", lambda_context, kyc_id=link["kyc_id"])
    assert (status, request["status"], len(request["proofs"])) == (200, "approved", 6)

    ask = {"document_types": ["passport", "proof_of_address"], "message": "A passport and a recent bill, please."}
    status, reopened = _invoke("request_additional_documents", lambda_context, ask, kyc_id=link["kyc_id"])
    assert (status, reopened["kyc_id"], reopened["required_slots"]) == (200, link["kyc_id"], ["document", "address"])
    second = reopened["token"]
    status, page = _invoke("get_kyc_submission_status", lambda_context, token=second)
    assert (status, page["message"], page["purpose"]) == (200, ask["message"], "additional_documents")
    for slot, image in {"document": passport_page(), "address": utility_bill()}.items():
        assert (
            _invoke("upload_kyc_handoff_slot", lambda_context, {"token": second, "slot": slot, "image": b64(image)})[0]
            == 200
        )
    assert _invoke("submit_kyc_handoff", lambda_context, {"token": second})[1]["status"] == "in_review"
    status, proofs = _invoke("get_kyc_proofs", lambda_context, kyc_id=link["kyc_id"])
    assert status == 200 and len(proofs) == 8 and sum(p["document_id"] is not None for p in proofs) == 2
