"""The hosted capture pages over HTTP (no browser): which page a device gets, security headers, the QR
link, assets and their caching, the token status route the pages poll, and tokens kept out of logs.
The browser side is tests/e2e/test_capture_pages.py."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest

from kycgate.core import clock
from kycgate.pages.api import CONTENT_SECURITY_POLICY
from tests.conftest import load_event, load_function, make_tenant
from tests.integration.reuse_support import (
    ANDROID,
    IPHONE,
    MAC,
    SAMPLE_TOKEN,
    WINDOWS,
    enable,
    kyc_customer,
    open_session,
    seed_sample_reuse_session,
    submit,
)

BASE = "http://kyc.example.test"
BY_TOKEN = "/api/v1/kyc/reuse/session-status"


@pytest.fixture
def pages(client: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from kycgate.core.settings import get_settings

    monkeypatch.setenv("BASE_URL_FRONTEND", BASE)
    get_settings.cache_clear()
    return client


class _Markup(HTMLParser):
    """Scripts, inline handlers and styles, hidden elements and data-page of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline: list[str] = []
        self.page = ""
        self.notice_hidden: bool | None = None
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script":
            self.scripts.append(named)
            self._in_script = True
        if tag == "style" or "style" in named or any(name.startswith("on") for name in named):
            self.inline.append(f"<{tag} {named}>")
        if tag == "body":
            self.page = named.get("data-page") or ""
        if "notice" in (named.get("class") or "").split():
            self.notice_hidden = "hidden" in named

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(f"<script>{data[:40]}")


def markup(html: str) -> _Markup:
    parser = _Markup()
    parser.feed(html)
    return parser


def page(client: Any, path: str, token: str | None = "t" * 43, user_agent: str = IPHONE) -> Any:
    query = "" if token is None else f"?token={quote(token)}"
    return client.get(f"{path}{query}", headers={"User-Agent": user_agent})


# ---------------------------------------------------------------- which page


@pytest.mark.parametrize("user_agent", [IPHONE, ANDROID])
def test_a_phone_gets_the_capture_page(pages: Any, user_agent: str) -> None:
    response = page(pages, "/reuse-kyc-submit", user_agent=user_agent)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert markup(response.text).page == "capture"
    assert 'id="preview"' in response.text and "Take selfie" in response.text


@pytest.mark.parametrize("user_agent", [MAC, WINDOWS, "curl/8.5.0", ""])
def test_a_desktop_on_the_phone_link_is_told_to_scan_the_qr_code(pages: Any, user_agent: str) -> None:
    response = page(pages, "/reuse-kyc-submit", user_agent=user_agent)
    assert response.status_code == 200
    parsed = markup(response.text)
    assert (parsed.page, parsed.notice_hidden) == ("handoff", False)
    assert "Face capture must be completed on a mobile device" in response.text
    assert 'class="qr-code"' in response.text


@pytest.mark.parametrize(
    ("user_agent", "kind"),
    [
        (IPHONE, "kyc-capture"),
        (ANDROID, "kyc-capture"),
        (MAC, "kyc-handoff"),
        (WINDOWS, "kyc-handoff"),
        ("", "kyc-handoff"),
    ],
)
def test_the_kyc_page_is_the_camera_on_a_phone_and_the_qr_code_on_a_desktop(
    pages: Any, tenant_a: Any, user_agent: str, kind: str
) -> None:
    from tests.integration.documents_support import open_link
    from tests.integration.kyc_support import create_customer

    create_customer(pages, tenant_a, "obama")
    link = open_link(pages, tenant_a)
    assert link["link"] == f"{BASE}/kyc-submit?token={link['token']}"
    response = page(pages, "/kyc-submit", link["token"], user_agent=user_agent)
    assert response.status_code == 200
    assert markup(response.text).page == kind
    if kind == "kyc-capture":
        assert 'id="preview"' in response.text and 'id="slot-list"' in response.text
        assert 'class="qr-code"' not in response.text
    else:
        assert f'<p class="link-text">{link["link"]}</p>' in response.text  # the very link the QR code encodes
        assert 'id="progress-list"' in response.text


def test_the_desktop_page_shows_the_session_link_as_a_qr_code(pages: Any, tenant_a: Any) -> None:
    kyc_customer(pages, tenant_a)
    enable(pages, tenant_a)
    session = open_session(pages, tenant_a)
    response = page(pages, "/reuse-kyc", session["token"], user_agent=MAC)
    assert response.status_code == 200
    parsed = markup(response.text)
    assert (parsed.page, parsed.notice_hidden) == ("handoff", True)
    assert session["link"] == f"{BASE}/reuse-kyc-submit?token={session['token']}"
    # The "can't scan" fallback prints the very link the QR code encodes (decoded in the e2e test).
    assert f'<p class="link-text">{session["link"]}</p>' in response.text
    size = re.search(r'<svg width="(\d+)" height="\1" viewBox="0 0 (\d+) \2" class="qr-code">', response.text)
    assert size and int(size[1]) % int(size[2]) == 0, "whole pixels per module"


