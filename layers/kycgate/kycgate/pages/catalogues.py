"""The hosted IDV page's message catalogues: every string it shows, per locale, in
``pages/locales/<locale>.json`` (flat JSON, ``{name}`` placeholders). The server fills the template from
the catalogue and hands the page's script the same catalogue, so no string is written in English
anywhere else. A locale the seed lists without a catalogue of its own is served in ``en``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from kycgate.compliance.idv.vocabulary import TRANSLATED

DEFAULT_LOCALE = "en"


def page_locale(locale: str | None) -> str:
    """The catalogue a page in ``locale`` is served from."""
    return locale if locale in TRANSLATED else DEFAULT_LOCALE


@cache
def catalogue(locale: str) -> dict[str, str]:
    path = resources.files(__package__).joinpath("locales", f"{page_locale(locale)}.json")
    return json.loads(path.read_text(encoding="utf-8"))
