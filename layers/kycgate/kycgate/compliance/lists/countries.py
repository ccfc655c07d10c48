"""Country names as the sanctions lists write them -> ISO 3166-1 alpha-2.

iso3166 knows the ISO names ("IRAN, ISLAMIC REPUBLIC OF") and the short ones ("Iran"); OFAC and
the UN also write names of their own ("Korea, North", "Burma", "Iran (Islamic Republic of)"),
listed here as found in the 2021 SDN file and the 2026 UN list. A name not found stays unmapped
(the entry keeps no code for it) rather than being guessed.
"""

from __future__ import annotations

from functools import cache

_LIST_NAMES = {
    "iran": "IR",
    "iran (islamic republic of)": "IR",
    "syria": "SY",
    "russia": "RU",
    "venezuela": "VE",
    "korea, north": "KP",
    "north korea": "KP",
    "democratic people's republic of korea": "KP",
    "korea, south": "KR",
    "south korea": "KR",
    "republic of korea": "KR",
    "turkey": "TR",
    "united kingdom": "GB",
    "burma": "MM",
    "united states": "US",
    "democratic republic of the congo": "CD",
    "congo, democratic republic of the": "CD",
    "congo, republic of the": "CG",
    "palestinian": "PS",
    "possibly palestinian": "PS",
    "state of palestine": "PS",
    "west bank": "PS",
    "region: gaza": "PS",
    "the gambia": "GM",
    "gambia, the": "GM",
    "vietnam": "VN",
    "tanzania": "TZ",
    "united republic of tanzania": "TZ",
    "bolivia": "BO",
    "czech republic": "CZ",
    "cote d ivoire": "CI",
    "cote d'ivoire": "CI",
    "laos": "LA",
    "macedonia, the former yugoslav republic of": "MK",
    "man, isle of": "IM",
    "bahamas, the": "BS",
    "moldova": "MD",
    "brunei": "BN",
    "macau": "MO",
    "china, hong kong special administrative region": "HK",
    "hong kong": "HK",
    "british virgin islands": "VG",
    "kosovo": "XK",
    "region: crimea": "UA",
    "netherlands antilles": "CW",
    "taiwan": "TW",
}


@cache
def to_alpha2(name: str | None) -> str | None:
    """The alpha-2 code of a country name, alpha-2 or alpha-3 code; None when unknown."""
    import iso3166

    if not name:
        return None
    text = " ".join(name.replace("\u2019", "'").split()).strip(" .")
    if not text:
        return None
    upper = text.upper()
    if len(upper) == 2 and upper in iso3166.countries_by_alpha2:
        return upper
    if len(upper) == 3 and upper in iso3166.countries_by_alpha3:
        return iso3166.countries_by_alpha3[upper].alpha2
    for table in (iso3166.countries_by_name, iso3166.countries_by_apolitical_name):
        found = table.get(upper)
        if found is not None:
            return found.alpha2
    return _LIST_NAMES.get(text.lower())


def codes(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Alpha-2 codes of ``names`` in order, without repeats; unknown names are left out."""
    out: list[str] = []
    for name in names:
        code = to_alpha2(name)
        if code and code not in out:
            out.append(code)
    return tuple(out)
