"""HTTP edge of the hosted capture pages: HTML and their two assets, with the security headers.

The routes are for browsers, not API clients: they stay out of the OpenAPI document (its operations are
JSON and fuzzed as such) and answer HTML even for a bad link. They are authorized by the token in the
query string (template: Auth Authorizer NONE), which never reaches a log: API Gateway's access log is
off, uvicorn's is off in `kycgate serve`, and the powertools logger redacts `token=` and bare tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Header, Path, Request
from fastapi.responses import HTMLResponse, Response

from kycgate.core.lazy import lazy_module
from kycgate.core.routes import RouteTable
from kycgate.core.web import aws_problem, public_base

if TYPE_CHECKING:
    from kycgate.pages import service
else:
    service = lazy_module("kycgate.pages.service")

routes = RouteTable(tags=["pages"])

# No inline script or style anywhere, so 'self' suffices; blob:/data: are the camera preview and the
# captured still. The token is in the page's URL: no-referrer keeps it from the tenant's redirect_url.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
PAGE_HEADERS = {
    **_COMMON_HEADERS,
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
    "X-Frame-Options": "DENY",
    # Each page is for one token; nothing in between may keep it.
    "Cache-Control": "no-store",
}
_IMMUTABLE = "public, max-age=31536000, immutable"


@routes.get(
    "/reuse-kyc-submit", operation_id="reuse_kyc_submit_page", response_class=HTMLResponse, include_in_schema=False
)
def reuse_kyc_submit_page(
    request: Request, token: str | None = None, user_agent: Annotated[str | None, Header()] = None
) -> HTMLResponse:
    """The phone's selfie page (the Re-Use KYC session's `link`)."""
    return _html(service.capture_page(token, user_agent, public_base(request)))


@routes.get("/reuse-kyc", operation_id="reuse_kyc_page", response_class=HTMLResponse, include_in_schema=False)
def reuse_kyc_page(request: Request, token: str | None = None) -> HTMLResponse:
    """The desktop's page: a QR code of the session's link, then the phone's progress and the result."""
    return _html(service.handoff_page(token, public_base(request)))


@routes.get("/kyc-submit", operation_id="kyc_submit_page", response_class=HTMLResponse, include_in_schema=False)
def kyc_submit_page(
    request: Request, token: str | None = None, user_agent: Annotated[str | None, Header()] = None
) -> HTMLResponse:
    """A KYC submit link's page: the phone photographs each document and the selfie; a desktop shows the
    link as a QR code and follows the phone's progress."""
    return _html(service.kyc_submit_page(token, user_agent, public_base(request)))


@routes.get(
    "/levels-liveness", operation_id="levels_liveness_page", response_class=HTMLResponse, include_in_schema=False
)
def levels_liveness_page(token: str | None = None) -> HTMLResponse:
    """kycgate's liveness check of a KYC levels application (the `sumsub_liveness_check_url` value)."""
    return _html(service.liveness_page(token))


@routes.get("/idv", operation_id="idv_page", response_class=HTMLResponse, include_in_schema=False)
def idv_page(token: str | None = None) -> HTMLResponse:
    """The hosted IDV page of a web initiation (POST /api/v1/compliance/idv/init's `url`). It reads its
    task, so a storage service that stays busy is answered as a page too (503, Retry-After)."""
    try:
        return _html(service.idv_page(token))
    except Exception as exc:
        problem = aws_problem(exc)
        if problem is None or problem.status != 503:
            raise
        return _html(service.busy_page(), problem.headers)


@routes.get("/assets/{name}", operation_id="get_page_asset", response_class=Response, include_in_schema=False)
def get_page_asset(
    name: Annotated[str, Path(max_length=64)],
    v: str | None = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The pages' stylesheet and scripts. Linked as ?v=<content hash>, so that URL never changes content."""
    asset = service.asset(name)
    etag = f'"{asset.version}"'
    headers = {**_COMMON_HEADERS, "ETag": etag, "Cache-Control": _IMMUTABLE if v == asset.version else "no-cache"}
    if if_none_match is not None and etag in if_none_match:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def _html(page: service.Page, headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(page.html, status_code=page.status, headers={**PAGE_HEADERS, **(headers or {})})
