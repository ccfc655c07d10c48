"""boto3 clients: module-level, created on first use, one retry policy for all of kycgate."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from kycgate.core.settings import get_settings

# Standard mode retries throttling and transient 5xx with backoff; after that the API answers
# 503 + Retry-After (core.web) instead of hanging a Lambda on a busy table.
BOTO_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=3,
    read_timeout=10,
    tcp_keepalive=True,
)


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, region_name=get_settings().aws_region, config=BOTO_CONFIG)


def reset_clients() -> None:
    """Forget cached clients (tests switching endpoints or credentials)."""
    client.cache_clear()
