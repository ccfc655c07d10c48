"""Compile parsed lists into one screening index: a plain document of lists, dicts, strings and
numbers (no objects: it is stored with msgpack and must be safe to load from a bucket).

Layout (format_version 1), everything addressed by position:
- ``entries``: columns, one row per listed entry (uid, source, type, name, aliases, programs,
  birth dates as [start, end, text], nationalities, citizenships, gender, countries,
  identifiers as [kind, number, country], places of birth, title, listed on).
- ``names``: one row per name form: the entry, the name as listed, weak (1) or strong (0), tokens
  as vocabulary ids, and their summed weight. A name with Han readings has a row per reading.
- ``vocab`` (sorted tokens) and ``weights`` (per token: 0.05 title, 0.1 legal form, 0.3 particle
  or initial, else by rarity, 0.4 for the commonest to 1.0 for tokens in at most 20 names).
- ``postings``: per group (person, organisation, other) token id -> name rows, so a person query
  never walks company names and no query walks vessels.
- ``phonetic`` (metaphone key -> token ids) and ``deletions`` (a token with one character left out
  -> token ids): the keys candidate generation looks tokens up by, never a scan.
- ``legal_forms``: the normalisation table queries need ([span, canonical]).
- ``addresses``: address key -> [[entry row or -1, currency, address as listed, source]].
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from kycgate.compliance.lists.addresses import listing_key
from kycgate.compliance.lists.legal_forms import build_table
from kycgate.compliance.lists.model import PERSON, STRONG, WEAK, ParsedSource
from kycgate.compliance.screening import normalize
from kycgate.compliance.screening.index import FORMAT, FORMAT_VERSION, GROUPS
from kycgate.compliance.screening.normalize import token_weight


def group_of(entry_type: str) -> str:
    if entry_type == PERSON:
        return "person"
    return "organisation" if entry_type == "entity" else "other"


def _source_manifest(parsed: ParsedSource) -> dict[str, Any]:
    counts: dict[str, int] = defaultdict(int)
    for entry in parsed.entries:
        counts[entry.entry_type] += 1
    return {
        "source": parsed.source,
        "kind": parsed.kind,
        "published": parsed.published,
        "files": [f._asdict() for f in parsed.files],
        "counts": {
            "entries": len(parsed.entries),
            **{t: counts.get(t, 0) for t in ("person", "entity", "vessel", "aircraft")},
            "aliases": sum(len(e.aliases) for e in parsed.entries),
            "addresses": len(parsed.addresses),
        },
    }


def index_version(built_at: str, sources: Sequence[ParsedSource]) -> str:
    """``<UTC time>-<digest of the input files>``: sortable, and the same inputs give the same digest."""
    digest = hashlib.sha256()
    for parsed in sorted(sources, key=lambda p: p.source):
        for file in parsed.files:
            digest.update(f"{parsed.source}/{file.name}:{file.sha256}\n".encode())
    stamp = built_at.replace("-", "").replace(":", "").split(".")[0].removesuffix("+0000").removesuffix("Z")
    return f"{stamp}Z-{digest.hexdigest()[:12]}"


def build(sources: Sequence[ParsedSource], built_at: str) -> dict[str, Any]:
    names_seen = [p.source for p in sources]
    if len(set(names_seen)) != len(names_seen):
        raise ValueError(f"a source is given twice: {sorted(names_seen)}")
    legal_forms = build_table()
    typos = normalize.legal_form_typos(legal_forms)
    entries: dict[str, list[Any]] = defaultdict(list)
    name_entry: list[int] = []
    name_text: list[str] = []
    name_weak: list[int] = []
    name_forms: list[tuple[str, ...]] = []
    name_group: list[str] = []
    entry_row: dict[str, int] = {}

    for parsed in sources:
        for entry in parsed.entries:
            if entry.uid in entry_row:
                raise ValueError(f"{entry.uid} is listed twice")
            row = len(entry_row)
            entry_row[entry.uid] = row
            _add_entry_columns(entries, entry)
            kind = normalize.PERSON if entry.entry_type == PERSON else normalize.ORGANISATION
            group = group_of(entry.entry_type)
            seen_forms: set[tuple[str, ...]] = set()
            candidates = [(entry.name, STRONG), *((a.name, a.quality) for a in entry.aliases)]
            # Strong names first, so a form a weak alias repeats stays strong.
            for text, quality in sorted(candidates, key=lambda c: c[1] == WEAK):
                for form in (
                    f for part in _script_parts(text) for f in normalize.name_forms(part, kind, legal_forms, typos)
                ):
                    if form in seen_forms:
                        continue
                    seen_forms.add(form)
                    name_entry.append(row)
                    name_text.append(text)
                    name_weak.append(1 if quality == WEAK else 0)
                    name_forms.append(form)
                    name_group.append(group)

    vocab = sorted({token for form in name_forms for token in form})
    token_id = {token: i for i, token in enumerate(vocab)}
    df = [0] * len(vocab)
    postings: dict[str, dict[int, list[int]]] = {g: defaultdict(list) for g in GROUPS}
    name_tokens: list[list[int]] = []
    for row, form in enumerate(name_forms):
        ids = [token_id[t] for t in form]
        name_tokens.append(ids)
        for tid in set(ids):
            df[tid] += 1
            postings[name_group[row]][tid].append(row)
    weights = [token_weight(token, df[i], len(name_forms)) for i, token in enumerate(vocab)]

    phonetic: dict[str, list[int]] = defaultdict(list)
    deletions: dict[str, list[int]] = defaultdict(list)
    for tid, token in enumerate(vocab):
        key = normalize.phonetic_key(token)
        if key:
            phonetic[key].append(tid)
        for deleted in normalize.deletions(token):
            deletions[deleted].append(tid)

    addresses = _address_table(sources, entry_row)
    manifest_sources = [_source_manifest(p) for p in sources]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "version": index_version(built_at, sources),
        "built_at": built_at,
        "sources": manifest_sources,
        "counts": {
            "entries": len(entry_row),
            "names": len(name_forms),
            "tokens": len(vocab),
            "addresses": sum(len(v) for v in addresses.values()),
        },
        "legal_forms": sorted([" ".join(span), canonical] for span, canonical in legal_forms.items()),
        "entries": dict(entries),
        "names": {
            "entry": name_entry,
            "text": name_text,
            "weak": name_weak,
            "tokens": name_tokens,
            "weight": [round(sum(weights[t] for t in ids), 3) for ids in name_tokens],
        },
        "vocab": vocab,
        "weights": weights,
        "postings": {g: {tid: rows for tid, rows in sorted(postings[g].items())} for g in GROUPS},
        "phonetic": dict(phonetic),
        "deletions": dict(deletions),
        "addresses": addresses,
    }


_PARENTHESISED = re.compile(r"^(?P<outside>.*\S)\s*\((?P<inside>[^()]+)\)\s*$")


def _script_parts(text: str) -> list[str]:
    """A name written twice, in two scripts ("Jin Tiesan (金铁三)"), is two names."""
    match = _PARENTHESISED.match(text)
    if match and normalize.has_han(match["outside"]) != normalize.has_han(match["inside"]):
        return [match["outside"], match["inside"]]
    return [text]


def _add_entry_columns(columns: dict[str, list[Any]], entry: Any) -> None:
    columns["uid"].append(entry.uid)
    columns["source"].append(entry.source)
    columns["type"].append(entry.entry_type)
    columns["name"].append(entry.name)
    columns["aliases"].append([[a.name, a.quality, a.kind] for a in entry.aliases])
    columns["programs"].append(list(entry.programs))
    columns["birth_dates"].append([[d.start, d.end, d.text] for d in entry.birth_dates])
    columns["nationalities"].append(list(entry.nationalities))
    columns["citizenships"].append(list(entry.citizenships))
    columns["gender"].append(entry.gender)
    columns["countries"].append(list(entry.countries))
    columns["identifiers"].append([[i.kind, i.number, i.country] for i in entry.identifiers])
    columns["places_of_birth"].append(list(entry.places_of_birth))
    columns["title"].append(entry.title)
    columns["listed_on"].append(entry.listed_on)


def _address_table(sources: Sequence[ParsedSource], entry_row: dict[str, int]) -> dict[str, list[list[Any]]]:
    """Address key -> listings. A JSON list's address that an SDN entry also lists carries that
    entry (the JSON lists are drawn from OFAC's); otherwise its entry is -1."""
    table: dict[str, list[list[Any]]] = defaultdict(list)
    owner: dict[str, int] = {}
    ordered = sorted(sources, key=lambda p: not p.entries)  # lists with entries first
    for parsed in ordered:
        for record in parsed.addresses:
            key = listing_key(record.address, record.currency)
            row = entry_row[record.uid] if record.uid is not None else owner.get(key, -1)
            if record.uid is not None:
                owner.setdefault(key, row)
            listing = [row, record.currency, record.address, parsed.source]
            if listing not in table[key]:
                table[key].append(listing)
    return dict(table)
