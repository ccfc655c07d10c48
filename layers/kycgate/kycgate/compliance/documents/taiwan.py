"""The Taiwan (ROC) national ID card: the ID number's checksum, ROC dates, issue sites, the front's fields.

Pure rules over text; the OCR'd lines come from ``reading``. The card (中華民國國民身分證) has no MRZ and
no expiry date; its front prints the name, the birth date and the issue date in ROC years (民國 year +
1911), the sex, where and why it was issued (e.g. "(北市) 換發"), and the ID number (統一編號).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

__all__ = [
    "APPLY_CODES",
    "FrontFields",
    "id_number_check_digit",
    "issue_site_id",
    "parse_roc_date",
    "read_front",
    "repair_id_number",
    "roc_date7",
    "split_name",
    "valid_id_number",
]

ROC_OFFSET = 1911

# The letter's two-digit code: A-H in order from 10, then the letters added later (I, O, W-Z) out of order.
_LETTER_CODES = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18, "K": 19,
    "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27, "U": 28, "V": 29,
    "W": 32, "X": 30, "Y": 31, "Z": 33,
}  # fmt: skip
_WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)
_ID_PATTERN = re.compile(r"^[A-Z][12]\d{8}$")

# seed 001, tw_id_apply_code: Not Issue = 0, Initial Issue = 1, Reissue = 2, Change = 3.
APPLY_CODES = {"初發": 1, "補發": 2, "換發": 3}

# seed 001, tw_id_issue_site_id (the Ministry of the Interior's issuing-location codes), by the
# abbreviation the card prints. Where the seed gives two codes, the municipalities formed on
# 2010-12-25 (and Taoyuan on 2014-12-25) take the new one for cards issued from then on.
_SITES = {
    "北縣": "10001", "宜縣": "10002", "桃縣": "10003", "竹縣": "10004", "苗縣": "10005", "中縣": "10006",
    "彰縣": "10007", "投縣": "10008", "雲縣": "10009", "嘉縣": "10010", "南縣": "10011", "高縣": "10012",
    "屏縣": "10013", "東縣": "10014", "花縣": "10015", "澎縣": "10016", "基市": "10017", "竹市": "10018",
    "嘉市": "10020", "連江": "09007", "金門": "09020", "北市": "63000", "高市": "64000", "新北市": "65000",
    "桃市": "68000",
}  # fmt: skip
_MERGED = {"中市": ("10019", "66000", dt.date(2010, 12, 25)), "南市": (None, "67000", dt.date(2010, 12, 25))}
# The seed lists "67000 or 10012 南市", but 10012 is also its code for 高縣; before the merger the
# code for 南市 cannot be told from the seed, so it is reported as not read rather than guessed.

_COMPOUND_SURNAMES = frozenset(
    (
        "歐陽", "司馬", "諸葛", "上官", "東方", "司徒", "夏侯", "皇甫", "尉遲", "公孫", "令狐", "慕容",
        "長孫", "宇文", "鍾離", "端木", "張簡", "范姜", "張廖", "周黃", "劉張", "簡林",
    )
)  # fmt: skip

_TRADITIONAL = str.maketrans("补换发", "補換發")
_DIGIT_READINGS = {"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8"}
_LETTER_READINGS = {"0": "ODQ", "1": "IL", "2": "Z", "5": "S", "6": "G", "8": "B"}


def id_number_check_digit(first_nine: str) -> str:
    """The tenth character for a letter and eight digits: the digit that makes the weighted sum end in 0."""
    if len(first_nine) != 9 or first_nine[0] not in _LETTER_CODES or not first_nine[1:].isdigit():
        raise ValueError("a Taiwan ID number starts with a letter and eight digits")
    code = _LETTER_CODES[first_nine[0]]
    digits = [code // 10, code % 10, *(int(c) for c in first_nine[1:])]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS, strict=False))
    return str(-total % 10)


def valid_id_number(number: str) -> bool:
    """Letter, 1 (male) or 2 (female), seven digits, check digit: weights 1,9,8,7,6,5,4,3,2,1,1 over the
    letter's two-digit code and the nine digits sum to a multiple of 10."""
    return bool(_ID_PATTERN.match(number)) and id_number_check_digit(number[:9]) == number[9]


