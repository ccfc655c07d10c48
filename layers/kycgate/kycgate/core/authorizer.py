"""API Gateway Lambda REQUEST authorizer: Bearer API key -> the caller in the request context.

No FastAPI here: an authorizer runs before every uncached request, so it imports only boto3.
API Gateway caches a verdict per Authorization header for at most 60 s (template.yaml,
ReauthorizeEvery), and `kycgate keys revoke` flushes that cache, so a revoked key is refused on its
next request (core/revocation.py).
"""

from __future__ import annotations

from typing import Any

from kycgate.core.coldstart import resumes_collector
from kycgate.core.tenants import caller_for_key


@resumes_collector
def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    scheme, _, api_key = (headers.get("authorization") or "").partition(" ")
    caller = caller_for_key(api_key.strip()) if scheme.lower() == "bearer" else None
    if caller is None:
        # API Gateway turns this exact message into a 401 (GatewayResponse UNAUTHORIZED in template.yaml).
        raise Exception("Unauthorized")
    # Caching is keyed by the Authorization header, so the policy must cover every route of the API.
    arn = event["methodArn"].split("/")[0] + "/*"
    return {
        "principalId": caller.account_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": arn}],
        },
        "context": caller.authorizer_context(),
    }
