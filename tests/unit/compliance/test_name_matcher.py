"""The matcher on an index built from the real list excerpts."""

from __future__ import annotations

import pytest

from kycgate.compliance.screening import matcher, screen_company, screen_person
from kycgate.compliance.screening.index import IndexFormatError, decode, encode
from kycgate.compliance.screening.risk import DEFAULT_MATCH_THRESHOLD
from tests.unit.compliance.lists_support import fixture_index

T = DEFAULT_MATCH_THRESHOLD


@pytest.fixture(scope="module")
def index():
    return fixture_index()


def _top(hits, uid):
    return next((h for h in hits if h.uid == uid), None)


def test_aiman_al_zawahiri_finds_al_zawahiri_ayman_and_says_why(index) -> None:
    hits = screen_person(index, "Aiman al Zawahiri")
    hit = _top(hits, "ofac_sdn:2676")
    assert hit is not None and hit.score >= T
    assert hits[0].score == hit.score
    assert (hit.source, hit.list_name, hit.programs) == (
        "ofac_sdn",
        "OFAC Specially Designated Nationals (SDN) List",
        ("SDGT",),
    )
    assert hit.name == "AL ZAWAHIRI, Dr. Ayman"
    assert hit.matched_name == "AL-ZAWAHIRI, Ayman"
    assert hit.matched_name_quality == "strong"
    pairs = {(p["query"], p["listed"]): p["similarity"] for p in hit.explanation["token_pairs"]}
    assert pairs[("zawahiri", "zawahiri")] == 1.0
    assert 0.8 <= pairs[("aiman", "ayman")] < 1.0
    assert hit.explanation["combination"].endswith(f"= {hit.score:.3f}")
    assert hit.entry["birth_dates"] == ["19 Jun 1951"]
    # The UN lists him too.
    assert _top(hits, "un_consolidated:QDi.006").score >= T


@pytest.mark.parametrize(
    "query",
    ["AL-ZAWAHIRI, Ayman", "Ayman al-Zawahiri", "ZAWAHIRI Ayman", "Ayman Zawahri", "Aiman Muhammad Zawahiri"],
)
def test_order_spelling_and_missing_parts_are_tolerated(index, query: str) -> None:
    hit = _top(screen_person(index, query), "ofac_sdn:2676")
    assert hit is not None and hit.score >= T, query


def test_a_listed_company_with_another_suffix(index) -> None:
    for query in ("Anglo Caribbean Company Limited", "Anglo-Caribbean GmbH", "ANGLO CARIBBEAN LLC"):
        hit = _top(screen_company(index, query), "ofac_sdn:173")
        assert hit is not None and hit.score >= T, query
    hit = _top(screen_company(index, "Havin Bank Ltd"), "ofac_sdn:906")
    assert hit.matched_name == "HAVIN BANK LIMITED" and hit.score >= T


@pytest.mark.parametrize("query", ["John Smith", "Maria Garcia", "Ayman Smith", "Jean-Pierre Dubois"])
def test_clean_person_names_are_not_matched(index, query: str) -> None:
    assert [h for h in screen_person(index, query) if h.score >= T] == []


@pytest.mark.parametrize("query", ["Acme Widgets Inc", "Caribbean Holidays Ltd", "National Bank of Canada"])
def test_clean_company_names_are_not_matched(index, query: str) -> None:
    assert [h for h in screen_company(index, query) if h.score >= T] == []


def test_a_person_query_never_matches_a_vessel_an_aircraft_or_an_entity(index) -> None:
    for query in ("Hermann", "Sand Swan", "EP-GOM", "Banco Nacional de Cuba", "Southfront"):
        assert screen_person(index, query, min_score=0.0) == [], query


def test_a_company_query_never_matches_a_person_or_a_vessel(index) -> None:
    for query in ("Hermann", "Sand Swan", "AL ZAWAHIRI Ayman", "Kim Jong Un"):
        hits = screen_company(index, query, min_score=0.0)
        assert all(h.entry_type == "entity" for h in hits), query
    assert screen_company(index, "Banco Nacional de Cuba")[0].uid == "ofac_sdn:306"


def test_a_contradicting_birth_date_lowers_the_score(index) -> None:
    # A spelling that scores below 1.0, so that agreeing evidence can show too (scores stop at 1).
    name = "Aiman al Zawahiri"
    plain = _top(screen_person(index, name), "ofac_sdn:2676")
    same = _top(screen_person(index, name, birth_date="1951-06-19"), "ofac_sdn:2676")
    year = _top(screen_person(index, name, birth_date="1951"), "ofac_sdn:2676")
    near = _top(screen_person(index, name, birth_date="1952-01-10"), "ofac_sdn:2676")
    other = _top(screen_person(index, name, birth_date="1985-03-02", min_score=0), "ofac_sdn:2676")
    assert same.score > year.score > plain.score > near.score > other.score
    assert other.score < T
    evidence = other.explanation["evidence"][0]
    assert (evidence["feature"], evidence["verdict"], evidence["listed"]) == (
        "birth_date",
        "contradicts",
        ["19 Jun 1951"],
    )
    assert "birth_date contradicts" in other.explanation["combination"]
    excluded = screen_person(index, name, birth_date="1985-03-02", birth_date_mismatch_excludes=True, min_score=0)
    assert _top(excluded, "ofac_sdn:2676") is None