def test_without_base_url_the_qr_link_is_beside_the_page_under_the_api_stage(
    aws: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kycgate.core.settings import get_settings

    monkeypatch.setenv("BASE_URL_FRONTEND", "")
    get_settings.cache_clear()
    response = load_function("reuse_kyc_page")(load_event("reuse_kyc_page"), lambda_context)
    assert response["statusCode"] == 200
    link = f"https://abc123.execute-api.us-east-1.amazonaws.com/live/reuse-kyc-submit?token={SAMPLE_TOKEN}"
    assert f'<p class="link-text">{link}</p>' in response["body"]


@pytest.mark.parametrize("path", ["/reuse-kyc-submit", "/reuse-kyc", "/kyc-submit"])
@pytest.mark.parametrize("token", [None, "", "short", "a" * 129, "<script>alert(1)</script>" + "a" * 20, "a b" * 10])
def test_a_damaged_link_gets_a_clear_page_and_nothing_is_reflected(pages: Any, path: str, token: str | None) -> None:
    response = page(pages, path, token)
    assert response.status_code == 400
    assert "This link is not complete" in response.text
    assert 'class="qr-code"' not in response.text and "alert(1)" not in response.text
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


# ---------------------------------------------------------------- security headers and markup


PAGE_SCRIPTS = {
    "/reuse-kyc-submit": ["pages.js"],
    "/reuse-kyc": ["pages.js"],
    "/kyc-submit": ["pages.js", "kyc-submit.js"],
}


@pytest.mark.parametrize(
    ("path", "user_agent"),
    [("/reuse-kyc-submit", IPHONE), ("/reuse-kyc", MAC), ("/kyc-submit", ANDROID), ("/kyc-submit", WINDOWS)],
)
def test_pages_send_security_headers_and_hold_no_inline_script_or_style(pages: Any, path: str, user_agent: str) -> None:
    response = page(pages, path, user_agent=user_agent)
    headers = response.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
    ):
        assert directive in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    parsed = markup(response.text)
    assert parsed.inline == []
    # kycgate's own scripts only, linked relatively so the page works under an API Gateway stage.
    assert [s["src"] for s in parsed.scripts] == [f"assets/{n}?v={_version(pages, n)}" for n in PAGE_SCRIPTS[path]]
    assert all("defer" in s for s in parsed.scripts)
    assert "http" not in re.sub(r'<p class="link-text">[^<]*</p>', "", response.text)  # no third-party URL


# ---------------------------------------------------------------- assets


def _version(client: Any, name: str) -> str:
    return client.get(f"/assets/{name}").headers["etag"].strip('"')


@pytest.mark.parametrize(
    ("name", "media_type"),
    [("pages.js", "text/javascript"), ("kyc-submit.js", "text/javascript"), ("pages.css", "text/css")],
)
def test_assets_are_cached_by_content_hash(pages: Any, name: str, media_type: str) -> None:
    plain = pages.get(f"/assets/{name}")
    assert plain.status_code == 200
    assert plain.headers["content-type"].startswith(media_type)
    assert plain.headers["cache-control"] == "no-cache"
    assert plain.headers["x-content-type-options"] == "nosniff"
    version = plain.headers["etag"].strip('"')
    versioned = pages.get(f"/assets/{name}?v={version}")
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert versioned.content == plain.content
    stale = pages.get(f"/assets/{name}?v=0123456789abcdef")
    assert stale.headers["cache-control"] == "no-cache"
    revalidated = pages.get(f"/assets/{name}", headers={"If-None-Match": plain.headers["etag"]})
    assert (revalidated.status_code, revalidated.content) == (304, b"")


