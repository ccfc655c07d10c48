"""ICAO Doc 9303 machine readable zones: layouts, check digits, parsing, and repair of OCR confusions.

Pure Python, no image code: ``parse_mrz`` takes the lines as printed, ``repair_mrz`` takes what an OCR
engine read (wrong lengths, O for 0, K for <) and returns the most consistent reading with every change
it made listed. Written here rather than taken from the ``mrz`` package: that one is GPL-3.0 (it would
be shipped in the layer) and unreleased since 2020; the tests use it as an independent oracle.

Repairs are only made where the MRZ itself says what is right: a digit in a letters-only field (a
country code) or a letter in a digits-only field (a date, a check digit) has one reading, and a
document number's O/0 or S/5 is settled by its check digit when exactly one reading passes it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from kycgate.compliance.documents.vocabulary import MrzFormat

__all__ = [
    "CheckDigit",
    "Correction",
    "MrzResult",
    "check_digit",
    "mrz_date",
    "normalise_line",
    "parse_mrz",
    "repair_mrz",
]

ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")} | {"<": 0}
_WEIGHTS = (7, 3, 1)

LINE_LENGTHS = {MrzFormat.TD1: 30, MrzFormat.TD2: 36, MrzFormat.TD3: 44}
LINE_COUNTS = {MrzFormat.TD1: 3, MrzFormat.TD2: 2, MrzFormat.TD3: 2}

# Character kinds: A letters (and the filler), N digits, X letters or digits, C a check digit, S the sex.
_A, _N, _X, _C, _S = "A", "N", "X", "C", "S"


class _Segment(NamedTuple):
    field: str
    line: int  # 0-based
    start: int
    end: int
    kind: str


def _td1() -> tuple[_Segment, ...]:
    return (
        _Segment("document_code", 0, 0, 2, _A),
        _Segment("issuing_state", 0, 2, 5, _A),
        _Segment("document_number", 0, 5, 14, _X),
        _Segment("document_number_check", 0, 14, 15, _C),
        _Segment("optional_data_1", 0, 15, 30, _X),
        _Segment("birth_date", 1, 0, 6, _N),
        _Segment("birth_date_check", 1, 6, 7, _C),
        _Segment("sex", 1, 7, 8, _S),
        _Segment("expiry_date", 1, 8, 14, _N),
        _Segment("expiry_date_check", 1, 14, 15, _C),
        _Segment("nationality", 1, 15, 18, _A),
        _Segment("optional_data_2", 1, 18, 29, _X),
        _Segment("composite_check", 1, 29, 30, _C),
        _Segment("name", 2, 0, 30, _A),
    )


def _td2_td3(length: int) -> tuple[_Segment, ...]:
    optional = "optional_data" if length == 36 else "personal_number"
    segments = [
        _Segment("document_code", 0, 0, 2, _A),
        _Segment("issuing_state", 0, 2, 5, _A),
        _Segment("name", 0, 5, length, _A),
        _Segment("document_number", 1, 0, 9, _X),
        _Segment("document_number_check", 1, 9, 10, _C),
        _Segment("nationality", 1, 10, 13, _A),
        _Segment("birth_date", 1, 13, 19, _N),
        _Segment("birth_date_check", 1, 19, 20, _C),
        _Segment("sex", 1, 20, 21, _S),
        _Segment("expiry_date", 1, 21, 27, _N),
        _Segment("expiry_date_check", 1, 27, 28, _C),
    ]
    if length == 36:
        segments.append(_Segment(optional, 1, 28, 35, _X))
    else:
        segments += [_Segment(optional, 1, 28, 42, _X), _Segment("personal_number_check", 1, 42, 43, _C)]
    segments.append(_Segment("composite_check", 1, length - 1, length, _C))
    return tuple(segments)


LAYOUTS: dict[MrzFormat, tuple[_Segment, ...]] = {
    MrzFormat.TD1: _td1(),
    MrzFormat.TD2: _td2_td3(36),
    MrzFormat.TD3: _td2_td3(44),
}
# What the composite check digit covers: (line, start, end) slices, in order (Doc 9303 parts 4-6).
_COMPOSITE = {
    MrzFormat.TD1: ((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)),
    MrzFormat.TD2: ((1, 0, 10), (1, 13, 20), (1, 21, 35)),
    MrzFormat.TD3: ((1, 0, 10), (1, 13, 20), (1, 21, 43)),
}

# What OCR engines read for MRZ characters in OCR-B. A letters-only position has one digit reading and
# a digits-only one one letter reading; D, Q (for 0) and G (for 6) are OCR-B's closest shapes besides
# the five pairs everyone names (0/O, 1/I, 5/S, 8/B, 2/Z).
_TO_DIGIT = {"O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8"}
_TO_LETTER = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B"}
# For fields that may hold either (document numbers, optional data): the other reading of each.
_AMBIGUOUS = {
    "0": "OD",
    "O": "0",
    "D": "0",
    "Q": "0",
    "1": "I",
    "I": "1",
    "2": "Z",
    "Z": "2",
    "5": "S",
    "S": "5",
    "6": "G",
    "G": "6",
    "8": "B",
    "B": "8",
}
# Engines read the filler '<' as these (RapidOCR's Chinese models: く, 〈; tesseract: K, «).
_FILLER_LOOKALIKES = {"く": "<", "〈": "<", "‹": "<", "＜": "<", "«": "<<", "《": "<<", "≪": "<<", "∠": "<"}
_LOOKALIKES = {"∪": "U", "⊥": "T", "∩": "N", "Ø": "0", "О": "O", "К": "K", "С": "C", "Р": "P", "Н": "H", "Е": "E"}
# Letters that, inside a name field's trailing filler, stand for a '<' the engine misread.
_FILLER_MISREADS = frozenset("KCELX")
_SEX = frozenset("MFX<")


class CheckDigit(NamedTuple):
    field: str  # document_number | birth_date | expiry_date | personal_number | optional_data | composite
    expected: str  # computed from the field
    found: str  # printed on the document
    ok: bool


class Correction(NamedTuple):
    field: str
    line: int  # 1-based, as Doc 9303 counts
    column: int  # 1-based, in the line before this correction
    read: str  # what the OCR read ("" for an inserted filler)
    corrected: str  # "" for a removed character
    reason: str  # field_type | check_digit | filler | line_length | visual_zone


class MrzResult(NamedTuple):
    format: MrzFormat
    raw_lines: tuple[str, ...]  # as read, whitespace removed
    lines: tuple[str, ...]  # after the corrections
    fields: dict[str, str]
    check_digits: tuple[CheckDigit, ...]
    corrections: tuple[Correction, ...] = ()

    @property
    def valid(self) -> bool:
        return all(c.ok for c in self.check_digits)

    @property
    def failed_check_digits(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.check_digits if not c.ok)

    @property
    def score(self) -> tuple[int, int]:
        """For choosing between two readings of one MRZ: check digits passed, then fewer corrections."""
        return sum(c.ok for c in self.check_digits), -len(self.corrections)


def check_digit(data: str) -> str:
    """ICAO 9303 part 3, 4.9: weights 7, 3, 1 over the values 0-9, A=10 .. Z=35, < = 0, modulo 10."""
    try:
        return str(sum(_VALUES[c] * _WEIGHTS[i % 3] for i, c in enumerate(data)) % 10)
    except KeyError as exc:
        raise ValueError(f"{exc.args[0]!r} is not an MRZ character") from None


def normalise_line(text: str) -> str:
    """An OCR'd line in the MRZ alphabet: uppercase, no spaces, look-alike glyphs mapped, the rest dropped."""
    out: list[str] = []
    for char in text:
        if char in _FILLER_LOOKALIKES:
            out.append(_FILLER_LOOKALIKES[char])
            continue
        char = _LOOKALIKES.get(char, char)
        char = unicodedata.normalize("NFKC", char).upper()
        char = _LOOKALIKES.get(char, char)
        out.extend(c for c in char if c in ALPHABET)
    return "".join(out)


