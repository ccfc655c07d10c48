"""Who is calling: a tenant (API key) on tenant routes.

In AWS the API Gateway REQUEST authorizer (core.authorizer) has already checked the key and put the
caller into the request context; locally the same check runs here as a FastAPI dependency. Routes
take ``TenantId`` (the data space the key acts in: live or the tenant's test space) or, when they
record who acted or need a scope, the whole ``CallerIdentity``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kycgate.core.errors import Forbidden, Unauthorized
from kycgate.core.tenants import Caller, caller_for_key

_bearer = HTTPBearer(
    auto_error=False,
    description="Tenant API key: `Authorization: Bearer kg_live_...` (or `kg_test_...` for test mode)",
)


def current_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    event = request.scope.get("aws.event")
    if event is not None:
        # Behind API Gateway only the authorizer's verdict counts; a route deployed without the
        # authorizer therefore answers 401 rather than trusting a header.
        context = (event.get("requestContext") or {}).get("authorizer") or {}
        caller = Caller.from_authorizer_context(context)
        if caller is None:
            raise Unauthorized("The request was not authorized by the kycgate authorizer.")
        return caller
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send your API key as `Authorization: Bearer kg_live_...`.")
    caller = caller_for_key(credentials.credentials)
    if caller is None:
        raise Unauthorized("The API key is unknown or revoked.")
    return caller


def current_tenant(caller: Annotated[Caller, Depends(current_caller)]) -> str:
    return caller.tenant_id


def reviewer(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    """A caller allowed to decide reviews: any test-mode key, or a live key with the reviewer scope."""
    if not caller.is_test and "reviewer" not in caller.scopes:
        raise Forbidden(
            "Deciding a review needs an API key with the reviewer scope (kycgate keys create --scope reviewer)."
        )
    return caller


CallerIdentity = Annotated[Caller, Depends(current_caller)]
TenantId = Annotated[str, Depends(current_tenant)]
Reviewer = Annotated[Caller, Depends(reviewer)]
