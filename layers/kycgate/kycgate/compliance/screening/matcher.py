"""Name screening: candidates from token keys, a score per listed name, evidence, and hits that say why.

For each query token, the similar vocabulary tokens are found by key, never by a scan: the token
itself, its metaphone key, its one-deletion keys (which reach every listed token one edit away) and
its two halves when the list writes it as two words. Each similar token is scored (rapidfuzz Indel
similarity, raised to PHONETIC_SIMILARITY when the metaphone keys agree and the lengths are close)
and kept from TOKEN_MIN. Names holding those tokens, in the query's group only (persons for a
person, entities for a company), are ranked by the best score they could reach from what they
share, and the best MAX_CANDIDATES from CANDIDATE_FLOOR are scored:

    alignment = M / (Mw + QUERY_EXTRA_PENALTY * Uq + LIST_EXTRA_PENALTY * Uc)

over a one-to-one pairing of query and list tokens (best pairs first): M sums pair similarity x
mean pair weight, Mw the mean pair weights, Uq and Uc the weights of the query's and the listed
name's unpaired tokens. Token order is free, and a listed middle name the query lacks costs less
than a query token the list lacks. When both sides keep unpaired tokens, they are written together
and compared as one pair (a name split or joined differently: "Tie San" / "Tiesan"), which counts
from JOINED_MIN. A weak alias counts WEAK_ALIAS_FACTOR.
Evidence then moves the score (risk.py documents how hits become a rating): birth date, nationality
and gender for persons; country and registration number for companies.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any, NamedTuple

from kycgate.compliance.screening import normalize
from kycgate.compliance.screening.index import LIST_NAMES, ScreeningIndex

TOKEN_MIN = 0.75
PHONETIC_SIMILARITY = 0.88
PHONETIC_MIN_RATIO = 0.6
# "ming" and "mingguo" share a metaphone key; a sound-alike is about as long.
PHONETIC_MAX_LENGTH_GAP = 2
QUERY_EXTRA_PENALTY = 0.6
LIST_EXTRA_PENALTY = 0.3
JOINED_MIN = 0.8
WEAK_ALIAS_FACTOR = 0.9
MAX_CANDIDATES = 60
# Names whose best possible score (see _candidates) is below this are not scored.
CANDIDATE_FLOOR = 0.5
# A token in more names of the group than this (e.g. "muhammad") does not generate candidates
# when the query has a rarer token; it still counts in the score.
COMMON_TOKEN_NAMES = 1500
MAX_QUERY_TOKENS = 16
# No listed name is longer; a longer query is cut here before it is normalised.
MAX_NAME_CHARS = 400
# Hits below this are not returned at all; between it and the match threshold they are possible
# matches (risk.py: low-medium and medium risk).
MIN_SCORE = 0.7

# Evidence: score change per verdict.
BIRTH_DATE_EXACT = 0.05
BIRTH_DATE_YEAR = 0.03
BIRTH_DATE_NEAR = -0.05
BIRTH_DATE_CONTRADICTS = -0.2
NATIONALITY_MATCH = 0.03
NATIONALITY_CONTRADICTS = -0.08
GENDER_CONTRADICTS = -0.15
COUNTRY_MATCH = 0.03
COUNTRY_CONTRADICTS = -0.05
REGISTRATION_MATCH = 0.15


class Hit(NamedTuple):
    """One listed entry a query may be. ``explanation`` is JSON-ready data: the token pairs and
    their similarities, the unpaired tokens, the features, the evidence and the combination."""

    uid: str
    source: str
    list_name: str
    entry_type: str
    name: str  # the entry's primary name as listed
    matched_name: str  # the name or alias that matched, as listed
    matched_name_quality: str  # strong | weak
    programs: tuple[str, ...]
    score: float
    name_score: float
    explanation: dict[str, Any]
    entry: dict[str, Any]  # what the list says: birth dates, nationalities, identifiers, aliases, ...

    @property
    def is_sanction(self) -> bool:
        """Every list served today is a sanctions list."""
        return True


class _QueryToken(NamedTuple):
    text: str
    weight: float
    similar: dict[int, float]  # vocabulary id -> similarity


class _Scored(NamedTuple):
    score: float
    row: int
    pairs: list[tuple[str, str, float]]
    joined: tuple[str, str, float] | None
    unpaired_query: list[str]
    unpaired_list: list[str]


_indel: Any = None


def _rapidfuzz() -> Any:
    """rapidfuzz's Indel similarity, imported on the first query (not with this module)."""
    global _indel
    if _indel is None:
        from rapidfuzz.distance import Indel

        _indel = Indel.normalized_similarity
    return _indel


