"""The screening index in memory: the compiled document (lists/build.py) and the few lookup tables
a query needs made from it once at load (token -> id, the legal-form table)."""

from __future__ import annotations

import gc
from typing import Any

FORMAT = "kycgate-screening-index"
FORMAT_VERSION = 1
GROUPS = ("person", "organisation", "other")
# Readable names of the sources a hit comes from.
LIST_NAMES = {
    "ofac_sdn": "OFAC Specially Designated Nationals (SDN) List",
    "un_consolidated": "UN Security Council Consolidated List",
}


class IndexFormatError(ValueError):
    """The bytes are not a screening index this code can read."""


class ScreeningIndex:
    """Read-only; shared by every request of a container."""

    def __init__(self, doc: dict[str, Any]) -> None:
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise IndexFormatError("not a kycgate screening index")
        if doc.get("format_version") != FORMAT_VERSION:
            raise IndexFormatError(
                f"screening index format {doc.get('format_version')!r}; this code reads {FORMAT_VERSION}"
            )
        try:
            self.version: str = doc["version"]
            self.built_at: str = doc["built_at"]
            self.sources: list[dict[str, Any]] = doc["sources"]
            self.counts: dict[str, int] = doc["counts"]
            self.entries: dict[str, list[Any]] = doc["entries"]
            names = doc["names"]
            self.name_entry: list[int] = names["entry"]
            self.name_text: list[str] = names["text"]
            self.name_weak: list[int] = names["weak"]
            self.name_tokens: list[list[int]] = names["tokens"]
            self.name_weight: list[float] = names["weight"]
            self.vocab: list[str] = doc["vocab"]
            self.weights: list[float] = doc["weights"]
            self.postings: dict[str, dict[int, list[int]]] = doc["postings"]
            self.phonetic: dict[str, list[int]] = doc["phonetic"]
            self.deletions: dict[str, list[int]] = doc["deletions"]
            self.addresses: dict[str, list[list[Any]]] = doc["addresses"]
            legal_forms = doc["legal_forms"]
        except (KeyError, TypeError) as exc:
            raise IndexFormatError(f"screening index lacks {exc}") from exc
        if set(self.postings) != set(GROUPS) or len(self.vocab) != len(self.weights):
            raise IndexFormatError("screening index tables disagree")
        self.token_id: dict[str, int] = {token: i for i, token in enumerate(self.vocab)}
        self.token_key: list[str | None] = [None] * len(self.vocab)
        for key, ids in self.phonetic.items():
            for tid in ids:
                self.token_key[tid] = key
        self.legal_forms: dict[tuple[str, ...], str] = {
            tuple(span.split()): canonical for span, canonical in legal_forms
        }
        from kycgate.compliance.screening.normalize import legal_form_typos

        self.legal_form_typos = legal_form_typos(self.legal_forms)
        self.name_count = len(self.name_entry)
        self.source_names = {s["source"] for s in self.sources}

    def entry_facts(self, row: int) -> dict[str, Any]:
        """What the list says about an entry, for a hit's report."""
        e = self.entries
        return {
            "birth_dates": [text for _start, _end, text in e["birth_dates"][row]],
            "places_of_birth": e["places_of_birth"][row],
            "nationalities": e["nationalities"][row],
            "citizenships": e["citizenships"][row],
            "gender": e["gender"][row],
            "countries": e["countries"][row],
            "identifiers": [{"type": k, "number": n, "country": c} for k, n, c in e["identifiers"][row]],
            "aliases": [{"name": n, "quality": q, "kind": k} for n, q, k in e["aliases"][row]],
            "title": e["title"][row],
            "listed_on": e["listed_on"][row],
        }


def decode(data: bytes) -> ScreeningIndex:
    """A ScreeningIndex from its msgpack bytes (no code runs from the data: plain types only).

    The cyclic garbage collector is paused while the ~1M objects are made: each allocation burst
    would otherwise start a collection that walks all of them again (300 ms -> 60 ms here).
    """
    import msgpack

    enabled = gc.isenabled()
    gc.disable()
    try:
        try:
            doc = msgpack.unpackb(data, raw=False, strict_map_key=False, use_list=True)
        except Exception as exc:  # msgpack raises ValueError, TypeError and its own for foreign bytes
            raise IndexFormatError(f"not a msgpack screening index: {exc}") from exc
        return ScreeningIndex(doc)
    finally:
        if enabled:
            gc.enable()


def encode(doc: dict[str, Any]) -> bytes:
    import msgpack

    return msgpack.packb(doc, use_bin_type=True)
