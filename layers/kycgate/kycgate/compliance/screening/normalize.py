"""Names -> tokens, the same way for the index build and for every query (they must agree exactly).

1. Unicode NFKC, then every script to ASCII: Han characters through pypinyin (Mandarin readings;
   a character with several readings gives up to four name forms, so 曾 is both "zeng" and
   "ceng" on both sides), everything else through anyascii (Cyrillic, Arabic, Greek, diacritics,
   Hangul and kana a syllable a token). Casefolded.
2. Apostrophes and dots join ("qa'ida" -> "qaida", "S.A." -> "sa"), "&" is "and", any other
   punctuation separates ("AL-ZAWAHIRI" -> "al zawahiri").
3. Organisation names: legal forms (LTD, LLC, GmbH, S.A. de C.V., 有限公司, ...) become one token
   each, prefixed "~" and canonical ("~ltd" for Ltd., Limited, Co., Ltd. and 有限公司), which the
   matcher weighs low. Person names: titles (Dr., Sheikh, Hajji, ...) become "~dr" etc.

The legal-form table is data of the index (built from cleanco's terms, lists/legal_forms.py), so a
query is normalised with the table its index was built with and this module imports nothing heavy:
anyascii and pypinyin load on the first name that needs them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import cache

PERSON = "person"
ORGANISATION = "organisation"
MARK = "~"  # prefix of legal-form and title tokens

# Most name forms one name yields (Han characters with several readings).
MAX_FORMS = 4
# Longest legal form, in tokens ("s de rl de cv").
MAX_LEGAL_FORM_TOKENS = 6
# Legal forms written before the name ("OOO Romashka", "PT Garuda"); any other short form counts
# only at the end, since inside or before a name it is a word ("AS SAHAB": the Arabic article).
PREFIX_LEGAL_FORMS = frozenset(["ooo", "oao", "zao", "pao", "ao", "tov", "pt", "jsc", "ojsc", "cjsc", "pjsc"])


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Honorifics and ranks in person names on the lists: never evidence of identity.
TITLES = _words(
    "dr mr mrs ms miss sir lord hon prof professor sheikh shaykh shaikh sheik haji hajji hadji "
    "mullah mulla maulavi maulvi mawlawi mawlavi maulana qari sayed sayyid syed imam general gen "
    "colonel col major maj brigadier captain capt lieutenant lt commander admiral marshal eng "
    "engineer"
)
# Particles that join names ("al", "bin", "van", "de"): weighed low, still matched.
PARTICLES = _words("al el ul bin ibn bint ben de da del della der den di du la le van von dos das y and of the")

# Token weights. A token in at most FULL_WEIGHT_DF names weighs 1.0; commoner ones less, down to
# RARITY_FLOOR for a token in every name.
FULL_WEIGHT_DF = 20
RARITY_FLOOR = 0.4
TITLE_WEIGHT = 0.05
LEGAL_FORM_WEIGHT = 0.1
PARTICLE_WEIGHT = 0.3

# Legal forms written in Han characters, longest first; replaced before the pinyin readings.
HAN_LEGAL_FORMS = (
    ("股份有限公司", " company limited "),
    ("有限责任公司", " limited liability company "),
    ("有限責任公司", " limited liability company "),
    ("有限公司", " company limited "),
    ("株式会社", " kabushiki kaisha "),
    ("公司", " company "),
    ("会社", " company "),
    ("會社", " company "),
)

_JOINERS = re.compile("['\u2019\u2018`\u00b4\u02bc\u02bb.]")
_SEPARATORS = re.compile("[^a-z0-9]+")


@cache
def _scripts() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Han runs, and the scripts whose anyascii output is a syllable per character (Hangul, kana:
    a token each). Compiled on first use: the two classes cost 2 ms, paid by no name in Latin."""
    han = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]+")
    syllabic = re.compile("[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\uac00-\ud7af]")
    return han, syllabic


def has_han(text: str) -> bool:
    return not text.isascii() and _scripts()[0].search(text) is not None


def _anyascii(char: str) -> str:
    from anyascii import anyascii

    return anyascii(char)


def to_ascii(text: str) -> str:
    """Lower-case ASCII of ``text`` (Han should be read with ``han_readings`` first)."""
    if text.isascii():
        return text.lower()
    out = []
    syllabic = _scripts()[1]
    for char in text:
        if char.isascii():
            out.append(char)
        elif syllabic.match(char):
            out.append(f" {_anyascii(char)} ")
        elif unicodedata.category(char)[0] in "CZ":  # controls, format characters and odd spaces
            out.append(" ")
        else:
            out.append(_anyascii(char))
    return "".join(out).lower()


def split_tokens(ascii_text: str) -> list[str]:
    text = _JOINERS.sub("", ascii_text.replace("&", " and "))
    return _SEPARATORS.sub(" ", text).split()


def han_readings(run: str, *, surname_first: bool) -> list[list[str]]:
    """Pinyin syllables of a run of Han characters: the phrase-aware default reading first, then
    variants with one character read otherwise (its next commonest readings; a person's first
    character, the surname, with up to three: 单 is dan, chan and shan)."""
    from pypinyin import Style, lazy_pinyin, pinyin

    default = lazy_pinyin(run, style=Style.NORMAL, errors="ignore")
    options = pinyin(run, style=Style.NORMAL, heteronym=True, errors="ignore")
    readings = [default]
    if len(options) != len(default):
        return readings
    for position, choices in enumerate(options):
        keep = 4 if surname_first and position == 0 else 2
        for choice in list(dict.fromkeys(choices))[:keep]:
            if choice != default[position]:
                variant = list(default)
                variant[position] = choice
                readings.append(variant)
            if len(readings) >= MAX_FORMS:
                return readings
    return readings


