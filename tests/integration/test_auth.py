from __future__ import annotations

from typing import Any

import pytest

from kycgate.core.tenants import revoke_key
from tests.conftest import assert_collector_resumed, load_event, load_function

PATH = "/api/v1/kyc/preferences"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer kg_live_unknown"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
    ],
    ids=["none", "unknown", "wrong-scheme", "empty"],
)
def test_missing_or_bad_key_is_401_problem(client: Any, tenant_a: Any, headers: dict) -> None:
    response = client.get(PATH, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_revoked_key_stops_working(client: Any, tenant_a: Any) -> None:
    assert client.get(PATH, headers=tenant_a.headers).status_code == 200
    assert revoke_key(tenant_a.tenant_id, tenant_a.key_id)
    assert client.get(PATH, headers=tenant_a.headers).status_code == 401
    assert not revoke_key(tenant_a.tenant_id, tenant_a.key_id)


def test_api_keys_are_stored_only_as_hashes(aws: Any, tenant_a: Any) -> None:
    from kycgate.core.aws import client as aws_client

    items = aws_client("dynamodb").scan(TableName=aws["KYCGATE_RECORDS_TABLE"])["Items"]
    assert items
    assert tenant_a.api_key not in str(items)


def test_authorizer_allows_a_live_key_and_denies_others(aws: Any, tenant_a: Any, lambda_context: Any) -> None:
    authorizer = load_function("authorizer")
    event = load_event("authorizer")
    event["headers"]["Authorization"] = f"Bearer {tenant_a.api_key}"
    policy = authorizer(event, lambda_context)
    assert policy["context"]["tenant_id"] == tenant_a.tenant_id
    assert policy["context"]["key_id"] == tenant_a.key_id
    assert policy["context"]["mode"] == "live"
    assert all(isinstance(value, str | int) for value in policy["context"].values())
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert policy["policyDocument"]["Statement"][0]["Resource"].endswith("abc123/*")
    event["headers"]["Authorization"] = "Bearer kg_live_nope"
    with pytest.raises(Exception, match="Unauthorized"):
        authorizer(event, lambda_context)


def test_authorizer_resumes_the_collector_when_its_first_invocation_denies(
    aws: Any, lambda_context: Any, lambda_runtime: None
) -> None:
    event = load_event("authorizer")
    event["headers"]["Authorization"] = "Bearer kg_live_nope"
    with pytest.raises(Exception, match="Unauthorized"):
        load_function("authorizer")(event, lambda_context)
    assert_collector_resumed()


def test_function_without_authorizer_context_is_401(aws: Any, tenant_a: Any, lambda_context: Any) -> None:
    event = load_event("get_preferences")
    del event["requestContext"]["authorizer"]
    event["headers"]["Authorization"] = f"Bearer {tenant_a.api_key}"
    response = load_function("get_preferences")(event, lambda_context)
    assert response["statusCode"] == 401
