"""What a KYC submission must contain: the tenant's rules for document types, birthdays and URLs, and
the handoff slots a submit link or a request for additional documents asks the customer to fill.

Shared by document verification and by the links, and light (no faces, no images, no AWS), so that
issuing a link loads none of verification's parts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kycgate.core.errors import Unprocessable, field_error
from kycgate.kyc.vocabulary import DOCUMENT_TYPES_WITH_BACK, AdditionalDocumentType, SupportedDocumentType
from kycgate.preferences.schemas import PreferenceSettings

# The handoff has two document slots (seed 000's KycHandoffSession); more documents cannot be collected.
MAX_DOCUMENTS = 2
# The slots' proof types on the KYC request (kyc.schemas.ProofType values).
SLOT_PROOF_TYPES = {
    "document": "document_front",
    "document_backside": "document_back",
    "document_two": "document_two_front",
    "document_two_backside": "document_two_back",
    "address": "proof_of_address",
    "face": "selfie",
}
# The preferences a submit link's request is judged by, fixed when the link is issued.
RULES = (
    "is_face_verification_required",
    "is_address_verification_required",
    "is_age_verification_required",
    "min_age",
    "max_age",
    "medium_risk_score",
    "high_risk_score",
)


def submission_plan(
    preferences: PreferenceSettings,
    document_type: SupportedDocumentType,
    document_two_type: SupportedDocumentType | None,
) -> list[dict[str, Any]]:
    """The slots of a submit link, in the order the customer takes them: what each holds."""
    plan = _document_slots("document", document_type)
    if document_two_type is not None:
        plan += _document_slots("document_two", document_two_type)
    if preferences.is_address_verification_required:
        plan.append(_slot("address", AdditionalDocumentType.PROOF_OF_ADDRESS.value))
    if preferences.is_face_verification_required:
        plan.append(_slot("face", AdditionalDocumentType.SELFIE.value))
    return plan


def additional_documents_plan(document_types: Iterable[AdditionalDocumentType]) -> list[dict[str, Any]]:
    """The slots for the documents a tenant asks for: identity documents in the two document slots in
    the order asked, a proof of address in ``address``, a selfie in ``face`` (last)."""
    plan: list[dict[str, Any]] = []
    identity = [t for t in document_types if t.value in SupportedDocumentType._value2member_map_]
    for prefix, document_type in zip(("document", "document_two"), identity, strict=False):
        plan += _document_slots(prefix, SupportedDocumentType(document_type.value))
    if AdditionalDocumentType.PROOF_OF_ADDRESS in document_types:
        plan.append(_slot("address", AdditionalDocumentType.PROOF_OF_ADDRESS.value))
    if AdditionalDocumentType.SELFIE in document_types:
        plan.append(_slot("face", AdditionalDocumentType.SELFIE.value))
    return plan


def _document_slots(prefix: str, document_type: SupportedDocumentType) -> list[dict[str, Any]]:
    slots = [_slot(prefix, document_type.value, "front")]
    if document_type in DOCUMENT_TYPES_WITH_BACK:
        slots.append(_slot(f"{prefix}_backside", document_type.value, "back"))
    return slots


def _slot(slot: str, document_type: str, side: str | None = None) -> dict[str, Any]:
    return {"slot": slot, "document_type": document_type, "side": side}


def document_count_errors(
    preferences: PreferenceSettings, document_two_type: SupportedDocumentType | None
) -> list[dict[str, Any]]:
    """required_document_count against the documents a submit link asks for (one, or two with document_two_type)."""
    required = preferences.required_document_count
    if required > MAX_DOCUMENTS:
        message = (
            f"your required_document_count is {required}, but a submit link collects at most {MAX_DOCUMENTS} "
            "identity documents (slots document and document_two); lower it, or ask for the others with "
            "POST /api/v1/kyc/requests/{kyc_id}/additional-documents"
        )
        return [field_error(["body", "document_two_type"], message, "too_many_documents_required")]
    if required == MAX_DOCUMENTS and document_two_type is None:
        message = "your required_document_count is 2: name the second document in document_two_type"
        return [field_error(["body", "document_two_type"], message, "missing")]
    return []


def document_type_errors(
    preferences: PreferenceSettings, document_types: Mapping[str, SupportedDocumentType | None]
) -> list[dict[str, Any]]:
    """A field error for each document type (by body field) the tenant does not support."""
    allowed = ", ".join(t.value for t in preferences.supported_document_types)
    return [
        field_error(
            ["body", field],
            f"{document_type.value} is not among your supported_document_types ({allowed})",
            "document_type_not_supported",
        )
        for field, document_type in document_types.items()
        if document_type is not None and document_type not in preferences.supported_document_types
    ]


def birthday_errors(preferences: PreferenceSettings, birthday: str | None, where: str) -> list[dict[str, Any]]:
    if birthday is not None or not preferences.is_age_verification_required:
        return []
    # Approving without the age check the tenant asked for would be a silent compliance hole.
    message = f"a birthday is required while is_age_verification_required is on; send it {where}"
    return [field_error(["body", "birthday"], message, "missing")]


def raise_if(errors: list[dict[str, Any]]) -> None:
    if errors:
        raise Unprocessable("; ".join(e["msg"] for e in errors), errors=errors)


def rules_of(preferences: PreferenceSettings) -> dict[str, Any]:
    """The snapshot of ``RULES`` a submit link's request keeps."""
    return {name: getattr(preferences, name) for name in RULES}


def rules_from(snapshot: Mapping[str, Any]) -> PreferenceSettings:
    """The preferences a request's snapshot fixed (the others at their defaults: the checks read none of them)."""
    return PreferenceSettings.model_validate({name: snapshot[name] for name in RULES})
