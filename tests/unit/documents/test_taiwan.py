"""The Taiwan national ID card's rules: the ID number checksum, ROC dates, issue sites, the front's text."""

from __future__ import annotations

import datetime as dt

import pytest

from kycgate.compliance.documents import taiwan


class TestIdNumber:
    @pytest.mark.parametrize(
        "number",
        [
            "A123456789",  # the textbook example (and the seed's expected_id_number)
            "F131104093",
            "O299548479",  # O: Hsinchu City, code 35
        ],
    )
    def test_valid(self, number: str) -> None:
        assert taiwan.valid_id_number(number)

    @pytest.mark.parametrize(
        "number",
        [
            "A123456788",  # last digit off by one
            "A223456789",  # the seed's read id_number: its checksum fails
            "B123456789",  # another letter, same digits
            "A323456789",  # neither 1 nor 2 for the sex
            "a123456789",
            "A12345678",
            "1234567890",
            "AB23456789",
        ],
    )
    def test_invalid(self, number: str) -> None:
        assert not taiwan.valid_id_number(number)

    def test_check_digit_by_hand(self) -> None:
        # A = 10 -> 1*1 + 0*9, then 1..8 by 8..1: 1+0+8+14+18+20+20+18+14+8 = 121, so the last digit is 9.
        assert taiwan.id_number_check_digit("A12345678") == "9"
        with pytest.raises(ValueError):
            taiwan.id_number_check_digit("112345678")

    def test_changes_the_checksum_catches(self) -> None:
        number = "F131104093"
        # The digits weighed 1, 3, 7 or 9 (coprime to 10): any change there is caught.
        for i in (2, 6, 8, 9):  # weights 7, 3, 1, 1 (the letter is index 0)
            for digit in "0123456789":
                if digit != number[i]:
                    assert not taiwan.valid_id_number(number[:i] + digit + number[i + 1 :])
        # Weights 2, 4, 5, 6 and 8 are not: a change by 5 at weight 2 goes unseen, which is the
        # scheme's, not the reader's, limit.
        assert taiwan.valid_id_number(number[:7] + str((int(number[7]) + 5) % 10) + number[8:])

    def test_gender_digit(self) -> None:
        assert taiwan.gender_of_id_number("A123456789") == "M"
        assert taiwan.gender_of_id_number("O299548479") == "F"

    def test_repair_by_position(self) -> None:
        assert taiwan.repair_id_number("A1234S67B9") == (
            "A123456789",
            ["character 6: read 'S' as '5' (digits only)", "character 9: read 'B' as '8' (digits only)"],
        )

    def test_repair_of_the_letter_by_checksum(self) -> None:
        # '1' where the letter goes: I (34) passes, L (20) does not.
        first_nine = "I12345678"
        number = first_nine + taiwan.id_number_check_digit(first_nine)
        repaired = taiwan.repair_id_number("1" + number[1:])
        assert repaired is not None and repaired[0] == number

    def test_no_guess_when_letters_weigh_the_same(self) -> None:
        # O (35), D (13) and Q (24) all add 8 to the sum: a '0' read for the letter cannot be put right.
        assert taiwan.repair_id_number("0299548479") is None


class TestDates:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("民國54年3月16日", dt.date(1965, 3, 16)),
            ("民國 54年 3月 16日", dt.date(1965, 3, 16)),
            ("民国109年3月10日", dt.date(2020, 3, 10)),
            ("出生年月日 民國 1年1月1日", dt.date(1912, 1, 1)),
            ("0540316", dt.date(1965, 3, 16)),
            ("1090310", dt.date(2020, 3, 10)),
            ("民國109年2月30日", None),
        ],
    )
    def test_roc_dates(self, text: str, expected: dt.date | None) -> None:
        assert taiwan.parse_roc_date(text) == expected

    def test_four_digit_years_are_not_roc_years(self) -> None:
        assert taiwan.parse_roc_date("西元2020年3月10日") is None

    def test_seven_digit_form(self) -> None:
        assert taiwan.roc_date7(dt.date(2020, 3, 10)) == "1090310"
        assert taiwan.roc_date7(dt.date(2018, 1, 2)) == "1070102"  # the seed's tw_id_apply_date
        with pytest.raises(ValueError):
            taiwan.roc_date7(dt.date(1911, 12, 31))


