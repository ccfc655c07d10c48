"""The FastAPI app factory shared by every Lambda and the local server."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, APIRouter
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kycgate.core.errors import PROBLEM_JSON, PayloadTooLarge, Problem, ServiceUnavailable, problem_body
from kycgate.core.settings import get_settings

log = logging.getLogger("kycgate")

# botocore error codes that mean "AWS is busy, try again": answered 503 + Retry-After, never 500.
_RETRYABLE_AWS_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "InternalServerError",
        "ServiceUnavailable",
        "SlowDown",
        "InternalError",
    }
)


def build_app(routes: Iterable[APIRoute | APIRouter], *, title: str = "kycgate", **kwargs: Any) -> FastAPI:
    app = FastAPI(title=title, version="0.1.0", **kwargs)
    # Routes are added flat (not include_router) so app.routes lists every APIRoute: the layout
    # test, the isolation matrix and the one-route Lambda apps all enumerate them.
    for item in routes:
        app.router.routes.extend(item.routes if isinstance(item, APIRouter) else [item])
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=get_settings().max_body_bytes)
    return app


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    return JSONResponse(
        problem.body(instance), status_code=problem.status, headers=problem.headers, media_type=PROBLEM_JSON
    )


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        # Inputs are left out on purpose: they can be megabytes of base64 or a customer's PII.
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:5])
        body = problem_body(
            422, "Unprocessable Content", detail, "validation-error", errors, request.url.path
        )
        return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No route matches {request.method} {request.url.path}"
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        body = problem_body(exc.status_code, _title(exc.status_code), detail, slug, None, request.url.path)
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers, media_type=PROBLEM_JSON)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        code = _aws_error_code(exc)
        if code in _RETRYABLE_AWS_CODES:
            log.warning("aws busy, answering 503", extra={"aws_error": code, "path": request.url.path})
            return problem_response(ServiceUnavailable("A storage service is busy; retry shortly."), request)
        log.exception("unhandled error", extra={"path": request.url.path})
        body = problem_body(500, "Internal Server Error", "An unexpected error occurred.", "internal", None)
        return JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


def _aws_error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class BodySizeLimit:
    """Refuses bodies over the limit before they are buffered (Content-Length or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise PayloadTooLarge(self._detail())
            return message

        await self.app(scope, counting_receive, send)

    def _detail(self) -> str:
        return f"Request body exceeds {self.max_bytes // (1024 * 1024)} MB."

    async def _refuse(self, scope: Scope, send: Send) -> None:
        response = problem_response(PayloadTooLarge(self._detail()))
        await response(scope, _never_receive, send)


async def _never_receive() -> Message:
    return {"type": "http.disconnect"}
