"""The hosted capture pages in Debian's headless Chromium, end to end.

Real parts only: the whole app under uvicorn on 127.0.0.1 (in this process, so it sees this process's moto
built from template.yaml), the sface matcher, a front camera faked by Chromium from a real photo, a real
webhook receiver and a real "tenant site" for the redirect. Screenshots of every page state go to
tests/e2e/artifacts/ (git-ignored) for a reviewer to look at.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from tests.conftest import FACES, make_tenant, moto_stack
from tests.integration.reuse_support import ANDROID, WINDOWS, enable, kyc_customer, open_session
from tests.integration.webhooks_support import Receiver, receiver, secret_of

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
# The flags. The fake camera file is per browser, so each face gets its own browser.
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
]
RESULT_TIMEOUT_MS = 20_000  # the first submit loads the face models
PHONE = {
    "user_agent": ANDROID,
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"user_agent": WINDOWS, "viewport": {"width": 1200, "height": 760}}


# ---------------------------------------------------------------- fixtures


@dataclass
class Site:
    """The tenant's own site, where redirect_url points: records each request's headers."""

    url: str
    requests: list[tuple[str, dict[str, str]]]  # (path, headers)


@dataclass
class Stack:
    base: str
    http: httpx.Client
    tenant: Any
    hooks: Receiver
    site: Site


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    import uvicorn

    from kycgate.app import create_app
    from kycgate.core.settings import get_settings

    with pytest.MonkeyPatch.context() as patch, moto_stack(patch), receiver() as hooks, tenant_site() as site:
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        patch.setenv("BASE_URL_FRONTEND", base)
        patch.setenv("KYCGATE_ALLOW_LOOPBACK_CALLBACKS", "true")
        get_settings.cache_clear()
        # No access log: the pages' URLs carry the token.
        server = uvicorn.Server(
            uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            with httpx.Client(base_url=base, timeout=60) as http:
                _wait_until(lambda: server.started)
                tenant = make_tenant("E2E tenant")
                kyc_customer(http, tenant)  # "obama": passport obama_1.jpg, selfie obama_2.jpg, approved
                enable(http, tenant, max_retry_attempts=2)
                yield Stack(base, http, tenant, hooks, site)
        finally:
            server.should_exit = True
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def browsers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("/usr/bin/chromium is missing: .ci/run installs Debian's chromium and chromium-driver")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    cameras = tmp_path_factory.mktemp("camera")
    with sync_playwright() as playwright:

        def launch(photo: str, *extra: str) -> Any:
            camera = camera_file(FACES / photo, cameras / f"{Path(photo).stem}.y4m")
            # Playwright gives every launch a fresh temporary profile (it refuses --user-data-dir).
            return playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=[*FLAGS, f"--use-file-for-fake-video-capture={camera}", *extra]
            )

        # The obama browser answers the camera prompt by itself (--use-fake-ui-for-media-stream); the biden
        # browser leaves it to each context's permissions, so that one context can be refused the camera.
        opened = {"obama": launch("obama_3.jpg", "--use-fake-ui-for-media-stream"), "biden": launch("biden_1.jpg")}
        try:
            yield opened
        finally:
            for browser in opened.values():
                browser.close()


@dataclass
class Watched:
    """A page with what it did: console errors (CSP violations among them) and every URL it requested."""

    page: Any
    errors: list[str]
    urls: list[str]


def open_page(context: Any, url: str) -> Watched:
    page = context.new_page()
    watched = Watched(page, [], [])
    page.on("console", lambda message: message.type == "error" and watched.errors.append(message.text))
    page.on("request", lambda request: watched.urls.append(request.url))
    page.set_default_timeout(10_000)
    page.goto(url)
    return watched


def assert_clean(watched: Watched, base: str, redirect_url: str | None = None) -> None:
    """No CSP violation or script error, and no request left kycgate (no CDN, no third party) other
    than the navigation to the tenant's redirect_url."""
    # Expected 4xx answers (unknown or expired token) are logged as "Failed to load resource"; a CSP
    # violation would be "Refused to ...".
    assert not [e for e in watched.errors if not e.startswith("Failed to load resource")], watched.errors
    foreign = [u for u in watched.urls if not u.startswith((f"{base}/", "data:", "blob:")) and u != redirect_url]
    assert not foreign, foreign


# ---------------------------------------------------------------- scenarios


def test_same_person_is_approved_the_desktop_follows_and_the_tenant_gets_the_webhook(
    stack: Stack, browsers: dict[str, Any], capfd: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import expect

    from kycgate.local import drain_once

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
    with ThreadPoolExecutor(1) as worker:
        assert worker.submit(drain_once).result().received == 1
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


def camera_file(photo: Path, path: Path, width: int = 720, height: int = 960) -> Path:
    """A Y4M video of the photo framed like a selfie (head and shoulders, portrait), for Chromium's fake camera."""
    image = cv2.imread(str(photo))
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    faces = cascade.detectMultiScale(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), 1.1, 5, minSize=(60, 60))
    x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
    rows, cols = image.shape[:2]
    crop_w = min(2.2 * w, cols, rows * width / height)
    crop_h = crop_w * height / width
    cx = min(max(x + w / 2, crop_w / 2), cols - crop_w / 2)
    cy = min(max(y + h * 0.6, crop_h / 2), rows - crop_h / 2)
    crop = image[int(cy - crop_h / 2) : int(cy + crop_h / 2), int(cx - crop_w / 2) : int(cx + crop_w / 2)]
    frame = cv2.cvtColor(cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2YUV_I420)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        out.write(b"FRAME\n" + frame.tobytes())
    return path


def decode_qr(png: bytes) -> str:
    """What a phone would read from the screen. OpenCV's Aruco-based detector reads every code the pages
    render (checked on hundreds of random links); the classic one misses about one in ten, so it is the
    fallback."""
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    for detector in (cv2.QRCodeDetectorAruco(), cv2.QRCodeDetector()):
        text, _, _ = detector.detectAndDecode(image)
        if text:
            return text
    return ""


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_accessible(page: Any, where: str) -> None:
    """axe-core (bundled by axe-playwright-python) finds no violation at all, of any impact."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    assert not violations, f"{where}: {[(v['id'], v['impact'], len(v['nodes'])) for v in violations]}"


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


@contextmanager
def tenant_site() -> Iterator[Site]:
    requests: list[tuple[str, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            body = b"<!doctype html><title>Welcome back</title><h1>Welcome back</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_address[1]}/welcome-back", requests)
    finally:
        server.shutdown()
        server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
