"""Address validation per chain against the specifications' own test vectors (sources cited per block)."""

from __future__ import annotations

import pytest

from kycgate.compliance.chains import encodings
from kycgate.compliance.chains.addresses import (
    AddressError,
    AddressErrorCode,
    chain_for_list_currency,
    detect_chain,
    ensure_analysable,
    parse_address,
)
from kycgate.compliance.chains.encodings import BECH32_1_CONST, BECH32_M_CONST, decode_bech32

Code = AddressErrorCode


def _refused(address: str, chain: str | None = None) -> AddressError:
    with pytest.raises(AddressError) as caught:
        parse_address(address, chain)
    return caught.value


def _script(address: str) -> str:
    """The scriptPubKey (hex) of a Bitcoin-family address, from what kycgate decoded."""
    parsed, reading = parse_address(address), encodings.read(address.strip())
    payload = reading.payload.hex()
    if parsed.address_type == "p2pkh":
        return f"76a914{payload}88ac"
    if parsed.address_type == "p2sh":
        return f"a914{payload}87"
    version = decode_bech32(address)[1][0]
    return f"{0x50 + version if version else 0:02x}{len(reading.payload):02x}{payload}"


# --- BIP-173 and BIP-350 (bitcoin/bips, bip-0173.mediawiki and bip-0350.mediawiki at 7fe0b034,
# "Test vectors"), verbatim; 0x20/0x7F/0x80/0xFF are the BIPs' "0xNN + ..." characters. -------------

BECH32_VALID = [
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
]
BECH32M_VALID = [
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
]
BECH32_INVALID = [  # (string, the BIP's reason)
    ("\x201nwldj5", "HRP character out of range"),
    ("\x7f1axkwrx", "HRP character out of range"),
    ("\x801eym55h", "HRP character out of range"),
    (
        "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
        "overall max length exceeded",
    ),
    ("pzry9x0s0muk", "No separator character"),
    ("1pzry9x0s0muk", "Empty HRP"),
    ("x1b4n0q5v", "Invalid data character"),
    ("li1dgmt3", "Too short checksum"),
    ("de1lg7wt\xff", "Invalid character in checksum"),
    ("A1G7SGD8", "checksum calculated with uppercase form of HRP"),
    ("10a06t8", "empty HRP"),
    ("1qzzfhee", "empty HRP"),
]
BECH32M_INVALID = [
    ("\x201xj0phk", "HRP character out of range"),
    ("\x7f1g6xzxy", "HRP character out of range"),
    ("\x801vctc34", "HRP character out of range"),
    (
        "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
        "overall max length exceeded",
    ),
    ("qyrz8wqd2c9m", "No separator character"),
    ("1qyrz8wqd2c9m", "Empty HRP"),
    ("y1b0jsk6g", "Invalid data character"),
    ("lt1igcx5c0", "Invalid data character"),
    ("in1muywd", "Too short checksum"),
    ("mm1crxm3i", "Invalid character in checksum"),
    ("au1s5cgom", "Invalid character in checksum"),
    ("M1VUXWEZ", "checksum calculated with uppercase form of HRP"),
    ("16plkw9", "empty HRP"),
    ("1p2gdwpf", "empty HRP"),
]
# BIP-350's list of valid segwit addresses (BIP-173's v0 entries are among them).
SEGWIT_VALID = [
    ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"),
    (
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
        "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
    ),
    (
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
        "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6",
    ),
    ("BC1SW50QGDZ25J", "6002751e"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"),
    (
        "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
        "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
    ),
    (
        "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
        "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
    ),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
    ),
]
# BIP-173's v1+ examples were written with bech32; BIP-350 made them invalid (bech32m since).
BIP173_V1_PLUS_NOW_INVALID = [
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
    "BC1SW50QA3JX3S",
    "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj",
]
SEGWIT_INVALID = [  # (address, the BIP's reason, kycgate's code)
    ("tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", "Invalid human-readable part", Code.UNKNOWN_SHAPE),
    ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "Invalid checksum", Code.BAD_CHECKSUM),
    ("BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", "Invalid witness version", Code.BAD_SEGWIT_PROGRAM),
    ("bc1rw5uspcuh", "Invalid program length", Code.BAD_SEGWIT_PROGRAM),
    (
        "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
        "Invalid program length",
        Code.BAD_SEGWIT_PROGRAM,
    ),
    ("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "Invalid program length for witness version 0", Code.BAD_SEGWIT_PROGRAM),
    ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", "Mixed case", Code.MIXED_CASE),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", "zero padding of more than 4 bits", Code.BAD_SEGWIT_PROGRAM),
    (
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv",
        "Non-zero padding in 8-to-5 conversion",
        Code.BAD_SEGWIT_PROGRAM,
    ),
    ("bc1gmk9yu", "Empty data section", Code.BAD_SEGWIT_PROGRAM),
    # BIP-350
    (
        "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
        "Invalid human-readable part",
        Code.UNKNOWN_SHAPE,
    ),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
        "Invalid checksum (Bech32 instead of Bech32m)",
        Code.WRONG_BECH32_VARIANT,
    ),
    (
        "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
        "Invalid checksum (Bech32 instead of Bech32m)",
        Code.WRONG_BECH32_VARIANT,
    ),
    (
        "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
        "Invalid checksum (Bech32 instead of Bech32m)",
        Code.WRONG_BECH32_VARIANT,
    ),
    (
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
        "Invalid checksum (Bech32m instead of Bech32)",
        Code.WRONG_BECH32_VARIANT,
    ),
    (
        "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
        "Invalid checksum (Bech32m instead of Bech32)",
        Code.WRONG_BECH32_VARIANT,
    ),
    (
        "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
        "Invalid character in checksum",
        Code.INVALID_CHARACTERS,
    ),
    (
        "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
        "Invalid witness version",
        Code.BAD_SEGWIT_PROGRAM,
    ),
    ("bc1pw5dgrnzv", "Invalid program length (1 byte)", Code.BAD_SEGWIT_PROGRAM),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
        "Invalid program length (41 bytes)",
        Code.BAD_SEGWIT_PROGRAM,
    ),
    ("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "Invalid program length for witness version 0", Code.BAD_SEGWIT_PROGRAM),
    ("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", "Mixed case", Code.MIXED_CASE),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
        "zero padding of more than 4 bits",
        Code.BAD_SEGWIT_PROGRAM,
    ),
    (
        "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
        "Non-zero padding in 8-to-5 conversion",
        Code.BAD_SEGWIT_PROGRAM,
    ),
]


