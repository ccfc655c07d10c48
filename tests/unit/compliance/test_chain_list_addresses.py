"""The sanctions lists' own addresses parse (tests/fixtures/chains: OFAC SDN remarks, the eth-sanctioned list)."""

from __future__ import annotations

import csv
import json
import re

import pytest

from kycgate.compliance.chains.addresses import (
    AddressError,
    AddressErrorCode,
    chain_for_list_currency,
    parse_address,
)
from tests.conftest import FIXTURES

CHAINS = FIXTURES / "chains"
_REMARK = re.compile(r"Digital Currency Address - ([A-Z0-9]+) ([^\s;\"]+)")
# Three remarks of the 2021 SDN file carry no address as published: a 64-hex-digit value listed as XMR
# (a key or transaction hash), an ETH address with 39 hex digits, and an XBT address cut to "1Gq" where
# the CSV's remarks field ends (OFAC continues long remarks in sdn_comments.csv, not in this file).
MALFORMED_IN_SOURCE = {
    ("29585", "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320"): AddressErrorCode.NOT_AN_ADDRESS,
    ("29702", "0xa7e5d5a720f06526557c513402f2e6b5fa20b00"): AddressErrorCode.BAD_LENGTH,
    ("30518", "1Gq"): AddressErrorCode.BAD_LENGTH,
}


def _sdn_remarks() -> list[tuple[str, str, str]]:
    with (CHAINS / "sdn-digital-currency.csv").open(encoding="latin-1", newline="") as rows:
        return [(row[0], code, address) for row in csv.reader(rows) for code, address in _REMARK.findall(row[11])]


def test_the_excerpt_holds_every_currency_of_the_file() -> None:
    remarks = _sdn_remarks()
    assert len(remarks) == 81
    assert sum((uid, address) in MALFORMED_IN_SOURCE for uid, _, address in remarks) == 3
    assert {code for _, code, _ in remarks} == {"XBT", "ETH", "LTC", "BCH", "XMR", "DASH", "ZEC", "BTG", "XVG", "ETC"}


@pytest.mark.parametrize(("uid", "code", "address"), _sdn_remarks())
def test_every_sdn_digital_currency_address_parses_on_its_listed_chain(uid: str, code: str, address: str) -> None:
    chain = chain_for_list_currency(code)
    assert chain is not None, code
    expected_error = MALFORMED_IN_SOURCE.get((uid, address))
    if expected_error is not None:
        with pytest.raises(AddressError) as caught:
            parse_address(address, chain)
        assert caught.value.code == expected_error
        return
    parsed = parse_address(address, chain)
    assert parsed.chain == chain and parsed.network == "mainnet"
    # The key a query meets the entry on: the same address, however it is spelled.
    assert parse_address(parsed.address, chain) == parsed
    if chain in ("eth", "etc"):
        assert parse_address(address.lower(), chain).address == parsed.address
    if chain == "btc":
        assert parse_address(address) == parsed  # detected without the list's currency code


def test_a_listed_mixed_case_ethereum_address_carries_a_valid_eip55_checksum() -> None:
    parsed = parse_address("0x7F367cC41522cE07553e823bf3be79A889DEbe1B", "eth")
    assert parsed.address == "0x7F367cC41522cE07553e823bf3be79A889DEbe1B"


def test_the_listed_bch_address_without_prefix_meets_its_legacy_spelling() -> None:
    listed = parse_address("qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", "bch")
    assert listed.address == "bitcoincash:qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq"
    assert parse_address("18Y8VPic2pZsvyLaYVdSLQdCuT2nAJJ3hd", "bch") == listed


def test_eth_sanctioned_list_addresses_parse_and_normalise_to_eip55() -> None:
    addresses = json.loads((CHAINS / "eth-sanctioned-excerpt.json").read_text())
    assert len(addresses) == 24
    for address in addresses:
        parsed = parse_address(address)
        assert (parsed.chain, parsed.network, parsed.analysable) == ("eth", "mainnet", True)
        assert parsed.address.lower() == address  # the list is lower case; the key is its EIP-55 spelling
        assert parse_address(parsed.address, "eth") == parsed
        assert parse_address("0x" + address[2:].upper(), "eth") == parsed
