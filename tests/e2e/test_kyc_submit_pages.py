"""The KYC document-capture page (/kyc-submit) in Debian's headless Chromium, end to end.

The app under uvicorn on 127.0.0.1 with this process's moto, the sface matcher, a real webhook receiver and
a real "tenant site". One browser for the module: its fake camera plays a file that each scenario rewrites
before the page opens the camera, as a customer points the phone at a document, then at their face (the page
opens the camera afresh for each photo, and Chromium reads the file then). Screenshots go to
tests/e2e/artifacts/ (git-ignored); docs/screenshots holds the README's copies.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FACES, make_tenant
from tests.e2e.browser_support import (
    DESKTOP,
    PHONE,
    RESULT_TIMEOUT_MS,
    Served,
    assert_accessible,
    assert_clean,
    camera_file,
    decode_qr,
    document_camera_file,
    drain_webhooks,
    launch_chromium,
    open_page,
    require_chromium,
    served_app,
    shot,
)
from tests.integration.documents_support import (
    KYC,
    ask_for_documents,
    id_card_back,
    id_card_front,
    kyc_request,
    open_link,
    passport_page,
    utility_bill,
)
from tests.integration.kyc_support import create_customer, verify
from tests.integration.reuse_support import set_preferences
from tests.integration.webhooks_support import secret_of

pytestmark = pytest.mark.e2e
ADDRESS = {"line1": "1 Specimen Street", "city": "Sampletown", "country": "US"}


class Camera:
    """What the phone's (fake) camera sees next."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def document(self, image: bytes) -> None:
        document_camera_file(image, self.path)

    def face(self, photo: str) -> None:
        camera_file(FACES / photo, self.path)


@dataclass
class World:
    served: Served
    simple: Any  # default preferences: one document and a selfie
    strict: Any  # proof of address and two documents required
    camera: Camera
    browser: Any


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    camera = Camera(tmp_path_factory.mktemp("camera") / "camera.y4m")
    camera.face("obama_3.jpg")
    with served_app() as served, sync_playwright() as playwright:
        simple, strict = make_tenant("E2E documents"), make_tenant("E2E strict documents")
        set_preferences(served.http, strict, is_address_verification_required=True, required_document_count=2)
        browser = launch_chromium(playwright, camera.path, "--use-fake-ui-for-media-stream")
        try:
            yield World(served, simple, strict, camera, browser)
        finally:
            browser.close()


def _take(phone: Any, slot_label: str, heading: str, screenshot: str | None = None) -> None:
    """Open the camera for a slot from the list, wait for the picture, take it, and wait for the list."""
    from playwright.sync_api import expect

    page = phone.page
    page.get_by_role("button", name=f"Take photo of {slot_label}").or_(
        page.get_by_role("button", name=f"Retake photo of {slot_label}")
    ).click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    shutter = page.get_by_role("button", name="Take photo", exact=True)
    expect(shutter).to_be_enabled()
    if screenshot:
        shot(page, screenshot)
    shutter.click()
    _done(phone, slot_label)


def _pick(phone: Any, slot_label: str, image: bytes, name: str = "photo.jpg") -> None:
    phone.page.get_by_label(f"Choose file for {slot_label}").set_input_files(
        {"name": name, "mimeType": "image/jpeg", "buffer": image}
    )
    _done(phone, slot_label)


def _done(phone: Any, slot_label: str) -> None:
    """The list is back, and the slot is filled."""
    from playwright.sync_api import expect

    slot = phone.page.locator(".slot", has=phone.page.get_by_role("heading", name=slot_label, exact=True))
    expect(slot.locator(".slot-state")).to_have_text("Done")


def _progress(phone: Any, done: int, of: int) -> None:
    from playwright.sync_api import expect

    expect(phone.page.locator("#progress-text")).to_have_text(f"{done} of {of} photos done")


# ---------------------------------------------------------------- scenarios


