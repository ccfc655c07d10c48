"""What the browser tests share: Debian's headless Chromium with a fake camera, the app under uvicorn
with a webhook receiver and a "tenant site", page watchers, QR decoding, screenshots and axe-core."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from tests.conftest import moto_stack
from tests.integration.reuse_support import ANDROID, WINDOWS
from tests.integration.webhooks_support import Receiver, receiver

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


@dataclass
class Site:
    """The tenant's own site, where redirect_url points: records each request's headers."""

    url: str
    requests: list[tuple[str, dict[str, str]]]  # (path, headers)


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
    _write_y4m(cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA), path)
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

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@dataclass
class Served:
    """The whole app on 127.0.0.1 (this process's moto), BASE_URL_FRONTEND at it, loopback callbacks allowed."""

    base: str
    http: httpx.Client
    hooks: Receiver
    site: Site


@contextmanager
def served_app() -> Iterator[Served]:
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
                yield Served(base, http, hooks, site)
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def require_chromium() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("/usr/bin/chromium is missing: .ci/run installs Debian's chromium and chromium-driver")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium chromium-driver)")
    ARTIFACTS.mkdir(exist_ok=True)


def launch_chromium(playwright: Any, camera: Path, *extra: str) -> Any:
    """Chromium whose fake camera plays ``camera`` (a Y4M file, read again each time a page opens it)."""
    # Playwright gives every launch a fresh temporary profile (it refuses --user-data-dir).
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=[*FLAGS, f"--use-file-for-fake-video-capture={camera}", *extra]
    )


def drain_webhooks() -> int:
    """Run the webhook worker once, as SQS would, in a thread of its own (it runs its own event loop and
    Playwright's runs in the test's); the number of messages it took."""
    from concurrent.futures import ThreadPoolExecutor

    from kycgate.local import drain_once

    with ThreadPoolExecutor(1) as worker:
        return worker.submit(drain_once).result().received


def document_camera_file(document: bytes, path: Path, width: int = 1280, height: int = 960) -> Path:
    """A Y4M video of a document lying on a table, filling most of a rear camera's landscape frame."""
    image = cv2.imdecode(np.frombuffer(document, np.uint8), cv2.IMREAD_COLOR)
    frame = np.full((height, width, 3), (58, 66, 84), np.uint8)  # a dark desk (BGR)
    scale = min(0.86 * width / image.shape[1], 0.86 * height / image.shape[0])
    doc = cv2.resize(image, (int(image.shape[1] * scale), int(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    top, left = (height - doc.shape[0]) // 2, (width - doc.shape[1]) // 2
    frame[top : top + doc.shape[0], left : left + doc.shape[1]] = doc
    _write_y4m(frame, path)
    return path


def _write_y4m(frame: Any, path: Path) -> None:
    height, width = frame.shape[:2]
    yuv = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
    # Written beside and renamed over: Chromium reads the file whenever a page opens the camera.
    temporary = path.with_suffix(".tmp")
    with temporary.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        out.write(b"FRAME\n" + yuv.tobytes())
    temporary.replace(path)
