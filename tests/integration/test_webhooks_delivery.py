"""Webhook delivery end to end: outbox commit -> CallbackQueue -> worker -> a real receiver on 127.0.0.1.

Every webhook a receiver gets is verified with the `standardwebhooks` package, not with our code.
Retries are driven by moving kycgate's clock and ending the SQS wait of the kept messages.
"""

from __future__ import annotations

import json
import socket

import pytest
from botocore.exceptions import EndpointConnectionError

from kycgate.core import clock
from kycgate.core.aws import client as aws_client
from kycgate.core.dynamo import ddb, from_item, key, records_table
from kycgate.core.settings import get_settings
from kycgate.infra import load_template, resources_of_type
from kycgate.webhooks import backoff, outbox, ssrf
from kycgate.webhooks.delivery import LEASE_SECONDS, MAX_HIDE_SECONDS
from kycgate.webhooks.sweeper import handler as sweeper_handler
from kycgate.webhooks.worker import MAX_BATCH_RECORDS
from tests.conftest import LambdaContext, assert_collector_resumed, load_event, load_function, make_tenant
from tests.integration.webhooks_support import (
    WEBHOOKS,
    Reply,
    closed_port,
    deliver,
    delivery,
    dlq_bodies,
    drain,
    drain_until_empty,
    make_visible,
    queue_depth,
    receiver,
    seconds_to_next_attempt,
    secret_of,
    travel_to_next_attempt,
)


@pytest.fixture
def loopback(aws, monkeypatch):
    """Local mode: callbacks to http://127.0.0.1 allowed (never the default)."""
    monkeypatch.setenv("KYCGATE_ALLOW_LOOPBACK_CALLBACKS", "true")
    get_settings.cache_clear()


@pytest.fixture
def short_schedule(loopback, monkeypatch):
    monkeypatch.setenv("KYCGATE_WEBHOOK_RETRY_SCHEDULE", "1,1,1")
    get_settings.cache_clear()


def stored(pending: outbox.DeliveryRef) -> dict:
    item = ddb().get_item(
        TableName=records_table(), Key=key(outbox.delivery_pk(pending.tenant_id, pending.delivery_id), "DELIVERY")
    )
    return from_item(item["Item"])


def sweep() -> int:
    return sweeper_handler(load_event("outbox_sweeper"), LambdaContext())["resent"]


def test_delivered_once_with_standard_webhooks_headers(client, tenant_a, loopback):
    with receiver() as hook:
        pending = deliver(tenant_a.tenant_id, hook.url, {"status": "approved", "reference": "cust-1"})
        result = drain()
        assert (result.received, result.deleted, result.kept) == (1, 1, [])
        assert hook.verified(secret_of(client, tenant_a)) == [{"status": "approved", "reference": "cust-1"}]
    (request,) = hook.requests
    assert request.webhook_id == pending.delivery_id
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-signature"].startswith("v1,")
    item = stored(pending)
    assert item["status"] == "delivered"
    # Off the sweeper's index, and the message is gone: nothing will send it again.
    assert "GSI2PK" not in item and "GSI2SK" not in item
    assert queue_depth() == 0
    assert sweep() == 0
    detail = delivery(client, tenant_a, pending.delivery_id)
    assert [(a["attempt"], a["status_code"], a["error"]) for a in detail["attempts"]] == [(1, 200, None)]


def test_receiver_down_for_three_attempts_then_up(client, tenant_a, loopback):
    """Default schedule (5 s, 5 min, 30 min ...): refused, 503, 500, then 200 on attempt 4."""
    with closed_port() as port:
        pending = deliver(tenant_a.tenant_id, f"http://127.0.0.1:{port}/hook")
        first = drain()
        assert (first.received, first.deleted, len(first.kept)) == (1, 0, 1)
        # The message is really hidden until the retry: nothing to receive now.
        assert drain().received == 0
        after_one = delivery(client, tenant_a, pending.delivery_id)
        assert after_one["status"] == "pending"
        assert after_one["attempts"][0]["error"].startswith("could not connect")
        assert after_one["attempts"][0]["status_code"] is None
        assert 3 <= seconds_to_next_attempt(after_one) <= 6  # 5 s +/- 20% jitter, less time passed

        # A receipt before the retry is due only hides the message again: no attempt.
        make_visible(first.kept)
        early = drain()
        assert (early.received, early.deleted, len(early.kept)) == (1, 0, 1)
        assert delivery(client, tenant_a, pending.delivery_id)["attempt_count"] == 1
        kept = early.kept
    with receiver(port) as hook:
        hook.reply(Reply(503, body=b"maintenance"), Reply(500))
        for expected_attempts, expected_wait in ((2, 300), (3, 1800)):
            travel_to_next_attempt(client, tenant_a, pending.delivery_id)
            make_visible(kept)
            kept = drain().kept
            assert len(kept) == 1
            detail = delivery(client, tenant_a, pending.delivery_id)
            assert detail["attempt_count"] == expected_attempts
            wait = seconds_to_next_attempt(detail)
            assert 0.8 * expected_wait - 1 <= wait <= 1.2 * expected_wait + 1
        travel_to_next_attempt(client, tenant_a, pending.delivery_id)
        make_visible(kept)
        final = drain()
        assert (final.received, final.deleted, final.kept) == (1, 1, [])
        payloads = hook.verified(secret_of(client, tenant_a))
    assert len(payloads) == 3  # attempts 2-4 reached it; attempt 1 found nothing listening
    assert {r.webhook_id for r in hook.requests} == {pending.delivery_id}
    detail = delivery(client, tenant_a, pending.delivery_id)
    assert detail["status"] == "delivered"
    assert [a["status_code"] for a in detail["attempts"]] == [None, 503, 500, 200]
    assert [a["error"] for a in detail["attempts"]][1:] == ["HTTP 503", "HTTP 500", None]
    assert detail["attempts"][1]["response_excerpt"] == "maintenance"
    assert all(a["latency_ms"] >= 0 for a in detail["attempts"])
    assert queue_depth() == 0


def test_always_500_ends_failed_in_dlq_and_replay_delivers(client, tenant_a, short_schedule):
    with receiver() as hook:
        hook.default = Reply(500, body=b"boom")
        pending = deliver(tenant_a.tenant_id, hook.url)
        kept = drain().kept
        for _ in range(3):
            travel_to_next_attempt(client, tenant_a, pending.delivery_id)
            make_visible(kept)
            result = drain()
            kept = result.kept
        # The fourth (last) attempt: the message left the queue for the DLQ.
        assert (result.received, result.deleted, result.kept) == (1, 1, [])
        assert queue_depth() == 0
        assert dlq_bodies() == [{"tenant_id": tenant_a.tenant_id, "delivery_id": pending.delivery_id}]
        failed = delivery(client, tenant_a, pending.delivery_id)
        assert failed["status"] == "failed"
        assert failed["failure_reason"] == "retries_exhausted"
        assert failed["attempt_count"] == 4 and len(failed["attempts"]) == 4
        assert failed["next_attempt_at"] is None
        assert len(hook.requests) == 4

        hook.default = Reply(204, body=b"")
        replay = client.post(f"{WEBHOOKS}/deliveries/{pending.delivery_id}/retry", headers=tenant_a.headers)
        assert replay.status_code == 202, replay.text
        assert replay.json()["status"] == "pending" and replay.json()["replay_count"] == 1
        again = client.post(f"{WEBHOOKS}/deliveries/{pending.delivery_id}/retry", headers=tenant_a.headers)
        assert again.status_code == 409
        assert again.headers["content-type"] == "application/problem+json"
        assert "still pending" in again.json()["detail"]
        assert drain_until_empty() == 1
        hook.verified(secret_of(client, tenant_a))
    assert {r.webhook_id for r in hook.requests} == {pending.delivery_id}
    assert len(hook.requests) == 5
    done = delivery(client, tenant_a, pending.delivery_id)
    assert done["status"] == "delivered"
    assert done["failure_reason"] is None and done["failed_at"] is None
    assert [a["attempt"] for a in done["attempts"]] == [1, 2, 3, 4, 5]
    assert done["attempts"][-1]["status_code"] == 204


def test_lost_queue_send_is_recovered_by_the_sweeper_exactly_once(client, tenant_a, loopback):
    sqs = aws_client("sqs")

    def unreachable(**kwargs):
        raise EndpointConnectionError(endpoint_url="https://sqs.us-east-1.amazonaws.com")

    sqs.meta.events.register("before-call.sqs.SendMessageBatch", unreachable)
    try:
        with receiver() as hook:
            pending = deliver(tenant_a.tenant_id, hook.url)  # commits, then the send fails quietly
            assert stored(pending)["status"] == "pending"
            assert drain().received == 0
            sqs.meta.events.unregister("before-call.sqs.SendMessageBatch", unreachable)

            assert sweep() == 0  # still within the grace period
            clock.travel(get_settings().webhook_sweep_grace_seconds + 1)
            assert sweep() == 1
            assert sweep() == 0  # re-armed: a second run does not send it again
            assert drain_until_empty() == 1
            hook.verified(secret_of(client, tenant_a))
            clock.travel(3600)
            assert sweep() == 0
            assert drain_until_empty() == 0
    finally:
        sqs.meta.events.unregister("before-call.sqs.SendMessageBatch", unreachable)
    assert [r.webhook_id for r in hook.requests] == [pending.delivery_id]


def test_sweeper_duplicate_of_a_live_message_delivers_once(client, tenant_a, loopback):
    with receiver() as hook:
        pending = deliver(tenant_a.tenant_id, hook.url)
        clock.travel(get_settings().webhook_sweep_grace_seconds + 1)
        assert sweep() == 1
        assert queue_depth() == 2
        # One message per receive: moto's conditional writes are not atomic across the batch's threads
        # (DynamoDB's are), and this test is about the claim, not about moto.
        while drain(max_messages=1).received:
            pass
        hook.verified(secret_of(client, tenant_a))
    assert [r.webhook_id for r in hook.requests] == [pending.delivery_id]
    assert queue_depth() == 0


def test_a_resent_message_for_a_delivered_delivery_is_dropped(client, tenant_a, loopback):
    with receiver() as hook:
        pending = deliver(tenant_a.tenant_id, hook.url)
        assert drain_until_empty() == 1
        outbox.enqueue([pending])  # SQS at-least-once: the same message again
        result = drain()
        assert (result.received, result.deleted) == (1, 1)
        assert len(hook.verified(secret_of(client, tenant_a))) == 1


def test_retry_after_is_honoured(client, tenant_a, loopback):
    with receiver() as hook:
        hook.reply(Reply(429, headers=(("Retry-After", "120"),)))
        pending = deliver(tenant_a.tenant_id, hook.url)
        kept = drain().kept
        waiting = delivery(client, tenant_a, pending.delivery_id)
        assert 119 <= seconds_to_next_attempt(waiting) <= 121  # not the schedule's 5 s
        clock.travel(60)
        make_visible(kept)
        early = drain()
        assert early.kept and len(hook.requests) == 1  # hidden again, not attempted
        clock.travel(61)
        make_visible(early.kept)
        assert drain().deleted == 1
        hook.verified(secret_of(client, tenant_a))
    assert len(hook.requests) == 2
    assert delivery(client, tenant_a, pending.delivery_id)["status"] == "delivered"


def test_410_fails_without_retry(client, tenant_a, loopback):
    with receiver() as hook:
        hook.default = Reply(410, body=b"endpoint removed")
        pending = deliver(tenant_a.tenant_id, hook.url)
        result = drain()
        assert (result.received, result.deleted, result.kept) == (1, 1, [])
        hook.verified(secret_of(client, tenant_a))
    assert len(hook.requests) == 1
    detail = delivery(client, tenant_a, pending.delivery_id)
    assert detail["status"] == "failed"
    assert detail["failure_reason"] == "receiver_gone"
    assert "410" in detail["failure_detail"]
    assert [a["status_code"] for a in detail["attempts"]] == [410]
    assert dlq_bodies() == [{"tenant_id": tenant_a.tenant_id, "delivery_id": pending.delivery_id}]


