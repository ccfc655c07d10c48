"""The list parsers on real excerpts: every fact the remarks and the XML carry, and every way a
file can be bad or cut short failing with the file's name and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from kycgate.compliance.lists import addresses, ofac, sources, un
from kycgate.compliance.lists.model import ListFileError, RawFile
from tests.unit.compliance.lists_support import ETH, OFAC, UN


def _ofac(folder: Path = OFAC) -> dict[str, RawFile]:
    return {f.name: f for f in sources.read_path(folder)}


def _entry(parsed, uid):
    return next(e for e in parsed.entries if e.uid == uid)


def test_ofac_entries_types_programs_and_aliases() -> None:
    parsed = ofac.parse(_ofac())
    assert parsed.source == "ofac_sdn"
    assert len(parsed.entries) == 19
    types = {e.uid: e.entry_type for e in parsed.entries}
    assert types["ofac_sdn:2676"] == "person"
    assert types["ofac_sdn:306"] == "entity"
    assert types["ofac_sdn:4234"] == "vessel"
    assert types["ofac_sdn:15431"] == "aircraft"
    zawahiri = _entry(parsed, "ofac_sdn:2676")
    assert zawahiri.name == "AL ZAWAHIRI, Dr. Ayman"
    assert zawahiri.programs == ("SDGT",)
    assert zawahiri.title == "Operational and Military Leader of JIHAD GROUP"
    assert [(a.name, a.quality, a.kind) for a in zawahiri.aliases] == [
        ("AL-ZAWAHIRI, Ayman", "strong", "aka"),
        ("SALIM, Ahmad Fuad", "strong", "aka"),
        ("AL-ZAWAHIRI, Aiman Muhammad Rabi", "strong", "aka"),
    ]
    # Several programs in one cell: "CYBER2] [ELECTION-EO13848".
    assert _entry(parsed, "ofac_sdn:31212").programs == ("NPWMD", "CYBER2", "ELECTION-EO13848")


def test_ofac_remarks_facts() -> None:
    parsed = ofac.parse(_ofac())
    zawahiri = _entry(parsed, "ofac_sdn:2676")
    assert [(d.start, d.end, d.text) for d in zawahiri.birth_dates] == [("1951-06-19", "1951-06-19", "19 Jun 1951")]
    assert zawahiri.places_of_birth == ("Giza, Egypt",)
    assert ("Passport", "1084010", "EG") in [tuple(i) for i in zawahiri.identifiers]
    yan = _entry(parsed, "ofac_sdn:25308")
    assert yan.gender == "male"
    assert yan.citizenships == ("CN",)
    assert [(a.name, a.quality) for a in yan.aliases] == [("ZHOU, William", "weak"), ("YAN, Steven", "weak")]
    assert ("Citizen's Card Number", "421002197703250019", "CN") in [tuple(i) for i in yan.identifiers]
    espinoza = _entry(parsed, "ofac_sdn:18970")
    assert (espinoza.gender, espinoza.nationalities) == ("female", ("MX",))
    havin = _entry(parsed, "ofac_sdn:906")
    assert ("Company Number", "01074897", "GB") in [tuple(i) for i in havin.identifiers]
    assert havin.countries == ("GB", "CU")  # add.csv


def test_ofac_digital_currency_addresses_belong_to_their_entry() -> None:
    parsed = ofac.parse(_ofac())
    yan = _entry(parsed, "ofac_sdn:25308")
    assert len(yan.crypto_addresses) == 6
    assert yan.crypto_addresses[0] == ("XBT", "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h")
    records = {(r.currency, r.address): r.uid for r in parsed.addresses}
    assert records[("XBT", "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h")] == "ofac_sdn:25308"
    assert records[("ETH", "0x7F367cC41522cE07553e823bf3be79A889DEbe1B")] == "ofac_sdn:29584"
    assert {r.currency for r in parsed.addresses} == {"XBT", "ETH", "BCH"}


def test_ofac_date_forms() -> None:
    from kycgate.compliance.lists.dates import parse_ofac_date

    assert parse_ofac_date("1951")[:2] == ("1951-01-01", "1951-12-31")
    assert parse_ofac_date("Jun 1951")[:2] == ("1951-06-01", "1951-06-30")
    assert parse_ofac_date("circa 1960")[:2] == ("1958-01-01", "1962-12-31")
    assert parse_ofac_date("1950 to 1955")[:2] == ("1950-01-01", "1955-12-31")
    assert parse_ofac_date("01 Jan 1960 to 31 Dec 1962")[:2] == ("1960-01-01", "1962-12-31")
    assert parse_ofac_date("31 Feb 1960") is None
    assert parse_ofac_date("sometime") is None


def _damaged(tmp_path: Path, name: str, data: bytes) -> dict[str, RawFile]:
    files = _ofac()
    target = tmp_path / name
    target.write_bytes(data)
    files[name] = RawFile(name, str(target), data, None)
    return files


def test_ofac_file_cut_mid_row_fails_naming_the_file(tmp_path: Path) -> None:
    data = (OFAC / "sdn.csv").read_bytes()
    files = _damaged(tmp_path, "sdn.csv", data[: len(data) // 2])
    with pytest.raises(ListFileError, match=r"sdn\.csv") as caught:
        ofac.parse(files)
    assert "truncated" in caught.value.problem or "columns" in caught.value.problem


def test_ofac_unterminated_quote_is_truncation(tmp_path: Path) -> None:
    data = (OFAC / "sdn.csv").read_bytes().rstrip(b"\x1a")
    cut = data.rindex(b',"') + 10  # inside the last row's quoted Remarks
    files = _damaged(tmp_path, "sdn.csv", data[:cut] + b"\r\n")
    with pytest.raises(ListFileError, match="truncated"):
        ofac.parse(files)


def test_ofac_row_boundary_cut_is_caught_by_the_other_files(tmp_path: Path) -> None:
    lines = (OFAC / "sdn.csv").read_bytes().split(b"\r\n")
    files = _damaged(tmp_path, "sdn.csv", b"\r\n".join(lines[:8]) + b"\r\n")
    with pytest.raises(ListFileError, match=r"refer to entries that sdn\.csv lacks") as caught:
        ofac.parse(files)
    assert caught.value.origin.endswith(("alt.csv", "add.csv"))


def test_ofac_wrong_column_count_names_the_line(tmp_path: Path) -> None:
    data = (OFAC / "alt.csv").read_bytes().replace(b'"aka",', b'"aka","extra",', 1)
    with pytest.raises(ListFileError, match=r"alt\.csv: line 1 has 6 columns"):
        ofac.parse(_damaged(tmp_path, "alt.csv", data))


def test_ofac_needs_all_three_files() -> None:
    files = _ofac()
    del files["add.csv"]
    with pytest.raises(ListFileError, match=r"missing add\.csv"):
        ofac.parse(files)


def test_ofac_empty_file(tmp_path: Path) -> None:
    with pytest.raises(ListFileError, match="empty"):
        ofac.parse(_damaged(tmp_path, "sdn.csv", b"\x1a"))


def test_un_individuals_entities_aliases_and_dates() -> None:
    parsed = un.parse(sources.read_path(UN / "consolidated.xml")[0])
    assert parsed.source == "un_consolidated"
    assert parsed.published == "2026-02-27T00:00:09.554Z"
    by_uid = {e.uid: e for e in parsed.entries}
    assert len(by_uid) == 9
    zawahiri = by_uid["un_consolidated:QDi.006"]
    assert zawahiri.entry_type == "person"
    assert zawahiri.programs == ("Al-Qaida",)
    assert "EG" in zawahiri.nationalities
    assert any(d.start == "1951-06-19" for d in zawahiri.birth_dates)
    jin = by_uid["un_consolidated:KPi.035"]
    assert ("Jin Tiesan (金铁三)", "strong", "aka") in [tuple(a) for a in jin.aliases]
    # One ALIAS_NAME with several spellings is several aliases.
    salimi = by_uid["un_consolidated:IRi.038"]
    assert {"Husain Salimi", "Hosain Salimi", "Hossein Saleemi"} <= {a.name for a in salimi.aliases}
    assert any(a.quality == "weak" for e in parsed.entries for a in e.aliases)  # UN "Low"
    saddam = by_uid["un_consolidated:IQi.001"]
    assert next(a for a in saddam.aliases if a.kind == "original_script").name == "صدام حسين التكريتي"
    between = by_uid["un_consolidated:CDi.030"]
    assert any(d.start[:4] != d.end[:4] for d in between.birth_dates)
    company = by_uid["un_consolidated:KPe.059"]
    assert company.entry_type == "entity"
    assert "華信船務(香港)有限公司" in [a.name for a in company.aliases]


def test_un_truncated_xml_fails_with_position(tmp_path: Path) -> None:
    data = (UN / "consolidated.xml").read_bytes()
    raw = RawFile("consolidated.xml", str(tmp_path / "consolidated.xml"), data[: len(data) - 500], None)
    with pytest.raises(ListFileError, match=r"consolidated\.xml: not well-formed XML at line \d+.*truncated"):
        un.parse(raw)


def test_un_refuses_doctype_and_foreign_xml() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><CONSOLIDATED_LIST>&a;</CONSOLIDATED_LIST>'
    with pytest.raises(ListFileError, match="DOCTYPE"):
        un.parse(RawFile("consolidated.xml", "bomb.xml", bomb, None))
    with pytest.raises(ListFileError, match="not <CONSOLIDATED_LIST>"):
        un.parse(RawFile("consolidated.xml", "other.xml", b"<rss/>", None))
    with pytest.raises(ListFileError, match="INDIVIDUALS or ENTITIES"):
        un.parse(
            RawFile("consolidated.xml", "half.xml", b"<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>", None)
        )


def test_json_address_list() -> None:
    parsed = addresses.parse(sources.read_path(ETH / "ofac.sanctions.json")[0])
    assert parsed.source == "ofac.sanctions"
    assert len(parsed.addresses) == 144
    assert all(r.currency == "ETH" and r.uid is None for r in parsed.addresses)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'["0x01e2919679362dfbc9ee1644ba9c6da6d6245bb1", "0x03', "not valid JSON"),
        (b'{"addresses": []}', "JSON array"),
        (b"[]", "empty"),
        (b'["0x01e2919679362dfbc9ee1644ba9c6da6d6245bb1", 7]', "item 1"),
    ],
)
def test_bad_json_address_lists(body: bytes, problem: str) -> None:
    with pytest.raises(ListFileError, match=problem):
        addresses.parse(RawFile("list.json", "list.json", body, None))


def test_address_key_lowers_hex_only() -> None:
    assert addresses.address_key(" 0x7F367cC41522cE07553e823bf3be79A889DEbe1B ") == (
        "0x7f367cc41522ce07553e823bf3be79a889debe1b"
    )
    assert addresses.address_key("12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h") == "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h"
    assert addresses.address_key("bc1qXYZ") == "bc1qXYZ"


def test_paths_are_recognised_by_name(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ListFileError, match="not a list file"):
        sources.read_path(tmp_path / "notes.txt")
    with pytest.raises(ListFileError, match="holds no list file"):
        sources.read_path(tmp_path)
    with pytest.raises(ListFileError, match="no such file"):
        sources.read_path(tmp_path / "missing.csv")


def test_urls_must_be_https_except_loopback() -> None:
    with pytest.raises(ListFileError, match="must be https"):
        sources.read("http://lists.example.com/sdn.csv", 5)
    with pytest.raises(ListFileError, match="does not name a list file"):
        sources.read("https://lists.example.com/download", 5)
