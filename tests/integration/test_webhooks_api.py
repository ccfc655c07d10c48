"""Tenant webhook API (deliveries, replay, signing secret), the replay CLI and the local background loops."""

from __future__ import annotations

import json
import threading

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from kycgate import cli, local
from kycgate.core import clock
from kycgate.core.settings import get_settings
from tests.integration.webhooks_support import (
    WEBHOOKS,
    Reply,
    deliver,
    delivery,
    dlq_bodies,
    drain_until_empty,
    receiver,
    secret_of,
    wait_for,
)


@pytest.fixture
def loopback(aws, monkeypatch):
    monkeypatch.setenv("KYCGATE_ALLOW_LOOPBACK_CALLBACKS", "true")
    get_settings.cache_clear()


def listed(client, tenant, **params):
    response = client.get(f"{WEBHOOKS}/deliveries", headers=tenant.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_list_filters_and_paginates_own_deliveries_only(client, tenant_a, tenant_b, loopback):
    with receiver() as hook:
        ok = deliver(tenant_a.tenant_id, hook.url, event="reuse_kyc.result", reference="cust-1")
        assert drain_until_empty() == 1
        hook.default = Reply(410)
        gone = deliver(tenant_a.tenant_id, hook.url, event="reuse_kyc.result", reference="cust-2")
        assert drain_until_empty() == 1
        waiting = deliver(tenant_a.tenant_id, "http://127.0.0.1:9/unused", event="kyc.status", reference="cust-1")
        deliver(tenant_b.tenant_id, hook.url, reference="cust-1")
        assert len(hook.verified(secret_of(client, tenant_a))) == 2

    everything = listed(client, tenant_a)
    assert [d["delivery_id"] for d in everything["data"]] == [
        waiting.delivery_id,
        gone.delivery_id,
        ok.delivery_id,
    ]  # newest first, none of tenant B's
    assert everything["pagination"] == {"page": 1, "page_size": 20, "total": 3, "total_pages": 1, "cursor": None}
    assert "payload" not in everything["data"][0] and "attempts" not in everything["data"][0]

    assert [d["delivery_id"] for d in listed(client, tenant_a, status="failed")["data"]] == [gone.delivery_id]
    assert [d["delivery_id"] for d in listed(client, tenant_a, status="delivered")["data"]] == [ok.delivery_id]
    pending = listed(client, tenant_a, status="pending")["data"]
    assert [(d["delivery_id"], d["next_attempt_at"]) for d in pending] == [(waiting.delivery_id, None)]
    assert [d["delivery_id"] for d in listed(client, tenant_a, event="kyc.status")["data"]] == [waiting.delivery_id]
    by_reference = listed(client, tenant_a, reference="cust-1", event="reuse_kyc.result")["data"]
    assert [d["delivery_id"] for d in by_reference] == [ok.delivery_id]

    page_two = listed(client, tenant_a, page=2, page_size=2)
    assert [d["delivery_id"] for d in page_two["data"]] == [ok.delivery_id]
    assert page_two["pagination"] == {"page": 2, "page_size": 2, "total": 3, "total_pages": 2, "cursor": None}


def test_bad_list_parameters_are_422_problems(client, tenant_a):
    for params in ({"status": "lost"}, {"page_size": 101}, {"page": 0}, {"reference": "x" * 201}):
        response = client.get(f"{WEBHOOKS}/deliveries", headers=tenant_a.headers, params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


def test_another_tenants_delivery_is_not_found(client, tenant_a, tenant_b, loopback):
    with receiver() as hook:
        hook.default = Reply(410)
        theirs = deliver(tenant_a.tenant_id, hook.url)
        drain_until_empty()
        assert len(hook.verified(secret_of(client, tenant_a))) == 1
    for method, path in (
        ("GET", f"{WEBHOOKS}/deliveries/{theirs.delivery_id}"),
        ("POST", f"{WEBHOOKS}/deliveries/{theirs.delivery_id}/retry"),
    ):
        response = client.request(method, path, headers=tenant_b.headers)
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert theirs.delivery_id in response.json()["detail"]
    assert delivery(client, tenant_a, theirs.delivery_id)["status"] == "failed"  # untouched
    assert listed(client, tenant_b)["data"] == []


def test_malformed_delivery_id_is_422(client, tenant_a):
    for bad in ("nope", "msg_XYZ", "msg_" + "0" * 31):
        response = client.get(f"{WEBHOOKS}/deliveries/{bad}", headers=tenant_a.headers)
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["loc"] == ["path", "delivery_id"]


def test_detail_has_payload_and_attempts(client, tenant_a, loopback):
    with receiver() as hook:
        pending = deliver(tenant_a.tenant_id, hook.url, {"status": "approved", "name": "Zoë"})
        drain_until_empty()
        assert hook.verified(secret_of(client, tenant_a)) == [{"status": "approved", "name": "Zoë"}]
        assert hook.requests[0].body == '{"status":"approved","name":"Zoë"}'.encode()
    detail = delivery(client, tenant_a, pending.delivery_id)
    assert detail["payload"] == {"status": "approved", "name": "Zoë"}
    assert detail["attempts"][0]["status_code"] == 200


def test_replaying_a_delivered_delivery_sends_it_again_with_the_same_id(client, tenant_a, loopback):
    with receiver() as hook:
        pending = deliver(tenant_a.tenant_id, hook.url)
        drain_until_empty()
        response = client.post(f"{WEBHOOKS}/deliveries/{pending.delivery_id}/retry", headers=tenant_a.headers)
        assert response.status_code == 202
        assert response.json()["delivered_at"] is None
        drain_until_empty()
        hook.verified(secret_of(client, tenant_a))
    assert [r.webhook_id for r in hook.requests] == [pending.delivery_id] * 2
    assert delivery(client, tenant_a, pending.delivery_id)["replay_count"] == 1


def test_replay_is_refused_once_the_attempt_cap_is_reached(client, tenant_a, loopback, monkeypatch):
    from kycgate.webhooks import store

    monkeypatch.setattr(store, "MAX_ATTEMPTS", 2)
    with receiver() as hook:
        hook.default = Reply(410)
        pending = deliver(tenant_a.tenant_id, hook.url)
        drain_until_empty()
        retry = f"{WEBHOOKS}/deliveries/{pending.delivery_id}/retry"
        assert client.post(retry, headers=tenant_a.headers).status_code == 202
        drain_until_empty()
        assert len(hook.verified(secret_of(client, tenant_a))) == 2
        refused = client.post(retry, headers=tenant_a.headers)
    assert refused.status_code == 409
    assert "attempted 2 times" in refused.json()["detail"]
    assert delivery(client, tenant_a, pending.delivery_id)["status"] == "failed"
    assert len(hook.requests) == 2


def test_secret_is_created_once_and_stays(client, tenant_a, tenant_b):
    first = client.get(f"{WEBHOOKS}/secret", headers=tenant_a.headers).json()
    assert first["secret"].startswith("whsec_")
    assert first["rotated_at"] is None and first["previous_secret_expires_at"] is None
    assert client.get(f"{WEBHOOKS}/secret", headers=tenant_a.headers).json() == first
    assert secret_of(client, tenant_b) != first["secret"]


def test_rotation_signs_with_both_secrets_until_the_overlap_ends(client, tenant_a, loopback):
    old = secret_of(client, tenant_a)
    rotated = client.post(f"{WEBHOOKS}/secret/rotate", headers=tenant_a.headers)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new != old and new.startswith("whsec_")
    assert rotated.json()["previous_secret_expires_at"] is not None
    assert secret_of(client, tenant_a) == new

    with receiver() as hook:
        deliver(tenant_a.tenant_id, hook.url, {"n": 1})
        drain_until_empty()
        (during,) = hook.requests
        assert len(during.headers["webhook-signature"].split(" ")) == 2
        assert Webhook(old).verify(during.body, during.headers) == {"n": 1}
        assert Webhook(new).verify(during.body, during.headers) == {"n": 1}

        clock.travel(get_settings().webhook_secret_overlap_seconds + 1)
        deliver(tenant_a.tenant_id, hook.url, {"n": 2})
        drain_until_empty()
        after = hook.requests[1]
        assert len(after.headers["webhook-signature"].split(" ")) == 1
        assert Webhook(new).verify(after.body, after.headers) == {"n": 2}
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(after.body, after.headers)
    assert client.get(f"{WEBHOOKS}/secret", headers=tenant_a.headers).json()["previous_secret_expires_at"] is None


def run_cli(capsys, *args):
    capsys.readouterr()  # the worker's metric lines so far
    assert cli.main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_replays_failed_deliveries_and_clears_their_dlq_messages(client, tenant_a, tenant_b, loopback, capsys):
    with receiver() as hook:
        hook.default = Reply(410)
        a = deliver(tenant_a.tenant_id, hook.url)
        b = deliver(tenant_b.tenant_id, hook.url)
        drain_until_empty()
        assert len(dlq_bodies()) == 2

        hook.default = Reply(200)
        out = run_cli(capsys, "deliveries", "replay", "--failed", "--tenant", tenant_a.tenant_id)
        assert out == {"replayed": [a.delivery_id], "dlq_messages_removed": 1}
        assert [m["delivery_id"] for m in dlq_bodies()] == [b.delivery_id]
        drain_until_empty()
        assert delivery(client, tenant_a, a.delivery_id)["status"] == "delivered"
        assert delivery(client, tenant_b, b.delivery_id)["status"] == "failed"

        assert run_cli(capsys, "deliveries", "replay", "--failed") == {
            "replayed": [b.delivery_id],
            "dlq_messages_removed": 1,
        }
        drain_until_empty()
        assert len(hook.verified(secret_of(client, tenant_a), {a.delivery_id})) == 2
        assert len(hook.verified(secret_of(client, tenant_b), {b.delivery_id})) == 2
    assert dlq_bodies() == []
    assert delivery(client, tenant_b, b.delivery_id)["status"] == "delivered"
    assert sorted(r.webhook_id for r in hook.requests) == sorted([a.delivery_id, b.delivery_id] * 2)


def test_cli_replay_requires_the_failed_flag(capsys):
    with pytest.raises(SystemExit):
        cli.main(["deliveries", "replay"])
    assert "--failed" in capsys.readouterr().err


def test_local_background_loops_deliver_and_sweep(client, tenant_a, loopback, monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    from kycgate.core.aws import client as aws_client

    monkeypatch.setattr(local, "SWEEP_INTERVAL_SECONDS", 0.2)
    monkeypatch.setenv("KYCGATE_WEBHOOK_SWEEP_GRACE_SECONDS", "1")
    get_settings.cache_clear()
    sqs = aws_client("sqs")

    def unreachable(**kwargs):
        raise EndpointConnectionError(endpoint_url="https://sqs.us-east-1.amazonaws.com")

    stop = threading.Event()
    threads = [threading.Thread(target=loop, args=(stop,), daemon=True) for loop in local.background_loops()]
    with receiver() as hook:
        sqs.meta.events.register("before-call.sqs.SendMessageBatch", unreachable)
        try:
            lost = deliver(tenant_a.tenant_id, hook.url, {"lost": True})
        finally:
            sqs.meta.events.unregister("before-call.sqs.SendMessageBatch", unreachable)
        sent = deliver(tenant_a.tenant_id, hook.url, {"lost": False})
        for thread in threads:
            thread.start()
        try:
            wait_for(lambda: len(hook.requests) >= 1)  # the worker loop: the queued one
            clock.travel(2)
            wait_for(lambda: len(hook.requests) >= 2)  # the sweeper loop found the lost one
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
        payloads = hook.verified(secret_of(client, tenant_a))
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(payloads, key=str) == [{"lost": False}, {"lost": True}]
    assert sorted(r.webhook_id for r in hook.requests) == sorted([sent.delivery_id, lost.delivery_id])
