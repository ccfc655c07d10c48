"""Names -> tokens: scripts to ASCII, Chinese readings, legal forms and titles, the typo keys."""

from __future__ import annotations

import pytest

from kycgate.compliance.lists.legal_forms import build_table
from kycgate.compliance.screening import normalize
from kycgate.compliance.screening.normalize import ORGANISATION, PERSON, name_forms

TABLE = build_table()
TYPOS = normalize.legal_form_typos(TABLE)


def org(text: str) -> list[tuple[str, ...]]:
    return name_forms(text, ORGANISATION, TABLE, TYPOS)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("AL-ZAWAHIRI, Ayman", ("al", "zawahiri", "ayman")),
        ("Muḥammad Straße", ("muhammad", "strasse")),
        ("José Ñúñez", ("jose", "nunez")),
        ("Владимир Путин", ("vladimir", "putin")),
        ("Qa'ida", ("qaida",)),
        ("AL ZAWAHIRI, Dr. Ayman", ("al", "zawahiri", "~dr", "ayman")),
        ("김정은", ("gim", "jeong", "eun")),
    ],
)
def test_person_names_to_tokens(text: str, tokens: tuple[str, ...]) -> None:
    assert name_forms(text, PERSON) == [tokens]


def test_arabic_script_is_transliterated_the_same_way_on_both_sides() -> None:
    (form,) = name_forms("صدام حسين التكريتي", PERSON)
    assert all(t.isascii() and t.isalpha() for t in form) and len(form) == 3


def test_han_names_give_every_common_reading() -> None:
    # 曾 reads zeng (the surname) and ceng: both are indexed and queried.
    forms = name_forms("王又曾", PERSON)
    assert ("wang", "youzeng") in forms and ("wang", "youceng") in forms
    assert len(forms) <= normalize.MAX_FORMS
    # A person's Han name is written as the lists write Chinese names: surname, given name.
    assert name_forms("金铁三", PERSON) == [("jin", "tiesan")]
    # 单 as a surname is shan; its commonest reading is dan.
    assert {f[0] for f in name_forms("单田芳", PERSON)} >= {"dan", "shan"}


@pytest.mark.parametrize(
    "text",
    ["Anglo Caribbean Ltd", "Anglo Caribbean Limited", "ANGLO-CARIBBEAN CO., LTD.", "Anglo Caribbean Company Limited"],
)
def test_legal_forms_are_one_canonical_token(text: str) -> None:
    assert org(text) == [("anglo", "caribbean", "~ltd")]


def test_han_and_pinyin_legal_forms() -> None:
    assert org("長安海連技術有限公司")[0][-1] == "~ltd"
    assert org("Changan Hailian Jishu Youxian Gongsi")[0] == ("changan", "hailian", "jishu", "~ltd")
    assert org("COMERCIAL CIMEX, S.A. DE C.V.") == [("comercial", "cimex", "~sadecv")]
    assert org("Siemens GmbH") == [("siemens", "~gmbh")]


def test_short_forms_inside_or_before_a_name_are_words() -> None:
    assert org("AS SAHAB MEDIA") == [("as", "sahab", "media")]
    assert org("OOO Romashka") == [("~ooo", "romashka")]
    assert org("COMPANY") == [("company",)]  # a name that is only a legal form keeps its word


def test_misspelt_long_legal_forms_are_still_legal_forms() -> None:
    assert org("Syrian Gas Compny") == [("syrian", "gas", "~co")]
    assert org("Research Consultants Limimed") == [("research", "consultants", "~ltd")]
    assert org("Maples Limiter")[0][-1] == "~ltd"  # one letter off: read as the form
    assert org("Maples Lime") == [("maples", "lime")]


def test_titles_only_in_person_names() -> None:
    assert name_forms("Sheikh Hassaan Hussein", PERSON) == [("~sheikh", "hassaan", "hussein")]
    assert name_forms("General", PERSON) == [("general",)]


def test_phonetic_keys_and_deletions() -> None:
    assert normalize.phonetic_key("osama") == normalize.phonetic_key("usama")
    assert normalize.phonetic_key("ayman") == normalize.phonetic_key("aiman")
    assert normalize.phonetic_key("~ltd") is None
    assert normalize.phonetic_key("x1") is None
    assert normalize.deletions("zawahiri") >= {"zawahri", "awahiri"}
    assert normalize.deletions("ali") == set()


def test_token_weights() -> None:
    assert normalize.token_weight("~ltd", 500, 10_000) == normalize.LEGAL_FORM_WEIGHT
    assert normalize.token_weight("~dr", 500, 10_000) == normalize.TITLE_WEIGHT
    assert normalize.token_weight("al", 3000, 10_000) == normalize.PARTICLE_WEIGHT
    assert normalize.token_weight("zawahiri", 2, 10_000) == 1.0
    common = normalize.token_weight("muhammad", 1500, 10_000)
    assert normalize.RARITY_FLOOR < common < 1.0
    assert normalize.token_weight("x", 0, 10_000) == normalize.PARTICLE_WEIGHT
