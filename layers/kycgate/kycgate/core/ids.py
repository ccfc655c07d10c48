"""Identifiers and capability tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid


def new_id(prefix: str) -> str:
    """A sortable-enough unique id with a type prefix, e.g. ``kyc_0b0f...``."""
    return f"{prefix}_{uuid.uuid4().hex}"


def new_token() -> str:
    """A 256-bit url-safe capability token."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """SHA-256 hex of a secret: what is stored and looked up instead of the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()