def mrz_date(value: str, *, kind: str, today: dt.date | None = None) -> dt.date | None:
    """YYMMDD to a date, or None when it is not one (unknown parts are printed as '<').

    Doc 9303 prints two-digit years. A birth date is never in the future, so it is the latest century
    that keeps it in the past; an expiry date is the century that puts it within 50 years of today.
    """
    if len(value) != 6 or not value.isdigit():
        return None
    today = today or dt.date.today()
    year, month, day = int(value[:2]), int(value[2:4]), int(value[4:])
    century = today.year // 100 * 100
    if kind == "birth":
        full = century + year if century + year <= today.year else century - 100 + year
    else:
        full = century + year
        if full > today.year + 50:
            full -= 100
        elif full < today.year - 50:
            full += 100
    try:
        parsed = dt.date(full, month, day)
    except ValueError:
        return None
    if kind == "birth" and parsed > today:
        try:
            return dt.date(full - 100, month, day)
        except ValueError:
            return None
    return parsed


def _guess_format(lines: Sequence[str]) -> MrzFormat | None:
    if len(lines) == 3:
        return MrzFormat.TD1
    if len(lines) != 2:
        return None
    mean = sum(len(line) for line in lines) / 2
    return MrzFormat.TD2 if abs(mean - 36) < abs(mean - 44) else MrzFormat.TD3