@pytest.mark.parametrize("text", BECH32_VALID)
def test_bip173_valid_strings_decode_as_bech32(text: str) -> None:
    assert decode_bech32(text)[2] == BECH32_1_CONST


@pytest.mark.parametrize("text", BECH32M_VALID)
def test_bip350_valid_strings_decode_as_bech32m(text: str) -> None:
    assert decode_bech32(text)[2] == BECH32_M_CONST


@pytest.mark.parametrize("text", BECH32_VALID + BECH32M_VALID)
def test_valid_bech32_strings_that_are_no_chains_addresses_are_refused(text: str) -> None:
    # Their human-readable parts (a, an83..., abcdef, 1, split, ?) are no chain's.
    _refused(text)


@pytest.mark.parametrize(("text", "reason"), BECH32_INVALID + BECH32M_INVALID)
def test_bip_invalid_strings_are_refused_by_the_decoder_and_by_parse(text: str, reason: str) -> None:
    with pytest.raises(AddressError):
        decode_bech32(text)
    _refused(text)


@pytest.mark.parametrize(("address", "script"), SEGWIT_VALID)
def test_bip350_valid_segwit_addresses(address: str, script: str) -> None:
    parsed = parse_address(address)
    assert parsed.chain == detect_chain(address) == "btc"
    assert parsed.network == ("testnet" if address.lower().startswith("tb1") else "mainnet")
    assert parsed.address == address.lower()
    assert _script(address) == script
    assert parse_address(address.swapcase()) == parsed  # all-upper and all-lower are one address


def test_segwit_types() -> None:
    types = [parse_address(address).address_type for address, _ in SEGWIT_VALID]
    assert types == [
        "p2wpkh",
        "p2wsh",
        "witness_unknown",
        "witness_unknown",
        "witness_unknown",
        "p2wsh",
        "p2tr",
        "p2tr",
    ]


@pytest.mark.parametrize(("address", "reason", "code"), SEGWIT_INVALID)
def test_bip_invalid_segwit_addresses_say_why(address: str, reason: str, code: AddressErrorCode) -> None:
    assert _refused(address).code == code, reason


@pytest.mark.parametrize("address", BIP173_V1_PLUS_NOW_INVALID)
def test_bip173_v1_plus_examples_need_bech32m_since_bip350(address: str) -> None:
    error = _refused(address)
    assert error.code == Code.WRONG_BECH32_VARIANT
    assert "bech32m (BIP-350)" in error.message


def test_a_flipped_character_says_the_checksum_is_wrong() -> None:
    valid = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
    flipped = valid[:-6] + ("q" if valid[-6] != "q" else "p") + valid[-5:]
    assert parse_address(valid).address_type == "p2wpkh"
    error = _refused(flipped, "btc")
    assert (error.code, error.message) == (
        Code.BAD_CHECKSUM,
        "the bech32 checksum does not match: a character is wrong, missing or swapped",
    )


def test_bech32_where_bech32m_is_required_and_the_reverse() -> None:
    v1 = _refused("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd")
    assert v1.message == "a witness v1 address with a bech32 checksum; v1 and later use bech32m (BIP-350)"
    v0 = _refused("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh")
    assert v0.message == "a witness v0 address with a bech32m checksum; v0 addresses use bech32 (BIP-173, BIP-350)"


# --- Bitcoin Core src/test/data/key_io_valid.json and key_io_invalid.json (bitcoin/bitcoin, MIT):
# the address entries (not the private keys), with their scriptPubKey and chain. -----------------

