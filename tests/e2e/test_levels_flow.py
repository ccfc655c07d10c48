"""Seed 002's KYC levels flow end to end, as a tenant's integration would drive it over HTTP.

Real parts only: the whole app under uvicorn on 127.0.0.1 (moto from template.yaml in this process), the
shipped example configuration, real photos, kycgate's hosted liveness page in Debian's headless Chromium
with a fake camera, the sface matcher, verification codes delivered the way `kycgate serve` delivers them
(console and outbox file), and a real webhook receiver whose callbacks are verified with standardwebhooks.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest

from kycgate.core import clock
from tests.conftest import make_tenant, moto_stack
from tests.e2e.browser_support import (
    CHROMIUM,
    DESKTOP,
    FLAGS,
    RESULT_TIMEOUT_MS,
    _free_port,
    _wait_until,
    assert_accessible,
    assert_clean,
    camera_file,
    open_page,
    shot,
)
from tests.integration.levels_support import (
    LEVELS,
    attribute,
    basic_values,
    create_application,
    example_document,
    get_application,
    level_info,
    load_configuration,
    make_document,
    new_client,
    open_application,
    passport,
    patch,
    pdf_bytes,
    request_code,
    scope,
    send_to_review,
)
from tests.integration.webhooks_support import Receiver, receiver, secret_of

pytestmark = pytest.mark.e2e
PHONE = "+14155552671"


class Stack(NamedTuple):
    base: str
    http: httpx.Client
    tenant: Any
    hooks: Receiver
    outbox: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    import uvicorn

    from kycgate.app import create_app
    from kycgate.core.settings import get_settings

    outbox = tmp_path_factory.mktemp("outbox") / "codes.jsonl"
    with pytest.MonkeyPatch.context() as patch_env, moto_stack(patch_env), receiver() as hooks:
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        for name, value in {
            "BASE_URL_FRONTEND": base,
            "KYCGATE_ALLOW_LOOPBACK_CALLBACKS": "true",
            "KYCGATE_CODE_DELIVERY": "local",
            "KYCGATE_LOCAL_OUTBOX_PATH": str(outbox),
        }.items():
            patch_env.setenv(name, value)
        get_settings.cache_clear()
        server = uvicorn.Server(
            uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            with httpx.Client(base_url=base, timeout=60) as http:
                _wait_until(lambda: server.started)
                yield Stack(base, http, make_tenant("Levels e2e", scopes=("reviewer",)), hooks, outbox)
        finally:
            server.should_exit = True
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import os

    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("/usr/bin/chromium is missing: .ci/run installs Debian's chromium and chromium-driver")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    from tests.conftest import FACES

    camera = camera_file(FACES / "obama_3.jpg", tmp_path_factory.mktemp("camera") / "obama_3.y4m")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*FLAGS, f"--use-file-for-fake-video-capture={camera}", "--use-fake-ui-for-media-stream"],
        )
        try:
            yield launched
        finally:
            launched.close()


def _code(stack: Stack) -> str:
    from kycgate.levels.messaging import read_outbox

    messages = [m for m in read_outbox(stack.outbox) if m["destination"] == PHONE]
    assert messages, "no code in the outbox"
    return messages[-1]["code"]


def _liveness_on_the_hosted_page(stack: Stack, browser: Any, uuid: str, shots: str) -> None:
    """The client opens the application's liveness link and takes a selfie with the (fake) camera."""
    from playwright.sync_api import expect

    link = attribute(get_application(stack.http, stack.tenant, uuid), "sumsub_liveness_check_url")["value"]
    assert link.startswith(f"{stack.base}/levels-liveness?token=")
    page = open_page(browser.new_context(**DESKTOP), link)
    take = page.page.get_by_role("button", name="Take selfie")
    expect(take).to_be_enabled()
    shot(page.page, f"levels-{shots}-camera")
    take.click()
    expect(page.page.get_by_role("heading", name="Liveness check passed")).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    shot(page.page, f"levels-{shots}-passed")
    assert_clean(page, stack.base)
    if shots == "1":
        assert_accessible(page.page, "levels liveness passed")


