"""Who is calling: a tenant (API key) on tenant routes.

In AWS the API Gateway REQUEST authorizer (core.authorizer) has already checked the key and put the
tenant id into the request context; locally the same check runs here as a FastAPI dependency.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kycgate.core.errors import Unauthorized
from kycgate.core.tenants import tenant_for_key

_bearer = HTTPBearer(auto_error=False, description="Tenant API key: `Authorization: Bearer kg_live_...`")


def current_tenant(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    event = request.scope.get("aws.event")
    if event is not None:
        # Behind API Gateway only the authorizer's verdict counts; a route deployed without the
        # authorizer therefore answers 401 rather than trusting a header.
        tenant_id = ((event.get("requestContext") or {}).get("authorizer") or {}).get("tenant_id")
        if not tenant_id:
            raise Unauthorized("The request was not authorized by the kycgate authorizer.")
        return tenant_id
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send your API key as `Authorization: Bearer kg_live_...`.")
    tenant_id = tenant_for_key(credentials.credentials)
    if tenant_id is None:
        raise Unauthorized("The API key is unknown or revoked.")
    return tenant_id


TenantId = Annotated[str, Depends(current_tenant)]