def _similarity(index: ScreeningIndex, token: str, key: str | None, tid: int) -> float:
    listed = index.vocab[tid]
    ratio = _indel(token, listed)
    if (
        PHONETIC_MIN_RATIO <= ratio < PHONETIC_SIMILARITY
        and key is not None
        and key == index.token_key[tid]
        and abs(len(token) - len(listed)) <= PHONETIC_MAX_LENGTH_GAP
    ):
        return PHONETIC_SIMILARITY
    return ratio


def _similar_tokens(index: ScreeningIndex, token: str) -> dict[int, float]:
    """Vocabulary tokens like ``token`` (id -> similarity), found by key: the token, its metaphone,
    its one-deletion neighbours, and the halves of a token the list writes as two ("alzawahiri")."""
    found: dict[int, float] = {}
    token_id = index.token_id
    exact = token_id.get(token)
    if exact is not None:
        found[exact] = 1.0
    if token.startswith(normalize.MARK):
        return found
    near: set[int] = set()
    key = normalize.phonetic_key(token)
    if key:
        near.update(index.phonetic.get(key, ()))
    if len(token) >= 4:
        deletions = index.deletions
        near.update(deletions.get(token, ()))  # the list's token has one more character
        for deleted in normalize.deletions(token):
            tid = token_id.get(deleted)  # the query's token has one more character
            if tid is not None:
                near.add(tid)
            near.update(deletions.get(deleted, ()))  # one character differs
    if len(token) >= 5:
        for cut in range(2, len(token) - 1):
            head, tail = token_id.get(token[:cut]), token_id.get(token[cut:])
            if head is not None and tail is not None:
                near.update((head, tail))
    near.discard(exact)  # type: ignore[arg-type]
    for tid in near:
        similarity = _similarity(index, token, key, tid)
        if similarity >= TOKEN_MIN:
            found[tid] = round(similarity, 3)
    return found


def _query_tokens(index: ScreeningIndex, form: Sequence[str]) -> list[_QueryToken]:
    out = []
    similar: dict[str, dict[int, float]] = {}
    for text in form[:MAX_QUERY_TOKENS]:  # a repeated word stays: "MOHAMED OMAR MOHAMED" has two
        tid = index.token_id.get(text)
        weight = index.weights[tid] if tid is not None else normalize.token_weight(text, 0, index.name_count)
        if text not in similar:
            similar[text] = _similar_tokens(index, text)
        out.append(_QueryToken(text, weight, similar[text]))
    return out


def _candidates(index: ScreeningIndex, group: str, query: list[_QueryToken]) -> list[int]:
    """The names most worth scoring, best bound first (at most MAX_CANDIDATES)."""
    postings = index.postings[group]
    words = [q for q in query if not q.text.startswith(normalize.MARK)]
    times = Counter(q.text for q in words)  # a repeated word counts each time it is written
    generating = list({q.text: q for q in words if q.similar}.values())
    sizes = {q.text: sum(len(postings.get(t, ())) for t in q.similar) for q in generating}
    skipped = 0.0
    if len(generating) > 1:
        rare = [q for q in generating if sizes[q.text] <= COMMON_TOKEN_NAMES]
        if not rare:
            rare = [min(generating, key=lambda q: sizes[q.text])]
        rare_texts = {q.text for q in rare}
        skipped = sum(q.weight * times[q.text] for q in generating if q.text not in rare_texts)
        generating = rare
    shared: dict[int, float] = {}
    get = shared.get
    for q in generating:
        for tid, similarity in q.similar.items():
            gain = q.weight * similarity * times[q.text]
            for row in postings.get(tid, ()):
                shared[row] = get(row, 0.0) + gain
    # Two query tokens the list writes as one ("tie san" / "tiesan").
    for first, second in itertools.pairwise(words):
        tid = index.token_id.get(first.text + second.text)
        if tid is not None:
            gain = first.weight + second.weight
            for row in postings.get(tid, ()):
                shared[row] = get(row, 0.0) + gain
    # The score a name could at best reach if everything it shares pairs perfectly (skipped common
    # tokens counted as shared): the ranking, and the bound that drops names that cannot reach
    # MIN_SCORE.
    total = sum(q.weight for q in words)
    name_weight = index.name_weight
    bound: dict[int, float] = {}
    for row, value in shared.items():
        value = min(value + skipped, total)
        listed_extra = max(0.0, name_weight[row] - value)
        estimate = value / (value + QUERY_EXTRA_PENALTY * (total - value) + LIST_EXTRA_PENALTY * listed_extra)
        if estimate >= CANDIDATE_FLOOR:
            bound[row] = estimate
    if len(bound) <= MAX_CANDIDATES:
        return list(bound)
    return heapq.nlargest(MAX_CANDIDATES, bound, key=bound.__getitem__)


