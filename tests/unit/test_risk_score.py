"""The risk score's table and the level's thresholds (kyc.risk); the HTTP tests check them on real photos."""

from __future__ import annotations

import pytest

from kycgate.faces import FaceComparison, FaceDeclineCode
from kycgate.kyc import risk
from kycgate.kyc.vocabulary import RiskLevel


def _face(*, matched: bool = False, review: bool = False, code: FaceDeclineCode | None = None) -> FaceComparison:
    return FaceComparison(0.5, matched, review, 1, 1, code, None)


MATCHED = _face(matched=True)
REVIEW = _face(review=True)
MISMATCH = _face(code=FaceDeclineCode.FACE_MISMATCH)
NO_FACE = _face(code=FaceDeclineCode.NO_FACE)


@pytest.mark.parametrize(
    ("comparisons", "finding"),
    [
        ([MATCHED], "matched"),
        ([None], "not_checked"),
        ([REVIEW], "review_band"),
        ([NO_FACE], "unusable"),
        ([_face(code=FaceDeclineCode.MULTIPLE_FACES)], "unusable"),
        ([_face(code=FaceDeclineCode.NO_FACE_ON_REFERENCE)], "unusable"),
        ([MISMATCH], "mismatch"),
        ([_face()], "mismatch"),  # neither matched nor in the band nor coded: never read as a match
        ([MATCHED, MISMATCH], "mismatch"),  # the worst document counts
        ([REVIEW, MATCHED], "review_band"),
    ],
)
def test_face_finding_is_the_worst_comparison(comparisons: list[FaceComparison | None], finding: str) -> None:
    assert risk.face_finding(comparisons) == finding


def _score(**factors: object) -> risk.Risk:
    defaults = {"face": "matched", "age_out_of_range": False, "document_warnings": 0, "open_alerts": 0}
    return risk.assess(risk.RiskFactors(**{**defaults, **factors}), medium_risk_score=50, high_risk_score=75)


def test_points_add_up_per_check_and_cap_at_100() -> None:
    assert _score() == risk.Risk(0, RiskLevel.LOW, {"face": 0, "age": 0, "document_warnings": 0, "reuse_alerts": 0})
    assert _score(face="not_checked").score == 25
    assert _score(face="review_band").score == 50
    assert _score(face="mismatch").score == 80
    assert _score(age_out_of_range=True).score == 40
    assert _score(document_warnings=2).score == 20
    assert _score(open_alerts=1).factors["reuse_alerts"] == 15
    assert _score(open_alerts=5).factors["reuse_alerts"] == 30  # at most two alerts count
    everything = _score(face="mismatch", age_out_of_range=True, document_warnings=3, open_alerts=2)
    assert sum(everything.factors.values()) == 180 and everything.score == 100


@pytest.mark.parametrize(
    ("score", "level"),
    [(0, RiskLevel.LOW), (49, RiskLevel.LOW), (50, RiskLevel.MEDIUM), (74, RiskLevel.MEDIUM), (75, RiskLevel.HIGH)],
)
def test_level_is_inclusive_from_each_threshold(score: int, level: RiskLevel) -> None:
    assert risk.level(score, medium_risk_score=50, high_risk_score=75) == level


def test_equal_thresholds_have_no_medium_band() -> None:
    assert risk.level(60, medium_risk_score=60, high_risk_score=60) == RiskLevel.HIGH
    assert risk.level(0, medium_risk_score=0, high_risk_score=100) == RiskLevel.MEDIUM
