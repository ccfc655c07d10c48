"""The provider gateway end to end over real HTTP: kycgate's API served by uvicorn on 127.0.0.1 (moto
behind it), the local provider fakes, their signed webhooks arriving at the API, the
provider_dispatch worker draining DispatchQueue as Lambda's SQS source would (``local.drain_once``).
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import make_tenant, moto_stack
from tests.integration.gateway.provider_support import CREDENTIALS, FAST, Receiver, photo


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, url: str, tenant: Any, fakes: dict[str, Any], receiver: Receiver) -> None:
        self.url, self.tenant, self.fakes, self.receiver = url, tenant, fakes, receiver
        self.http = httpx.Client(base_url=url, headers=tenant.headers, timeout=30)

    def drain(self) -> int:
        from kycgate.core.settings import get_settings
        from kycgate.gateway.worker import handler
        from kycgate.local import drain_once

        return drain_once(handler, queue_url=get_settings().dispatch_queue_url).received

    def drain_callbacks(self) -> None:
        from kycgate.local import drain_once

        while drain_once().received:
            pass

    def create(self, provider: str, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        body = {"provider": provider, "user_id": "cust-1", "params": params, "callback_url": self.receiver.url, **extra}
        response = self.http.post("/api/v1/kyc_applications", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def get(self, application_id: str) -> dict[str, Any]:
        response = self.http.get(f"/api/v1/kyc_applications/{application_id}")
        assert response.status_code == 200, response.text
        return response.json()


def _b64(name: str) -> str:
    return base64.b64encode(photo(name)).decode()


PERSON = {
    "first_name": "Barack",
    "last_name": "Obama",
    "date_of_birth": "1961-08-04",
    "email": "barack@example.org",
    "country": "US",
    "document_type": "passport",
    "document_country": "US",
}


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    import uvicorn

    from kycgate.fakes.identitymind import FakeIdentityMind
    from kycgate.fakes.onfido import FakeOnfido
    from kycgate.fakes.sumsub import FakeSumsub
    from kycgate.fakes.vouched import FakeVouched
    from kycgate.gateway import credentials, worker

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    hooks = f"{url}/api/v1/gateway/webhooks"
    with pytest.MonkeyPatch.context() as mp, moto_stack(mp):
        mp.setenv("KYCGATE_ALLOW_LOOPBACK_CALLBACKS", "true")
        mp.setenv("KYCGATE_GATEWAY_WEBHOOK_BASE_URL", url)
        mp.setenv("KYCGATE_DISPATCH_RETRY_SECONDS", "0")
        mp.setattr(worker, "DISPATCH_POLICY", FAST)
        from kycgate.core.settings import get_settings

        get_settings.cache_clear()
        from kycgate.app import create_app

        server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        creds = CREDENTIALS
        idm_token = creds["identitymind"]["callback_token"]
        fakes: dict[str, Any] = {
            "vouched": FakeVouched(api_key=creds["vouched"]["api_key"]).start(),
            "sumsub": FakeSumsub(
                creds["sumsub"]["app_token"],
                creds["sumsub"]["secret_key"],
                creds["sumsub"]["webhook_secret"],
                webhook_url=f"{hooks}/sumsub",
            ).start(),
            "onfido": FakeOnfido(api_token=creds["onfido"]["api_token"]).start(),
            "identitymind": FakeIdentityMind(
                creds["identitymind"]["username"],
                creds["identitymind"]["api_key"],
                callback_url=f"{hooks}/identitymind?token={idm_token}",
            ).start(),
        }
        fakes["onfido"].add_webhook(f"{hooks}/onfido", creds["onfido"]["webhook_token"])
        receiver = Receiver()
        tenant = make_tenant("Gateway tenant")
        for name, fake in fakes.items():
            base = fake.url + ("/v3.6" if name == "onfido" else "")
            credentials.store(tenant.tenant_id, name, {**creds[name], "base_url": base})
        s = Stack(url, tenant, fakes, receiver)
        assert s.http.post("/api/v1/kyc/customers", json={"customer_id": "cust-1"}).status_code == 201
        try:
            yield s
        finally:
            for fake in fakes.values():
                fake.stop()
            receiver.close()
            server.should_exit = True
            thread.join(5)


def test_vouched_pending_submitted_then_webhook_decides(stack: Stack) -> None:
    created = stack.create(
        "vouched",
        {
            "params": {
                **PERSON,
                "id_photo": _b64("obama_1.jpg"),
                "selfie": _b64("obama_2.jpg"),
                "type": "id-verification",
            }
        },
    )
    assert created["status"] == "pending" and created["application_id"] == stack.tenant.tenant_id
    assert created["params"]["params"]["id_photo"] == "" and created["params"]["params"]["type"] == "id-verification"
    assert stack.drain() == 1
    app = stack.get(created["id"])
    assert [h["status"] for h in app["history"]] == ["pending", "submitted", "review"]
    job_id = app["identifier"]
    fake = stack.fakes["vouched"]
    assert fake.jobs[job_id]["request"]["callbackURL"] == f"{stack.url}/api/v1/gateway/webhooks/vouched"

    # A forged webhook: 401, nothing changes.
    forged = fake.jobs[job_id] | {"status": "completed"}
    response = httpx.post(
        f"{stack.url}/api/v1/gateway/webhooks/vouched", json=forged, headers={"X-Signature": "Zm9yZ2Vk"}
    )
    assert response.status_code == 401
    assert stack.get(created["id"])["status"] == "review"

    assert fake.complete(job_id, ["InvalidUserPhotoError"]) == 200
    app = stack.get(created["id"])
    assert app["status"] == "remediate" and "selfie" in app["description"]
    assert app["provider_representation"]["errors"] == fake.jobs[job_id]["errors"]
    assert app["provider_representation_stale"] is False
    # The same webhook again: harmless.
    assert fake.complete(job_id, ["InvalidUserPhotoError"]) == 200
    assert [h["status"] for h in stack.get(created["id"])["history"]][-1] == "remediate"

    # Invalid PUT: 409 naming the state and the allowed ones; a manual decision is valid.
    conflict = stack.http.put(f"/api/v1/kyc_applications/{created['id']}", json={"status": "submitted"})
    assert conflict.status_code == 409
    assert conflict.json()["current_status"] == "remediate"
    assert conflict.json()["allowed_statuses"] == ["accepted", "pending", "rejected"]
    decided = stack.http.put(f"/api/v1/kyc_applications/{created['id']}", json={"status": "rejected"})
    assert decided.status_code == 200 and decided.json()["status"] == "rejected"

    # Provider down: the stored representation, marked stale, never a 5xx.
    fake.fail_next(1, 503)  # the enriched GET makes one attempt
    stale = stack.get(created["id"])
    assert stale["provider_representation_stale"] is True and stale["provider_representation"]["id"] == job_id


def test_an_outage_ends_failed_then_replays(stack: Stack) -> None:
    from kycgate.cli import main

    fake = stack.fakes["vouched"]
    fake.fail_next(5 * FAST.attempts, 503)  # every try of all five receipts
    created = stack.create("vouched", {**PERSON, "id_photo": _b64("obama_1.jpg"), "selfie": _b64("obama_2.jpg")})
    for _ in range(5):
        assert stack.drain() == 1
    failed = stack.get(created["id"])
    assert failed["status"] == "failed" and failed["description"].startswith("vouched:")
    from kycgate.core import aws
    from kycgate.core.settings import get_settings

    dlq = get_settings().dispatch_dlq_url
    depth = aws.client("sqs").get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert depth["Attributes"]["ApproximateNumberOfMessages"] == "1"

    assert main(["gateway", "replay", "--failed"]) == 0
    assert stack.drain() == 1
    replayed = stack.get(created["id"])
    assert replayed["status"] in ("review", "accepted")
    assert [h["source"] for h in replayed["history"]][-3:-1] == ["replay", "dispatch"]
    depth = aws.client("sqs").get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert depth["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_kycgate_approves_the_same_person_and_declines_another(stack: Stack) -> None:
    same = stack.create("kycgate", {"id_photo": _b64("obama_1.jpg"), "selfie": _b64("obama_2.jpg")})
    other = stack.create("kycgate", {"id_photo": _b64("obama_1.jpg"), "selfie": _b64("biden_1.jpg")})
    assert stack.drain() == 2
    assert stack.get(same["id"])["status"] == "accepted"
    declined = stack.get(other["id"])
    assert declined["status"] == "rejected" and declined["provider_representation"]["similarity"] < 0.5


def test_bad_input_is_a_4xx_and_nothing_is_stored(stack: Stack) -> None:
    unknown = stack.http.post(
        "/api/v1/kyc_applications", json={"provider": "kycgate", "user_id": "nobody", "params": {}}
    )
    assert unknown.status_code == 422
    missing_selfie = stack.http.post(
        "/api/v1/kyc_applications",
        json={"provider": "kycgate", "user_id": "cust-1", "params": {"id_photo": _b64("obama_1.jpg")}},
    )
    assert missing_selfie.status_code == 422 and "selfie" in missing_selfie.text
    assert stack.drain() == 0


def _decide(stack: Stack, provider: str, identifier: str) -> list[int]:
    """Each provider's fake decides the application and sends its own webhook; the receivers' statuses."""
    fake = stack.fakes[provider]
    if provider == "sumsub":
        return [fake.review(identifier, "RED", reject_type="FINAL", reject_labels=["FORGERY"])]
    if provider == "onfido":
        (check_id,) = fake.checks
        return fake.complete(check_id, "clear")
    return [fake.set_state(identifier, "D")]


# provider -> (the status its fake's decision maps to, what the enriched GET must show of the fake's data)
DECISIONS = {
    "sumsub": ("rejected", lambda fake, rep: rep["review"]["reviewResult"]["reviewAnswer"] == "RED"),
    "onfido": ("accepted", lambda fake, rep: rep["status"] == "complete" and rep["result"] == "clear"),
    "identitymind": (
        "rejected",
        lambda fake, rep: rep["state"] == "D" and rep["frd"] == fake.applications[rep["tid"]]["frd"],
    ),
}


# A webhook in each provider's shape, claiming a decision, without the provider's secret.
FORGED: dict[str, Any] = {
    "sumsub": lambda identifier: {
        "json": {"applicantId": identifier, "type": "applicantReviewed", "reviewResult": {"reviewAnswer": "GREEN"}},
        "headers": {"X-Payload-Digest": "0" * 64, "X-Payload-Digest-Alg": "HMAC_SHA256_HEX"},
    },
    "onfido": lambda identifier: {
        "json": {"payload": {"resource_type": "check", "action": "check.completed", "object": {"id": identifier}}},
        "headers": {"X-SHA2-Signature": "0" * 64},
    },
    "identitymind": lambda identifier: {
        "json": {"tid": identifier, "state": "A"},
        "params": {"token": "guessed"},
    },
}


@pytest.mark.parametrize("provider", sorted(DECISIONS))
def test_each_provider_pending_submitted_then_its_webhook_decides(stack: Stack, provider: str) -> None:
    params = {**PERSON, "id_photo": _b64("obama_1.jpg"), "selfie": _b64("obama_2.jpg")}
    created = stack.create(provider, params)
    assert created["status"] == "pending"
    assert stack.drain() == 1
    submitted = stack.get(created["id"])
    assert [h["status"] for h in submitted["history"]][:2] == ["pending", "submitted"]
    assert submitted["status"] in ("submitted", "review") and submitted["identifier"]
    forged = httpx.post(f"{stack.url}/api/v1/gateway/webhooks/{provider}", **FORGED[provider](submitted["identifier"]))
    assert forged.status_code == 401, forged.text
    assert stack.get(created["id"])["history"] == submitted["history"]
    assert all(status == 200 for status in _decide(stack, provider, submitted["identifier"]))
    decided = stack.get(created["id"])
    expected, shows_fake_data = DECISIONS[provider]
    assert decided["status"] == expected, decided
    assert decided["history"][-1]["source"] == "webhook"
    assert decided["provider_representation_stale"] is False
    assert shows_fake_data(stack.fakes[provider], decided["provider_representation"]), decided[
        "provider_representation"
    ]
    # Its callback: the tenant heard of the decision, with the normalised status.
    stack.drain_callbacks()
    told = [json.loads(r.body) for r in stack.receiver.received]
    assert any(t["id"] == created["id"] and t["status"] == expected for t in told)


def test_a_lost_dispatch_message_is_resent_by_the_sweeper(stack: Stack) -> None:
    """SQS refuses the send after the application committed: 201 all the same, and the dispatch sweeper
    sends it once its grace is over (once: a second sweep finds it re-armed)."""
    from kycgate.core import clock
    from kycgate.core.settings import get_settings
    from kycgate.gateway.sweeper import handler as sweep
    from kycgate.local import LocalContext

    queue_url = get_settings().dispatch_queue_url
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KYCGATE_DISPATCH_QUEUE_URL", queue_url + "-gone")
        get_settings.cache_clear()
        created = stack.create("vouched", {**PERSON, "id_photo": _b64("obama_1.jpg"), "selfie": _b64("obama_2.jpg")})
    get_settings.cache_clear()
    assert stack.drain() == 0
    assert sweep({}, LocalContext()) == {"resent": 0}  # within the grace
    clock.travel(get_settings().dispatch_sweep_grace_seconds + 1)
    try:
        assert sweep({}, LocalContext()) == {"resent": 1}
        assert sweep({}, LocalContext()) == {"resent": 0}
        assert stack.drain() == 1
        assert stack.get(created["id"])["status"] == "review"
        clock.travel(get_settings().dispatch_sweep_grace_seconds + 1)
        assert sweep({}, LocalContext()) == {"resent": 0}  # submitted: off the pending index
    finally:
        clock.reset()


def test_lists_page_by_cursor_and_filter_by_provider(stack: Stack) -> None:
    created = [stack.create("identitymind", PERSON)["id"] for _ in range(3)]  # queued, not needed dispatched
    listed, cursor = [], None
    while True:
        params = {"page_size": 2, **({"cursor": cursor} if cursor else {})}
        page = stack.http.get("/api/v1/kyc_applications", params=params).json()
        listed += page["items"]
        cursor = page["pagination"]["cursor"]
        if cursor is None:
            break
    assert len(listed) == page["pagination"]["total"] >= 3
    assert [a["id"] for a in listed[:3]] == created[::-1]
    assert [a["created_at"] for a in listed] == sorted((a["created_at"] for a in listed), reverse=True)
    idm = stack.http.get("/api/v1/kyc_applications", params={"provider": "identitymind", "page_size": 100}).json()
    assert [a["id"] for a in idm["items"]] == [a["id"] for a in listed if a["provider"] == "identitymind"]
    forged = stack.http.get("/api/v1/kyc_applications", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert forged.status_code == 400