def _han_texts(text: str, kind: str) -> list[str]:
    """``text`` with its Han runs written in pinyin: one string per reading (at most MAX_FORMS)."""
    if kind == ORGANISATION:
        for han, latin in HAN_LEGAL_FORMS:
            text = text.replace(han, latin)
    runs = list(_scripts()[0].finditer(text))
    if not runs:
        return [text]
    texts = [""]
    last = 0
    for match in runs:
        prefix = text[last : match.start()]
        run = match.group()
        person_name = kind == PERSON and 2 <= len(run) <= 4
        written = []
        for syllables in han_readings(run, surname_first=person_name):
            if person_name:  # 金铁三 -> "jin tiesan", as the lists write Chinese names in Latin
                written.append(f" {syllables[0]} {''.join(syllables[1:])} ")
            else:
                written.append(f" {' '.join(syllables)} ")
        texts = [t + prefix + w for t in texts for w in written][:MAX_FORMS]
        last = match.end()
    return [t + text[last:] for t in texts]


# One-word legal forms this long are also recognised one edit away ("compnay", "limted").
TYPO_LEGAL_FORM_LENGTH = 7


def legal_form_typos(legal_forms: Mapping[tuple[str, ...], str]) -> dict[str, str]:
    """Long one-word legal forms and their one-deletion variants -> canonical token (the keys a
    misspelt form is looked up by, as the index looks up misspelt names)."""
    out: dict[str, str] = {}
    for span, canonical in legal_forms.items():
        if len(span) == 1 and len(span[0]) >= TYPO_LEGAL_FORM_LENGTH:
            out[span[0]] = canonical
            for deleted in deletions(span[0]):
                out.setdefault(deleted, canonical)
    return out


def _typo_form(token: str, typos: Mapping[str, str]) -> str | None:
    if len(token) < TYPO_LEGAL_FORM_LENGTH - 1 or not token.isalpha():
        return None
    found = typos.get(token)  # a letter missing
    if found is None:
        for deleted in deletions(token):  # a letter too many, or one letter wrong
            found = typos.get(deleted)
            if found is not None:
                break
    return found


def mark_legal_forms(
    tokens: Sequence[str], legal_forms: Mapping[tuple[str, ...], str], typos: Mapping[str, str] | None = None
) -> list[str]:
    """Each legal-form span -> one "~canonical" token. A one-word form counts at the end of a name,
    before it only when it is a prefix form (OOO, PT), and inside it only when it has three letters
    or more ("company"): "sa", "ag" or "as" inside or before a name are words."""
    out: list[str] = []
    i, count = 0, len(tokens)
    while i < count:
        for length in range(min(MAX_LEGAL_FORM_TOKENS, count - i), 0, -1):
            span = tuple(tokens[i : i + length])
            canonical = legal_forms.get(span)
            if canonical is None:
                continue
            if length == 1 and i < count - 1:
                if i == 0 and span[0] not in PREFIX_LEGAL_FORMS:
                    continue
                if i > 0 and len(span[0]) <= 2:
                    continue
            if length == count:  # the whole name is a legal form: keep it as words
                continue
            out.append(MARK + canonical)
            i += length
            break
        else:
            typo = _typo_form(tokens[i], typos) if typos and count > 1 else None
            out.append(MARK + typo if typo else tokens[i])
            i += 1
    return out


def mark_titles(tokens: Sequence[str]) -> list[str]:
    if len(tokens) < 2:
        return list(tokens)
    marked = [MARK + t if t in TITLES else t for t in tokens]
    return marked if any(not t.startswith(MARK) for t in marked) else list(tokens)


def name_forms(
    text: str,
    kind: str,
    legal_forms: Mapping[tuple[str, ...], str] | None = None,
    legal_form_typos: Mapping[str, str] | None = None,
) -> list[tuple[str, ...]]:
    """The token forms of one name (one, or up to MAX_FORMS for Han readings), without repeats."""
    text = unicodedata.normalize("NFKC", text)
    forms: list[tuple[str, ...]] = []
    for variant in _han_texts(text, kind) if has_han(text) else [text]:
        tokens = split_tokens(to_ascii(variant))
        if kind == ORGANISATION and legal_forms:
            tokens = mark_legal_forms(tokens, legal_forms, legal_form_typos)
        elif kind == PERSON:
            tokens = mark_titles(tokens)
        form = tuple(tokens)
        if form and form not in forms:
            forms.append(form)
    return forms


def phonetic_key(token: str) -> str | None:
    """Metaphone of a token, its leading vowel written "A" (Osama/Usama, Ayman/Aiman agree);
    None for marks, single letters and tokens with digits (those match only as written)."""
    if token.startswith(MARK) or len(token) < 2 or not token.isalpha():
        return None
    from jellyfish import metaphone

    key = metaphone(token)
    if not key:
        return None
    if key[0] in "AEIOU":
        key = "A" + key[1:]
    return key


def deletions(token: str) -> set[str]:
    """The token with one character left out (the index's typo keys; tokens of 4+ letters)."""
    if len(token) < 4 or token.startswith(MARK):
        return set()
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


def token_weight(token: str, df: int, names: int) -> float:
    """How much a token counts in a name (df: names that contain it; 0 for a query's unknown token)."""
    if token.startswith(MARK):
        return TITLE_WEIGHT if token[1:] in TITLES else LEGAL_FORM_WEIGHT
    if token in PARTICLES or len(token) == 1:
        return PARTICLE_WEIGHT
    if df <= FULL_WEIGHT_DF or names <= FULL_WEIGHT_DF:
        return 1.0
    rarity = math.log(names / df) / math.log(names / FULL_WEIGHT_DF)
    return round(RARITY_FLOOR + (1 - RARITY_FLOOR) * max(0.0, min(1.0, rarity)), 3)
