"""ICAO 9303 MRZs: check digits, parsing of the three formats, repair of what OCR engines misread.

The specimen strings are Doc 9303's own (part 4 appendix: TD3; part 5: TD1, with the long document
number example; part 6: TD2). The ``mrz`` package (an independent implementation) is the oracle for
check digits and draws random MRZs to parse back.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from mrz.base.functions import hash_string
from mrz.generator.td1 import TD1CodeGenerator
from mrz.generator.td2 import TD2CodeGenerator
from mrz.generator.td3 import TD3CodeGenerator

from kycgate.compliance.documents.mrz import check_digit, mrz_date, normalise_line, parse_mrz, repair_mrz
from kycgate.compliance.documents.vocabulary import MrzFormat

TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
TD1_LONG_NUMBER = (
    "I<UTOD23145890<7349<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)
TD2 = ("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6")

# Where each format prints its check digits: (check, line, column), 0-based.
CHECK_POSITIONS = {
    "TD3": (
        ("document_number", 1, 9), ("birth_date", 1, 19), ("expiry_date", 1, 27), ("personal_number", 1, 42),
        ("composite", 1, 43),
    ),
    "TD1": (("document_number", 0, 14), ("birth_date", 1, 6), ("expiry_date", 1, 14), ("composite", 1, 29)),
    "TD2": (("document_number", 1, 9), ("birth_date", 1, 19), ("expiry_date", 1, 27), ("composite", 1, 35)),
}  # fmt: skip
SPECIMENS = {"TD3": TD3, "TD1": TD1, "TD2": TD2}


def replace(lines: tuple[str, ...], line: int, column: int, char: str) -> tuple[str, ...]:
    out = list(lines)
    out[line] = out[line][:column] + char + out[line][column + 1 :]
    return tuple(out)


class TestCheckDigit:
    @pytest.mark.parametrize(
        ("data", "digit"),
        [
            ("L898902C3", "6"),
            ("740812", "2"),
            ("120415", "9"),
            ("ZE184226B<<<<<", "1"),
            ("D23145890", "7"),
            ("D23145890734", "9"),  # part 5's number of more than 9 characters
            ("L898902C36" + "7408122" + "1204159ZE184226B<<<<<1", "0"),  # part 4's composite
        ],
    )
    def test_doc_9303_examples(self, data: str, digit: str) -> None:
        assert check_digit(data) == digit

    def test_agrees_with_an_independent_implementation(self) -> None:
        rng = random.Random(9303)
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
        for _ in range(500):
            data = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
            assert check_digit(data) == hash_string(data), data

    def test_refuses_characters_outside_the_mrz_alphabet(self) -> None:
        with pytest.raises(ValueError, match="not an MRZ character"):
            check_digit("AB-12")


class TestParse:
    def test_td3_specimen(self) -> None:
        result = parse_mrz(TD3)
        assert result.format is MrzFormat.TD3
        assert result.fields == {
            "document_code": "P",
            "issuing_state": "UTO",
            "document_number": "L898902C3",
            "birth_date": "740812",
            "sex": "F",
            "expiry_date": "120415",
            "nationality": "UTO",
            "surname": "ERIKSSON",
            "given_names": "ANNA MARIA",
            "personal_number": "ZE184226B",
        }
        assert [(c.field, c.found, c.ok) for c in result.check_digits] == [
            ("document_number", "6", True),
            ("birth_date", "2", True),
            ("expiry_date", "9", True),
            ("personal_number", "1", True),
            ("composite", "0", True),
        ]
        assert result.valid and result.failed_check_digits == ()

    def test_td1_specimen(self) -> None:
        result = parse_mrz(TD1)
        assert result.format is MrzFormat.TD1
        assert result.fields == {
            "document_code": "I",
            "issuing_state": "UTO",
            "document_number": "D23145890",
            "birth_date": "740812",
            "sex": "F",
            "expiry_date": "120415",
            "nationality": "UTO",
            "surname": "ERIKSSON",
            "given_names": "ANNA MARIA",
            "optional_data_1": "",
            "optional_data_2": "",
        }
        assert [c.field for c in result.check_digits] == ["document_number", "birth_date", "expiry_date", "composite"]
        assert result.valid

    def test_td1_document_number_longer_than_nine(self) -> None:
        result = parse_mrz(TD1_LONG_NUMBER)
        assert result.fields["document_number"] == "D23145890734"
        assert result.check_digits[0] == ("document_number", "9", "9", True)
        assert result.fields["optional_data_1"] == ""
        assert result.valid

    def test_td2_specimen(self) -> None:
        result = parse_mrz(TD2)
        assert result.format is MrzFormat.TD2
        assert result.fields["document_number"] == "D23145890"
        assert result.fields["surname"] == "ERIKSSON" and result.fields["given_names"] == "ANNA MARIA"
        assert result.fields["optional_data"] == ""
        assert result.valid

    @pytest.mark.parametrize(
        ("fmt", "check", "line", "column"),
        [(fmt, *position) for fmt, positions in CHECK_POSITIONS.items() for position in positions],
    )
    def test_each_check_digit_is_verified_and_reported(self, fmt: str, check: str, line: int, column: int) -> None:
        lines = SPECIMENS[fmt]
        wrong = str((int(lines[line][column]) + 1) % 10)
        result = parse_mrz(replace(lines, line, column, wrong))
        failed = set(result.failed_check_digits)
        # A wrong field check digit is itself covered by the composite (except the composite's own).
        assert check in failed
        assert failed <= {check, "composite"}
        assert not result.valid

    def test_a_changed_character_fails_its_field_and_the_composite(self) -> None:
        result = parse_mrz(replace(TD3, 1, 0, "M"))  # L898902C3 -> M898902C3
        assert result.failed_check_digits == ("document_number", "composite")

    def test_an_empty_personal_number_may_have_a_filler_check_digit(self) -> None:
        code = str(TD3CodeGenerator("P", "UTO", "Doe", "Jane", "X1234567", "UTO", "800101", "F", "300101"))
        lines = tuple(code.splitlines())
        assert lines[1][28:43] == "<" * 14 + "0"
        assert parse_mrz(lines).valid
        # '<' and '0' weigh the same, so the composite is unchanged too.
        assert parse_mrz(replace(lines, 1, 42, "<")).valid
        assert parse_mrz(replace(lines, 1, 42, "3")).failed_check_digits == ("personal_number", "composite")

    def test_unknown_birth_day_is_not_a_date(self) -> None:
        assert mrz_date("7408<<", kind="birth") is None

    @pytest.mark.parametrize(
        "lines",
        [(TD3[0],), (TD3[0], TD3[1][:-1]), (TD1[0], TD1[1], TD1[2] + "<"), (TD3[0].lower(), TD3[1])],
    )
    def test_refuses_what_is_not_an_mrz(self, lines: tuple[str, ...]) -> None:
        with pytest.raises(ValueError):
            parse_mrz(lines)

    def test_parses_what_an_independent_generator_writes(self) -> None:
        rng = random.Random(44)
        for _ in range(60):
            number = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(9))
            birth, expiry = f"{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}", "330615"
            sex = rng.choice("MF")
            codes = [
                TD3CodeGenerator("P", "UTO", "Lovelace", "Ada King", number, "GBR", birth, sex, expiry, "AB12"),
                TD2CodeGenerator("I", "UTO", "Lovelace", "Ada King", number, "GBR", birth, sex, expiry, "X7"),
                TD1CodeGenerator("ID", "UTO", number, birth, sex, expiry, "GBR", "Lovelace", "Ada King", "Q9"),
            ]
            for code in codes:
                result = parse_mrz(str(code).splitlines())
                assert result.valid, str(code)
                assert result.fields["document_number"] == number.rstrip("<")
                assert (result.fields["birth_date"], result.fields["expiry_date"]) == (birth, expiry)
                assert (result.fields["surname"], result.fields["given_names"]) == ("LOVELACE", "ADA KING")
                assert (result.fields["issuing_state"], result.fields["nationality"], result.fields["sex"]) == (
                    "UTO",
                    "GBR",
                    sex,
                )


class TestDates:
    TODAY = dt.date(2026, 12, 2)

    @pytest.mark.parametrize(
        ("value", "kind", "expected"),
        [
            ("740812", "birth", dt.date(1974, 8, 12)),
            ("261201", "birth", dt.date(2026, 12, 1)),
            ("261203", "birth", dt.date(1926, 12, 3)),  # a birth date is never in the future
            ("050101", "birth", dt.date(2005, 1, 1)),
            ("120415", "expiry", dt.date(2012, 4, 15)),
            ("350101", "expiry", dt.date(2035, 1, 1)),
            ("971231", "expiry", dt.date(1997, 12, 31)),
            ("740231", "birth", None),
            ("74O812", "birth", None),
        ],
    )
    def test_two_digit_years(self, value: str, kind: str, expected: dt.date | None) -> None:
        assert mrz_date(value, kind=kind, today=self.TODAY) == expected


class TestRepair:
    def test_clean_lines_need_nothing(self) -> None:
        result = repair_mrz(TD3)
        assert result.valid and result.corrections == () and result.lines == TD3

    def test_glyphs_engines_return_for_mrz_characters(self) -> None:
        assert normalise_line("P<∪TO ERIKSSON く く ANNA«MARIA ＜") == "P<UTOERIKSSON<<ANNA<<MARIA<"

    def test_digits_in_letter_fields_and_letters_in_digit_fields(self) -> None:
        # Country codes read with 0 for O; a date and a check digit with O, I, S, B, Z for digits.
        line2 = "L898902C36" + "UT0" + "74O8I2" + "Z" + "F" + "12O4I5" + "9" + "ZE184226B<<<<<" + "1" + "O"
        read = ("P<UT0ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", line2)
        result = repair_mrz(read)
        assert result.valid and result.lines == TD3
        fixed = {(c.field, c.read, c.corrected, c.reason) for c in result.corrections}
        assert ("issuing_state", "0", "O", "field_type") in fixed
        assert ("nationality", "0", "O", "field_type") in fixed
        assert ("birth_date", "O", "0", "field_type") in fixed
        assert ("birth_date", "Z", "2", "field_type") in fixed  # its check digit
        assert ("expiry_date", "I", "1", "field_type") in fixed
        assert ("composite", "O", "0", "field_type") in fixed

    def test_the_check_digit_settles_a_document_number_read_with_o_for_0(self) -> None:
        read = (TD3[0], "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10")
        result = repair_mrz(read)
        assert result.valid and result.fields["document_number"] == "L898902C3"
        assert [(c.field, c.line, c.column, c.read, c.corrected, c.reason) for c in result.corrections] == [
            ("document_number", 2, 6, "O", "0", "check_digit")
        ]

    def test_an_s_for_5_in_an_id_card_number(self) -> None:
        code = str(TD1CodeGenerator("ID", "UTO", "K5A7X234", "800101", "M", "300101", "UTO", "Roe", "Richard"))
        lines = tuple(code.splitlines())
        read = (lines[0].replace("K5A7", "KSA7"), lines[1], lines[2])
        result = repair_mrz(read)
        assert result.valid and result.fields["document_number"] == "K5A7X234"
        assert [(c.line, c.column, c.read, c.corrected, c.reason) for c in result.corrections] == [
            (1, 7, "S", "5", "check_digit")
        ]

    def test_no_guess_between_two_readings_of_a_number(self) -> None:
        # KSB81234: S->5 and 8->B both pass the number's check digit (and so the composite, which
        # weighs the number the same); the reading stays as read and the check digit fails.
        code = str(TD1CodeGenerator("ID", "UTO", "K5B81234", "800101", "M", "300101", "UTO", "Roe", "Richard"))
        lines = tuple(code.splitlines())
        result = repair_mrz((lines[0].replace("K5B8", "KSB8"), lines[1], lines[2]))
        assert result.fields["document_number"] == "KSB81234"
        assert result.failed_check_digits == ("document_number", "composite")
        assert result.corrections == ()

    def test_no_guess_when_two_readings_pass(self) -> None:
        # ZE1B4226B: Z->2 and B->8 both pass the personal number's digit and the composite (same weight).
        read = (TD3[0], "L898902C36UTO7408122F1204159ZE1B4226B<<<<<10")
        result = repair_mrz(read)
        assert result.fields["personal_number"] == "ZE1B4226B"
        assert result.failed_check_digits == ("personal_number", "composite")
        assert not any(c.reason == "check_digit" for c in result.corrections)

    def test_filler_read_as_k_after_the_names(self) -> None:
        read = ("P<UTOERIKSSON<<ANNA<MARIA<<<K<<<<<<<<<<<K<<<", TD3[1])
        result = repair_mrz(read)
        assert result.lines == TD3
        assert {(c.read, c.corrected, c.reason) for c in result.corrections} == {("K", "<", "filler")}

    def test_miscounted_fillers(self) -> None:
        # One '<' too few in the personal number's run, three too few at the end of the names.
        read = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<10")
        result = repair_mrz(read)
        assert result.valid and result.lines == TD3
        assert {c.reason for c in result.corrections} == {"line_length"}
        assert result.raw_lines == read

    def test_a_filler_too_many_in_a_td1_line(self) -> None:
        read = (TD1[0], "7408122F1204159UTO<<<<<<<<<<<<6", TD1[2])
        result = repair_mrz(read)
        assert result.valid and result.lines == TD1

    def test_what_cannot_be_an_mrz(self) -> None:
        with pytest.raises(ValueError):
            repair_mrz(["PASSPORT PASSEPORT", "UTOPIA"])
        with pytest.raises(ValueError):
            repair_mrz([TD3[0]])
