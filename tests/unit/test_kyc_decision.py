"""The KYC verdict from face and age results (the HTTP tests cover it with real photos)."""

from __future__ import annotations

from kycgate.faces import FaceComparison, FaceDeclineCode
from kycgate.kyc.schemas import KYC_DECLINED_DESCRIPTIONS, KycDeclinedCode
from kycgate.kyc.verification import decide
from kycgate.kyc.vocabulary import KycStatus
from kycgate.preferences.schemas import PreferenceSettings

PREFERENCES = PreferenceSettings(min_age=18, max_age=80)


def _face(
    similarity: float,
    *,
    matched: bool = False,
    review: bool = False,
    code: FaceDeclineCode | None = None,
    on_document: int = 1,
) -> FaceComparison:
    return FaceComparison(similarity, matched, review, on_document, 1, code, None)


def test_every_declined_code_has_a_description() -> None:
    assert set(KYC_DECLINED_DESCRIPTIONS) == set(KycDeclinedCode)
    assert {c.value for c in FaceDeclineCode} <= {c.value for c in KycDeclinedCode}


def test_face_decline_wins_over_age_and_both_are_reported() -> None:
    decision = decide(_face(0.1, code=FaceDeclineCode.FACE_MISMATCH), 12, PREFERENCES)
    assert (decision.status, decision.declined_code) == (KycStatus.DECLINED, KycDeclinedCode.FACE_MISMATCH)
    assert set(decision.warnings) == {"face", "age"}


def test_review_band_is_declined_when_the_age_fails() -> None:
    assert decide(_face(0.4, review=True), 81, PREFERENCES).declined_code == KycDeclinedCode.OVERAGE
    assert decide(_face(0.4, review=True), 30, PREFERENCES).status == KycStatus.IN_REVIEW


def test_age_bounds_are_inclusive() -> None:
    for age in (18, 80):
        assert decide(_face(0.8, matched=True), age, PREFERENCES).status == KycStatus.APPROVED
    assert decide(_face(0.8, matched=True), 17, PREFERENCES).declined_code == KycDeclinedCode.UNDERAGE


def test_notes_without_decline() -> None:
    no_selfie = decide(None, None, PREFERENCES)
    assert no_selfie.status == KycStatus.APPROVED
    assert "not verified" in no_selfie.warnings["face"]["note"]
    crowded_document = decide(_face(0.8, matched=True, on_document=2), 40, PREFERENCES)
    assert crowded_document.status == KycStatus.APPROVED
    assert crowded_document.warnings["face"]["faces_on_document"] == "2"


def test_a_result_that_neither_matched_nor_declined_is_never_approved() -> None:
    assert decide(_face(0.9), 40, PREFERENCES).declined_code == KycDeclinedCode.FACE_MISMATCH