def _score_name(index: ScreeningIndex, query: list[_QueryToken], row: int) -> _Scored:
    tokens = index.name_tokens[row]
    weights = index.weights
    vocab = index.vocab
    pairs = []
    for qi, q in enumerate(query):
        similar = q.similar
        for ci, tid in enumerate(tokens):
            similarity = similar.get(tid)
            if similarity:
                pairs.append((similarity, qi, ci))
    pairs.sort(reverse=True)
    used_q: set[int] = set()
    used_c: set[int] = set()
    matched = matched_weight = 0.0
    explained = []
    for similarity, qi, ci in pairs:
        if qi in used_q or ci in used_c:
            continue
        used_q.add(qi)
        used_c.add(ci)
        pair_weight = (query[qi].weight + weights[tokens[ci]]) / 2
        matched += similarity * pair_weight
        matched_weight += pair_weight
        explained.append((query[qi].text, vocab[tokens[ci]], similarity))
    mark = normalize.MARK
    left_q = [q for qi, q in enumerate(query) if qi not in used_q]
    left_c = [tid for ci, tid in enumerate(tokens) if ci not in used_c]
    words_q = [q for q in left_q if not q.text.startswith(mark)]
    words_c = [tid for tid in left_c if not vocab[tid].startswith(mark)]
    joined = None
    if words_q and words_c:
        # A name split or joined differently ("tie san" / "tiesan", "abdul rahman" / "abdulrahman"):
        # the unpaired words of each side, written together, may pair as one.
        similarity = round(_indel("".join(q.text for q in words_q), "".join(vocab[t] for t in words_c)), 3)
        if similarity >= JOINED_MIN:
            pair_weight = (sum(q.weight for q in words_q) + sum(weights[t] for t in words_c)) / 2
            matched += similarity * pair_weight
            matched_weight += pair_weight
            joined = (" ".join(q.text for q in words_q), " ".join(vocab[t] for t in words_c), similarity)
            left_q = [q for q in left_q if q.text.startswith(mark)]
            left_c = [tid for tid in left_c if vocab[tid].startswith(mark)]
    extra_q = sum(q.weight for q in left_q)
    extra_c = sum(weights[tid] for tid in left_c)
    denominator = matched_weight + QUERY_EXTRA_PENALTY * extra_q + LIST_EXTRA_PENALTY * extra_c
    score = matched / denominator if denominator else 0.0
    return _Scored(score, row, explained, joined, [q.text for q in left_q], [vocab[t] for t in left_c])


def _best_names(
    index: ScreeningIndex, kind: str, group: str, name: str, sources: Collection[str] | None
) -> tuple[dict[int, _Scored], list[tuple[str, ...]]]:
    """The best-scoring name of each candidate entry, over the query's forms."""
    _rapidfuzz()
    forms = normalize.name_forms(name[:MAX_NAME_CHARS], kind, index.legal_forms, index.legal_form_typos)
    best: dict[int, _Scored] = {}
    for form in forms:
        query = _query_tokens(index, form)
        for row in _candidates(index, group, query):
            entry = index.name_entry[row]
            if sources is not None and index.entries["source"][entry] not in sources:
                continue
            scored = _score_name(index, query, row)
            if index.name_weak[row]:
                scored = scored._replace(score=scored.score * WEAK_ALIAS_FACTOR)
            current = best.get(entry)
            if current is None or scored.score > current.score:
                best[entry] = scored
    return best, forms


