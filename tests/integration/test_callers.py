"""API keys name who acts (creator/employee fields), test-mode keys act on data of their own, and a
revoked key is refused on its next request behind API Gateway (the authorizer cache is flushed)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber

from kycgate.cli import main
from kycgate.core import aws as kycgate_aws
from kycgate.core import revocation
from kycgate.core.tenants import Caller, caller_for_key, create_key, create_tenant
from kycgate.infra import load_template
from tests.conftest import load_event, load_function

CUSTOMER = {"customer_id": "cus_1", "name": {"first_name": "Ada", "last_name": "Lovelace"}}


def test_a_key_carries_who_it_was_issued_to_and_numbers_per_tenant(aws: Any) -> None:
    tenant = create_tenant("Exchange")
    first = create_key(tenant.tenant_id, name="Eric Hung", email="eric@example.com", scopes=["reviewer"])
    second = create_key(tenant.tenant_id)
    other = create_key(create_tenant("Other").tenant_id)
    assert (first.key_number, second.key_number, other.key_number) == (1, 2, 1)
    caller = caller_for_key(first.api_key)
    assert caller == Caller(
        tenant_id=tenant.tenant_id,
        account_id=tenant.tenant_id,
        key_id=first.key_id,
        key_number=1,
        mode="live",
        name="Eric Hung",
        email="eric@example.com",
        scopes=("reviewer",),
    )
    assert caller.account == "eric@example.com"
    assert caller_for_key(second.api_key).account == second.key_id  # no e-mail: the key id


def test_the_authorizer_context_round_trips_the_caller(aws: Any, lambda_context: Any) -> None:
    tenant = create_tenant("Exchange")
    issued = create_key(tenant.tenant_id, mode="test", name="Ops", email="ops@example.com")
    event = load_event("authorizer")
    event["headers"]["Authorization"] = f"Bearer {issued.api_key}"
    policy = load_function("authorizer")(event, lambda_context)
    assert policy["principalId"] == tenant.tenant_id
    assert Caller.from_authorizer_context(policy["context"]) == caller_for_key(issued.api_key)


def test_test_mode_keys_see_their_own_data_and_live_keys_never_do(client: Any, tenant_a: Any) -> None:
    test_key = create_key(tenant_a.tenant_id, mode="test")
    assert test_key.api_key.startswith("kg_test_")
    test_headers = {"Authorization": f"Bearer {test_key.api_key}"}
    assert client.post("/api/v1/kyc/customers", json=CUSTOMER, headers=test_headers).status_code == 201
    assert client.get("/api/v1/kyc/customers/cus_1", headers=test_headers).status_code == 200
    assert client.get("/api/v1/kyc/customers/cus_1", headers=tenant_a.headers).status_code == 404
    assert client.get("/api/v1/kyc/customers", headers=tenant_a.headers).json()["items"] == []
    # the same customer id is free in live mode, and each mode lists only its own
    assert client.post("/api/v1/kyc/customers", json=CUSTOMER, headers=tenant_a.headers).status_code == 201
    live = client.get("/api/v1/kyc/customers", headers=tenant_a.headers).json()
    test = client.get("/api/v1/kyc/customers", headers=test_headers).json()
    assert live["pagination"]["total"] == test["pagination"]["total"] == 1


def test_a_key_with_a_swapped_prefix_is_refused(client: Any, aws: Any) -> None:
    tenant = create_tenant("Exchange")
    issued = create_key(tenant.tenant_id, mode="test")
    forged = "kg_live_" + issued.api_key.removeprefix("kg_test_")
    response = client.get("/api/v1/kyc/preferences", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_unknown_scope_and_mode_are_refused(aws: Any) -> None:
    tenant = create_tenant("Exchange")
    with pytest.raises(ValueError, match="scope"):
        create_key(tenant.tenant_id, scopes=["admin"])
    with pytest.raises(ValueError, match="mode"):
        create_key(tenant.tenant_id, mode="sandbox")


def test_the_gateway_caches_an_authorizer_verdict_for_at_most_60_seconds() -> None:
    api = load_template()["Resources"]["KycgateApi"]["Properties"]
    authorizer = api["Auth"]["Authorizers"]["TenantKeyAuthorizer"]
    assert authorizer["Identity"]["Headers"] == ["Authorization"]
    assert 0 < authorizer["Identity"]["ReauthorizeEvery"] <= 60


def _stub(service: str) -> Stubber:
    # API Gateway's authorizer cache cannot run here (moto has no FlushStageAuthorizersCache): the
    # boundary is botocore's, so the calls are checked there.
    stubber = Stubber(kycgate_aws.client(service))
    stubber.activate()
    return stubber


def test_revoking_flushes_the_stage_authorizer_cache_of_the_stack(
    aws: Any, tenant_a: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    cloudformation, apigateway = _stub("cloudformation"), _stub("apigateway")
    cloudformation.add_response(
        "describe_stack_resource",
        {
            "StackResourceDetail": {
                "LogicalResourceId": "KycgateApi",
                "PhysicalResourceId": "a1b2c3d4e5",
                "ResourceType": "AWS::ApiGateway::RestApi",
                "LastUpdatedTimestamp": "2026-12-02T00:00:00Z",
                "ResourceStatus": "CREATE_COMPLETE",
            }
        },
        {"StackName": "kycgate", "LogicalResourceId": "KycgateApi"},
    )
    apigateway.add_response("flush_stage_authorizers_cache", {}, {"restApiId": "a1b2c3d4e5", "stageName": "live"})
    assert main(["keys", "revoke", tenant_a.tenant_id, tenant_a.key_id]) == 0
    cloudformation.assert_no_pending_responses()
    apigateway.assert_no_pending_responses()
    printed = json.loads(capsys.readouterr().out)
    assert printed["authorizer_cache_flushed"] == {"rest_api_id": "a1b2c3d4e5", "stage": "live"}
    # and the authorizer, which the flushed gateway calls again, now denies the key
    event = load_event("authorizer")
    event["headers"]["Authorization"] = f"Bearer {tenant_a.api_key}"
    with pytest.raises(Exception, match="Unauthorized"):
        load_function("authorizer")(event, None)


def test_a_failed_flush_is_reported_and_the_key_is_revoked_anyway(
    aws: Any, tenant_a: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    apigateway = _stub("apigateway")
    apigateway.add_client_error("flush_stage_authorizers_cache", "AccessDeniedException", "not allowed")
    assert main(["keys", "revoke", tenant_a.tenant_id, tenant_a.key_id, "--api-id", "a1b2c3d4e5"]) == 3
    captured = capsys.readouterr()
    assert json.loads(captured.out)["status"] == "revoked"
    assert "at most 60 s" in captured.err
    assert caller_for_key(tenant_a.api_key) is None


def test_revoke_without_a_gateway(aws: Any, tenant_a: Any) -> None:
    assert main(["keys", "revoke", tenant_a.tenant_id, tenant_a.key_id, "--local"]) == 0
    assert caller_for_key(tenant_a.api_key) is None
    assert revocation.DEFAULT_STAGE == "live"


def test_deciding_reviews_needs_the_reviewer_scope_in_live_mode() -> None:
    from kycgate.core.auth import reviewer
    from kycgate.core.errors import Forbidden

    live = Caller("ten_1", "ten_1", "key_1", 1, "live", "", "", ())
    with pytest.raises(Forbidden, match="reviewer scope"):
        reviewer(live)
    assert reviewer(live._replace(scopes=("reviewer",))).key_id == "key_1"
    assert reviewer(live._replace(mode="test", tenant_id="ten_1.test")).is_test  # the seeds' sandbox