def _names(name: str) -> tuple[str, str]:
    """Primary and secondary identifiers: surname before '<<', given names after, '<' between names."""
    primary, _, secondary = name.partition("<<")
    return primary.replace("<", " ").strip(), secondary.replace("<", " ").strip()


def _long_number(number: str, check: str, optional: str) -> tuple[str, str, str] | None:
    """Doc 9303 parts 5-6: a number over 9 characters has '<' as its check digit and goes on in the
    optional data, where its last character before the first filler is the check digit."""
    if check != "<" or not optional or optional[0] == "<":
        return None
    rest = optional.split("<", 1)[0]
    if len(rest) < 2:
        return None
    return number + rest[:-1], rest[-1], optional[len(rest) :]


def parse_mrz(lines: Sequence[str], fmt: MrzFormat | None = None) -> MrzResult:
    """Fields and check digits of an MRZ as printed (lines of the exact length, MRZ alphabet only)."""
    lines = tuple(lines)
    fmt = fmt or _guess_format(lines)
    if fmt is None:
        raise ValueError(f"an MRZ has 2 or 3 lines, got {len(lines)}")
    length = LINE_LENGTHS[fmt]
    if len(lines) != LINE_COUNTS[fmt] or any(len(line) != length for line in lines):
        raise ValueError(f"a {fmt} MRZ has {LINE_COUNTS[fmt]} lines of {length} characters")
    bad = {c for line in lines for c in line} - ALPHABET
    if bad:
        raise ValueError(f"not MRZ characters: {''.join(sorted(bad))!r}")
    raw = {s.field: lines[s.line][s.start : s.end] for s in LAYOUTS[fmt]}

    optional_field = {MrzFormat.TD1: "optional_data_1", MrzFormat.TD2: "optional_data"}.get(fmt)
    number, number_check = raw["document_number"], raw["document_number_check"]
    if optional_field is not None:
        extended = _long_number(number, number_check, raw[optional_field])
        if extended is not None:
            number, number_check, raw[optional_field] = extended

    surname, given_names = _names(raw.pop("name"))
    fields = {
        "document_code": raw["document_code"].rstrip("<"),
        "issuing_state": raw["issuing_state"].rstrip("<"),
        "document_number": number.replace("<", ""),
        "birth_date": raw["birth_date"],
        "sex": raw["sex"],
        "expiry_date": raw["expiry_date"],
        "nationality": raw["nationality"].rstrip("<"),
        "surname": surname,
        "given_names": given_names,
    }
    for key in ("optional_data_1", "optional_data_2", "optional_data", "personal_number"):
        if key in raw:
            fields[key] = raw[key].strip("<")

    checks = [
        CheckDigit("document_number", check_digit(number), number_check, check_digit(number) == number_check),
        CheckDigit("birth_date", check_digit(raw["birth_date"]), raw["birth_date_check"], False),
        CheckDigit("expiry_date", check_digit(raw["expiry_date"]), raw["expiry_date_check"], False),
    ]
    checks[1] = checks[1]._replace(ok=checks[1].expected == checks[1].found)
    checks[2] = checks[2]._replace(ok=checks[2].expected == checks[2].found)
    if fmt is MrzFormat.TD3:
        personal, found = raw["personal_number"], raw["personal_number_check"]
        expected = check_digit(personal)
        # An empty personal number may carry '<' instead of its check digit (part 4, 4.2.2.2).
        ok = found == expected or (found == "<" and set(personal) == {"<"})
        checks.append(CheckDigit("personal_number", expected, found, ok))
    composite = "".join(lines[line][start:end] for line, start, end in _COMPOSITE[fmt])
    expected = check_digit(composite)
    checks.append(CheckDigit("composite", expected, raw["composite_check"], expected == raw["composite_check"]))
    return MrzResult(fmt, lines, lines, fields, tuple(checks))


