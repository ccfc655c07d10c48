"""The legal-form table an index is built with: cleanco's terms (about 190 forms of some 70
countries) plus forms common on the sanctions lists that cleanco lacks (the Russian and Gulf ones,
"Co., Ltd.", "S.A. de C.V."), each normalised like a name and mapped to a canonical token, so
Ltd, Limited and Co., Ltd. (有限公司) compare equal. Used at build time only; the table travels
inside the index.
"""

from __future__ import annotations

from kycgate.compliance.screening.normalize import split_tokens, to_ascii

_EXTRA_FORMS = (
    "jsc",
    "ojsc",
    "cjsc",
    "pjsc",
    "pao",
    "oao",
    "zao",
    "ooo",
    "tov",
    "fze",
    "fzco",
    "fzc",
    "fz llc",
    "llc",
    "plc",
    "sal",
    "sae",
    "spa",
    "sas",
    "sarl",
    "sa de cv",
    "s de rl de cv",
    "sapi de cv",
    "s de rl",
    "ltda",
    "eireli",
    "pvt",
    "pvt ltd",
    "pte ltd",
    "pty ltd",
    "private limited",
    "co ltd",
    "company limited",
    "limited company",
    "limited liability company",
    "joint stock company",
    "public joint stock company",
    "closed joint stock company",
    "open joint stock company",
    "llp",
    "lp",
    "gmbh",
    "ag",
    "kg",
    "bv",
    "nv",
    "sl",
    "srl",
    "ab",
    "oy",
    "as",
    "kk",
    "kabushiki kaisha",
    "ltd",
    "inc",
    "corp",
    "co",
    "company",
    "limited",
    "incorporated",
    "corporation",
    # Chinese forms in pinyin ("Youxian Gongsi" is 有限公司 as written in Latin).
    "you xian gong si",
    "youxian gongsi",
    "youxiangongsi",
    "gu fen you xian gong si",
    "gufen youxian gongsi",
    "you xian ze ren gong si",
    "youxian zeren gongsi",
    "gong si",
    "gongsi",
)
# Spellings of one form -> its canonical token (without the mark).
_CANONICAL = {
    "limited": "ltd",
    "co ltd": "ltd",
    "company limited": "ltd",
    "limited company": "ltd",
    "pvt ltd": "ltd",
    "pte ltd": "ltd",
    "private limited": "ltd",
    "company": "co",
    "corporation": "corp",
    "incorporated": "inc",
    "limited liability company": "llc",
    "fzllc": "fz llc",
    "joint stock company": "jsc",
    "kabushiki kaisha": "kk",
    "gmbh": "gmbh",
    "you xian gong si": "ltd",
    "youxian gongsi": "ltd",
    "youxiangongsi": "ltd",
    "gu fen you xian gong si": "ltd",
    "gufen youxian gongsi": "ltd",
    "you xian ze ren gong si": "llc",
    "youxian zeren gongsi": "llc",
    "gong si": "co",
    "gongsi": "co",
}


def build_table() -> dict[tuple[str, ...], str]:
    """Normalised token spans -> canonical token (unmarked)."""
    from cleanco.clean import get_unique_terms

    table: dict[tuple[str, ...], str] = {}
    for term in [*sorted(get_unique_terms()), *_EXTRA_FORMS]:
        tokens = tuple(split_tokens(to_ascii(term)))
        if not tokens or not all(t.isascii() for t in tokens):
            continue
        key = " ".join(tokens)
        table[tokens] = _CANONICAL.get(key, "".join(tokens)).replace(" ", "")
    return table
