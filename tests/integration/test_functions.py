"""Every function answers its own events/ sample through Mangum, as Lambda would invoke it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import assert_collector_resumed, load_event, load_function, make_tenant
from tests.integration.dd_support import seed_sample_dd_task
from tests.integration.documents_support import seed_sample_filled_link, seed_sample_submit_link
from tests.integration.gateway_support import (
    seed_sample_application,
    seed_sample_failed_application,
    seed_sample_vouched_review,
)
from tests.integration.idv_support import (
    seed_sample_checked_task,
    seed_sample_initiated_task,
    seed_sample_points,
    seed_sample_web_task,
)
from tests.integration.kya_support import seed_sample_kya_task, seed_sample_lists
from tests.integration.kyc_support import seed_sample_customer, seed_sample_kyc_request
from tests.integration.levels_support import seed_sample_levels
from tests.integration.reuse_support import seed_sample_alert, seed_sample_kyc_customer, seed_sample_reuse_session
from tests.integration.webhooks_support import seed_sample_failed_delivery
from tests.unit.test_layout import _api_functions

# Data a sample refers to (ids in its path or body), created for tenant "ten_sample" first.
SEEDERS: dict[str, Callable[[], None]] = {}
EXPECTED_STATUS: dict[str, int] = {}

SEEDERS.update(
    {
        "get_customer": seed_sample_customer,
        "check_kyc_status": seed_sample_customer,
        "verify_documents": seed_sample_customer,
        "get_kyc_request": seed_sample_kyc_request,
        "get_kyc_proofs": seed_sample_kyc_request,
        "update_kyc_status": seed_sample_kyc_request,
    }
)
EXPECTED_STATUS.update({"create_customer": 201, "verify_documents": 201})
SEEDERS.update(
    {
        "create_reuse_kyc_session": seed_sample_kyc_customer,
        "submit_reuse_kyc_session": seed_sample_reuse_session,
        "get_reuse_kyc_session_status": seed_sample_reuse_session,
        "get_reuse_kyc_session_status_by_token": seed_sample_reuse_session,
        "get_handoff_session": seed_sample_reuse_session,
        "connect_mobile_session": seed_sample_reuse_session,
        "list_kyc_alerts": seed_sample_alert,
        "get_kyc_alert": seed_sample_alert,
        "update_kyc_alert": seed_sample_alert,
    }
)

SEEDERS.update(
    {
        "request_kyc_submit_link": seed_sample_customer,
        "request_additional_documents": seed_sample_kyc_request,
        "get_kyc_submission_status": seed_sample_submit_link,
        "upload_kyc_handoff_slot": seed_sample_submit_link,
        "submit_kyc_handoff": seed_sample_filled_link,
    }
)

SEEDERS.update(
    {"get_webhook_delivery": seed_sample_failed_delivery, "retry_webhook_delivery": seed_sample_failed_delivery}
)
EXPECTED_STATUS.update({"retry_webhook_delivery": 202})

SEEDERS.update({"create_kya_task": seed_sample_lists, "get_kya_task": seed_sample_kya_task})
EXPECTED_STATUS.update({"create_kya_task": 201})
SEEDERS.update({"create_session_upload": seed_sample_submit_link})
EXPECTED_STATUS.update({"create_upload": 201, "create_session_upload": 201})
SEEDERS.update(
    {
        "create_idv_task": seed_sample_points,
        "init_idv_web": seed_sample_points,
        "init_idv_account": seed_sample_points,
        "get_idv_task": seed_sample_initiated_task,
        "upload_idv_photos": seed_sample_initiated_task,
        "review_idv_task": seed_sample_checked_task,
        "idv_page": seed_sample_web_task,
    }
)
EXPECTED_STATUS.update({"create_idv_task": 201, "init_idv_web": 201, "init_idv_account": 201})

SEEDERS.update(
    {
        "create_search_tasks": seed_sample_lists,
        "get_search_task_summary": seed_sample_dd_task,
        "get_search_task_details": seed_sample_dd_task,
        "set_search_task_accepted": seed_sample_dd_task,
        "set_search_task_metadata": seed_sample_dd_task,
        "get_search_task_history": seed_sample_dd_task,
    }
)
EXPECTED_STATUS.update({"create_search_tasks": 201, "create_search_setting": 201})


def _levels(stage: str, tenant_id: str = "ten_sample") -> Callable[[], None]:
    return lambda: seed_sample_levels(stage, tenant_id)


SEEDERS.update(
    {
        "create_levels_client": _levels("configuration"),
        "get_attribute_definitions": _levels("configuration"),
        "list_legal_documents": _levels("configuration"),
        "get_levels_client": _levels("client"),
        "get_kyc_level_info": _levels("client"),
        "create_kyc_application": _levels("client"),
        "upload_document_files": _levels("client"),
        "create_document": _levels("file"),
        "get_kyc_application": _levels("draft"),
        "update_kyc_application": _levels("draft"),
        "get_kyc_application_attribute": _levels("draft"),
        "get_kyc_application_history": _levels("draft"),
        "send_verification_code": _levels("draft"),
        "send_kyc_application_to_review": _levels("filled"),
        "review_kyc_application": _levels("in_review"),
        # The sandbox's routes answer test-mode keys only: their samples carry the test space's caller.
        "sandbox_approve_kyc_application": _levels("in_review", "ten_sample.test"),
        "sandbox_reject_kyc_application": _levels("in_review", "ten_sample.test"),
        "sandbox_clarify_kyc_application": _levels("in_review", "ten_sample.test"),
        "get_liveness_check": _levels("liveness"),
        "submit_liveness_check": _levels("liveness"),
    }
)
EXPECTED_STATUS.update(
    {
        "create_levels_client": 201,
        "create_kyc_application": 201,
        "upload_document_files": 201,
        "create_document": 201,
        "send_verification_code": 201,
    }
)


SEEDERS.update(
    {
        "create_gateway_kyc_application": seed_sample_customer,
        "get_gateway_kyc_application": seed_sample_application,
        "update_gateway_kyc_application": seed_sample_failed_application,
        "receive_provider_webhook": seed_sample_vouched_review,
    }
)
EXPECTED_STATUS.update({"create_gateway_kyc_application": 201})


@pytest.mark.parametrize("op", sorted(_api_functions()))
def test_function_handles_its_sample_event(op: str, aws: Any, lambda_context: Any, lambda_runtime: None) -> None:
    make_tenant("Sample tenant", tenant_id="ten_sample")
    if op in SEEDERS:
        SEEDERS[op]()
    response = load_function(op)(load_event(op), lambda_context)
    assert_collector_resumed()
    assert response["statusCode"] == EXPECTED_STATUS.get(op, 200), response["body"][:500]
    content_type = response["headers"]["content-type"]
    if content_type.startswith("text/html"):  # the hosted pages (only the IDV page reads its task)
        assert "<!doctype html>" in response["body"]
    elif content_type.startswith(("text/css", "text/javascript")):  # their assets
        assert response["body"] and not response["isBase64Encoded"]
    else:
        json.loads(response["body"])


@pytest.mark.parametrize("op", sorted(op for op in _api_functions() if load_event(op).get("body")))
def test_function_answers_a_broken_body_with_readable_problem_json(
    op: str, aws: Any, lambda_context: Any, lambda_runtime: None
) -> None:
    """An error reaches the client as problem+json text, not base64 (API Gateway passes an encoded
    body on as it is when no binary media type matches)."""
    make_tenant("Sample tenant", tenant_id="ten_sample")
    event = {**load_event(op), "body": "{", "isBase64Encoded": False}
    response = load_function(op)(event, lambda_context)
    assert 400 <= response["statusCode"] < 500, response["body"][:500]
    assert response["headers"]["content-type"] == "application/problem+json"
    assert not response["isBase64Encoded"]
    detail = json.loads(response["body"])["detail"]
    # A JSON body is parsed first and named as the fault; a multipart one, or a route that looks its
    # subject up before it reads the body, answers with its own reason.
    assert "not valid JSON" in detail if response["statusCode"] == 422 else detail