def test_passport_and_selfie_approved_the_desktop_follows_and_the_webhook_is_signed(
    world: World, capfd: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import expect

    served = world.served
    create_customer(served.http, world.simple, "passport-holder")
    link = open_link(
        served.http, world.simple, "passport-holder", callback_url=served.hooks.url, redirect_url=served.site.url
    )
    desktop = open_page(world.browser.new_context(**DESKTOP), link["link"])
    expect(desktop.page.locator("#phase-text")).to_have_text("Waiting for your phone…")
    assert decode_qr(desktop.page.locator(".qr-frame").screenshot()) == link["link"]
    expect(desktop.page.locator("#progress-list li")).to_have_count(2)
    shot(desktop.page, "kyc-desktop-1-waiting")
    assert_accessible(desktop.page, "kyc desktop waiting")

    phone = open_page(world.browser.new_context(**PHONE), link["link"])
    expect(phone.page.get_by_role("heading", name="Verify your identity")).to_be_visible()
    _progress(phone, 0, 2)
    shot(phone.page, "kyc-mobile-1-slots")
    assert_accessible(phone.page, "kyc mobile slots")
    expect(desktop.page.locator("#phase-text")).to_have_text("Phone connected. Take the photos on your phone.")

    world.camera.document(passport_page())
    _take(phone, "Passport photo page", "Photograph your passport photo page", "kyc-mobile-2-camera-document")
    assert_accessible(phone.page, "kyc mobile after a photo")
    _progress(phone, 1, 2)
    expect(desktop.page.locator("#phase-text")).to_have_text("1 of 2 photos received")
    expect(desktop.page.locator(".progress-done")).to_have_text(["✓Passport photo page: received"])
    shot(desktop.page, "kyc-desktop-2-progress")

    world.camera.face("obama_3.jpg")
    _take(phone, "Selfie", "Take a selfie", "kyc-mobile-3-camera-selfie")
    _progress(phone, 2, 2)
    expect(phone.page.get_by_role("img", name="Your photo: Selfie")).to_be_visible()
    shot(phone.page, "kyc-mobile-4-ready")
    expect(desktop.page.locator("#phase-text")).to_have_text("All photos received. Submit them on your phone.")

    phone.page.get_by_role("button", name="Submit", exact=True).click()
    expect(phone.page.get_by_role("heading", name="You're verified")).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    shot(phone.page, "kyc-mobile-5-approved")
    assert_accessible(phone.page, "kyc mobile approved")
    expect(desktop.page.get_by_role("heading", name="You're verified")).to_be_visible()
    expect(desktop.page.get_by_role("link", name="Continue")).to_have_attribute("href", served.site.url)
    shot(desktop.page, "kyc-desktop-3-approved")

    # The phone goes back to the tenant's site, without the token in a Referer.
    phone.page.wait_for_url(served.site.url)
    arrival = [headers for path, headers in served.site.requests if path == "/welcome-back"][-1]
    assert "referer" not in arrival
    assert_clean(phone, served.base, redirect_url=served.site.url)
    assert_clean(desktop, served.base)

    assert drain_webhooks() == 1
    (payload,) = served.hooks.verified(secret_of(served.http, world.simple))
    assert (payload["kyc_id"], payload["status"], payload["risk_level"]) == (link["kyc_id"], "approved", "low")
    assert [p["proof_type"] for p in payload["proofs"]] == ["document_front", "selfie"]
    output = capfd.readouterr()
    assert link["token"] not in output.out + output.err, "a capability token reached the logs"


def test_a_two_sided_id_fills_six_slots_with_camera_file_and_retake(world: World) -> None:
    from playwright.sync_api import expect

    served = world.served
    served.hooks.requests.clear()
    create_customer(served.http, world.strict, "card-holder", address=ADDRESS)
    link = open_link(
        served.http,
        world.strict,
        "card-holder",
        document_type="national_id",
        document_two_type="driving_license",
        callback_url=served.hooks.url,
    )
    assert len(link["required_slots"]) == 6
    phone = open_page(world.browser.new_context(**PHONE), link["link"])
    _progress(phone, 0, 6)
    for label, heading, image in (
        ("ID card (front)", "Photograph the front of your ID card", id_card_front()),
        ("ID card (back)", "Photograph the back of your ID card", id_card_back()),
        (
            "Driving licence (front)",
            "Photograph the front of your driving licence",
            id_card_front("obama_2.jpg", "DRIVING LICENCE"),
        ),
        ("Driving licence (back)", "Photograph the back of your driving licence", id_card_back()),
    ):
        world.camera.document(image)
        _take(phone, label, heading)
    _pick(phone, "Proof of address", utility_bill(), "bill.jpg")  # chosen from the phone's photos
    _progress(phone, 5, 6)
    world.camera.face("biden_1.jpg")  # someone else took the first selfie ...
    _take(phone, "Selfie", "Take a selfie")
    world.camera.face("obama_3.jpg")  # ... so it is retaken
    _take(phone, "Selfie", "Take a selfie")
    _progress(phone, 6, 6)
    expect(phone.page.locator(".slot-filled")).to_have_count(6)
    shot(phone.page, "kyc-mobile-6-six-slots")
    session = served.http.get(f"{KYC}/session/{link['token']}").json()
    assert [slot for slot, value in session.items() if value == "filled"] == link["required_slots"]

    phone.page.get_by_role("button", name="Submit", exact=True).click()
    expect(phone.page.get_by_role("heading", name="You're verified")).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    assert_clean(phone, served.base)
    request = kyc_request(served.http, world.strict, link["kyc_id"])
    assert (request["status"], len(request["proofs"])) == ("approved", 6)
    assert drain_webhooks() == 1
    (payload,) = served.hooks.verified(secret_of(served.http, world.strict))
    assert (payload["kyc_id"], payload["status"]) == (link["kyc_id"], "approved")


def test_a_missing_slot_is_named_and_nothing_is_decided(world: World) -> None:
    from playwright.sync_api import expect

    served = world.served
    create_customer(served.http, world.simple, "half-done")
    link = open_link(served.http, world.simple, "half-done", document_type="national_id")
    phone = open_page(world.browser.new_context(**PHONE), link["link"])
    _pick(phone, "ID card (front)", id_card_front())
    _progress(phone, 1, 3)
    phone.page.get_by_role("button", name="Submit", exact=True).click()
    alert = phone.page.get_by_role("alert")
    expect(alert).to_have_text("Still needed: ID card (back) and Selfie.")
    expect(phone.page.locator(".slot-missing .slot-state")).to_have_text(["Still needed", "Still needed"])
    shot(phone.page, "kyc-mobile-7-missing-slot")
    assert_accessible(phone.page, "kyc mobile missing slot")
    assert_clean(phone, served.base)
    assert kyc_request(served.http, world.simple, link["kyc_id"])["status"] == "pending_submission"


def test_additional_documents_land_on_the_same_request(world: World) -> None:
    from playwright.sync_api import expect

    served = world.served
    create_customer(served.http, world.simple, "asked-again")
    decided = verify(served.http, world.simple, "asked-again").json()
    assert decided["status"] == "approved"
    message = "Your address changed: please send a utility bill from the last three months."
    link = ask_for_documents(served.http, world.simple, decided["kyc_id"], "proof_of_address", message=message).json()
    phone = open_page(world.browser.new_context(**PHONE), link["link"])
    expect(phone.page.get_by_role("heading", name="Send the documents we asked for")).to_be_visible()
    expect(phone.page.locator("#tenant-message-text")).to_have_text(message)
    shot(phone.page, "kyc-mobile-8-additional-documents")
    assert_accessible(phone.page, "kyc mobile additional documents")
    world.camera.document(utility_bill())
    _take(phone, "Proof of address", "Photograph your proof of address")
    phone.page.get_by_role("button", name="Send documents").click()
    expect(phone.page.get_by_role("heading", name="Documents received")).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    shot(phone.page, "kyc-mobile-9-documents-received")
    assert_clean(phone, served.base)
    request = kyc_request(served.http, world.simple, decided["kyc_id"])
    assert request["status"] == "in_review"
    assert [d["document_type"] for d in request["submitted_documents"]] == ["proof_of_address"]


def test_expired_and_unknown_links_say_so(world: World) -> None:
    from playwright.sync_api import expect

    from kycgate.core import clock

    served = world.served
    create_customer(served.http, world.simple, "too-late")
    link = open_link(served.http, world.simple, "too-late")
    unknown = open_page(world.browser.new_context(**PHONE), link["link"].replace(link["token"], "x" * 43))
    expect(unknown.page.get_by_role("heading", name="This link doesn't work")).to_be_visible()
    clock.travel(16 * 60)
    try:
        phone = open_page(world.browser.new_context(**PHONE), link["link"])
        expect(phone.page.get_by_role("heading", name="This link has expired")).to_be_visible()
        shot(phone.page, "kyc-mobile-10-expired")
        desktop = open_page(world.browser.new_context(**DESKTOP), link["link"])
        expect(desktop.page.get_by_role("heading", name="This check has expired")).to_be_visible()
    finally:
        clock.reset()
    for watched in (unknown, phone, desktop):
        assert_clean(watched, served.base)
    assert kyc_request(served.http, world.simple, link["kyc_id"])["status"] == "pending_submission"