KEY_IO_VALID = [
    ("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo", "76a914a31c06bd463e3923bc1aadbde48b16976c08071788ac", "main"),
    ("36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm", "a914373b819a068f32b7a6b38b6b38729647cfde01c287", "main"),
    ("mzK2FFDEhxqHcmrJw1ysqFkVyhUULo45hZ", "76a914ce28b26c57472737f5c3561a1761185bd8589a4388ac", "testnet4"),
    ("2NC2hEhe28ULKAJkW5MjZ3jtTMJdvXmByvK", "a914ce0bba75891ff9ec60148d4bd4a09ee2dc5c933187", "testnet4"),
    ("mww4LvqtTMKvmeQvizPz2EQv26xTneWrbg", "76a914b4110ba93ac54afc14da3bdd19614774a2d55d2988ac", "signet"),
    ("2N1r7aC69VHeE7yQJPDLi9T1PYq4wnwvjuT", "a9145e5a35ab44b3efaea5129ba22b88ba3e2976614587", "signet"),
    ("n4fajahJrAuKbN7uNsKjLjQkz9Qn5ewJXQ", "76a914fdeca3b08e38af53d7c4c60e3ad208ce5066441088ac", "regtest"),
    ("2MxFajLApXpYk4VodBSZSt7rw8y4ryABkfA", "a91436e9f191e0b75036a77f65e2eaa4752443233fbe87", "regtest"),
    ("bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv", "00146100fc6343edc8c874496cb2f5bbfec88ea9b77c", "main"),
    (
        "bc1qyucykdlhp62tezs0hagqury402qwhk589q80tqs5myh3rxq34nwqhkdhv7",
        "002027304b37f70e94bc8a0fbf500e0c957a80ebda87280ef58214d92f119811acdc",
        "main",
    ),
    (
        "bc1p83n3au0rjylefxq2nc2xh2y4jzz4pm6zxj4mw5pagdjjr2a9f36s6jjnnu",
        "51203c671ef1e3913f94980a9e146ba895908550ef4234abb7503d436521aba54c75",
        "main",
    ),
    ("bc1z2rksukkjr8", "520250ed", "main"),
    ("tb1qcrh3yqn4nlleplcez2yndq2ry8h9ncg3qh7n54", "0014c0ef1202759fff90ff19128936814321ee59e111", "testnet4"),
    (
        "tb1p35n52jy6xkm4wd905tdy8qtagrn73kqdz73xe4zxpvq9t3fp50aqk3s6gz",
        "51208d2745489a35b75734afa2da43817d40e7e8d80d17a26cd4460b0055c521a3fa",
        "testnet4",
    ),
    ("tb1rgv5m6uvdk3kc7qsuz0c79v88ycr5w4wa", "53104329bd718db46d8f021c13f1e2b0e726", "testnet4"),
    ("tb1q3vya2h5435jkugq2few7dmktlrwq4ejmfaw7kr", "00148b09d55e958d256e200a4e5de6eecbf8dc0ae65b", "signet"),
    ("bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9", "00146f58bac9506f9bfb821d62e69330410bb56f0085", "regtest"),
    (
        "bcrt1pfwxjqvtt4tcxrtdluukfmy2dv7xd2qzdfy6kajv5nwn4yam3wxkq3553uh",
        "51204b8d20316baaf061adbfe72c9d914d678cd5004d49356ec9949ba752777171ac",
        "regtest",
    ),
    (
        "bcrt1sx6p8njlx7h9mc2agz4yg82dzne23050ncq72cneeecez2pst8mahn8xecsf8g6hzx94420",
        "6028368279cbe6f5cbbc2ba8154883a9a29e5517d1f3c03cac4f39ce3225060b3efb799cd9c412746ae2",
        "regtest",
    ),
    ("1FjL87pn8ky6Vbavd1ZHeChRXtoxwRGCRd", "76a914a19331b7b2627e663e25a7b001e4c0dcc5e21bc788ac", "main"),
    ("3BZECeAH8gSKkjrTx8PwMrNQBLG18yHpvf", "a9146c382dcdf5b284760c8e3fead91f7422cd76aa8787", "main"),
    ("33GA3ZXbw5o5HeUrBEaqkWXFYYZmdxGRRP", "a914113ca1afeb49ff3abf176ffa19c2a2b4df19712a87", "main"),
    ("2My83D67ir7K8PPzeT6mE2oth3ZwNTVRS9F", "a9144074d84d32ff62da7b1b3c61925b934bfeb34b0587", "signet"),
]
# The private keys of key_io_valid.json: refused as what they are, and never quoted back.
KEY_IO_PRIVATE_KEYS = [
    "5JuW2AMDYu4xVwRG9DZW18VbzQrGcd5RCgb99sS6ehJsNQXu5b9",
    "L5nJeqKmpHp4P7F8ZYyjwc5a7P4d8EabuGAzfGJk7yC1BJyzNaEd",
    "cV83kKisF3RQSvXbUCm9ox3kaz5JjEUBWcx8tNydfGJcyeUxuH47",
    "KwuVvu6hsuEMHrfFWJQV64tRrWX3QzqHH18JuAHYqYV6dqBvNKxd",
]
KEY_IO_INVALID = [
    "",
    "x",
    "1GAdfviErV2Ew95FPtZyikz2qGP3gyCB6Hyu94sedAkPpA523m3fQwps9YKUZkKgQckGPKhRsFR",
    "37G2kMDLpmWVhimxRdzwNfE8JFvWXnJYnVcXeeGrek2qumdJuK7XArcVVpRtLLjRra3t64BEPF2",
    "8iVk9nLM3nYwRuwypjy9NK5rsuZH7BbrQRZ1pgcQmvMnjAgRXD",
    "tc1qeul5g2xfkvdkrhcfmdursv73ad64jnkjl9c40f",
    "bt1pq65rzej5glw3ra79gav6fqnx4haa0z257qr3mc8cggkefahmgvyseufhc0",
    "tb13hty4qmumlwpp6chxjvcyzza4duqgtmxw3xhm3u9ahj4nyhtwz8eq7ynrj4",
    "bcrt1r2qxpwuge",
    "bc10uexgzna2dpfk0vjt35srz6a27ps6m0l89jweznt83n2sqn2fx4hvn9ym5af8wut34sfrqhk3",
    "tb1qum6uh0pt4q253qaf520929737v63w5gf",
    "bcrt1q888ryfgxpvl0k7vum8zpyar2u2sexvdhkf38ue37yknmqq0ycrwpl3w48y",
    "bc1qdsuzmn04k2z8vryw8l4dj8m5ygqgnne5n",
    "tb1qlj8es50nc8j8r8xshrjgzmw5azx89efghmw8ju6zcqla0g6xcnrstsjz7k",
    "bcrt1qzwmyj0z924g7fzs5yvnrkc43y76RVyr2lh5t4r",
    "bc1qpu6d26mrulzetu4jqhd7rsunv9aqru26f5c4j8",
    "bc1p702xksx4z3uqf0u2phllxkfe5cgu0adxptqs0uelx0tqt8e885sqryes2l",
    "tb1z7gmh0v6pc30z4xum76lmw8w86yswrlmw",
    "2UVPFpGYnLHJezFzjUo42our6PMEoozzRdM",
    "2MygHQjE1U33q3LSC53p69YqFjP8PihumJAF",
    "KzNbAQ4mexfAxa6RKBzHQqfoTycaeWpv2p",
    "2jDPrDfAKihCGPbPD9ztY8TswAia4V8Bc6vx",
    "AZEah8d1EK362okRBS66e8SvdtYkrE8tsX",
    "2NDNP7GY59tTJPZTpbkprhM9SR99Nn5rUs7",
    "TB1QFDFM763VXVSUNZHQLPWC0Q8FG5LJX6ZN",
    "bc1gmk9yu",
    "tb1ly0q7p",
    "bcrt1qdwttaw38uf42wxw40kwk3u8nguyTQH3hx6jmqp",
    "tb1dclvmr",
    "TB1Q3F9WGNXE9ZMTTMDN5VKVKHYZ8Y0LCV72YV7V5LSXTJXEYHNHEHASLYL0TZ",
    "sp1qq22l5s6l9460ww6t4tkzsy2a7zejurcmzz35pt0ffrzk5erlaykdcqugecjjnjqf7ggq39vl6wexjlm00n66z94v675n7wcux6d2krr68gcwu9kg",
]