@pytest.mark.parametrize("name", ["service.py", "..%2Fservice.py", "%2E%2E%2Fapi.py", "capture.html", "PAGES.JS"])
def test_only_the_pages_assets_are_served(pages: Any, name: str) -> None:
    response = pages.get(f"/assets/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "import" not in response.text


def test_pages_stay_out_of_the_openapi_document_but_keep_operation_ids(pages: Any) -> None:
    from fastapi.routing import APIRoute

    paths = pages.get("/openapi.json").json()["paths"]
    assert not {"/reuse-kyc-submit", "/reuse-kyc", "/kyc-submit", "/assets/{name}"} & set(paths)
    assert f"{BY_TOKEN}/{{token}}" in paths
    operations = {r.operation_id for r in pages.app.routes if isinstance(r, APIRoute)}
    assert {"reuse_kyc_submit_page", "reuse_kyc_page", "kyc_submit_page", "get_page_asset"} <= operations


# ---------------------------------------------------------------- the status route the pages poll


def test_status_by_token_follows_the_session(client: Any, tenant_a: Any) -> None:
    kyc_customer(client, tenant_a)
    enable(client, tenant_a, max_retry_attempts=1)
    session = open_session(client, tenant_a, "ref-pages", redirect_url="https://93.184.215.14/back")
    token = session["token"]
    pending = client.get(f"{BY_TOKEN}/{token}")
    assert pending.status_code == 200
    assert pending.json() == {
        "event": "reuse_kyc",
        "reference": "ref-pages",
        "resource_id": pending.json()["resource_id"],
        "status": "pending",
        "data": {
            "retries_remaining": 2,
            "retry_limit_exceeded": False,
            "trigger_alert": False,
            "enforce_logout": False,
            "freeze_account": False,
            "freeze_duration_minutes": 0,
        },
        "redirect_url": "https://93.184.215.14/back",
    }
    declined = submit(client, token, "biden_1.jpg")
    assert declined.status_code == 200
    after_decline = client.get(f"{BY_TOKEN}/{token}").json()
    assert (after_decline["status"], after_decline["declined_reason"]) == ("declined", "face_mismatch")
    assert after_decline["data"]["retries_remaining"] == 1
    approved = submit(client, token, "obama_3.jpg")
    assert approved.json()["status"] == "approved"
    view = client.get(f"{BY_TOKEN}/{token}").json()
    # The tenant's view and the page's view are the same result, plus where the page sends the customer.
    tenant_view = client.get("/api/v1/kyc/reuse/sessions/ref-pages", headers=tenant_a.headers).json()
    assert view == {**tenant_view, "redirect_url": "https://93.184.215.14/back"}
    assert view["status"] == "approved"


def test_status_by_token_for_unknown_expired_and_replaced_sessions(client: Any, tenant_a: Any) -> None:
    kyc_customer(client, tenant_a)
    enable(client, tenant_a)
    unknown = client.get(f"{BY_TOKEN}/{'x' * 43}")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    first = open_session(client, tenant_a, "ref-reused")
    clock.travel(11 * 60)
    expired = client.get(f"{BY_TOKEN}/{first['token']}")
    assert (expired.status_code, expired.json()["status"]) == (200, "expired")
    assert "redirect_url" not in expired.json()
    # The reference is reusable once the token lapsed: the old token must not read the new session.
    second = open_session(client, tenant_a, "ref-reused")
    assert second["token"] != first["token"]
    replaced = client.get(f"{BY_TOKEN}/{first['token']}")
    assert (replaced.status_code, replaced.json()["type"]) == (410, "urn:kycgate:problem:session-expired")
    assert client.get(f"{BY_TOKEN}/{second['token']}").json()["status"] == "pending"


def test_status_by_token_reveals_nothing_of_another_tenants_routes(client: Any, tenant_a: Any) -> None:
    kyc_customer(client, tenant_a)
    enable(client, tenant_a)
    session = open_session(client, tenant_a, "ref-isolated")
    tenant_b = make_tenant("Tenant B")
    # The tenant route is scoped by key; the token route is scoped by the token alone.
    assert client.get("/api/v1/kyc/reuse/sessions/ref-isolated", headers=tenant_b.headers).status_code == 404
    assert client.get(f"{BY_TOKEN}/{session['token']}").json()["reference"] == "ref-isolated"


# ---------------------------------------------------------------- tokens stay out of logs


@pytest.mark.parametrize(
    "op",
    [
        "reuse_kyc_submit_page",
        "reuse_kyc_page",
        "get_reuse_kyc_session_status_by_token",
        "kyc_submit_page",
        "get_kyc_submission_status",
        "get_handoff_session",
        "idv_page",
    ],
)
def test_the_token_never_reaches_the_logs_even_with_event_logging_on(
    op: str, aws: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kycgate.core.logs import logger
    from tests.integration.documents_support import SAMPLE_LINK_TOKEN, seed_sample_submit_link
    from tests.integration.idv_support import SAMPLE_WEB_TOKEN, seed_sample_web_task

    make_tenant("Sample tenant", tenant_id="ten_sample")
    seed_sample_reuse_session()
    seed_sample_submit_link()
    seed_sample_web_task()
    # Powertools reads this when the handler is built: log every incoming event, token and all.
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    handler = load_function(op)
    # What Lambda would ship to CloudWatch: the logger's own handler, formatter included.
    stdout = io.StringIO()
    previous = logger.registered_handler.setStream(stdout)
    try:
        response = handler(load_event(op), lambda_context)
    finally:
        logger.registered_handler.setStream(previous)
    assert response["statusCode"] == 200
    assert "queryStringParameters" in stdout.getvalue() or "pathParameters" in stdout.getvalue()  # logged...
    assert SAMPLE_TOKEN not in stdout.getvalue()  # ...with the token redacted
    assert SAMPLE_LINK_TOKEN not in stdout.getvalue()
    assert SAMPLE_WEB_TOKEN not in stdout.getvalue()