def test_bad_birth_date_is_refused(index) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        screen_person(index, "Ayman al-Zawahiri", birth_date="19/06/1951")


def test_nationality_and_gender_are_evidence(index) -> None:
    name = "Emilie Liu"
    base = _top(screen_person(index, name), "ofac_sdn:22683").score
    assert base < 1.0
    assert _top(screen_person(index, name, nationality="CHN"), "ofac_sdn:22683").score > base
    assert _top(screen_person(index, name, nationality="FR", min_score=0), "ofac_sdn:22683").score < base
    male = _top(screen_person(index, name, gender="M", min_score=0), "ofac_sdn:22683")
    assert male.score < base and male.explanation["evidence"][0]["verdict"] == "contradicts"


def test_company_country_and_registration_number(index) -> None:
    name = "Havin Bank International"  # scores below 1.0 on "HAVIN BANK LIMITED"
    base = _top(screen_company(index, name, min_score=0), "ofac_sdn:906").score
    assert base < 1.0
    assert _top(screen_company(index, name, country="GB", min_score=0), "ofac_sdn:906").score > base
    assert _top(screen_company(index, name, country="BR", min_score=0), "ofac_sdn:906").score < base
    hit = _top(screen_company(index, name, registration_number="0107 4897", min_score=0), "ofac_sdn:906")
    (evidence,) = hit.explanation["evidence"]
    assert (evidence["feature"], evidence["verdict"], evidence["effect"]) == (
        "registration_number",
        "match",
        matcher.REGISTRATION_MATCH,
    )
    assert "01074897" in evidence["listed"]
    unknown = _top(screen_company(index, name, registration_number="999", min_score=0), "ofac_sdn:906")
    assert unknown.score == base and unknown.explanation["evidence"] == []


def test_chinese_names_in_han_and_in_pinyin(index) -> None:
    for query in ("金铁三", "Jin Tiesan", "Jin Tie San", "Tiesan Jin"):
        hit = _top(screen_person(index, query), "un_consolidated:KPi.035")
        assert hit is not None and hit.score >= T, query
    hit = _top(screen_company(index, "朝鲜联合机械贸易会社"), "un_consolidated:KPe.016")
    assert hit is not None and hit.score >= T


def test_weak_aliases_count_less(index) -> None:
    hit = _top(screen_person(index, "William Zhou"), "ofac_sdn:25308")
    assert hit.matched_name_quality == "weak"
    assert hit.score == pytest.approx(hit.name_score * matcher.WEAK_ALIAS_FACTOR, abs=0.001)


def test_sources_filter(index) -> None:
    hits = screen_person(index, "Ayman al-Zawahiri", sources={"un_consolidated"})
    assert {h.source for h in hits} == {"un_consolidated"}


def test_candidates_come_from_keys_not_a_scan(index, monkeypatch: pytest.MonkeyPatch) -> None:
    scored: list[int] = []
    original = matcher._score_name

    def counting(index_, query, row):
        scored.append(row)
        return original(index_, query, row)

    monkeypatch.setattr(matcher, "_score_name", counting)
    screen_person(index, "Aiman al Zawahiri")
    assert 0 < len(scored) < index.name_count / 4
    scored.clear()
    screen_person(index, "Completely Unrelated")
    assert scored == []


def test_empty_and_punctuation_names_have_no_hits(index) -> None:
    assert screen_person(index, "") == []
    assert screen_company(index, "...,") == []


def test_index_round_trip_and_refusals(index) -> None:
    from kycgate.compliance.lists.importer import compile_index
    from tests.unit.compliance.lists_support import parsed_fixtures

    doc, data = compile_index(parsed_fixtures())
    again = decode(data)
    assert again.counts == doc["counts"] and again.vocab == doc["vocab"]
    with pytest.raises(IndexFormatError):
        decode(b"\x93not an index")
    with pytest.raises(IndexFormatError, match="not a kycgate screening index"):
        decode(encode({"format": "other"}))
    with pytest.raises(IndexFormatError, match="format 99"):
        decode(encode({**doc, "format_version": 99}))


def test_an_absurdly_long_name_is_cut_not_slow(index) -> None:
    import time

    started = time.perf_counter()
    hits = screen_person(index, "Ayman al-Zawahiri " + "x" * 100_000)
    assert time.perf_counter() - started < 0.5
    assert all(h.score < 1 for h in hits)