@pytest.mark.parametrize(("address", "script", "chain"), KEY_IO_VALID)
def test_bitcoin_core_key_io_valid_addresses(address: str, script: str, chain: str) -> None:
    parsed = parse_address(address)
    assert parsed.chain == "btc"
    # Base58 regtest addresses share testnet's versions: only bcrt1 says regtest.
    expected_network = {"main": "mainnet", "testnet4": "testnet", "signet": "testnet"}.get(
        chain, "regtest" if address.startswith("bcrt1") else "testnet"
    )
    assert parsed.network == expected_network
    assert parsed.analysable is (chain == "main")
    assert _script(address) == script


@pytest.mark.parametrize("key", KEY_IO_PRIVATE_KEYS)
def test_private_keys_are_refused_for_what_they_are_and_not_echoed(key: str) -> None:
    error = _refused(key)
    assert error.code == Code.NOT_AN_ADDRESS
    assert key not in error.message and key[:12] not in error.message


@pytest.mark.parametrize("address", KEY_IO_INVALID)
def test_bitcoin_core_key_io_invalid_addresses_are_no_bitcoin_address(address: str) -> None:
    with pytest.raises(AddressError):
        parse_address(address, "btc")
    try:
        parsed = parse_address(address)
    except AddressError:
        return
    # Invalid on every Bitcoin network, but the shape of another chain's valid address.
    assert (address, parsed.chain) in {("AZEah8d1EK362okRBS66e8SvdtYkrE8tsX", "btg")}


# --- EIP-55 (ethereum/EIPs EIPS/eip-55.md at 54f9d55, "Test Cases"; now ethereum/ERCs erc-55.md) ---

