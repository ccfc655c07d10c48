"""What the hosted capture pages show: which page a request gets, its QR code, templates and assets.

No HTTP and no boto3 here, and the pages keep no state: everything that changes once a page is loaded
(phone connected, approved, declined, expired) the page's script reads from the token-authorized API
routes. So a page costs no DynamoDB call, and an unknown or lapsed token is reported by those routes.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from html import escape
from importlib import resources
from string import Template
from typing import NamedTuple

from kycgate.compliance.idv.vocabulary import IdType
from kycgate.core.errors import NotFound
from kycgate.pages import catalogues
from kycgate.pages.links import page_link
from kycgate.reuse.capture import is_mobile, submit_link

# Capability tokens are url-safe base64 (ids.new_token); anything else cannot be one, so the page says
# the link is damaged instead of rendering a QR code of garbage.
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{16,128}")
_QR_BORDER = 4  # modules of quiet zone, as the QR specification asks
_QR_PIXELS = 256  # about the width the desktop page gives the code
_MEDIA_TYPES = {
    "pages.css": "text/css; charset=utf-8",
    "pages.js": "text/javascript; charset=utf-8",
    "kyc-submit.js": "text/javascript; charset=utf-8",
    "idv.js": "text/javascript; charset=utf-8",
}
KYC_SUBMIT_PAGE = "kyc-submit"
# The IDV page's answer per state of its task (the page explains each; a browser shows it regardless).
_IDV_STATUS = {"ready": 200, "completed": 200, "expired": 410, "unknown": 404}
# The photos each document asks for, as the catalogue's step names and the upload route's fields.
_IDV_DOCUMENT_STEPS = {
    IdType.PASSPORT: (("passport", "id_image"),),
    IdType.ID_CARD: (("id_card_front", "id_image"), ("id_card_back", "id_back_image")),
    IdType.DRIVING_LICENSE: (("driving_license", "id_image"),),
}


class Page(NamedTuple):
    status: int
    html: str


class Asset(NamedTuple):
    body: bytes
    media_type: str
    # Content hash: the `v` the pages link with (so a new release is a new URL) and the ETag.
    version: str


def capture_page(token: str | None, user_agent: str | None, public_base: str) -> Page:
    """The phone's selfie page. A desktop browser gets the QR code to scan instead: the submit route
    refuses desktop User-Agents, and this uses the same rule so the page never offers a doomed capture."""
    if not _is_token(token):
        return _broken_link()
    if not is_mobile(user_agent):
        return _handoff(token, public_base, opened_on_desktop=True)
    return Page(200, _render("capture.html", title="Confirm it's you", page="capture"))


def handoff_page(token: str | None, public_base: str) -> Page:
    """The desktop's page: the QR code of the session's link, then the phone's progress and the result."""
    if not _is_token(token):
        return _broken_link()
    return _handoff(token, public_base, opened_on_desktop=False)


def kyc_submit_page(token: str | None, user_agent: str | None, public_base: str) -> Page:
    """A KYC submission's page (a submit link's or an additional-documents request's `link`): on a phone,
    the documents and the selfie slot by slot; on a desktop, the QR code of this very link and the
    phone's progress. The page reads the slots and the result through the token routes."""
    if not _is_token(token):
        return _broken_link()
    if not is_mobile(user_agent):
        link = page_link(KYC_SUBMIT_PAGE, token) or page_link(KYC_SUBMIT_PAGE, token, public_base)
        html = _render(
            "kyc-handoff.html", title="Continue on your phone", page="kyc-handoff", js=("kyc-submit.js",),
            qr=qr_svg(link), link=escape(link),
        )  # fmt: skip
        return Page(200, html)
    camera = _camera_block(
        camera_preview="Live camera preview", take_photo="Take photo", back_to_list="Back to the list"
    )
    html = _render(
        "kyc-capture.html", title="Verify your identity", page="kyc-capture", js=("kyc-submit.js",), camera=camera
    )
    return Page(200, html)


def liveness_page(token: str | None) -> Page:
    """kycgate's liveness check of a KYC application (levels): a selfie compared with the client's document
    portrait. Any device with a camera may take it, so there is no phone handoff."""
    if not _is_token(token):
        return _broken_link()
    return Page(200, _render("liveness.html", title="Take a selfie", page="liveness"))