def test_the_levels_flow_from_level_info_to_approval_with_callbacks(stack: Stack, browser: Any) -> None:
    http, tenant = stack.http, stack.tenant
    document = copy.deepcopy(example_document())
    document["legal_entities"][0]["callback_url"] = stack.hooks.url
    setup = load_configuration(http, tenant, document)
    client_uuid = new_client(http, tenant, setup)

    # kyc-level-info -> create: the questionnaire of the entry level.
    info = level_info(http, tenant, setup, client_uuid)
    assert info["allowed_to_create_kyc_application"] and info["available_levels_for_upgrade"][0]["key"] == "basic"
    basic = open_application(http, tenant, setup, client_uuid, "basic")["kyc_application_uuid"]

    # Three PATCHes, the second one invalid and rejected whole.
    values = basic_values(setup)
    first = patch(http, tenant, basic, {"first_name": values["first_name"], "last_name": values["last_name"]})
    assert first.status_code == 200
    invalid = patch(
        http, tenant, basic, {"birth_date": "1961-13-04", "country_of_residence": "Germany", "first_name": "X"}
    )
    assert invalid.status_code == 422 and len(invalid.json()["errors"]) == 2
    assert attribute(get_application(http, tenant, basic), "first_name")["value"] == values["first_name"]
    rest = {k: values[k] for k in ("birth_date", "country_of_residence", "terms_of_service")}
    assert patch(http, tenant, basic, rest, **scope(setup, client_uuid)).status_code == 200
    assert send_to_review(http, tenant, basic).status_code == 200
    review = http.post(f"{LEVELS}/kyc/{basic}/review/", headers=tenant.headers, json={"status": "approved"})
    assert review.status_code == 200

    # Verified: upload the passport, the liveness check on kycgate's hosted page, an SMS code, review.
    assert [lv["key"] for lv in level_info(http, tenant, setup, client_uuid)["available_levels_for_upgrade"]] == [
        "verified"
    ]
    verified = open_application(http, tenant, setup, client_uuid, "verified")["kyc_application_uuid"]
    document_one = passport(http, tenant, setup, client_uuid, "obama_1.jpg")
    assert patch(http, tenant, verified, {"passport": document_one}).status_code == 200
    _liveness_on_the_hosted_page(stack, browser, verified, "1")
    assert request_code(http, tenant, setup, verified).status_code == 201
    sent = send_to_review(http, tenant, verified, sms_sign_code=_code(stack))
    assert sent.status_code == 200, sent.text

    # The reviewer sends it back with a note on the passport; the client corrects it and sends it again.
    note = {"attribute_key": "passport", "note": "The photo has glare on the data page; upload it again."}
    pending = http.post(
        f"{LEVELS}/kyc/{verified}/review", headers=tenant.headers, json={"status": "pending", "notes": [note]}
    )
    assert attribute(pending.json(), "passport")["note"] == note["note"]
    document_two = passport(http, tenant, setup, client_uuid, "obama_2.jpg")
    assert patch(http, tenant, verified, {"passport": document_two["document_uuid"]}).status_code == 200
    # A new portrait voids the liveness approval, so the selfie is taken again.
    assert attribute(get_application(http, tenant, verified), "sumsub_liveness_check_url")["status"] == "pending"
    _liveness_on_the_hosted_page(stack, browser, verified, "2")
    clock.travel(61)  # a new code for the same application at most every 60 s
    assert request_code(http, tenant, setup, verified).status_code == 201
    assert send_to_review(http, tenant, verified, sms_sign_code=_code(stack)).status_code == 200
    approved = http.post(f"{LEVELS}/kyc/{verified}/review", headers=tenant.headers, json={"status": "approved"})
    assert approved.json()["status"] == "approved"
    checked = attribute(approved.json(), "passport")["value"]["verification"]["kycgate"]
    assert checked["status"] == "approved" and checked["checks"]["face_match"] == "passed"

    # Enhanced: proof of funds, a signed declaration, send, rejected; a second application is refused.
    enhanced = open_application(http, tenant, setup, client_uuid, "enhanced")["kyc_application_uuid"]
    proof = make_document(
        http, tenant, setup, client_uuid, "proof_of_funds", ("statement.pdf", pdf_bytes(), "application/pdf")
    )
    assert request_code(http, tenant, setup, enhanced).status_code == 201
    signed = patch(
        http,
        tenant,
        enhanced,
        {
            "source_of_funds": "salary",
            "annual_income": 64000,
            "proof_of_funds": proof,
            "source_of_funds_declaration": True,
        },
        sms_sign_code=_code(stack),
    )
    assert signed.status_code == 200, signed.text
    clock.travel(61)
    assert request_code(http, tenant, setup, enhanced).status_code == 201
    assert send_to_review(http, tenant, enhanced, sms_sign_code=_code(stack)).status_code == 200
    rejected = http.post(
        f"{LEVELS}/kyc/{enhanced}/review",
        headers=tenant.headers,
        json={"status": "rejected", "comment": "Source of funds not evidenced"},
    )
    assert rejected.json()["status"] == "rejected"
    again = create_application(http, tenant, setup, client_uuid, "enhanced")
    assert again.status_code == 409 and "reapply_after_rejection: false" in again.json()["detail"]

    # Every transition was called back, signed: verified with the standardwebhooks library.
    from kycgate.local import drain_once

    with ThreadPoolExecutor(1) as worker:
        delivered = 0
        while (received := worker.submit(drain_once).result().received) > 0:
            delivered += received
    # Webhooks promise no order (retries reorder them): the payload's changed_at does.
    payloads = sorted(stack.hooks.verified(secret_of(http, tenant)), key=lambda p: p["changed_at"])
    assert delivered == len(payloads) == 8
    trail = [(p["kyc_application_uuid"], p["status"]) for p in payloads]
    assert trail == [
        (basic, "in_review"),
        (basic, "approved"),
        (verified, "in_review"),
        (verified, "pending"),
        (verified, "in_review"),
        (verified, "approved"),
        (enhanced, "in_review"),
        (enhanced, "rejected"),
    ]
    assert payloads[3]["notes"] == {"passport": note["note"]}
    assert level_info(http, tenant, setup, client_uuid)["current_kyc_level_uuid"] == setup.levels["verified"]
