"""The lists bucket: each index under a key of its own version, and one small pointer to the live one.

    indexes/<version>/index.msgpack    the compiled index (screening/index.py reads it)
    indexes/<version>/manifest.json    per source: files (name, origin, sha256, size, date), counts
    current.json                       {"version", "index_key", "manifest_key", "sha256", "size", ...}

Publishing writes the index and its manifest first and the pointer last, so a reader sees either
the old index or the new one whole; an import that fails before the pointer changes nothing
readers see. Old versions stay (a rollback is a pointer write).
"""

from __future__ import annotations

import json
from typing import Any

from kycgate.core import aws
from kycgate.core.settings import get_settings

POINTER_KEY = "current.json"


def index_key(version: str) -> str:
    return f"indexes/{version}/index.msgpack"


def manifest_key(version: str) -> str:
    return f"indexes/{version}/manifest.json"


def _bucket() -> str:
    return get_settings().lists_bucket


def read_pointer() -> dict[str, Any] | None:
    """The live index's pointer; None when nothing was ever published."""
    s3 = aws.client("s3")
    try:
        body = s3.get_object(Bucket=_bucket(), Key=POINTER_KEY)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    pointer = json.loads(body)
    if not isinstance(pointer, dict) or not {"version", "index_key", "sha256"} <= set(pointer):
        raise ValueError(f"s3://{_bucket()}/{POINTER_KEY} is not an index pointer")
    return pointer


def read_object(key: str) -> bytes:
    return aws.client("s3").get_object(Bucket=_bucket(), Key=key)["Body"].read()


def read_manifest(pointer: dict[str, Any]) -> dict[str, Any]:
    return json.loads(read_object(pointer.get("manifest_key") or manifest_key(pointer["version"])))


def put_version(version: str, index: bytes, manifest: dict[str, Any]) -> None:
    s3 = aws.client("s3")
    s3.put_object(Bucket=_bucket(), Key=index_key(version), Body=index, ContentType="application/msgpack")
    s3.put_object(
        Bucket=_bucket(),
        Key=manifest_key(version),
        Body=json.dumps(manifest, indent=1).encode(),
        ContentType="application/json",
    )


def write_pointer(pointer: dict[str, Any]) -> None:
    aws.client("s3").put_object(
        Bucket=_bucket(),
        Key=POINTER_KEY,
        Body=json.dumps(pointer).encode(),
        ContentType="application/json",
        CacheControl="no-cache",
    )
