"""Tenants' provider credentials: one Secrets Manager secret per tenant and provider (encrypted at rest
by Secrets Manager's KMS key), ``kycgate/tenants/<tenant_id>/providers/<provider>``, a JSON object of
the adapter's credential keys (README, "Provider gateway → providers"). Read per call, cached briefly.
"""

from __future__ import annotations

import json
import time
from typing import Any

from kycgate.core import aws

SECRET_NAME = "kycgate/tenants/{tenant_id}/providers/{provider}"  # noqa: S105 - a name, not a secret
_CACHE_SECONDS = 300.0
_cache: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}


class CredentialsMissing(LookupError):
    def __init__(self, tenant_id: str, provider: str) -> None:
        super().__init__(
            f"no {provider} credentials are stored: put them in Secrets Manager as "
            f"{SECRET_NAME.format(tenant_id=tenant_id, provider=provider)}"
        )


def load(tenant_id: str, provider: str) -> dict[str, Any]:
    if provider == "kycgate":
        return {}
    cached = _cache.get((tenant_id, provider))
    if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
        return cached[1]
    client = aws.client("secretsmanager")
    try:
        secret = client.get_secret_value(SecretId=SECRET_NAME.format(tenant_id=tenant_id, provider=provider))
    except client.exceptions.ResourceNotFoundException:
        raise CredentialsMissing(tenant_id, provider) from None
    values = json.loads(secret["SecretString"])
    _cache[(tenant_id, provider)] = (time.monotonic(), values)
    return values


def store(tenant_id: str, provider: str, values: dict[str, Any]) -> None:
    """Create or replace the tenant's credentials for ``provider`` (admin CLI, ``make serve``)."""
    client = aws.client("secretsmanager")
    name = SECRET_NAME.format(tenant_id=tenant_id, provider=provider)
    try:
        client.put_secret_value(SecretId=name, SecretString=json.dumps(values))
    except client.exceptions.ResourceNotFoundException:
        client.create_secret(Name=name, SecretString=json.dumps(values))
    _cache.pop((tenant_id, provider), None)
