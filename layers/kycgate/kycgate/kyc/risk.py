"""A KYC request's risk score (0-100) from the checks that ran, and its level against the tenant's
thresholds. Pure rules: no HTTP, no AWS (the customer's open alerts are counted by the caller).

The score adds points per finding, capped at 100 (README "Risk score" has the table):

    face, the worst over the documents compared with the selfie
        matched                         0
        not checked (no selfie)        25
        in the review band             50
        unusable (no face on the document, no or several faces in the selfie)   50
        mismatch (another person)      80
    age outside min_age..max_age       40
    each document warning              10   (several faces on a document; no address on file to hold a
                                             proof of address against)
    each open Re-Use KYC alert         15   (open or in_review alerts of the customer, at most 2 counted)

The level is high from high_risk_score up, medium from medium_risk_score up, else low; the request keeps
the level it was given, so changing the thresholds changes the level of later requests only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from kycgate.kyc.vocabulary import RiskLevel

if TYPE_CHECKING:
    from kycgate.faces import FaceComparison

FACE_POINTS = {"matched": 0, "not_checked": 25, "review_band": 50, "unusable": 50, "mismatch": 80}
AGE_OUT_OF_RANGE_POINTS = 40
DOCUMENT_WARNING_POINTS = 10
OPEN_ALERT_POINTS = 15
OPEN_ALERTS_COUNTED = 2
MAX_SCORE = 100


class RiskFactors(NamedTuple):
    face: str  # a FACE_POINTS key
    age_out_of_range: bool
    document_warnings: int
    open_alerts: int


class Risk(NamedTuple):
    score: int
    level: RiskLevel
    factors: dict[str, int]  # the points by check, as the request shows them (risk_factors)


def face_finding(comparisons: list[FaceComparison | None]) -> str:
    """The worst face finding over the comparisons (None: no selfie to compare with)."""
    findings = [_finding(c) for c in comparisons] or ["not_checked"]
    return max(findings, key=FACE_POINTS.__getitem__)


def _finding(comparison: FaceComparison | None) -> str:
    from kycgate.faces import FaceDeclineCode  # the contract only: no model code

    if comparison is None:
        return "not_checked"
    if comparison.decline_code == FaceDeclineCode.FACE_MISMATCH:
        return "mismatch"
    if comparison.decline_code is not None:
        return "unusable"
    if comparison.in_review_band:
        return "review_band"
    return "matched" if comparison.matched else "mismatch"  # a backend outside the contract: never "matched"


def assess(factors: RiskFactors, *, medium_risk_score: int, high_risk_score: int) -> Risk:
    points = {
        "face": FACE_POINTS[factors.face],
        "age": AGE_OUT_OF_RANGE_POINTS if factors.age_out_of_range else 0,
        "document_warnings": DOCUMENT_WARNING_POINTS * factors.document_warnings,
        "reuse_alerts": OPEN_ALERT_POINTS * min(factors.open_alerts, OPEN_ALERTS_COUNTED),
    }
    score = min(MAX_SCORE, sum(points.values()))
    return Risk(score, level(score, medium_risk_score=medium_risk_score, high_risk_score=high_risk_score), points)


def level(score: int, *, medium_risk_score: int, high_risk_score: int) -> RiskLevel:
    if score >= high_risk_score:
        return RiskLevel.HIGH
    if score >= medium_risk_score:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW
