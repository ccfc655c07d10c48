"""Helpers for webhook tests: a real HTTP receiver on 127.0.0.1, deliveries through the outbox, and
the local SQS event source (kycgate.local.drain_once) driven step by step."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

from standardwebhooks.webhooks import Webhook

from kycgate.core import aws, clock
from kycgate.core.settings import get_settings
from kycgate.local import DrainResult, drain_once
from kycgate.webhooks import delivery as worker_rules
from kycgate.webhooks import outbox
from kycgate.webhooks.secrets import signing_secrets

WEBHOOKS = "/api/v1/webhooks"


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b"ok"


class Receiver:
    """Records every request; answers with the scripted replies in order, then with ``default``."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[Received] = []
        self.script: deque[Reply] = deque()
        self.default = Reply()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                reply = receiver.script.popleft() if receiver.script else receiver.default
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def reply(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def verified(self, secret: str, webhook_ids: set[str] | None = None) -> list[Any]:
        """Every request (or those with these webhook ids) verified with the standardwebhooks library;
        raises on any that fails."""
        verifier = Webhook(secret)
        return [
            verifier.verify(r.body, r.headers)
            for r in self.requests
            if webhook_ids is None or r.webhook_id in webhook_ids
        ]


@contextmanager
def receiver(port: int = 0) -> Iterator[Receiver]:
    server = Receiver(port)
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


@contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections (bound, not listening) until the block ends."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def deliver(
    tenant_id: str,
    url: str,
    payload: dict[str, Any] | None = None,
    *,
    event: str = "test.event",
    reference: str = "ref-1",
) -> outbox.PendingDelivery:
    """Commit one pending delivery through the outbox, as a state-changing request would."""
    pending = outbox.new_delivery(
        tenant_id, event=event, reference=reference, url=url, payload=payload or {"reference": reference}
    )
    outbox.commit([], [pending])
    return pending


SAMPLE_DELIVERY_ID = "msg_5a3c0e1f9b7d4c2a8e6f1b3d5c7a9e0f"  # events/*webhook_delivery*.json


def seed_sample_failed_delivery() -> None:
    """The samples' delivery for tenant "ten_sample", failed for real: its URL is refused at delivery."""
    with mock.patch("kycgate.core.ids.new_id", return_value=SAMPLE_DELIVERY_ID):
        pending = deliver("ten_sample", "https://10.0.0.1/hook")
    secrets = signing_secrets(["ten_sample"])["ten_sample"]
    disposition = worker_rules.process(pending.ref, "sample-message", secrets)
    assert disposition.reason == "private_address"


def drain(max_messages: int = 10) -> DrainResult:
    return drain_once(max_messages=max_messages)


def drain_until_empty(max_rounds: int = 20) -> int:
    total = 0
    for _ in range(max_rounds):
        result = drain()
        if result.received == 0:
            return total
        total += result.received
    raise AssertionError("the queue did not empty")


def make_visible(receipts: list[str]) -> None:
    """End the wait SQS imposes on kept messages (their retry time is moved with clock.travel)."""
    for handle in receipts:
        aws.client("sqs").change_message_visibility(
            QueueUrl=get_settings().callback_queue_url, ReceiptHandle=handle, VisibilityTimeout=0
        )


def seconds_to_next_attempt(detail: dict[str, Any]) -> float:
    due = datetime.fromisoformat(detail["next_attempt_at"].replace("Z", "+00:00")).timestamp()
    return due - clock.now()


def travel_to_next_attempt(client: Any, tenant: Any, delivery_id: str) -> None:
    """Move the clock just past the delivery's next attempt."""
    clock.travel(seconds_to_next_attempt(delivery(client, tenant, delivery_id)) + 1)


def delivery(client: Any, tenant: Any, delivery_id: str) -> dict[str, Any]:
    response = client.get(f"{WEBHOOKS}/deliveries/{delivery_id}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()


def secret_of(client: Any, tenant: Any) -> str:
    response = client.get(f"{WEBHOOKS}/secret", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()["secret"]


def dlq_bodies() -> list[dict[str, Any]]:
    """Every message in CallbackDLQ (received, then made visible again)."""
    sqs = aws.client("sqs")
    url = get_settings().callback_dlq_url
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def queue_depth() -> int:
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=get_settings().callback_queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)