def test_url_that_now_resolves_privately_is_failed_with_the_reason(client, tenant_a, aws, monkeypatch):
    """The URL was accepted when the request was made; its name now points at a private address."""

    def rebound(host, port, *args, **kwargs):
        if host == "hooks.tenant.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]
        return socket.getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setitem(ssrf.check_callback_url.__kwdefaults__, "resolver", rebound)
    with receiver() as hook:
        refused = [
            deliver(tenant_a.tenant_id, "https://hooks.tenant.example/kyc"),
            deliver(tenant_a.tenant_id, "https://169.254.169.254/latest/meta-data"),
            # Loopback is refused outside local mode (the default), even for the test's own receiver.
            deliver(tenant_a.tenant_id, hook.url.replace("http://127.0.0.1", "https://localhost")),
        ]
        assert drain_until_empty() == 3
    assert hook.requests == []
    reasons = {}
    for pending in refused:
        detail = delivery(client, tenant_a, pending.delivery_id)
        assert detail["status"] == "failed"
        assert detail["attempts"][0]["status_code"] is None
        assert detail["attempts"][0]["error"].startswith(f"callback URL refused ({detail['failure_reason']})")
        reasons[pending.delivery_id] = detail["failure_reason"]
    assert list(reasons.values()) == ["private_address", "metadata_address", "loopback_address"]
    assert sorted(b["delivery_id"] for b in dlq_bodies()) == sorted(reasons)


def test_malformed_message_goes_to_the_dlq(aws):
    sqs = aws_client("sqs")
    sqs.send_message(QueueUrl=get_settings().callback_queue_url, MessageBody="not a delivery")
    result = drain()
    assert (result.received, result.deleted) == (1, 1)
    messages = sqs.receive_message(QueueUrl=get_settings().callback_dlq_url, MessageAttributeNames=["All"])
    (message,) = messages["Messages"]
    assert message["Body"] == "not a delivery"
    assert message["MessageAttributes"]["reason"]["StringValue"] == "malformed_message"


def test_worker_function_handles_its_sample_event(client, loopback, lambda_context, monkeypatch, lambda_runtime):
    event = load_event("webhook_worker")
    sample = json.loads(event["Records"][0]["body"])
    tenant = make_tenant("Sample tenant", tenant_id=sample["tenant_id"])
    with receiver() as hook:
        with monkeypatch.context() as patch:
            patch.setattr("kycgate.core.ids.new_id", lambda prefix: sample["delivery_id"])
            pending = outbox.new_delivery(tenant.tenant_id, event="test.event", reference="r", url=hook.url, payload={})
        # Stored but not queued: the sample event is the message.
        ddb().transact_write_items(TransactItems=[pending.put])
        response = load_function("webhook_worker")(event, lambda_context)
        assert_collector_resumed()
        assert response == {"batchItemFailures": []}
        assert hook.verified(secret_of(client, tenant)) == [{}]
    assert hook.requests[0].webhook_id == sample["delivery_id"]


def test_sweeper_function_handles_its_sample_event(aws, lambda_context, lambda_runtime):
    assert load_function("outbox_sweeper")(load_event("outbox_sweeper"), lambda_context) == {"resent": 0}
    assert_collector_resumed()


def test_timeouts_lease_and_receive_budget_fit_together():
    resources = load_template()["Resources"]
    worker = resources["WebhookWorkerFunction"]["Properties"]
    queue = resources["CallbackQueue"]["Properties"]
    # A killed invocation's lease has expired when its message reappears.
    assert worker["Timeout"] < LEASE_SECONDS < queue["VisibilityTimeout"]
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]  # AWS's advice for SQS event sources
    # Every attempt and every re-hide of a long wait (hidden at most MAX_HIDE_SECONDS per receipt)
    # fits in maxReceiveCount, so SQS never dead-letters a delivery that still has retries.
    waits = (round(step * (1 + backoff.JITTER_FRACTION)) for step in backoff.DEFAULT_SCHEDULE_SECONDS)
    receives = backoff.max_attempts() + sum(-(-wait // MAX_HIDE_SECONDS) - 1 for wait in waits)
    assert receives <= queue["RedrivePolicy"]["maxReceiveCount"]
    assert get_settings().webhook_timeout_seconds < worker["Timeout"]
    assert resources_of_type(load_template(), "AWS::CloudWatch::Alarm")["CallbackDLQDepthAlarm"]
    # Each record of a batch gets a thread of its own: one slow receiver never queues another's POST.
    assert worker["Events"]["Queue"]["Properties"]["BatchSize"] <= MAX_BATCH_RECORDS