# --- repairing what an OCR engine read ----------------------------------------------------------------


def _kinds(fmt: MrzFormat) -> list[str]:
    """The character kind of every position, lines joined."""
    length = LINE_LENGTHS[fmt]
    kinds = [_X] * (length * LINE_COUNTS[fmt])
    for segment in LAYOUTS[fmt]:
        for i in range(segment.start, segment.end):
            kinds[segment.line * length + i] = segment.kind
    return kinds


def _field_at(fmt: MrzFormat, line: int, column: int) -> str:
    for segment in LAYOUTS[fmt]:
        if segment.line == line and segment.start <= column < segment.end:
            return segment.field.removesuffix("_check")
    return "filler"


def _fix_length(line: str, length: int, name_line: bool) -> list[tuple[str, list[tuple[int, str, str]]]]:
    """Readings of ``line`` at ``length`` characters, each with its edits (column, read, corrected).

    Engines miscount runs of '<'. A name line has nothing checked after the names, so only its tail is
    padded or cut; elsewhere one or two fillers are inserted into or removed from the runs of '<'
    (or the end), and the check digits choose between the readings.
    """
    delta = length - len(line)
    if delta == 0:
        return [(line, [])]
    if name_line or abs(delta) > 2:
        if delta > 0:
            return [(line + "<" * delta, [(len(line), "", "<" * delta)])]
        return [(line[:length], [(length, line[length:], "")])]
    runs = [i for i, c in enumerate(line) if c == "<" and (i == 0 or line[i - 1] != "<")]
    runs.append(len(line))  # the end of the line
    readings = []
    for spots in itertools.combinations_with_replacement(runs, abs(delta)):
        text = line
        edits = []
        for spot in sorted(spots, reverse=True):
            if delta > 0:
                text = text[:spot] + "<" + text[spot:]
                edits.append((spot, "", "<"))
            elif spot < len(text) and text[spot] == "<":
                text = text[:spot] + text[spot + 1 :]
                edits.append((spot, "<", ""))
            else:
                break
        else:
            if len(text) == length:
                readings.append((text, edits))
    return readings or [(line[:length] + "<" * max(0, delta), [(min(len(line), length), "", "")])]


def _by_kind(text: list[str], kinds: list[str]) -> list[tuple[int, str, str]]:
    """Letters in digit positions and digits in letter positions, each with its one reading."""
    edits = []
    for i, (char, kind) in enumerate(zip(text, kinds, strict=True)):
        fixed = char
        if kind in (_N, _C) and char.isalpha():
            fixed = _TO_DIGIT.get(char, char)
        elif kind == _A and char.isdigit():
            fixed = _TO_LETTER.get(char, char)
        elif kind == _S and char not in _SEX:
            fixed = {"H": "M", "N": "M", "E": "F", "P": "F"}.get(char, char)
        if fixed != char:
            text[i] = fixed
            edits.append((i, char, fixed))
    return edits


def _name_filler(text: list[str], start: int, end: int) -> list[tuple[int, str, str]]:
    """Inside a name field, everything after a run of three fillers is filler: K, C, E, L, X there are '<'."""
    field = "".join(text[start:end])
    run = field.find("<<<")
    if run < 0:
        return []
    edits = []
    for i in range(start + run, end):
        if text[i] in _FILLER_MISREADS:
            edits.append((i, text[i], "<"))
            text[i] = "<"
    return edits


def _check_digit_readings(
    text: Sequence[str], positions: Sequence[int], check_at: int, changeable: Iterable[int] | None = None
) -> list[dict[int, str]] | None:
    """Readings of the ambiguous characters at ``positions`` (or only at ``changeable``) that pass the
    check digit at ``check_at``, with the fewest changes: None when the reading as is passes (or there is
    no digit to check against), [] when no reading does, several when the digit cannot decide."""
    found = text[check_at]

    def passes(trial: dict[int, str]) -> bool:
        return check_digit("".join(trial.get(i, text[i]) for i in positions)) == found

    if not found.isdigit() or passes({}):
        return None
    allowed = set(positions if changeable is None else changeable)
    ambiguous = [i for i in positions if i in allowed and text[i] in _AMBIGUOUS]
    for changes in range(1, min(len(ambiguous), 3) + 1):
        winners = []
        for chosen in itertools.combinations(ambiguous, changes):
            for replacement in itertools.product(*(_AMBIGUOUS[text[i]] for i in chosen)):
                trial = dict(zip(chosen, replacement, strict=True))
                if passes(trial):
                    winners.append(trial)
        if winners:
            return winners
    return []


