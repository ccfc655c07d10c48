"""Standard Webhooks signing (https://www.standardwebhooks.com/).

A tenant verifies our callbacks with any Standard Webhooks library, so the wire format is the spec's,
byte for byte: the signed content is ``{webhook-id}.{webhook-timestamp}.{body}`` and each signature is
``v1,<base64 HMAC-SHA256>``. Several signatures may share the header, space-separated, which is how a
secret is rotated without a window where the tenant's verifier rejects our calls.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from secrets import token_bytes

SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's marker, not a secret
# 256 bits, the strength HMAC-SHA256 offers; the spec allows 24 to 64 bytes.
_SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(token_bytes(_SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    # Strict on purpose: signing with the text of a mangled secret would produce signatures no
    # tenant can verify, and the failure would only show up as their 401s.
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"webhook secret must start with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error as exc:
        raise ValueError("webhook secret is not valid base64") from exc
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def sign(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value: one ``v1,<sig>`` per secret, space-separated."""
    if isinstance(secrets, str):
        # A bare string is a Sequence[str] of characters: refuse it rather than sign per character.
        raise TypeError("secrets must be a sequence of secrets, not one string")
    if not secrets:
        raise ValueError("at least one webhook secret is needed to sign")
    if not msg_id:
        raise ValueError("msg_id must not be empty")
    signed_content = f"{msg_id}.{int(timestamp)}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(_key(secret), signed_content, hashlib.sha256).digest()).decode("ascii")
        for secret in secrets
    )


def headers(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": sign(secrets, msg_id, timestamp, body),
        "content-type": "application/json",
    }