def _parse_query_date(value: str | None) -> tuple[str, str, bool] | None:
    """(start, end, is_full_date) of a query's birth date: YYYY-MM-DD, YYYY-MM or YYYY."""
    if not value:
        return None
    text = value.strip()
    from kycgate.compliance.lists import dates

    parsed = dates.iso_date(text)
    if parsed:
        return parsed.start, parsed.end, len(text) >= 10
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        import calendar

        year, month = int(text[:4]), int(text[5:])
        if 1 <= month <= 12:
            last = calendar.monthrange(year, month)[1]
            return f"{text}-01", f"{text}-{last:02d}", False
    raise ValueError(f"birth date {value!r} is not YYYY-MM-DD, YYYY-MM or YYYY")


def _birth_date_evidence(query: tuple[str, str, bool], listed: list[list[str]]) -> dict[str, Any]:
    texts = [text for _s, _e, text in listed]
    base = {"feature": "birth_date", "query": query[0] if query[2] else query[0][:4], "listed": texts}
    if not listed:
        return {**base, "verdict": "unknown", "effect": 0.0}
    q_start, q_end, full = query
    overlapping = [(start, end) for start, end, _text in listed if start <= q_end and q_start <= end]
    if overlapping:
        # The same day on both sides, or (a year, a month, "circa") a range the other falls in.
        exact = full and any(start == end == q_start for start, end in overlapping)
        return {**base, "verdict": "match", "effect": BIRTH_DATE_EXACT if exact else BIRTH_DATE_YEAR}
    gap = min(max(0, int(start[:4]) - int(q_end[:4]), int(q_start[:4]) - int(end[:4])) for start, end, _t in listed)
    if gap <= 1:
        return {**base, "verdict": "near", "effect": BIRTH_DATE_NEAR}
    return {**base, "verdict": "contradicts", "effect": BIRTH_DATE_CONTRADICTS}


def _country_evidence(feature: str, query: str, listed: list[str], match: float, contradicts: float) -> dict[str, Any]:
    base = {"feature": feature, "query": query, "listed": listed}
    if not listed:
        return {**base, "verdict": "unknown", "effect": 0.0}
    if query in listed:
        return {**base, "verdict": "match", "effect": match}
    return {**base, "verdict": "contradicts", "effect": contradicts}


def _alnum(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalnum())


def _final_score(scored: _Scored, evidence: list[dict[str, Any]]) -> float:
    effects = round(sum(item["effect"] for item in evidence), 3)
    return round(max(0.0, min(1.0, scored.score + effects)), 3)


def _hit(
    index: ScreeningIndex,
    entry: int,
    scored: _Scored,
    query_forms: list[tuple[str, ...]],
    evidence: list[dict[str, Any]],
) -> Hit:
    e = index.entries
    weak = bool(index.name_weak[scored.row])
    alias_factor = WEAK_ALIAS_FACTOR if weak else 1.0
    name_score = scored.score / alias_factor
    effects = round(sum(item["effect"] for item in evidence), 3)
    score = _final_score(scored, evidence)
    terms = [f"{name_score:.3f} (name)"]
    if weak:
        terms.append(f"x {alias_factor:.2f} (weak alias)")
    terms += [f"{item['effect']:+.2f} ({item['feature']} {item['verdict']})" for item in evidence if item["effect"]]
    source = e["source"][entry]
    return Hit(
        uid=e["uid"][entry],
        source=source,
        list_name=LIST_NAMES.get(source, source),
        entry_type=e["type"][entry],
        name=e["name"][entry],
        matched_name=index.name_text[scored.row],
        matched_name_quality="weak" if weak else "strong",
        programs=tuple(e["programs"][entry]),
        score=score,
        name_score=round(name_score, 3),
        explanation={
            "query_tokens": list(query_forms[0]) if len(query_forms) == 1 else [list(f) for f in query_forms],
            "listed_tokens": [index.vocab[t] for t in index.name_tokens[scored.row]],
            "token_pairs": [{"query": q, "listed": c, "similarity": s} for q, c, s in scored.pairs]
            + (
                [
                    {
                        "query": scored.joined[0],
                        "listed": scored.joined[1],
                        "similarity": scored.joined[2],
                        "joined": True,
                    }
                ]
                if scored.joined
                else []
            ),
            "unpaired_query_tokens": scored.unpaired_query,
            "unpaired_listed_tokens": scored.unpaired_list,
            "features": {
                "name_score": round(name_score, 3),
                "alias_factor": alias_factor,
                "evidence": effects,
            },
            "evidence": evidence,
            "combination": " ".join(terms) + f" = {score:.3f}",
        },
        entry=index.entry_facts(entry),
    )