class TestSitesAndNames:
    def test_site_codes_from_the_seed(self) -> None:
        assert taiwan.issue_site_id("北市", None) == "63000"
        assert taiwan.issue_site_id("新北市", None) == "65000"
        assert taiwan.issue_site_id("南縣", None) == "10011"
        assert taiwan.issue_site_id("臺北市"[1:], None) == "63000"

    def test_merged_municipalities_by_issue_date(self) -> None:
        assert taiwan.issue_site_id("中市", dt.date(2010, 12, 24)) == "10019"
        assert taiwan.issue_site_id("中市", dt.date(2010, 12, 25)) == "66000"
        assert taiwan.issue_site_id("南市", dt.date(2015, 1, 1)) == "67000"
        assert taiwan.issue_site_id("南市", dt.date(2009, 1, 1)) is None  # the seed's table cannot tell
        assert taiwan.issue_site_id("中市", None) is None
        assert taiwan.issue_site_id("火星", None) is None

    def test_names(self) -> None:
        assert taiwan.split_name("王又曾") == ("王", "又曾")
        assert taiwan.split_name("歐陽小華") == ("歐陽", "小華")
        assert taiwan.split_name("張簡雅婷") == ("張簡", "雅婷")
        assert taiwan.split_name("歐陽") == ("歐", "陽")


class TestFront:
    TEXT = (
        "中華民國國民身分證\n姓名 陳美玲\n出生年月日 民國 54年 3月 16日\n性別 女\n"
        "發證日期 民國109年3月10日（北市）換發\n統一編號 F223456787"
    )

    def test_every_field(self) -> None:
        number = "F22345678" + taiwan.id_number_check_digit("F22345678")
        front = taiwan.read_front(self.TEXT.replace("F223456787", number))
        assert front.name == "陳美玲"
        assert front.birthday == dt.date(1965, 3, 16)
        assert front.gender == "F"
        assert front.issuing_date == dt.date(2020, 3, 10)
        assert (front.issue_site, front.apply_reason) == ("北市", "換發")
        assert front.id_number == number and front.id_number_valid
        assert front.missing == {}

    def test_without_parentheses_and_with_ocr_spaces(self) -> None:
        front = taiwan.read_front("發 證 日 期 民國 97年 1月 2日 中市 補發")
        assert front.issuing_date == dt.date(2008, 1, 2)
        assert (front.issue_site, front.apply_reason) == ("中市", "補發")

    def test_what_is_missing_says_why(self) -> None:
        front = taiwan.read_front("中華民國國民身分證\n出生年月日 民國 54年 2月 30日")
        assert front.name is None and front.birthday is None and front.id_number is None
        assert front.missing["birthday"] == "the birth date '民國 54年 2月 30日' is not a calendar date"
        assert "姓名" in front.missing["name"]
        assert set(front.missing) == {"name", "birthday", "gender", "issuing_date", "id_number"}

    def test_an_ambiguous_letter_says_so(self) -> None:
        front = taiwan.read_front("統一編號 0299548479")
        assert front.id_number is None
        assert front.missing["id_number"] == "the first character reads '0': O, D, Q all pass the checksum"

    def test_a_number_failing_its_checksum_is_read_but_not_valid(self) -> None:
        front = taiwan.read_front("統一編號 A223456789")
        assert front.id_number == "A223456789" and not front.id_number_valid

    def test_labels_read_in_simplified_forms(self) -> None:
        # The recognizer returns some traditional characters in their simplified forms.
        front = taiwan.read_front("性别女\n发证日期民國107年10月30日（竹市）换发\n统一编号 A123456789")
        assert front.gender == "F"
        assert (front.issuing_date, front.issue_site, front.apply_reason) == (dt.date(2018, 10, 30), "竹市", "換發")
        assert front.id_number == "A123456789" and front.id_number_valid