def gender_of_id_number(number: str) -> str | None:
    return {"1": "M", "2": "F"}.get(number[1]) if len(number) == 10 else None


def repair_id_number(text: str) -> tuple[str, list[str]] | None:
    """An OCR'd ID number put right by position (a letter, then digits) and, for the letter, by the
    checksum: the number and the corrections made, or None when ``text`` cannot be one (or when
    several letters pass: O, D and Q weigh the same in the checksum, so a '0' read there stays unread)."""
    text = re.sub(r"\s", "", text.upper())
    if len(text) != 10:
        return None
    notes = []
    digits = ""
    for i, char in enumerate(text[1:], start=2):
        fixed = _DIGIT_READINGS.get(char, char)
        if fixed != char:
            notes.append(f"character {i}: read {char!r} as {fixed!r} (digits only)")
        digits += fixed
    if not digits.isdigit():
        return None
    first = text[0]
    if first.isalpha():
        return first + digits, notes
    # A digit where the letter goes: the reading of it that passes the checksum, if only one does.
    passing = [letter for letter in _LETTER_READINGS.get(first, "") if valid_id_number(letter + digits)]
    if len(passing) != 1:
        return None
    notes.append(f"character 1: read {first!r} as {passing[0]!r} (letter, checksum)")
    return passing[0] + digits, notes


_ROC = re.compile(r"(?:民\s*[國国]\s*)?(?<!\d)(\d{1,3})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ROC7 = re.compile(r"^(\d{3})(\d{2})(\d{2})$")


def parse_roc_date(text: str) -> dt.date | None:
    """The first ROC date in ``text``: "民國54年3月16日" (year 54 + 1911 = 1965) or 7 digits "0540316"."""
    text = text.replace(" ", "")
    match = _ROC.search(text) or _ROC7.match(text)
    if match is None:
        return None
    year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year + ROC_OFFSET, month, day)
    except ValueError:
        return None


def roc_date7(date: dt.date) -> str:
    """The seed's tw_id_apply_date form: ROC year in 3 digits, month, day ("1090310" for 2020-03-10)."""
    if date.year <= ROC_OFFSET:
        raise ValueError("ROC dates start in 1912")
    return f"{date.year - ROC_OFFSET:03d}{date.month:02d}{date.day:02d}"


def issue_site_id(site: str, issued: dt.date | None) -> str | None:
    """The seed's 5-digit site code for the abbreviation on the card, or None when it cannot be told."""
    site = site.replace("臺", "").replace("台", "")
    if site in _SITES:
        return _SITES[site]
    if site in _MERGED and issued is not None:
        before, after, merged = _MERGED[site]
        return after if issued >= merged else before
    return None


def split_name(name: str) -> tuple[str, str]:
    """(last_name, first_name) of a Chinese name: the surname is the first character, or two for the
    compound surnames (歐陽, 張簡 ...)."""
    if len(name) >= 3 and name[:2] in _COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


class FrontFields(NamedTuple):
    """What the front's text gave; None where it did not, with the reason in ``missing``."""

    name: str | None
    birthday: dt.date | None
    gender: str | None
    issuing_date: dt.date | None
    issue_site: str | None
    apply_reason: str | None  # 初發 | 補發 | 換發
    id_number: str | None
    id_number_valid: bool
    corrections: tuple[str, ...]
    missing: dict[str, str]


