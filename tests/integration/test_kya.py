"""KYA tasks (seed 001 "DD - KYA") through the API on moto: an address validated for its chain,
screened against the imported lists, kept as a task with the creator's identity, and called back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kycgate.compliance import lists
from kycgate.compliance.lists import importer
from kycgate.core.settings import get_settings
from kycgate.fakes.explorers import FakeEsplora, esplora_tx
from tests.conftest import TenantHandle
from tests.integration.kya_support import analyst_fixture, listed_fixture  # noqa: F401 (fixtures)
from tests.integration.reuse_support import PUBLIC_HOOK
from tests.unit.compliance.lists_support import ALL

KYA = "/api/v1/compliance/kya"
SDN_XBT = "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h"  # in tests/fixtures/lists/ofac-sdn/sdn.csv remarks
LISTED_ETH = "0x72a5843cc08275c8171e582972aa4fda8c397b2a"  # the seed's own sample; in the eth list
LISTED_ETH_CHECKSUMMED = "0x72a5843cc08275C8171E582972Aa4fDa8C397B2A"
CLEAN_BTC = "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"
CLEAN_ETH = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55's own test vector


def _create(client: Any, tenant: TenantHandle, **body: Any) -> Any:
    return client.post(KYA, json=body, headers=tenant.headers)


def test_an_sdn_listed_bitcoin_address_is_a_hit_with_its_entry(client: Any, listed: None, analyst: Any) -> None:
    response = _create(client, analyst, address=SDN_XBT, customer_reference="cus-7")
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["kya_id"] == 1 and task["address"] == SDN_XBT
    assert task["data"]["chain"] == "btc" and task["data"]["analysed"] is True
    assert task["data"]["sanctioned"] is True
    assert (task["data"]["risk_score"], task["data"]["risk_rating"]) == (100, "very_high")
    (hit,) = task["sdnlist"]
    assert hit["source"] == "ofac_sdn" and hit["uid"].startswith("ofac_sdn:") and hit["name"]
    assert hit["programs"] and hit["currency"] == "XBT" and hit["listed_address"] == SDN_XBT
    assert task["creator_name"] == "Eric Hung"
    assert task["creator_email"] == task["creator_account"] == "eric.hung@example.com"
    assert task["customer_reference"] == "cus-7"
    assert task["txlist"] == [] and "no chain explorer" in task["data"]["note"]
    assert client.get(f"{KYA}/detail/1", headers=analyst.headers).json() == task


def test_a_listed_eth_address_in_mixed_case_is_a_hit_and_comes_back_checksummed(
    client: Any, listed: None, analyst: Any
) -> None:
    for spelling in (LISTED_ETH_CHECKSUMMED, LISTED_ETH, LISTED_ETH.upper().replace("0X", "0x")):
        task = _create(client, analyst, address=spelling, chain="eth").json()
        assert task["address"] == LISTED_ETH_CHECKSUMMED
        assert [h["source"] for h in task["sdnlist"]] == ["ofac.sanctions"]
        assert task["data"]["sanctioned"] is True


@pytest.mark.parametrize("address", [CLEAN_BTC, CLEAN_ETH])
def test_a_clean_address_has_no_hit(client: Any, listed: None, analyst: Any, address: str) -> None:
    task = _create(client, analyst, address=address).json()
    assert task["sdnlist"] == [] and task["data"]["sanctioned"] is False
    assert (task["data"]["risk_score"], task["data"]["risk_rating"]) == (0, "low")
    assert task["data"]["lists_version"]


@pytest.mark.parametrize(
    ("body", "field", "reason", "words"),
    [
        ({"address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"}, "address", "address_eip55_checksum", "EIP-55"),
        ({"address": "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9h"}, "address", "address_bad_checksum", "checksum"),
        (
            {"address": "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "chain": "btc"},
            "address",
            "address_testnet_address",
            "testnet",
        ),
        ({"address": "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"}, "address", "address_testnet_address", "main"),
        ({"address": CLEAN_ETH, "chain": "btc"}, "address", "address_chain_mismatch", "eth address"),
        ({"address": CLEAN_ETH, "chain": "doge"}, "chain", "address_unknown_chain", "supported"),
        ({"address": "hello world"}, "address", "address_invalid_characters", "whitespace"),
    ],
    ids=["eip55", "bech32-flipped", "testnet-as-btc", "testnet", "chain-mismatch", "unknown-chain", "garbage"],
)
def test_bad_addresses_are_422_with_a_specific_message(
    client: Any, listed: None, analyst: Any, body: dict[str, str], field: str, reason: str, words: str
) -> None:
    response = _create(client, analyst, **body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = problem["errors"]
    assert error["loc"] == ["body", field] and error["type"] == reason
    assert words.lower() in problem["detail"].lower()
    assert client.get(KYA, headers=analyst.headers).json()["items"] == []  # nothing stored


@pytest.mark.parametrize(
    ("address", "chain"),
    [
        (SDN_XBT, "btc"),
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "btc"),
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "btc"),
        (CLEAN_ETH, "eth"),
        ("LRNYxwQsHpm2A1VhawrJQti3nUkPN7vtq3", "ltc"),
        ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "trx"),
    ],
)
def test_the_chain_is_detected_when_not_given(
    client: Any, listed: None, analyst: Any, address: str, chain: str
) -> None:
    task = _create(client, analyst, address=address).json()
    assert task["data"]["chain"] == chain
    assert task["data"]["analysed"] is (chain in ("btc", "eth"))


def test_a_chain_kycgate_does_not_analyse_is_still_screened_and_says_so(
    client: Any, listed: None, analyst: Any
) -> None:
    task = _create(client, analyst, address="LRNYxwQsHpm2A1VhawrJQti3nUkPN7vtq3").json()
    assert task["data"]["analysed"] is False and task["data"]["checks"] == ["sanctions_lists"]
    assert "analysis is BTC/ETH only" in task["data"]["note"]


def test_a_repeated_address_makes_a_new_task_from_the_lists_as_they_are_now(
    client: Any, listed: None, analyst: Any, tmp_path: Path
) -> None:
    first = _create(client, analyst, address=CLEAN_ETH).json()
    assert first["sdnlist"] == []
    newly_listed = tmp_path / "newly.listed.json"
    newly_listed.write_text(json.dumps([CLEAN_ETH.lower()]))
    importer.import_lists([*(str(p) for p in ALL), str(newly_listed)])
    second = _create(client, analyst, address=CLEAN_ETH).json()
    assert second["kya_id"] == first["kya_id"] + 1
    assert [h["source"] for h in second["sdnlist"]] == ["newly.listed"]
    assert second["data"]["lists_version"] != first["data"]["lists_version"]
    # the first task keeps what it found then
    assert client.get(f"{KYA}/detail/{first['kya_id']}", headers=analyst.headers).json() == first


def test_with_no_list_loaded_the_address_is_not_called_clean(client: Any, aws: Any, analyst: Any) -> None:
    lists.reset()
    response = _create(client, analyst, address=CLEAN_ETH)
    assert response.status_code == 503 and response.headers["retry-after"]
    assert "no list loaded" in response.json()["detail"]
    assert client.get(KYA, headers=analyst.headers).json()["items"] == []


def test_lists_filter_by_chain_sanction_and_reference(client: Any, listed: None, analyst: Any) -> None:
    _create(client, analyst, address=SDN_XBT, customer_reference="alice")
    _create(client, analyst, address=CLEAN_ETH, customer_reference="bob")
    _create(client, analyst, address=LISTED_ETH, customer_reference="bob")

    def ids(**params: Any) -> list[int]:
        response = client.get(KYA, params=params, headers=analyst.headers)
        assert response.status_code == 200, response.text
        return [t["kya_id"] for t in response.json()["items"]]

    assert ids() == [3, 2, 1]
    assert ids(chain="eth") == [3, 2]
    assert ids(sanctioned="true") == [3, 1]
    assert ids(customer_reference="bob", sanctioned="false") == [2]
    assert ids(created_from="2000-01-01T00:00:00Z", created_to="2000-01-02T00:00:00Z") == []
    assert client.get(KYA, params={"created_from": "1700000000"}, headers=analyst.headers).status_code == 422


def test_unknown_task_is_404(client: Any, listed: None, analyst: Any) -> None:
    response = client.get(f"{KYA}/detail/99", headers=analyst.headers)
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"


def test_a_callback_url_gets_the_task_through_the_outbox(client: Any, listed: None, analyst: Any) -> None:
    created = _create(client, analyst, address=SDN_XBT, callback_url=PUBLIC_HOOK)
    assert created.status_code == 201, created.text
    task = created.json()
    deliveries = client.get("/api/v1/webhooks/deliveries", headers=analyst.headers).json()["data"]
    (delivery,) = deliveries
    assert delivery["event"] == "kya_task" and delivery["reference"] == str(task["kya_id"])
    detail = client.get(f"/api/v1/webhooks/deliveries/{delivery['delivery_id']}", headers=analyst.headers).json()
    assert detail["payload"] == {"event": "kya_task", **task}


def test_a_private_callback_url_is_refused(client: Any, listed: None, analyst: Any) -> None:
    response = _create(client, analyst, address=SDN_XBT, callback_url="https://169.254.169.254/latest")
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["body", "callback_url"]


def test_transactions_come_from_a_configured_explorer(
    client: Any, listed: None, analyst: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = [
        esplora_tx("b" * 64, inputs=[(CLEAN_BTC, 100_000)], outputs=[(SDN_XBT, 90_000)], block_time=1_700_000_000)
    ]
    with FakeEsplora({CLEAN_BTC: history}) as fake:
        monkeypatch.setenv("KYCGATE_BTC_EXPLORER_URL", fake.url)
        get_settings.cache_clear()
        task = _create(client, analyst, address=CLEAN_BTC).json()
        assert task["data"]["checks"] == ["sanctions_lists", "transactions"]
        (tx,) = task["txlist"]
        assert (tx["hash"], tx["direction"], tx["counterparty"], tx["amount"]) == ("b" * 64, "out", SDN_XBT, "0.0009")
        fake.fail_next(10, status=503)
        degraded = _create(client, analyst, address=CLEAN_BTC).json()
    assert degraded["txlist"] == [] and "unavailable" in degraded["data"]["note"]
    assert degraded["data"]["checks"] == ["sanctions_lists"]
