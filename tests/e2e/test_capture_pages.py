"""The hosted capture pages in Debian's headless Chromium, end to end.

Real parts only: the whole app under uvicorn on 127.0.0.1 (in this process, so it sees this process's moto
built from template.yaml), the sface matcher, a front camera faked by Chromium from a real photo, a real
webhook receiver and a real "tenant site" for the redirect. Screenshots of every page state go to
tests/e2e/artifacts/ (git-ignored) for a reviewer to look at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import FACES, make_tenant
from tests.e2e.browser_support import (
    DESKTOP,
    PHONE,
    RESULT_TIMEOUT_MS,
    Site,
    assert_accessible,
    assert_clean,
    camera_file,
    decode_qr,
    drain_webhooks,
    launch_chromium,
    open_page,
    require_chromium,
    served_app,
    shot,
)
from tests.integration.reuse_support import enable, kyc_customer, open_session
from tests.integration.webhooks_support import Receiver, secret_of

pytestmark = pytest.mark.e2e


# ---------------------------------------------------------------- fixtures


@dataclass
class Stack:
    base: str
    http: httpx.Client
    tenant: Any
    hooks: Receiver
    site: Site


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with served_app() as served:
        tenant = make_tenant("E2E tenant")
        kyc_customer(served.http, tenant)  # "obama": passport obama_1.jpg, selfie obama_2.jpg, approved
        enable(served.http, tenant, max_retry_attempts=2)
        yield Stack(served.base, served.http, tenant, served.hooks, served.site)


@pytest.fixture(scope="module")
def browsers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    cameras = tmp_path_factory.mktemp("camera")
    with sync_playwright() as playwright:

        def launch(photo: str, *extra: str) -> Any:
            return launch_chromium(playwright, camera_file(FACES / photo, cameras / f"{Path(photo).stem}.y4m"), *extra)

        # The obama browser answers the camera prompt by itself (--use-fake-ui-for-media-stream); the biden
        # browser leaves it to each context's permissions, so that one context can be refused the camera.
        opened = {"obama": launch("obama_3.jpg", "--use-fake-ui-for-media-stream"), "biden": launch("biden_1.jpg")}
        try:
            yield opened
        finally:
            for browser in opened.values():
                browser.close()


# ---------------------------------------------------------------- scenarios


def test_same_person_is_approved_the_desktop_follows_and_the_tenant_gets_the_webhook(
    stack: Stack, browsers: dict[str, Any], capfd: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import expect

    session = open_session(
        stack.http, stack.tenant, "e2e-approve", callback_url=stack.hooks.url, redirect_url=stack.site.url
    )
    token = session["token"]
    desktop = open_page(browsers["obama"].new_context(**DESKTOP), f"{stack.base}/reuse-kyc?token={token}")
    expect(desktop.page.locator("#phase-text")).to_have_text("Waiting for your phone…")
    shot(desktop.page, "desktop-1-waiting")
    # The QR code on screen is the session's link: decode the pixels the customer would scan.
    assert decode_qr(desktop.page.locator(".qr-frame").screenshot()) == session["link"]

    phone = open_page(browsers["obama"].new_context(**PHONE), session["link"])
    expect(phone.page.get_by_role("button", name="Take selfie")).to_be_enabled()
    shot(phone.page, "mobile-1-camera")
    expect(desktop.page.locator("#phase-text")).to_have_text("Phone connected. Take your selfie on your phone.")
    shot(desktop.page, "desktop-2-phone-connected")

    with HeldSubmit(phone.page) as release:
        phone.page.get_by_role("button", name="Take selfie").click()
        expect(phone.page.get_by_role("heading", name="Checking your selfie")).to_be_visible()
        shot(phone.page, "mobile-2-checking")
        release()
    expect(phone.page.get_by_role("heading", name="You're verified")).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    expect(phone.page.locator("#redirecting")).to_be_visible()
    shot(phone.page, "mobile-3-approved")
    expect(desktop.page.get_by_role("heading", name="You're verified")).to_be_visible()
    expect(desktop.page.get_by_role("link", name="Continue")).to_have_attribute("href", stack.site.url)
    shot(desktop.page, "desktop-3-approved")
    assert_accessible(desktop.page, "desktop approved")

    # The phone follows redirect_url, and the token in its URL does not travel along as a Referer.
    phone.page.wait_for_url(stack.site.url)
    arrival = next(headers for path, headers in stack.site.requests if path == "/welcome-back")
    assert "referer" not in arrival, arrival["referer"]
    assert_clean(phone, stack.base, redirect_url=stack.site.url)
    assert_clean(desktop, stack.base)

    # The tenant's receiver gets the signed ReuseKycCallback (webhook worker, run as SQS would run it). In
    # a thread of its own: the worker runs its own event loop and Playwright's is running in this one.
    assert drain_webhooks() == 1
    (payload,) = stack.hooks.verified(secret_of(stack.http, stack.tenant))
    assert (payload["event"], payload["reference"], payload["status"]) == ("reuse_kyc", "e2e-approve", "approved")

    again = open_page(browsers["obama"].new_context(**PHONE), session["link"])
    expect(again.page.get_by_role("heading", name="Already completed")).to_be_visible()
    shot(again.page, "mobile-4-already-completed")

    output = capfd.readouterr()
    assert token not in output.out + output.err, "a capability token reached the logs"


def test_another_person_is_declined_with_retries_then_runs_out(stack: Stack, browsers: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    session = open_session(stack.http, stack.tenant, "e2e-decline")
    desktop = open_page(browsers["obama"].new_context(**DESKTOP), f"{stack.base}/reuse-kyc?token={session['token']}")
    phone = open_page(browsers["biden"].new_context(**PHONE, permissions=["camera"]), session["link"])
    take_selfie = phone.page.get_by_role("button", name="Take selfie")
    heading = phone.page.get_by_role("heading", name="We couldn't confirm it's you")
    for remaining in (2, 1):
        expect(take_selfie).to_be_enabled()
        take_selfie.click()
        expect(heading).to_be_visible(timeout=RESULT_TIMEOUT_MS)
        expect(phone.page.locator("#declined-reason")).to_contain_text("didn't match the photo")
        left = f"{remaining} attempt{'s' if remaining > 1 else ''} left"
        expect(phone.page.locator("#retries-left")).to_have_text(left)
        expect(desktop.page.locator("#phase-text")).to_contain_text(f"That selfie didn't match. {left}")
        if remaining == 2:
            shot(phone.page, "mobile-5-declined-retries-left")
            shot(desktop.page, "desktop-4-declined-retries-left")
            assert_accessible(phone.page, "mobile declined")
        phone.page.get_by_role("button", name="Try again").click()
        expect(phone.page.locator("#attempts-left")).to_have_text(left)

    take_selfie.click()
    expect(phone.page.get_by_role("heading", name="No attempts left")).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    shot(phone.page, "mobile-6-no-attempts-left")
    expect(desktop.page.get_by_role("heading", name="No attempts left")).to_be_visible()
    shot(desktop.page, "desktop-5-no-attempts-left")
    assert_clean(phone, stack.base)
    assert_clean(desktop, stack.base)
    status = stack.http.get(f"/api/v1/kyc/reuse/sessions/{session['reference']}", headers=stack.tenant.headers)
    assert status.json()["data"]["retry_limit_exceeded"] is True


def test_pages_are_accessible(stack: Stack, browsers: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    session = open_session(stack.http, stack.tenant, "e2e-a11y")
    desktop = open_page(browsers["obama"].new_context(**DESKTOP), f"{stack.base}/reuse-kyc?token={session['token']}")
    expect(desktop.page.locator("#phase-text")).to_have_text("Waiting for your phone…")
    assert_accessible(desktop.page, "desktop waiting")
    phone = open_page(browsers["obama"].new_context(**PHONE), session["link"])
    expect(phone.page.get_by_role("button", name="Take selfie")).to_be_enabled()
    assert_accessible(phone.page, "mobile camera")
    # Keyboard only: Tab reaches the capture button and Enter presses it.
    phone.page.keyboard.press("Tab")
    expect(phone.page.get_by_role("button", name="Take selfie")).to_be_focused()


def test_pages_say_clearly_what_is_wrong(stack: Stack, browsers: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    from kycgate.core import clock

    session = open_session(stack.http, stack.tenant, "e2e-problems")
    link = session["link"]

    # No camera permission.
    refused = open_page(browsers["biden"].new_context(**PHONE), link)
    expect(refused.page.get_by_role("heading", name="We can't use your camera")).to_be_visible()
    expect(refused.page.locator("#camera-problem")).to_contain_text("Camera access is blocked")
    shot(refused.page, "mobile-7-no-camera-permission")
    assert_accessible(refused.page, "mobile no camera")

    # A desktop browser on the phone's link is told to scan the QR code (the submit route's UA rule).
    desktop = open_page(browsers["obama"].new_context(**DESKTOP), link)
    expect(desktop.page.get_by_text("Face capture must be completed on a mobile device")).to_be_visible()
    shot(desktop.page, "desktop-6-phone-link-opened-on-desktop")
    assert decode_qr(desktop.page.locator(".qr-frame").screenshot()) == link

    # A link to no session, and a link with no token at all.
    unknown = link.replace(session["token"], "x" * 43)
    invalid = open_page(browsers["obama"].new_context(**PHONE), unknown)
    expect(invalid.page.get_by_role("heading", name="This link doesn't work")).to_be_visible()
    shot(invalid.page, "mobile-8-unknown-link")
    broken = open_page(browsers["obama"].new_context(**PHONE), f"{stack.base}/reuse-kyc-submit")
    expect(broken.page.get_by_role("heading", name="This link is not complete")).to_be_visible()
    shot(broken.page, "mobile-9-incomplete-link")

    # Past the token's 10 minutes, on both pages.
    clock.travel(11 * 60)
    try:
        expired = open_page(browsers["obama"].new_context(**PHONE), link)
        expect(expired.page.get_by_role("heading", name="This link has expired")).to_be_visible()
        shot(expired.page, "mobile-10-expired")
        late = open_page(browsers["obama"].new_context(**DESKTOP), f"{stack.base}/reuse-kyc?token={session['token']}")
        expect(late.page.get_by_role("heading", name="This check has expired")).to_be_visible()
        shot(late.page, "desktop-7-expired")
    finally:
        clock.reset()
    for watched in (refused, desktop, invalid, expired, late):
        assert_clean(watched, stack.base)


# ---------------------------------------------------------------- helpers


class HeldSubmit:
    """Hold the phone's submit request until release(), so the transient "checking" state can be seen."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.routes: list[Any] = []

    def __enter__(self) -> Callable[[], None]:
        self.page.route("**/api/v1/kyc/reuse/sessions/submit", lambda route: self.routes.append(route))
        return self._release

    def _release(self) -> None:
        for _ in range(250):  # Playwright delivers the route event while the page waits, not while we sleep
            if self.routes:
                self.routes.pop().continue_()
                return
            self.page.wait_for_timeout(20)
        raise AssertionError("the submit request never left the page")

    def __exit__(self, *exc: object) -> None:
        self.page.unroute("**/api/v1/kyc/reuse/sessions/submit")