def _repair_flat(fmt: MrzFormat, flat: list[str]) -> list[tuple[int, str, str, str]]:
    """Kind, filler and check-digit repairs on the joined lines; returns (index, read, fixed, reason)."""
    length = LINE_LENGTHS[fmt]
    edits = [(i, a, b, "field_type") for i, a, b in _by_kind(flat, _kinds(fmt))]
    by_field = {s.field: s for s in LAYOUTS[fmt]}
    name = by_field["name"]
    offset = name.line * length
    edits += [(i, a, b, "filler") for i, a, b in _name_filler(flat, offset + name.start, offset + name.end)]

    def span(field: str) -> list[int]:
        segment = by_field[field]
        return [segment.line * length + i for i in range(segment.start, segment.end)]

    composite_at = span("composite_check")[0]
    composite = [line * length + i for line, start, end in _COMPOSITE[fmt] for i in range(start, end)]

    def apply(trial: dict[int, str]) -> None:
        for i, char in sorted(trial.items()):
            edits.append((i, flat[i], char, "check_digit"))
            flat[i] = char

    checked = ["document_number"] + (["personal_number"] if fmt is MrzFormat.TD3 else [])
    for field in checked:
        # When several readings pass the field's digit the composite cannot choose either: it starts
        # the field at the same place in its 7-3-1 cycle, so it weighs every change the same.
        winners = _check_digit_readings(flat, span(field), span(f"{field}_check")[0])
        if winners and len(winners) == 1:
            apply(winners[0])
    # Optional data that no check digit of its own covers: only the composite can decide.
    uncovered = [i for f in ("optional_data_1", "optional_data_2", "optional_data") if f in by_field for i in span(f)]
    if uncovered:
        winners = _check_digit_readings(flat, composite, composite_at, changeable=uncovered)
        if winners and len(winners) == 1:
            apply(winners[0])
    return edits


def repair_mrz(raw_lines: Sequence[str], fmt: MrzFormat | None = None) -> MrzResult:
    """The most consistent reading of OCR'd MRZ lines, with each correction made to get there.

    Raises ``ValueError`` when the lines cannot be an MRZ (wrong number of lines, far off in length).
    """
    lines = [normalise_line(line) for line in raw_lines]
    lines = [line for line in lines if line]
    fmt = fmt or _guess_format(lines)
    if fmt is None or len(lines) != LINE_COUNTS[fmt]:
        raise ValueError(f"an MRZ has 2 or 3 lines, read {len(lines)}")
    length = LINE_LENGTHS[fmt]
    if any(abs(len(line) - length) > length // 4 for line in lines):
        raise ValueError(f"lines of {[len(line) for line in lines]} characters are not a {fmt} MRZ")
    name_line = 2 if fmt is MrzFormat.TD1 else 0
    per_line = [_fix_length(line, length, i == name_line) for i, line in enumerate(lines)]

    best: MrzResult | None = None
    for combination in itertools.islice(itertools.product(*per_line), 200):
        corrections = [
            Correction(_field_at(fmt, n, col), n + 1, col + 1, read, fixed, "line_length")
            for n, (_, edits) in enumerate(combination)
            for col, read, fixed in edits
        ]
        flat = list("".join(text for text, _ in combination))
        for index, read, fixed, reason in _repair_flat(fmt, flat):
            line, column = divmod(index, length)
            corrections.append(Correction(_field_at(fmt, line, column), line + 1, column + 1, read, fixed, reason))
        fixed_lines = tuple("".join(flat[i * length : (i + 1) * length]) for i in range(LINE_COUNTS[fmt]))
        try:
            parsed = parse_mrz(fixed_lines, fmt)
        except ValueError:
            continue
        result = parsed._replace(raw_lines=tuple(lines), corrections=tuple(corrections))
        if best is None or result.score > best.score:
            best = result
    if best is None:
        raise ValueError(f"the lines do not parse as a {fmt} MRZ")
    return best