# The labels as the recognizer may return them: its model reads some traditional characters as their
# simplified forms (別/别, 編/编, 統/统, 號/号, 發/发, 證/证, 國/国); values are kept as read.
_NAME = re.compile(r"姓\s*名\s*[:：]?\s*([\u4e00-\u9fff]{2,6})")
_BIRTH = re.compile(r"出\s*生\s*年\s*月\s*日\s*[:：]?\s*(民\s*[國国].{0,16}?日)")
_GENDER = re.compile(r"性\s*[別别]\s*[:：]?\s*([男女])")
_ISSUE = re.compile(
    r"[發发]\s*[證证]\s*日\s*期\s*[:：]?\s*(民\s*[國国].{0,16}?日)"
    r"(?:\s*[（(]\s*([\u4e00-\u9fff]{2,3})\s*[）)]|\s*([\u4e00-\u9fff]{2,3}?)(?=\s*[初補換补换]\s*[發发]))?"
    r"\s*([初補換补换]\s*[發发])?"
)
_ID_LABEL = re.compile(r"[統统]\s*一\s*[編编]\s*[號号]\s*[:：]?\s*([A-Z0-9]{10})")
_ID_ANYWHERE = re.compile(r"(?<![A-Z0-9])([A-Z0-9][0-9OIDQLZSGB]{9})(?![A-Z0-9])")


def read_front(text: str) -> FrontFields:
    """The front's fields from its OCR'd text (rows in reading order, one per line)."""
    flat = text.replace("\n", " ")
    missing: dict[str, str] = {}
    name = _group(_NAME, flat)
    if name is None:
        missing["name"] = "no name after the 姓名 label"
    birthday = None
    birth_text = _group(_BIRTH, flat)
    if birth_text is None:
        missing["birthday"] = "no ROC date after the 出生年月日 label"
    else:
        birthday = parse_roc_date(birth_text)
        if birthday is None:
            missing["birthday"] = f"the birth date {birth_text!r} is not a calendar date"
    gender = {"男": "M", "女": "F"}.get(_group(_GENDER, flat) or "")
    if gender is None:
        missing["gender"] = "no 男 or 女 after the 性別 label"

    issuing_date = site = reason = None
    issue = _ISSUE.search(flat)
    if issue is None:
        missing["issuing_date"] = "no ROC date after the 發證日期 label"
    else:
        issuing_date = parse_roc_date(issue.group(1))
        if issuing_date is None:
            missing["issuing_date"] = f"the issue date {issue.group(1)!r} is not a calendar date"
        site = issue.group(2) or issue.group(3)
        reason = issue.group(4).replace(" ", "").translate(_TRADITIONAL) if issue.group(4) else None

    id_number, valid, notes = None, False, []
    candidates = [m.group(1) for m in _ID_LABEL.finditer(flat.upper())]
    candidates += [m.group(1) for m in _ID_ANYWHERE.finditer(flat.upper())]
    for candidate in candidates:
        repaired = repair_id_number(candidate)
        if repaired is None:
            continue
        number, number_notes = repaired
        if id_number is None or (valid_id_number(number) and not valid):
            id_number, valid, notes = number, valid_id_number(number), number_notes
        if valid:
            break
    if id_number is None:
        missing["id_number"] = next(
            (reason for reason in map(_ambiguous_letter, candidates) if reason),
            "no letter and 9 digits after the 統一編號 label or elsewhere",
        )
    return FrontFields(name, birthday, gender, issuing_date, site, reason, id_number, valid, tuple(notes), missing)


def _ambiguous_letter(text: str) -> str | None:
    """Why a number read with a digit for its letter stays unread, when several letters pass."""
    digits = "".join(_DIGIT_READINGS.get(c, c) for c in text[1:])
    if len(text) != 10 or not digits.isdigit() or text[0].isalpha():
        return None
    passing = [letter for letter in _LETTER_READINGS.get(text[0], "") if valid_id_number(letter + digits)]
    if len(passing) < 2:
        return None
    return f"the first character reads {text[0]!r}: {', '.join(passing)} all pass the checksum"


def _group(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1) if match else None
