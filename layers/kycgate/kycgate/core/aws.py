"""boto3 clients: module-level, created on first use, one retry policy for all of kycgate."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

from kycgate.core.settings import get_settings

# Standard mode retries throttling, transient 5xx and dropped connections with jittered backoff;
# after that the API answers 503 + Retry-After (core.web) instead of hanging a Lambda on a busy
# table. Attempts are counted in total (botocore's `max_attempts` would count retries only).
TOTAL_ATTEMPTS = 3
BOTO_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": TOTAL_ATTEMPTS},
    connect_timeout=3,
    read_timeout=10,
    tcp_keepalive=True,
)


# Objects in the proofs bucket are SSE-KMS encrypted, which S3 serves only to SigV4 requests; some
# botocore versions still presign with SigV2 unless told otherwise.
_S3_CONFIG = Config(signature_version="s3v4")


# One session for every client: a session loads and caches botocore's shared data (endpoints,
# partitions, defaults), so a second client from it costs 9 ms (SQS) instead of 65 ms from a
# session of its own. Sessions are not thread-safe, hence the lock; the clients they make are.
_lock = threading.Lock()
_session: boto3.session.Session | None = None
_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    found = _clients.get(service)
    if found is not None:
        return found
    global _session
    with _lock:
        if service not in _clients:
            if _session is None:
                _session = boto3.session.Session()
            config = BOTO_CONFIG.merge(_S3_CONFIG) if service == "s3" else BOTO_CONFIG
            _clients[service] = _session.client(service, region_name=get_settings().aws_region, config=config)
        return _clients[service]


def reset_clients() -> None:
    """Forget the session and its clients (tests switching endpoints or credentials)."""
    global _session
    with _lock:
        _session = None
        _clients.clear()
