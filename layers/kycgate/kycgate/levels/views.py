"""A stored application as the seed's questionnaire (kyc_steps -> questions -> attribute). Pure.

The application keeps the level as it was when created (its ``level_snapshot``), so its questionnaire
never changes under the client when the tenant replaces the configuration.
"""

from __future__ import annotations

import json
from typing import Any

from kycgate.levels import attributes as attribute_rules
from kycgate.levels.liveness import AttributeView
from kycgate.levels.schemas import KycApplication
from kycgate.levels.vocabulary import AttributeType, LivenessStatus

# What the stored document value keeps for kycgate only (the S3 key of each file).
_INTERNAL_FILE_FIELDS = ("object_key",)


def snapshot_of(application: dict[str, Any]) -> dict[str, Any]:
    return json.loads(application["level_snapshot"])


def question_keys(snapshot: dict[str, Any]) -> list[str]:
    return [q["attribute_key"] for step in snapshot["steps"] for q in step["questions"]]


def application_view(
    application: dict[str, Any], snapshot: dict[str, Any], live: dict[str, AttributeView] | None = None
) -> KycApplication:
    values = application.get("values") or {}
    notes = application.get("notes") or {}
    live = live or {}
    face_checks = _face_checks(application)
    steps = []
    for step in snapshot["steps"]:
        questions = []
        for question in step["questions"]:
            key = question["attribute_key"]
            attribute = snapshot["attributes"][key]
            stored = values.get(key) or {}
            shown: dict[str, Any] = {
                "key": key,
                "type": attribute["type"],
                "title": attribute["title"],
                "description": attribute.get("description"),
                "value": public_value(stored.get("value"), face_checks.get(key)),
                "sign_providers": attribute.get("sign_providers") or [],
                "signature": stored.get("signature"),
                "accepted_at": stored.get("accepted_at"),
                "note": notes.get(key),
                "constraints": attribute_rules.constraints(attribute),
            }
            if attribute["type"] == AttributeType.LIVENESS:
                shown.update(_liveness(application, key, live.get(key)))
            questions.append(
                {
                    "title": question.get("title") or attribute["title"],
                    "required": question["required"],
                    "attribute": shown,
                }
            )
        steps.append({"title": step["title"], "questions": questions})
    level = snapshot["level"]
    return KycApplication.model_validate(
        {
            "kyc_application_uuid": application["kyc_application_uuid"],
            "legal_entity_uuid": application["legal_entity_uuid"],
            "client_uuid": application["client_uuid"],
            "kyc_level_uuid": application["kyc_level_uuid"],
            "kyc_level_name": level["name"],
            "status": application["status"],
            "sign_providers": level.get("sign_providers") or [],
            "review_signature": application.get("review_signature"),
            "review_comment": application.get("review_comment"),
            "kyc_steps": steps,
            "created_at": application["created_at"],
            "updated_at": application["updated_at"],
            "submitted_at": application.get("submitted_at"),
            "decided_at": application.get("decided_at"),
        }
    )


def public_value(value: Any, face_check: dict[str, Any] | None = None) -> Any:
    """A stored value without kycgate's internal fields; a portrait document gains the liveness check's
    finding on its face (the document check that ran)."""
    if not isinstance(value, dict) or "document_uuid" not in value:
        return value
    files = [{k: v for k, v in f.items() if k not in _INTERNAL_FILE_FIELDS} for f in value.get("files", [])]
    shown = {**value, "files": files}
    if face_check is not None and face_check["document_uuid"] == value["document_uuid"]:
        verification = dict(value.get("verification") or {})
        kycgate = dict(verification.get("kycgate") or {"verificator": "kycgate", "checks": {}})
        matched, faces = face_check["matched"], int(face_check["faces_on_document"])
        if matched:
            kycgate.update(status="approved", client_note="The face on the document matches the liveness selfie.")
        elif faces == 0:
            kycgate.update(
                status="declined",
                client_note="No face was found on the document: photograph the page with the portrait, unobstructed.",
            )
        else:
            kycgate.update(
                status="declined", client_note="The face on the document does not match the liveness selfie."
            )
        kycgate["checks"] = {
            **kycgate.get("checks", {}),
            "face_on_document": "passed" if faces else "failed",
            "face_match": "passed" if matched else "failed",
        }
        verification["kycgate"] = kycgate
        shown["verification"] = verification
    return shown


def _face_checks(application: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per document attribute, what the latest kycgate liveness attempt found on its portrait."""
    found = {}
    for state in (application.get("liveness") or {}).values():
        reference = state.get("reference_document")
        if reference:
            found[reference["attribute_key"]] = reference
    return found


def _liveness(application: dict[str, Any], key: str, view: AttributeView | None) -> dict[str, Any]:
    state = (application.get("liveness") or {}).get(key) or {}
    if view is None:  # not read live (a PATCH's answer): what is stored, no grant issued
        status = LivenessStatus(state.get("status") or LivenessStatus.PENDING)
        result = state.get("result")
        final = status in (LivenessStatus.APPROVED, LivenessStatus.EXHAUSTED)
        return {
            "value": result if final else None,
            "volatile": not final,
            "status": status.value,
            "verification": result.get("verification") if result else None,
        }
    return {
        "value": view.value,
        "volatile": view.volatile,
        "expires_at": view.expires_at,
        "additional_info": view.additional_info,
        "status": view.status.value,
        "verification": view.verification,
        "attempts_left": view.attempts_left,
    }
