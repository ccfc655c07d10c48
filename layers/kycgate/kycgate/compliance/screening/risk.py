"""Hits -> potential risk (0-100), the seed's five KYC risk ratings, sanction_matched and a short
AML summary.

    no hit                                   0
    best hit below the threshold t           25 + floor(49 * (s - MIN_SCORE) / (t - MIN_SCORE))   25-74
    best hit at or above t                   75 + floor(24 * (s - t) / (1 - t))                   75-99
    ... and corroborated (birth date or      100
        registration number matches)

s is the best hit's score (matcher.py: name score with the evidence applied). Every list served
is a sanctions list, so sanction_matched is "some hit reaches t". The rating follows the seed:
0-24 low, 25-49 low to medium, 50-74 medium, 75-99 high, 100 very high.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from kycgate.compliance.screening.matcher import MIN_SCORE, Hit

# Chosen from bench/screening.py on the 2021 SDN + UN lists: recall 0.97 at a false-positive rate
# of 0.05 (README, Performance -> Screening).
DEFAULT_MATCH_THRESHOLD = 0.85

RATINGS = (
    (100, "very_high", "Very high risk"),
    (75, "high", "High risk"),
    (50, "medium", "Medium risk"),
    (25, "low_medium", "Low to medium risk"),
    (0, "low", "Low risk"),
)
_CORROBORATING = ("birth_date", "registration_number")


class RiskAssessment(NamedTuple):
    potential_risk: int
    rating: str  # low | low_medium | medium | high | very_high
    rating_label: str  # the seed's words: "Low risk" ... "Very high risk"
    sanction_matched: bool
    matches: tuple[Hit, ...]  # hits at or above the threshold, best first
    possible_matches: tuple[Hit, ...]  # hits below it
    aml_summarization: str


def rating(potential_risk: int) -> tuple[str, str]:
    """(rating, label) of a 0-100 potential risk."""
    if not 0 <= potential_risk <= 100:
        raise ValueError(f"potential risk {potential_risk} is not within 0-100")
    for floor, name, label in RATINGS:
        if potential_risk >= floor:
            return name, label
    raise AssertionError("unreachable")


def corroborated(hit: Hit) -> bool:
    """A birth date or registration number on the list agrees with the query's."""
    return any(item["verdict"] == "match" and item["feature"] in _CORROBORATING for item in hit.explanation["evidence"])


def potential_risk(hits: Sequence[Hit], threshold: float = DEFAULT_MATCH_THRESHOLD) -> int:
    if not 0 < threshold <= 1:
        raise ValueError(f"match threshold {threshold} is not within (0, 1]")
    if not hits:
        return 0
    best = max(hits, key=lambda h: h.score)
    score = best.score
    if score >= threshold:
        if any(corroborated(h) for h in hits if h.score >= threshold):
            return 100
        if threshold >= 1:
            return 99
        return min(99, 75 + math.floor(24 * (score - threshold) / (1 - threshold) + 1e-9))
    floor = min(MIN_SCORE, threshold)
    if threshold <= floor:
        return 25
    return max(25, min(74, 25 + math.floor(49 * (score - floor) / (threshold - floor) + 1e-9)))


def _describe(hit: Hit) -> str:
    programs = f", programs {', '.join(hit.programs)}" if hit.programs else ""
    matched = "" if hit.matched_name == hit.name else f" on {hit.matched_name_quality} alias '{hit.matched_name}'"
    return f"{hit.name} ({hit.list_name}{programs}){matched}, score {hit.score:.2f}"


def _evidence_words(hit: Hit) -> str:
    words = []
    for item in hit.explanation["evidence"]:
        if item["verdict"] in ("match", "contradicts", "near"):
            verb = {"match": "matches", "contradicts": "contradicts", "near": "is close to"}[item["verdict"]]
            listed = ", ".join(str(v) for v in item["listed"][:3])
            words.append(f"{item['feature'].replace('_', ' ')} {verb} the list ({listed})")
    return "; ".join(words)


def summarize(
    matches: Sequence[Hit], possible: Sequence[Hit], risk: int, label: str, threshold: float, lists: str
) -> str:
    """A short text for a reviewer (the seed's aml_summarization), generated from the hits."""
    tail = f"Potential risk {risk} ({label.lower()})."
    if matches:
        top = matches[0]
        text = f"Sanctions match: {_describe(top)}."
        evidence = _evidence_words(top)
        if evidence:
            text += f" {evidence[0].upper()}{evidence[1:]}."
        if len(matches) > 1:
            others = sorted({h.list_name for h in matches[1:]})
            text += f" {len(matches) - 1} more match{'es' if len(matches) > 2 else ''} ({'; '.join(others)})."
        return f"{text} {tail}"
    if possible:
        shown = "; ".join(_describe(h) for h in possible[:2])
        more = f" and {len(possible) - 2} more" if len(possible) > 2 else ""
        return (
            f"No sanctions match at threshold {threshold:.2f}; {len(possible)} possible "
            f"match{'es' if len(possible) > 1 else ''} to review: {shown}{more}. {tail}"
        )
    return f"No match on the sanctions lists screened{f' ({lists})' if lists else ''}. {tail}"


def assess(hits: Sequence[Hit], threshold: float = DEFAULT_MATCH_THRESHOLD, *, lists: str = "") -> RiskAssessment:
    """The risk of a screened target from its hits (``lists``: what was screened, for the summary)."""
    risk = potential_risk(hits, threshold)
    name, label = rating(risk)
    ordered = sorted(hits, key=lambda h: (-h.score, h.uid))
    matches = tuple(h for h in ordered if h.score >= threshold)
    possible = tuple(h for h in ordered if h.score < threshold)
    return RiskAssessment(
        potential_risk=risk,
        rating=name,
        rating_label=label,
        sanction_matched=any(h.is_sanction for h in matches),
        matches=matches,
        possible_matches=possible,
        aml_summarization=summarize(matches, possible, risk, label, threshold, lists),
    )


def lists_screened(sources: Sequence[dict[str, object]]) -> str:
    """ "OFAC SDN 2021-07-12; UN consolidated 2026-02-27" from an index's manifest sources."""
    from kycgate.compliance.screening.index import LIST_NAMES

    parts = []
    for source in sources:
        name = str(source["source"])
        if name not in LIST_NAMES:  # address lists hold no names
            continue
        files = source.get("files") or []
        date = source.get("published") or (files[0].get("file_date") if files else None)  # type: ignore[union-attr]
        parts.append(f"{LIST_NAMES[name]}{f' of {str(date)[:10]}' if date else ''}")
    return "; ".join(parts)
