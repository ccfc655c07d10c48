"""potential_risk, the seed's five ratings, sanction_matched and the AML summary."""

from __future__ import annotations

import re

import pytest

from kycgate.compliance.screening import assess, potential_risk, rating, screen_company, screen_person
from kycgate.compliance.screening.matcher import MIN_SCORE, Hit
from kycgate.compliance.screening.risk import DEFAULT_MATCH_THRESHOLD, lists_screened
from tests.unit.compliance.lists_support import fixture_index

T = DEFAULT_MATCH_THRESHOLD


def hit(score: float, evidence: list | None = None, uid: str = "ofac_sdn:1") -> Hit:
    return Hit(
        uid=uid,
        source="ofac_sdn",
        list_name="OFAC Specially Designated Nationals (SDN) List",
        entry_type="person",
        name="DOE, John",
        matched_name="DOE, Johnny",
        matched_name_quality="strong",
        programs=("SDGT",),
        score=score,
        name_score=score,
        explanation={"evidence": evidence or []},
        entry={},
    )


@pytest.mark.parametrize(
    ("risk", "expected"),
    [
        (0, ("low", "Low risk")),
        (24, ("low", "Low risk")),
        (25, ("low_medium", "Low to medium risk")),
        (49, ("low_medium", "Low to medium risk")),
        (50, ("medium", "Medium risk")),
        (74, ("medium", "Medium risk")),
        (75, ("high", "High risk")),
        (99, ("high", "High risk")),
        (100, ("very_high", "Very high risk")),
    ],
)
def test_the_seeds_five_ratings(risk: int, expected: tuple[str, str]) -> None:
    assert rating(risk) == expected


def test_rating_refuses_out_of_range() -> None:
    with pytest.raises(ValueError):
        rating(101)


def test_potential_risk_formula() -> None:
    assert potential_risk([]) == 0
    # Possible matches: 25-74 across [MIN_SCORE, threshold).
    assert potential_risk([hit(MIN_SCORE)]) == 25
    assert 73 <= potential_risk([hit(T - 0.001)]) <= 74
    middle = MIN_SCORE + (T - MIN_SCORE) / 2
    assert potential_risk([hit(middle)]) == 25 + 49 // 2
    # Matches: 75-99 across [threshold, 1].
    assert potential_risk([hit(T)]) == 75
    assert potential_risk([hit(1.0)]) == 99
    assert potential_risk([hit(T + (1 - T) / 2)]) == 87
    # Corroborated by a birth date or registration number: 100.
    corroborated = [{"feature": "birth_date", "verdict": "match", "effect": 0.05}]
    assert potential_risk([hit(0.9, corroborated)]) == 100
    # ... but not when that hit is below the threshold.
    assert potential_risk([hit(0.8, corroborated)]) < 75
    # Nationality agreeing is not corroboration enough for 100.
    assert potential_risk([hit(0.9, [{"feature": "nationality", "verdict": "match", "effect": 0.03}])]) < 100
    # The best hit decides.
    assert potential_risk([hit(0.75), hit(0.95, uid="ofac_sdn:2")]) == potential_risk([hit(0.95)])


def test_threshold_moves_the_bands() -> None:
    assert potential_risk([hit(0.8)], threshold=0.8) == 75
    assert potential_risk([hit(0.8)], threshold=0.9) < 75
    with pytest.raises(ValueError):
        potential_risk([hit(0.8)], threshold=0)


def test_assess_a_sanctions_match() -> None:
    index = fixture_index()
    hits = screen_person(index, "Aiman al Zawahiri", birth_date="1951-06-19")
    risk = assess(hits, lists=lists_screened(index.sources))
    assert risk.sanction_matched
    assert (risk.potential_risk, risk.rating, risk.rating_label) == (100, "very_high", "Very high risk")
    assert risk.matches[0].uid in ("ofac_sdn:2676", "un_consolidated:QDi.006")
    text = risk.aml_summarization
    assert text.startswith("Sanctions match: ")
    assert "Birth date matches the list" in text and "Potential risk 100 (very high risk)." in text
    assert "1 more match" in text


def test_assess_without_the_birth_date_is_high() -> None:
    risk = assess(screen_person(fixture_index(), "Aiman al Zawahiri"))
    assert risk.sanction_matched and risk.rating == "high" and 75 <= risk.potential_risk < 100


def test_assess_a_clean_name() -> None:
    index = fixture_index()
    risk = assess(screen_person(index, "John Smith"), lists=lists_screened(index.sources))
    assert (risk.potential_risk, risk.rating, risk.sanction_matched) == (0, "low", False)
    # OFAC's CSV carries no date: the file's (its mtime here, Last-Modified when fetched) stands in.
    assert re.fullmatch(
        r"No match on the sanctions lists screened \(OFAC Specially Designated Nationals \(SDN\) List of "
        r"\d{4}-\d{2}-\d{2}; UN Security Council Consolidated List of 2026-02-27\)\. Potential risk 0 \(low risk\)\.",
        risk.aml_summarization,
    )


def test_assess_possible_matches_only() -> None:
    hits = screen_company(fixture_index(), "Havin Bank International")
    risk = assess(hits, threshold=0.99)
    assert not risk.sanction_matched and risk.matches == ()
    assert 25 <= risk.potential_risk <= 74
    assert risk.aml_summarization.startswith("No sanctions match at threshold 0.99; 1 possible match to review: ")