def screen_person(
    index: ScreeningIndex,
    name: str,
    birth_date: str | None = None,
    nationality: str | None = None,
    gender: str | None = None,
    *,
    min_score: float = MIN_SCORE,
    sources: Collection[str] | None = None,
    birth_date_mismatch_excludes: bool = False,
    limit: int = 20,
) -> list[Hit]:
    """Listed persons ``name`` may be, best first, each at least ``min_score``.

    ``birth_date`` is YYYY-MM-DD, YYYY-MM or YYYY (ValueError otherwise); ``nationality`` a
    country code (alpha-2 or alpha-3) or name; ``gender`` male/female (M/F). With
    ``birth_date_mismatch_excludes`` a listed entry whose birth dates contradict the query's is
    left out instead of scored down.
    """
    from kycgate.compliance.lists.countries import to_alpha2

    query_date = _parse_query_date(birth_date)
    country = to_alpha2(nationality) if nationality else None
    sex = {"m": "male", "f": "female"}.get((gender or "").strip().lower()[:1])
    best, forms = _best_names(index, normalize.PERSON, "person", name, sources)
    e = index.entries
    hits = []
    for entry, scored in best.items():
        if scored.score + BIRTH_DATE_EXACT + NATIONALITY_MATCH < min_score:  # no evidence can lift it
            continue
        evidence = []
        if query_date:
            evidence.append(_birth_date_evidence(query_date, e["birth_dates"][entry]))
            if birth_date_mismatch_excludes and evidence[-1]["verdict"] == "contradicts":
                continue
        if country:
            listed = list(dict.fromkeys(e["nationalities"][entry] + e["citizenships"][entry]))
            evidence.append(
                _country_evidence("nationality", country, listed, NATIONALITY_MATCH, NATIONALITY_CONTRADICTS)
            )
        if sex and e["gender"][entry]:
            listed_sex = e["gender"][entry]
            verdict = "match" if listed_sex == sex else "contradicts"
            evidence.append(
                {
                    "feature": "gender",
                    "query": sex,
                    "listed": [listed_sex],
                    "verdict": verdict,
                    "effect": 0.0 if verdict == "match" else GENDER_CONTRADICTS,
                }
            )
        if _final_score(scored, evidence) >= min_score:
            hits.append(_hit(index, entry, scored, forms, evidence))
    hits.sort(key=lambda h: (-h.score, h.uid))
    return hits[:limit]


def screen_company(
    index: ScreeningIndex,
    name: str,
    country: str | None = None,
    registration_number: str | None = None,
    *,
    min_score: float = MIN_SCORE,
    sources: Collection[str] | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Listed entities (never persons, vessels or aircraft) ``name`` may be, best first.

    ``country``: alpha-2, alpha-3 or name. ``registration_number`` counts only when an identifier
    of the entry equals it (letters and digits compared): a list rarely gives one, so its absence
    proves nothing.
    """
    from kycgate.compliance.lists.countries import to_alpha2

    code = to_alpha2(country) if country else None
    wanted = _alnum(registration_number or "")
    best, forms = _best_names(index, normalize.ORGANISATION, "organisation", name, sources)
    e = index.entries
    hits = []
    for entry, scored in best.items():
        if scored.score + COUNTRY_MATCH + REGISTRATION_MATCH < min_score:
            continue
        evidence = []
        if code:
            listed = list(dict.fromkeys(e["countries"][entry] + e["nationalities"][entry]))
            evidence.append(_country_evidence("country", code, listed, COUNTRY_MATCH, COUNTRY_CONTRADICTS))
        if wanted:
            numbers = [number for _kind, number, _c in e["identifiers"][entry]]
            if any(_alnum(n) == wanted for n in numbers):
                evidence.append(
                    {
                        "feature": "registration_number",
                        "query": registration_number,
                        "listed": numbers,
                        "verdict": "match",
                        "effect": REGISTRATION_MATCH,
                    }
                )
        if _final_score(scored, evidence) >= min_score:
            hits.append(_hit(index, entry, scored, forms, evidence))
    hits.sort(key=lambda h: (-h.score, h.uid))
    return hits[:limit]
