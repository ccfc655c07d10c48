"""Making a revoked API key stop working at once behind API Gateway.

The gateway caches the authorizer's verdict per Authorization header (template.yaml: at most 60 s), so
a revoked key would keep working until its cached Allow lapses. After the key is marked revoked,
``flush_authorizer_cache`` empties the stage's authorizer cache (API Gateway's
FlushStageAuthorizersCache): the next request with that key runs the authorizer again, which reads
the revoked status and denies. Every other key pays one uncached authorizer call afterwards.
"""

from __future__ import annotations

from kycgate.core import aws

DEFAULT_STACK = "kycgate"
API_LOGICAL_ID = "KycgateApi"
DEFAULT_STAGE = "live"


def rest_api_id_of_stack(stack_name: str = DEFAULT_STACK) -> str:
    """The REST API id the stack deployed (its KycgateApi resource)."""
    resource = aws.client("cloudformation").describe_stack_resource(
        StackName=stack_name, LogicalResourceId=API_LOGICAL_ID
    )
    return resource["StackResourceDetail"]["PhysicalResourceId"]


def flush_authorizer_cache(rest_api_id: str, stage: str = DEFAULT_STAGE) -> None:
    aws.client("apigateway").flush_stage_authorizers_cache(restApiId=rest_api_id, stageName=stage)
