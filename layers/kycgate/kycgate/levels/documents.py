"""A client's documents (seed 002): upload files (POST .../documents/files), then make a document of them
for one of the seed's document keys (POST .../documents), whose answer goes into the attribute value.
No HTTP, no boto3.

Files are checked from their bytes, never from the client's claims: JPEG and PNG with kycgate's image
rules (kycgate.core.images: type sniffed, size from the header before decoding, decoded once), PDF
sniffed and checked for a complete file (kycgate.core.pdf). Identity documents are photographs; proofs
(of address, of funds) may be PDF statements. Every document carries the diagnostics of the checks
that ran, by verificator (seed 002's `verification`): the file checks now; a portrait's face check joins
them when the liveness check compares it with the selfie (levels.views).

The upload flow for large files (``POST /api/v1/uploads`` → ``<field>_upload_id``) lands later; files
then arrive from S3 instead of the request, and ``accepted_file`` is the one place that reads them.

DynamoDB/S3: upload: GetItem client, one PutObject per file, one PutItem per file (one TransactWriteItems
for several; the objects are purged if it fails). Document: BatchGetItem (client and files), PutItem.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

from kycgate.core import clock
from kycgate.core.errors import NotFound, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.levels import store
from kycgate.levels.schemas import CreateDocumentRequest, KycDocument, UploadedFiles
from kycgate.levels.vocabulary import MAX_FILES, PDF_DOCUMENT_KEYS, PORTRAIT_DOCUMENT_KEYS

MAX_FILES_PER_UPLOAD = 5
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._\- ]")


class Upload(NamedTuple):
    file_name: str
    data: bytes


def upload_files(tenant_id: str, legal_entity_uuid: str, client_uuid: str, uploads: Sequence[Upload]) -> UploadedFiles:
    """Check every file, then store them all or none."""
    _client(tenant_id, legal_entity_uuid, client_uuid)
    if not uploads or len(uploads) > MAX_FILES_PER_UPLOAD:
        message = f"send 1 to {MAX_FILES_PER_UPLOAD} files in the multipart field `files` (got {len(uploads)})"
        raise Unprocessable(f"files: {message}", errors=[field_error(["body", "files"], message, "files_count")])
    accepted, problems = [], []
    for i, upload in enumerate(uploads):
        try:
            accepted.append(accepted_file(upload, i))
        except Unprocessable as problem:
            problems.append(problem)
    if problems:
        raise Unprocessable("; ".join(p.detail for p in problems), errors=[e for p in problems for e in p.errors or []])
    now = clock.now_iso()
    files, stored = [], []
    try:
        for upload, proof in zip(uploads, accepted, strict=True):
            file_uuid = str(uuid.uuid4())
            object_key = store.file_key(tenant_id, client_uuid, file_uuid, proof.extension)
            stored.append(store.put_blob(object_key, proof.data, proof.mime))
            files.append(
                {
                    "file_uuid": file_uuid,
                    "file_name": _safe_name(upload.file_name, proof.extension),
                    "content_type": proof.mime,
                    "size_bytes": len(proof.data),
                    "width": getattr(proof, "width", None),
                    "height": getattr(proof, "height", None),
                    "sha256": hashlib.sha256(proof.data).hexdigest(),
                    "object_key": object_key,
                    "created_at": now,
                }
            )
        # The client was read above and clients are never deleted: no condition on it is needed.
        store.commit([store.client_item_put(tenant_id, client_uuid, f"FILE#{f['file_uuid']}", f) for f in files])
    except Exception:
        store.purge_blobs(stored)
        raise
    logger.info("levels files uploaded", extra={"tenant_id": tenant_id, "files": len(files)})
    return UploadedFiles.model_validate({"files": files})


def accepted_file(upload: Upload, index: int) -> Any:
    """The file as an ImageProof (JPEG, PNG) or PdfProof, or a 422 naming it."""
    import filetype

    loc = ("body", "files", index)
    field = f"files[{index}]"
    kind = filetype.guess(upload.data[:8192])
    if kind is not None and kind.mime == "application/pdf":
        from kycgate.core.pdf import check_pdf

        return check_pdf(upload.data, field, loc)
    if not upload.data:
        message = "file is empty"
        raise Unprocessable(f"{field}: {message}", errors=[field_error(list(loc), message, "file_empty")])
    from kycgate.core.images import check_image  # Pillow: only the upload route loads it

    try:
        return check_image(upload.data, field, loc)
    except Unprocessable as problem:
        if problem.errors and problem.errors[0]["type"] == "image_type":
            found = kind.mime if kind else "unrecognised bytes"
            message = f"file must be JPEG, PNG or PDF (found {found})"
            raise Unprocessable(f"{field}: {message}", errors=[field_error(list(loc), message, "file_type")]) from None
        raise


def create_document(
    tenant_id: str, legal_entity_uuid: str, client_uuid: str, request: CreateDocumentRequest
) -> KycDocument:
    key = request.attribute_key
    wanted = [str(f) for f in request.files]
    found = store.client_items(tenant_id, client_uuid, ["CLIENT", *(f"FILE#{f}" for f in wanted)])
    client = found.get("CLIENT")
    if client is None or client["legal_entity_uuid"] != legal_entity_uuid:
        raise NotFound(f"No client {client_uuid} in legal entity {legal_entity_uuid}.")
    errors = []
    if len(set(wanted)) != len(wanted):
        errors.append(field_error(["body", "files"], "names a file twice", "files_duplicate"))
    if len(wanted) > MAX_FILES[key]:
        errors.append(field_error(["body", "files"], f"{key} takes at most {MAX_FILES[key]} file(s)", "files_count"))
    files = []
    for i, file_uuid in enumerate(wanted):
        item = found.get(f"FILE#{file_uuid}")
        if item is None:
            errors.append(
                field_error(["body", "files", i], f"no file {file_uuid} uploaded for this client", "file_unknown")
            )
            continue
        if item["content_type"] == "application/pdf" and key not in PDF_DOCUMENT_KEYS:
            errors.append(
                field_error(["body", "files", i], f"{key} must be a photograph (JPEG or PNG), not a PDF", "file_type")
            )
        files.append({k: v for k, v in item.items() if k not in ("PK", "SK")})
    if errors:
        raise Unprocessable("; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in errors), errors=errors)
    now = clock.now_iso()
    document = {
        "document_uuid": str(uuid.uuid4()),
        "client_uuid": client_uuid,
        "attribute_key": key,
        "files": files,
        "verification": {"kycgate": diagnostics(key, files)},
        "created_at": now,
    }
    store.commit([store.client_item_put(tenant_id, client_uuid, f"DOC#{document['document_uuid']}", document)])
    return KycDocument.model_validate(document)


def diagnostics(key: str, files: list[dict[str, Any]]) -> dict[str, Any]:
    """kycgate's verification of a new document: what its file checks found, and what comes next."""
    kinds = sorted({f["content_type"] for f in files})
    checks = {"file_type": "passed", "file_integrity": "passed"}
    if any(f.get("width") for f in files):
        checks["image_size"] = "passed"
    if key in PORTRAIT_DOCUMENT_KEYS:
        status = "pending"
        note = (
            "The photo passed the file checks; its portrait is compared with the client's selfie in the liveness check."
        )
    else:
        status = "ignored"
        note = (
            f"There is no data kycgate recognizes automatically on this document ({', '.join(kinds)}); "
            "the file checks passed and a reviewer reads it."
        )
    return {"verificator": "kycgate", "status": status, "client_note": note, "checks": checks}


def _client(tenant_id: str, legal_entity_uuid: str, client_uuid: str) -> dict[str, Any]:
    client = store.get_client(tenant_id, client_uuid)
    if client is None or client["legal_entity_uuid"] != legal_entity_uuid:
        raise NotFound(f"No client {client_uuid} in legal entity {legal_entity_uuid}.")
    return client


def _safe_name(name: str, extension: str) -> str:
    base = _UNSAFE_NAME.sub("_", (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" .")[:120]
    return base or f"file.{extension}"