def idv_page(token: str | None) -> Page:
    """The hosted page of a web-initiated IDV task (the init's ``url``): the workflow's photos (front,
    back for an ID card, the selfie for 2xx), by camera, upload or both, in the task's locale; the
    script uploads them with the token (POST /api/v1/compliance/idv/sdk/upload) and sends the customer
    to the tenant's success_url or error_url. Unlike the other pages it reads the task (2 GetItems):
    the language and the steps are the task's."""
    if not _is_token(token):
        return _broken_link()
    from kycgate.compliance.idv import service as idv  # the IDV task store: only this page's function

    view = idv.web_page(token)
    locale = catalogues.page_locale(view.locale)
    messages = catalogues.catalogue(locale)
    steps = [*_IDV_DOCUMENT_STEPS[view.id_type], *((("selfie", "face_image"),) if view.with_face else ())]
    config = {
        "state": view.state,
        "camera": view.capture in ("camera", "camera_upload"),
        "upload": view.capture in ("upload", "camera_upload"),
        "steps": [
            {
                "field": field,
                "selfie": name == "selfie",
                "label": messages[f"label_{name}"],
                "title": messages[f"title_{name}"],
                "guide": messages[f"guide_{name}"],
            }
            for name, field in steps
        ],
        "success_url": view.success_url,
        "error_url": view.error_url,
        "messages": messages,
    }
    text = {name: escape(message) for name, message in messages.items()}
    html = _render(
        "idv.html",
        title=messages["page_title"],
        page="idv",
        js=("idv.js",),
        lang=locale,
        config=escape(json.dumps(config, ensure_ascii=False)),
        steps_lead=escape(messages[f"steps_lead_{view.capture}"]),
        camera=_camera_block(**text),
        **text,
    )
    return Page(_IDV_STATUS[view.state], html)


def asset(name: str) -> Asset:
    if name not in _MEDIA_TYPES:
        raise NotFound(f"No page asset {name!r}; the pages use {', '.join(sorted(_MEDIA_TYPES))}.")
    return _load_asset(name)


def _is_token(token: str | None) -> bool:
    return token is not None and _TOKEN.fullmatch(token) is not None


def _handoff(token: str, public_base: str, *, opened_on_desktop: bool) -> Page:
    # The session's own `link` when BASE_URL_FRONTEND is set, else the capture page beside this one.
    link = submit_link(token) or submit_link(token, public_base)
    html = _render(
        "handoff.html",
        title="Continue on your phone",
        page="handoff",
        qr=qr_svg(link),
        link=escape(link),
        desktop_notice="" if opened_on_desktop else "hidden",
    )
    return Page(200, html)


def qr_svg(link: str) -> str:
    """The link as an inline SVG QR code: no image request, nothing for CSP to allow."""
    import segno

    code = segno.make(link, error="m")
    svg = code.svg_inline(border=_QR_BORDER, dark="#14171f", light="#ffffff", svgclass="qr-code", omitsize=True)
    # Drawn at whole pixels per module (a phone reads that more reliably than modules of alternating
    # widths); the viewBox still lets a narrow screen shrink it.
    modules, _ = code.symbol_size(scale=1, border=_QR_BORDER)
    size = max(3, _QR_PIXELS // modules) * modules
    return svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)


def busy_page() -> Page:
    """What a page that reads data shows while storage is busy (its task, hence its locale, unread)."""
    return Page(503, _render("busy.html", title="Please try again", page="static"))


def _broken_link() -> Page:
    return Page(400, _render("broken.html", title="This link is not complete", page="static"))


def _render(content: str, *, title: str, page: str, js: tuple[str, ...] = (), lang: str = "en", **values: str) -> str:
    """The page in base.html. Every page runs pages.js (the shared helpers, and the Re-Use KYC pages);
    ``js`` are the page's own scripts after it (deferred scripts run in document order)."""
    body = _template(content).substitute(values)
    scripts = "\n".join(f'<script src="{_asset_href(name)}" defer></script>' for name in ("pages.js", *js))
    return _template("base.html").substitute(
        title=escape(title),
        lang=lang,
        page=page,
        css=_asset_href("pages.css"),
        scripts=scripts,
        content=body,
    )


def _camera_block(**text: str) -> str:
    """The camera block the document pages share (pages.js's photoCamera drives it), in the page's words:
    ``camera_preview``, ``take_photo``, ``back_to_list``, HTML-escaped."""
    return _template("camera.html").substitute(text)


def _asset_href(name: str) -> str:
    # Relative, so the pages work under an API Gateway stage (/live/...) and on a custom domain alike.
    return f"assets/{name}?v={_load_asset(name).version}"


@cache
def _template(name: str) -> Template:
    return Template(resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8"))


@cache
def _load_asset(name: str) -> Asset:
    body = resources.files(__package__).joinpath("static", name).read_bytes()
    return Asset(body, _MEDIA_TYPES[name], hashlib.sha256(body).hexdigest()[:16])
