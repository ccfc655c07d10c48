"""Listed crypto addresses: exact lookup on the normalised key, with the entry they belong to."""

from __future__ import annotations

from kycgate.compliance.lists.addresses import address_key
from kycgate.compliance.screening import lookup_address
from tests.unit.compliance.lists_support import fixture_index


def test_an_sdn_bitcoin_address_carries_its_entry() -> None:
    (listing,) = lookup_address(fixture_index(), "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h")
    assert listing._asdict() == {
        "address": "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h",
        "key": "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h",
        "currency": "XBT",
        "source": "ofac_sdn",
        "list_name": "OFAC Specially Designated Nationals (SDN) List",
        "uid": "ofac_sdn:25308",
        "name": "YAN, Xiaobing",
        "entry_type": "person",
        "programs": ("SDNTK",),
    }


def test_base58_keys_are_case_sensitive() -> None:
    assert lookup_address(fixture_index(), "12qtd5bfwrsdnsazy76uve1xycgntojh9h") == []


def test_an_eth_address_in_both_lists_mixed_case() -> None:
    key = address_key("0x7F367cC41522cE07553e823bf3be79A889DEbe1B")
    listings = lookup_address(fixture_index(), key)
    assert {(x.source, x.address) for x in listings} == {
        ("ofac_sdn", "0x7F367cC41522cE07553e823bf3be79A889DEbe1B"),
        ("ofac.sanctions", "0x7f367cc41522ce07553e823bf3be79a889debe1b"),
    }
    # The JSON list says nothing of the owner; the SDN entry that lists the same address does.
    assert {x.uid for x in listings} == {"ofac_sdn:29584"}
    assert lookup_address(fixture_index(), "0x7F367cC41522cE07553e823bf3be79A889DEbe1B") == listings


def test_an_address_only_the_json_list_has() -> None:
    (listing,) = lookup_address(fixture_index(), "0x01e2919679362dfbc9ee1644ba9c6da6d6245bb1")
    assert (listing.source, listing.currency, listing.uid, listing.name, listing.programs) == (
        "ofac.sanctions",
        "ETH",
        None,
        None,
        (),
    )


def test_the_seeds_sample_address_is_listed_and_a_clean_one_is_not() -> None:
    # Seed 001's KYA sample address is on the OFAC ETH list.
    assert [x.source for x in lookup_address(fixture_index(), "0x72a5843cc08275c8171e582972aa4fda8c397b2a")] == [
        "ofac.sanctions"
    ]
    assert lookup_address(fixture_index(), "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed") == []
    assert lookup_address(fixture_index(), "") == []
