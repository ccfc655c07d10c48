"""Birth dates as the lists write them -> BirthDate ranges of ISO dates."""

from __future__ import annotations

import calendar
import re

from kycgate.compliance.lists.model import BirthDate

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_PART = re.compile(r"^(?:(?P<day>\d{1,2}) )?(?:(?P<month>[A-Za-z]{3})[a-z]* )?(?P<year>\d{4})$")
# "circa 1960" is read as 1958-1962: OFAC gives no width, and a wider band only costs a little
# evidence while a narrower one would call a right person's year a contradiction.
CIRCA_YEARS = 2


def _bounds(text: str) -> tuple[str, str] | None:
    match = _PART.match(text.strip())
    if not match:
        return None
    year = int(match["year"])
    if match["month"]:
        month = _MONTHS.get(match["month"].lower())
        if month is None:
            return None
        if match["day"]:
            day = int(match["day"])
            if not 1 <= day <= calendar.monthrange(year, month)[1]:
                return None
            return f"{year:04d}-{month:02d}-{day:02d}", f"{year:04d}-{month:02d}-{day:02d}"
        last = calendar.monthrange(year, month)[1]
        return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"
    return f"{year:04d}-01-01", f"{year:04d}-12-31"


def _widen(start: str, end: str, years: int) -> tuple[str, str]:
    return f"{int(start[:4]) - years:04d}-01-01", f"{int(end[:4]) + years:04d}-12-31"


def parse_ofac_date(text: str) -> BirthDate | None:
    """ "19 Jun 1951", "Jun 1951", "1951", "circa 1951", "1950 to 1955", "01 Jan 1960 to 31 Dec 1962"."""
    raw = " ".join(text.split())
    body = raw
    circa = body.lower().startswith("circa ")
    if circa:
        body = body[6:]
    sides = [side.strip() for side in body.split(" to ")]
    if len(sides) > 2:
        return None
    first = _bounds(sides[0])
    last = _bounds(sides[-1])
    if first is None or last is None:
        return None
    start, end = first[0], last[1]
    if start > end:
        return None
    if circa:
        start, end = _widen(start, end, CIRCA_YEARS)
    return BirthDate(start, end, raw)


def year_range(from_year: int, to_year: int, text: str) -> BirthDate | None:
    if from_year > to_year:
        return None
    return BirthDate(f"{from_year:04d}-01-01", f"{to_year:04d}-12-31", text)


def iso_date(text: str) -> BirthDate | None:
    """An ISO date (UN's DATE) or a bare year."""
    raw = text.strip()
    if re.fullmatch(r"\d{4}", raw):
        return BirthDate(f"{raw}-01-01", f"{raw}-12-31", raw)
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", raw[:10])
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    return BirthDate(raw[:10], raw[:10], raw[:10])