EIP55_VECTORS = [
    # All caps
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    # All Lower
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    # Normal
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("address", EIP55_VECTORS)
def test_eip55_vectors_are_their_own_checksummed_spelling(address: str) -> None:
    parsed = parse_address(address, "eth")
    assert (parsed.chain, parsed.address, parsed.address_type, parsed.analysable) == ("eth", address, "account", True)
    assert detect_chain(address) == "eth"
    assert parse_address("0x" + address[2:].lower()).address == address
    assert parse_address("0x" + address[2:].upper()).address == address


@pytest.mark.parametrize("address", EIP55_VECTORS[4:])
def test_a_mixed_case_address_with_a_wrong_eip55_checksum_says_so(address: str) -> None:
    position = next(i for i, c in enumerate(address) if i > 1 and c.isalpha())
    wrong = address[:position] + address[position].swapcase() + address[position + 1 :]
    error = _refused(wrong, "eth")
    assert error.code == Code.EIP55_CHECKSUM
    assert "EIP-55 checksum does not match" in error.message
    assert address not in error.message  # the right spelling is never given away


def test_the_seeds_request_sample_is_a_valid_checksummed_address() -> None:
    parsed = parse_address("0x72a5843cc08275C8171E582972Aa4fDa8C397B2A", "eth")
    assert parsed.address == "0x72a5843cc08275C8171E582972Aa4fDa8C397B2A"
    # The seed's response shows it lower-cased; the same address.
    assert parse_address("0x72a5843cc08275c8171e582972aa4fda8c397b2a").address == parsed.address


def test_ethereum_shapes_that_are_not_addresses() -> None:
    assert _refused("0x" + "ab" * 19).code == Code.BAD_LENGTH
    assert _refused("0x" + "ab" * 32).code == Code.NOT_AN_ADDRESS  # a transaction hash
    assert _refused("ab" * 32).code == Code.NOT_AN_ADDRESS
    assert _refused("0x" + "g" * 40).code == Code.INVALID_CHARACTERS
    assert "without 0x" in _refused("de709f2102306220921060314715629080e2fb77").message
    assert _refused("0X52908400098527886E0F7030069857D2E4169EE7").code == Code.UNKNOWN_SHAPE


# --- Bitcoin Cash CashAddr (bitcoincashorg/bitcoincash.org spec/cashaddr.md, "Test vectors") ------

CASHADDR_TRANSLATIONS = [
    ("1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"),
    ("1KXrWXciRDZUpQwQmuM1DbwsKDLYAYsVLR", "bitcoincash:qr95sy3j9xwd2ap32xkykttr4cvcu7as4y0qverfuy"),
    ("16w1D5WRVKJuZUsSRzdLp9w3YGcgoxDXb", "bitcoincash:qqq3728yw0y47sqn6l2na30mcw6zm78dzqre909m2r"),
    ("3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC", "bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq"),
    ("3LDsS579y7sruadqu11beEJoTjdFiFCdX4", "bitcoincash:pr95sy3j9xwd2ap32xkykttr4cvcu7as4yc93ky28e"),
    ("31nwvkZwyPdgzjBJZXfDmSWsC4ZLKpYyUw", "bitcoincash:pqq3728yw0y47sqn6l2na30mcw6zm78dzq5ucqzc37"),
]


@pytest.mark.parametrize(("legacy", "cashaddr"), CASHADDR_TRANSLATIONS)
def test_cashaddr_spec_translations(legacy: str, cashaddr: str) -> None:
    bare = cashaddr.removeprefix("bitcoincash:")
    for spelling in (cashaddr, bare, cashaddr.upper(), bare.upper(), legacy):
        parsed = parse_address(spelling, "bch")
        assert (parsed.chain, parsed.address, parsed.network) == ("bch", cashaddr, "mainnet")
        assert parsed.address_type == ("p2pkh" if legacy.startswith("1") else "p2sh")
        assert parsed.analysable is False
    assert detect_chain(cashaddr) == detect_chain(bare) == "bch"
    assert detect_chain(legacy) == "btc"  # the shared legacy shape: Bitcoin wins without a chain
    assert encodings.read(cashaddr).payload == encodings.read(legacy).payload


def test_cashaddr_larger_vectors_p2sh32_and_undefined_sizes() -> None:
    # The spec's 32-byte type 0 (bitcoincash) and type 1 (bchtest) vectors:
    p2pkh32 = "bitcoincash:qvch8mmxy0rtfrlarg7ucrxxfzds5pamg73h7370aa87d80gyhqxq5nlegake"
    assert _refused(p2pkh32).code == Code.UNKNOWN_VERSION  # a 32-byte P2PKH does not exist
    parsed = parse_address("bchtest:pvch8mmxy0rtfrlarg7ucrxxfzds5pamg73h7370aa87d80gyhqxq7fqng6m6")
    assert (parsed.address_type, parsed.network) == ("p2sh", "testnet")
    assert encodings.read(parsed.address).payload.hex().upper() == (
        "3173EF6623C6B48FFD1A3DCC0CC6489B0A07BB47A37F47CFEF4FE69DE825C060"
    )
    assert _refused("bitcoincash:q9adhakpwzztepkpwp5z0dq62m6u5v5xtyj7j3h2ws4mr9g0").code == Code.UNKNOWN_VERSION
    assert _refused("pref:pr6m7j9njldwwzlg9v7v53unlr4jkmx6ey65nvtks5").code == Code.UNKNOWN_SHAPE


def test_cashaddr_errors() -> None:
    valid = "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"
    assert _refused(valid[:-1] + "b").code == Code.INVALID_CHARACTERS
    assert _refused(valid[:-1] + "c").code == Code.BAD_CHECKSUM
    assert _refused(valid[:-1] + "c", "bch").code == Code.BAD_CHECKSUM
    assert _refused("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvY22gdx6a").code == Code.MIXED_CASE
    assert _refused("bitcoin:1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu").message.startswith("a bitcoin: payment URI")


# --- Vectors from library test suites: ebellocchia/bip_utils tests/addr (MIT, at 4c8cb68) ----------
# (address, hex of what it carries, chain, network, type)

LIBRARY_VECTORS = [
    ("1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA", "d986ed01b7a22225a70edbf2ba7cfb63a15cb3aa", "btc", "mainnet", "p2pkh"),
    ("37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf", "3fb6e95812e57bb4691f9a4a628862a61a4f769b", "btc", "mainnet", "p2sh"),
    ("mkpZhYtJu2r87Js3pDiWJDmPte2NRZ8bJV", "3a2d4145a4f098523b3e8127f1da87cfc55b8e79", "btc", "testnet", "p2pkh"),
    ("2N55m54k8vr95ggehfUcNkdbUuQvaqG2GxK", "81d74bcd380c05f791d1f4c81837565dec9b234a", "btc", "testnet", "p2sh"),
    (
        "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g",
        "9c90f934ea51fa0f6504177043e0908da6929983",
        "btc",
        "mainnet",
        "p2wpkh",
    ),
    (
        "bc1pyacup9uskxpar8z2sjpg9gmukx9k4tm7mkrr56yhzw78y48vu2msq4xugp",
        "2771c09790b183d19c4a848282a37cb18b6aaf7edd863a689713bc7254ece2b7",
        "btc",
        "mainnet",
        "p2tr",
    ),
    ("LX4YojYdeBk3TtUcryCcgAqYxjicKfK7AD", "81da2f6aec543ef59cf37623954da842a6a777a6", "ltc", "mainnet", "p2pkh"),
    ("MJfELhwt9S6Sr9hadHGsnTELZzFUVjMrFc", "7606fd516a035214b39f614bbc92f6220479b229", "ltc", "mainnet", "p2sh"),
    ("QNE4UhQ5mF8HhBEQYijn7V6pT2mgKExQCy", "11cabf568fc55920d2011c471ec1dec17e7a4e97", "ltc", "testnet", "p2sh"),
    (
        "ltc1qwlezpr3890hcp6vva9twqh27mr6edadreqvhnn",
        "77f2208e272bef80e98ce956e05d5ed8f596f5a3",
        "ltc",
        "mainnet",
        "p2wpkh",
    ),
    (
        "tltc1q677973lw0w796gttpy52f296jqaaksz0duklcr",
        "d7bc5f47ee7bbc5d216b0928a4a8ba903bdb404f",
        "ltc",
        "testnet",
        "p2wpkh",
    ),
    ("XnLyZhQDr3JqFQi7UPC8LddHMgbAyQWiZo", "7fdfa4f3bd16f419e2a25e16ad50f03ab69fb414", "dash", "mainnet", "p2pkh"),
    ("7Y5u3566rd7s3dcyDXwDHgvK5VLVhzoeoy", "3e44c5eaabe12ccbd81cd0aa5bbceb695bac2313", "dash", "mainnet", "p2sh"),
    ("ygAN9888Yy9thRdvaFuGqHa3Qm4M3Cvrj9", "d9aad77d6108e924e280640dafcbf57bc34ecfb3", "dash", "testnet", "p2pkh"),
    ("8j7NLynPotJD3x4MHGemN36XPSLBKr6cYn", "336caa13e08b96080a32b5d818d59b4ab3b36742", "dash", "testnet", "p2sh"),
    ("t1Msw6c7mLQbPnHRyTC6NB3y2U2HjcrHiRM", "2bf0707c2475214825a50a0e33adf904ddc9fcf8", "zec", "mainnet", "p2pkh"),
    ("t3PDRLn9XNChQHFJ3826hT7yvv1or9gg52H", "3306a2f69bbe84783295d8ba85cd9c4a6fdad96d", "zec", "mainnet", "p2sh"),
    ("tmSEwQYGh3dzFu2boSfVeemmqHTjv4LMQFd", "b54aefa00bc712c231328e16a8297844f214fad4", "zec", "testnet", "p2pkh"),
    ("t2LfG2nqiWh2u3JkRvYCG4KUKJER5qHhegm", "9aca01ce9e9ebbddba0af6785aa9bb4d68f3baec", "zec", "testnet", "p2sh"),
    (
        "bitcoincash:qrvcdmgpk73zyfd8pmdl9wnuld36zh9n4gms8s0u59",
        "d986ed01b7a22225a70edbf2ba7cfb63a15cb3aa",
        "bch",
        "mainnet",
        "p2pkh",
    ),
    (
        "bitcoincash:prlqav3u50a76ln0u8hy7rj5pnjvz68yd5tkse7wf8",
        "fe0eb23ca3fbed7e6fe1ee4f0e540ce4c168e46d",
        "bch",
        "mainnet",
        "p2sh",
    ),
    (
        "bchtest:qqaz6s295ncfs53m86qj0uw6sl8u2kuw0ymst35fx4",
        "3a2d4145a4f098523b3e8127f1da87cfc55b8e79",
        "bch",
        "testnet",
        "p2pkh",
    ),
    ("TDvr6Jpwfp1wDiV7PhaB19YMsMHRSXmY7p", "2b6e3782fbedade9e4c05078f46a9e29841f0bbe", "trx", "mainnet", "account"),
    ("TXJ2Z9VAwDpQ4W6zwTpXxRUpwFVDetPQuC", "e9e9d3001799a9fa785bed8cf3a7995e8aebb8bd", "trx", "mainnet", "account"),
    ("TYQPvAG6AuzQed8RPuH62pcbZBKj9TkPk1", "f616473322599b7cb664e438e7264dbb06996336", "trx", "mainnet", "account"),
    (
        "483MrwgmB1yTzuzmJPSiWGQmBYC1Z21yTQXQuDWv4MZm6qBnA4CCMXVgsjoFRmGkATR8yeytc2tFJKgvKz1Bbhj5UhSCham",
        "a95d2eb7e157f0a169df0a9c490dcd8e0feefb31bbf1328ca4938592a9d02422"
        "dc2a1b478b8cc0ee655324fb8299c8904f121ab113e4216fbad6fe6d000758f5",
        "xmr",
        "mainnet",
        "standard",
    ),
    (
        "449X6uL5cbAEJ532nkrBRxRqgCFgozQeCDmvaAVASdw5hVTmtiTEaKeDFW9XJj3VTK36Qm6PCxGjyLc9vXh1YmKpU2gCTff",
        "429ce905e595394f7b3fe9d4d556c794810c7661a55fd14c5fbfb0af759608f2"
        "1403d780b7d2e5493cfc5fe03ec6f60c83ccc91fd0c72075379b934d119c4bef",
        "xmr",
        "mainnet",
        "standard",
    ),
    (
        "4Hk2skWFnHVTzuzmJPSiWGQmBYC1Z21yTQXQuDWv4MZm6qBnA4CCMXVgsjoFRmGkATR8yeytc2tFJKgvKz1Bbhj5i5fCBuJ3ufPRXhfuLD",
        "a95d2eb7e157f0a169df0a9c490dcd8e0feefb31bbf1328ca4938592a9d02422"
        "dc2a1b478b8cc0ee655324fb8299c8904f121ab113e4216fbad6fe6d000758f5"
        "9a69fc3ca2eee2d9",
        "xmr",
        "mainnet",
        "integrated",
    ),
    # monero-ecosystem/monero-python tests/address.py (BSD-3-Clause): spend key, view key, payment id
    (
        "43aeKax1ts4BoEbSyzKVbbDRmc8nsnpZLUpQBYvhUxs3KVrodnaFaBEQMDp69u4VaiEG3LSQXA6M61mXPrztCLuh7PFUAmd",
        "33a7ceb933b793408d49e82c0a34664a4be7117243cb77a64ef280b866d8aa6e"
        "96f70d63d9d3558b97a5dd200a170b4f45b3177a274aa90496ea683896ff6438",
        "xmr",
        "mainnet",
        "standard",
    ),
    (
        "4DHKLPmWW8aBoEbSyzKVbbDRmc8nsnpZLUpQBYvhUxs3KVrodnaFaBEQMDp69u4VaiEG3LSQXA6M61mXPrztCLuhAR6GpL18QNwE8h3TuF",
        "33a7ceb933b793408d49e82c0a34664a4be7117243cb77a64ef280b866d8aa6e"
        "96f70d63d9d3558b97a5dd200a170b4f45b3177a274aa90496ea683896ff6438"
        "4a6f686e47616c74",
        "xmr",
        "mainnet",
        "integrated",
    ),
    (
        "9u9j6xG1GNu4ghrdUL35m5PQcJV69YF8731DSTDoh7pDgkBWz2LWNzncq7M5s1ARjPRhvGPX4dBUeC3xNj4wzfrjV6SY3e9",
        "345b201b8d1ba216074e3c45ca606c85f68563f60d0b8c0bfab5123f80692aed"
        "9deb70cc7e1e23d635de2d5a3086a293b4580dc2b9133b4211bc09f22fadc4f9",
        "xmr",
        "testnet",
        "standard",
    ),
    (
        "A4rQ7m5VseR4ghrdUL35m5PQcJV69YF8731DSTDoh7pDgkBWz2LWNzncq7M5s1ARjPRhvGPX4dBUeC3xNj4wzfrjihS6W83Km1mE7W3kMa",
        "345b201b8d1ba216074e3c45ca606c85f68563f60d0b8c0bfab5123f80692aed"
        "9deb70cc7e1e23d635de2d5a3086a293b4580dc2b9133b4211bc09f22fadc4f9"
        "4a6f686e47616c74",
        "xmr",
        "testnet",
        "integrated",
    ),
    # BTCGPU/BTCGPU src/test/data/key_io_valid.json (MIT): Bitcoin Gold, with its scriptPubKey's hash
    ("GUHcigT74ggLsmbxHFTLfn2ZUNJUWiXaMG", "728d4cc27d19707b0197cfcd7c412d43287864b5", "btg", "mainnet", "p2pkh"),
    ("Aa6QUX6pRcncJN7vm7FG8vsy62gyKuANy6", "c8f37c3cc21561296ad81f4bec6b5de10ebc1851", "btg", "mainnet", "p2sh"),
    (
        "btg1q5cuatynjmk4szh40mmunszfzh7zrc5xmn8padv",
        "a639d59272ddab015eafdef9380922bf843c50db",
        "btg",
        "mainnet",
        "p2wpkh",
    ),
    (
        "tbtg1q74fxwnvhsue0l8wremgq66xzvn48jlc5fkf03n",
        "f552674d978732ff9dc3ced00d68c264ea797f14",
        "btg",
        "testnet",
        "p2wpkh",
    ),
    (
        "btgrt1qwf52dt9y2sv0f7fwkcpmtfjf74d4np2scjpw3e",
        "7268a6aca45418f4f92eb603b5a649f55b598550",
        "btg",
        "regtest",
        "p2wpkh",
    ),
]
# monero-python tests/data/mainnet-subaddrs.json: subaddresses of one wallet (first is its main address).
MONERO_SUBADDRESSES = [
    "84LooD7i35SFppgf4tQ453Vi3q5WexSUXaVgut69ro8MFnmHwuezAArEZTZyLr9fS6QotjqkSAxSF6d1aDgsPoX849izJ7m",
    "89U1fxtSjwuF1UQmC1bYspT8dMgQLc9433VUrjcaLQ9w4dK6Jb1Wc3YdwejuCmdY451Z3eRiXg3zcSE2aQLGhsYECo2bsiQ",
    "83MdKpu2ANWNrbT8Heg7UPbJ4sUM3TEUX2oTRFrgFrC1Pdq4GLhf6FG8p2o2E2zguw5EkQHApqGyCifncLMyi2Jr3UUiGyE",
    "8BWmh7TkZeNewjSHauaWLFYyNuaSzFTNRNrcwUoFixMB2j1B8MdtcnpRf5sRtv6AgXhrkJvW75TdA1gHTC1iZq9vLXirMNS",
]
LIBRARY_INVALID = [  # bip_utils' invalid decodings: (address, the chain it is given for, its reason)
    ("1w2B8UYwW14w5PiPbkgpYdtLjvwGTrend", "btc", "Invalid checksum"),
    ("129RDDNmje5fdVHj2db7aAXyq8ayn2JeV", "btc", "Invalid length"),
    ("1K9QAFwFNcGKcGqDpSXjna5Si42rGj4DZ44E", "btc", "Invalid length"),
    ("3HeARF5yFy2RGM8VTBmPgwRsJm9RSe2zsb", "btc", "Invalid checksum"),
    ("ac1qpgmhz30d29akc670hkaje398hl6hvh0csvx4nm", "btc", "Invalid HRP"),
    ("bcqnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g", "btc", "No separator"),
    ("bc1qpgmhz30d29akc670hkaje398hl6hvh0chf364x", "btc", "Invalid checksum"),
    ("bc1qnjg0jd8228aq7egyzbcy8cys3knf9xvrerkf9g", "btc", "Invalid encoding"),
    ("bc1qxac5tm230dkxhnaahvkvffal74m9m7qvzkhtl", "btc", "Invalid lengths"),
    ("bitcaincash:qq9rwu29a4ghkmrte77mktxy57ll2ajalq07scrad4", "bch", "Invalid HRP"),
    ("bitcoincash:qy9rwu29a4ghkmrte77mktxy57ll2ajalqlusxt7x5", "bch", "Invalid net version"),
    ("bitcoincashqrvcdmgpk73zyfd8pmdl9wnuld36zh9n4gms8s0u59", "bch", "No separator"),
    ("bitcoincash:qy9rwu29a4ghkmrte77mktxy57ll2ajalqdhut084g", "bch", "Invalid checksum"),
    ("bitcoincash:qy9rwu29b4ghkmrte77mktxy57ll2ajalqlusxt7x5", "bch", "Invalid encoding"),
    ("bitcoincash:qqmhz30d29akc670hkaje398hl6hvh0cxn9sqwnk", "bch", "Invalid lengths"),
    ("bitcoincash:qq9rwu29a4ghkmrte77mktxy57ll2ajalqqqawuuxup8", "bch", "Invalid lengths"),
    ("T94nw3xoTjXXqBzLNUwmYhLovg4nNVZKB6", "trx", "Invalid prefix"),
    ("TLc6WnRN9DxA4uygPrHGr9A1DhVMxx2w45", "trx", "Invalid checksum"),
    ("6w9cP3taF7zAsCtmViHprBoiiK68GnrsC", "trx", "Invalid lengths"),
    ("319DKUdrbDY8tXmD2xWfQW5aJ3akX7ytypnG", "trx", "Invalid lengths"),
    (
        "4Hk2skWFnHVTzuzmJPSiWGQmBYC1Z21yTQXQuDWv4MZm6qBnA4CCMXVgsjoFRmGkATR8yeytc2tFJKgvKz1Bbhj5UfNPmhK",
        "xmr",
        "Invalid net version",
    ),
    (
        "483MrwgmB1yTzuzmJPSiWGQmBYC1Z21yTQXQuDWv4MZm6qBnA4CCMXVgsjoFRmGkATR8yeytc2tFJKgvKz1Bbhj5Uh988pj",
        "xmr",
        "Invalid checksum",
    ),
    (
        "483MrwgmB1yTzuzmJPSiWGQmBYC1Z21yTQXQuDWv4MZm6iSREtrBwCRHwyghuaDa9mEE5w3MaRdaNYFaf7oNC6Nx4w88CT",
        "xmr",
        "Invalid length",
    ),
    (
        "483MrwgmB1yTzuzmJPSiWGQmBYC1Z21yTQXQuDWv4MZm6qBnA4CCMXVgsjoFRmGkATR8yeytc2tFJKgvKz1Bbhj5371Afo7UQ",
        "xmr",
        "Invalid length",
    ),
    (
        "483MrwgmB1yTzuzmJPSiWGQmBYC1Z21yTQXQuDWv4MZm6qBnA4CCMXVgsjoFRmGkATR8yeytc2tFJKgvKz1Bbhj5hzTK5VQYYqE2z57M7S",
        "xmr",
        "Invalid checksum (integrated)",
    ),
]


@pytest.mark.parametrize(("address", "payload", "chain", "network", "kind"), LIBRARY_VECTORS)
def test_library_vectors_decode_to_what_they_carry(
    address: str, payload: str, chain: str, network: str, kind: str
) -> None:
    parsed = parse_address(address)
    assert (parsed.chain, parsed.network, parsed.address_type) == (chain, network, kind)
    assert detect_chain(address) == chain
    assert encodings.read(address).payload.hex() == payload
    assert parsed.analysable is (chain in ("btc", "eth") and network == "mainnet")
    if network == "mainnet":
        assert parse_address(address, chain) == parsed


@pytest.mark.parametrize("address", MONERO_SUBADDRESSES)
def test_monero_subaddresses(address: str) -> None:
    assert parse_address(address, "xmr")[2:] == ("subaddress", "mainnet", False)


@pytest.mark.parametrize(("address", "chain", "reason"), LIBRARY_INVALID)
def test_library_invalid_vectors_are_refused(address: str, chain: str, reason: str) -> None:
    _refused(address, chain)


def test_monero_checks_the_checksum_not_the_curve() -> None:
    # bip_utils refuses these for a spend key that is no point of ed25519; kycgate checks Monero's
    # Keccak checksum and the network byte, not the keys' curve points (that needs an ed25519 library).
    assert (
        parse_address(
            "49bLMVdRMSJfxBsdwA9mPRYgLCSmjvCbgHMxui5r4jmj1LQpYRHLDVMNEfHn9sgxyxB7Str2eEDfSV6yciUAXZWV1PC7Fsy"
        ).chain
        == "xmr"
    )


# --- Detection rules and the caller's chain ------------------------------------------------------


def test_shared_legacy_shapes_bitcoin_wins_and_the_chain_disambiguates() -> None:
    p2sh = "3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC"
    assert parse_address(p2sh)[:2] == ("btc", p2sh)
    ltc = parse_address(p2sh, "ltc")
    assert (ltc.chain, ltc.address_type) == ("ltc", "p2sh")
    assert ltc.address.startswith("M") and encodings.read(ltc.address).payload == encodings.read(p2sh).payload
    assert parse_address(ltc.address) == ltc  # the M... spelling is detected as Litecoin
    assert parse_address(p2sh, "bch").address == "bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq"
    # 0x... is Ethereum unless the caller says Ethereum Classic.
    evm = "0xd882cfc20f52f2599d84b8e8d58c7fb62cfe344b"
    assert detect_chain(evm) == "eth"
    assert parse_address(evm, "etc")[:2] == ("etc", "0xd882cFc20F52f2599D84b8e8D58C7FB62cfE344b")
    assert parse_address(evm, "etc").analysable is False
    # Dogecoin's D... shares Verge's version byte; kycgate knows only Verge (which OFAC lists).
    assert detect_chain("DAcDAtJRztxBHyA6D6h8du1HguyTR43Mas") == "xvg"


def test_a_testnet_address_with_a_mainnet_chain() -> None:
    error = _refused("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "btc")
    assert error.code == Code.TESTNET_ADDRESS
    assert error.message == (
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7 is a testnet address; chain btc means mainnet"
    )
    assert _refused("mkpZhYtJu2r87Js3pDiWJDmPte2NRZ8bJV", "ltc").code == Code.TESTNET_ADDRESS
    assert _refused("bchtest:qqaz6s295ncfs53m86qj0uw6sl8u2kuw0ymst35fx4", "bch").code == Code.TESTNET_ADDRESS


def test_a_chain_inconsistent_with_the_address() -> None:
    error = _refused("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "eth")
    assert (error.code, error.chain) == (Code.CHAIN_MISMATCH, "btc")
    assert error.message.startswith("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 is a btc address (p2wpkh)")
    assert _refused("0x52908400098527886E0F7030069857D2E4169EE7", "btc").code == Code.CHAIN_MISMATCH
    assert _refused("LX4YojYdeBk3TtUcryCcgAqYxjicKfK7AD", "btc").code == Code.CHAIN_MISMATCH
    assert (
        _refused("1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA", "ltc").code == Code.CHAIN_MISMATCH
    )  # version 0 is not Litecoin's
    assert _refused("bitcoincash:qrvcdmgpk73zyfd8pmdl9wnuld36zh9n4gms8s0u59", "btc").code == Code.CHAIN_MISMATCH


def test_the_chain_parameter() -> None:
    assert parse_address("1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA", " BTC ").chain == "btc"
    error = _refused("1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA", "doge")
    assert error.code == Code.UNKNOWN_CHAIN
    assert "supported: btc, eth, ltc" in error.message


def test_input_hygiene() -> None:
    assert parse_address("  1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA\n").address == "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA"
    assert _refused("").code == _refused("   ").code == Code.EMPTY
    assert _refused("1LqBGSKuX5yYUon jxT5qGfpUsXKYYWeabA").code == Code.INVALID_CHARACTERS
    assert _refused("1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA\u200b").code == Code.INVALID_CHARACTERS
    assert _refused("1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeab\x00").code == Code.INVALID_CHARACTERS
    assert _refused("1" * 129).code == Code.BAD_LENGTH
    assert _refused("1Gq").code == Code.BAD_LENGTH
    # BIP-32 test vector 1, chain m.
    xpub = (
        "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESF"
        "jqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8"
    )
    assert _refused(xpub).code == Code.NOT_AN_ADDRESS


def test_ensure_analysable_after_screening() -> None:
    btc = parse_address("bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g")
    assert ensure_analysable(btc) is btc
    with pytest.raises(AddressError) as not_analysed:
        ensure_analysable(parse_address("LX4YojYdeBk3TtUcryCcgAqYxjicKfK7AD"))
    assert not_analysed.value.code == Code.CHAIN_NOT_ANALYSED
    assert not_analysed.value.message.endswith("analysis is BTC/ETH only")
    with pytest.raises(AddressError) as testnet:
        ensure_analysable(parse_address("tb1qxdyjf6h5d6qxap4n2dap97q4j5ps6ua8sll0ct"))
    assert testnet.value.code == Code.TESTNET_ADDRESS


def test_list_currency_codes() -> None:
    assert [chain_for_list_currency(c) for c in ("XBT", "eth", "LTC", "BCH", "XMR", "DASH", "ZEC", "BTG")] == [
        "btc",
        "eth",
        "ltc",
        "bch",
        "xmr",
        "dash",
        "zec",
        "btg",
    ]
    assert chain_for_list_currency("USDT") is None
