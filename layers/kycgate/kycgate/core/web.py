"""The FastAPI app factory shared by every Lambda and the local server."""

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import HTTPClientError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, APIRouter
from pydantic import ConfigDict
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kycgate.core.errors import (
    PROBLEM_JSON,
    Conflict,
    PayloadTooLarge,
    Problem,
    ServiceUnavailable,
    problem_body,
)
from kycgate.core.settings import get_settings
from kycgate.core.wire import WireModel

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
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
_MAX_FIELD_ERRORS = 20
_FASTAPI_BODY_ERROR = "There was an error parsing the body"
# Reasons a DynamoDB transaction is cancelled that say nothing about the data: another transaction
# touched the same item, or the table is throttled. Retrying the request later succeeds.
_TRANSIENT_CANCELLATION_REASONS = frozenset(
    {"None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)


def build_app(routes: Iterable[APIRoute | APIRouter], *, title: str = "kycgate", **kwargs: Any) -> FastAPI:
    app = FastAPI(title=title, version="0.1.0", **kwargs)
    # Routes are added flat (not include_router) so app.routes lists every APIRoute: the layout
    # test, the isolation matrix and the one-route Lambda apps all enumerate them.
    for item in routes:
        app.router.routes.extend(item.routes if isinstance(item, APIRouter) else [item])
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=get_settings().max_body_bytes)
    app.add_middleware(SeedTrailingSlash)
    _document_problems_in_openapi(app)
    return app


def public_base(request: Request) -> str:
    """Origin and path prefix the browser used. Behind API Gateway the stage (/live) is in the request's
    path but not in the route's, so it is taken from the difference."""
    event = request.scope.get("aws.event") or {}
    seen = event.get("requestContext", {}).get("path") or ""
    path = request.url.path
    prefix = seen[: -len(path)] if seen.endswith(path) else ""
    return f"{request.url.scheme}://{request.url.netloc}{prefix}"


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    return JSONResponse(
        problem.body(instance), status_code=problem.status, headers=problem.headers, media_type=PROBLEM_JSON
    )


def _message(error: Mapping[str, Any]) -> str:
    # FastAPI's own words for a body that is not JSON are "JSON decode error": the parser's reason
    # and the offset are what a developer needs to find the mistake.
    if error["type"] == "json_invalid":
        reason = error.get("ctx", {}).get("error", "")
        return f"the request body is not valid JSON ({reason} at character {error['loc'][-1]})"
    return str(error["msg"])


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        # Inputs are left out on purpose: they can be megabytes of base64 or a customer's PII. The
        # list is capped: a 200,000-item array of bad values must not become a 20 MB answer.
        found = exc.errors()
        errors = [{"loc": list(e["loc"]), "msg": _message(e), "type": e["type"]} for e in found[:_MAX_FIELD_ERRORS]]
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:5])
        if len(found) > _MAX_FIELD_ERRORS:
            detail += f" ({len(found)} errors; the first {_MAX_FIELD_ERRORS} are listed)"
        body = problem_body(422, "Unprocessable Content", detail, "validation-error", errors, request.url.path)
        return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        if isinstance(exc.__cause__, Problem):
            # FastAPI turns any error raised while reading the body into a 400, including the 413 of
            # BodySizeLimit on a streamed (chunked) body: answer with the original problem.
            return problem_response(exc.__cause__, request)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No route matches {request.method} {request.url.path}"
        elif exc.status_code == 400 and detail == _FASTAPI_BODY_ERROR:
            detail = "The request body could not be read as JSON: send UTF-8 JSON nested at most a few hundred levels."
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        body = problem_body(exc.status_code, _title(exc.status_code), detail, slug, None, request.url.path)
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers, media_type=PROBLEM_JSON)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        problem = aws_problem(exc)
        if problem is not None:
            log.warning(
                "aws call failed after retries, answering %s",
                problem.status,
                extra={"aws_error": _aws_error_code(exc) or type(exc).__name__, "path": request.url.path},
            )
            return problem_response(problem, request)
        log.exception("unhandled error", extra={"path": request.url.path})
        body = problem_body(500, "Internal Server Error", "An unexpected error occurred.", "internal", None)
        return JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


def aws_problem(exc: Exception) -> Problem | None:
    """The answer to an AWS failure that botocore's retries did not absorb, or None for a bug.

    Busy or unreachable services are the client's cue to retry (503 + Retry-After); a conditional
    write that lost a race nobody handled is a conflict, not a crash. A page that reads data answers
    the same status as HTML (pages/api.py).
    """
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return ServiceUnavailable("A storage service did not answer in time; retry shortly.")
    code = _aws_error_code(exc)
    if code in _RETRYABLE_AWS_CODES:
        return ServiceUnavailable("A storage service is busy; retry shortly.")
    if code == "ConditionalCheckFailedException":
        return Conflict("The resource changed concurrently; read it again and retry.")
    if code == "TransactionCanceledException":
        response = getattr(exc, "response", None) or {}
        reasons = {r.get("Code", "None") for r in response.get("CancellationReasons") or []}
        if "ConditionalCheckFailed" in reasons:
            return Conflict("The resource changed concurrently; read it again and retry.")
        if reasons <= _TRANSIENT_CANCELLATION_REASONS:
            return ServiceUnavailable("A storage transaction conflicted with another; retry shortly.")
    return None


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


class ProblemFieldError(WireModel):
    loc: list[str | int]
    msg: str
    type: str


class ProblemDetails(WireModel):
    """RFC 9457 problem details: the body of every 4xx and 5xx kycgate answers."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemFieldError] | None = None


_PROBLEM_REF = "#/components/schemas/Problem"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _document_problems_in_openapi(app: FastAPI) -> None:
    """Declare on every operation the problem+json errors the handlers above actually send.

    FastAPI documents only a JSON 422 (its own shape); clients and the contract tests need to know
    that any 4xx is a problem document, that a 401 carries WWW-Authenticate, and that a 503 carries
    Retry-After. Done once on the generated document so no route can forget it.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_problems(spec: dict[str, Any]) -> dict[str, Any]:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["Problem"] = problem_schema
    problem = {PROBLEM_JSON: {"schema": {"$ref": _PROBLEM_REF}}}
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status[0] in "45" and "application/json" in response.get("content", {}):
                    declared = response["content"].pop("application/json")
                    fastapi_default = "HTTPValidationError" in str(declared.get("schema"))
                    response["content"][PROBLEM_JSON] = problem[PROBLEM_JSON] if fastapi_default else declared
            if operation.get("security"):
                responses.setdefault(
                    "401",
                    {
                        "description": "Missing, unknown or revoked API key",
                        "headers": {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}},
                        "content": problem,
                    },
                )
            responses.setdefault("4XX", {"description": "Client error (problem details)", "content": problem})
            responses.setdefault(
                "503",
                {
                    "description": "A storage service is busy or unreachable; retry after the given seconds",
                    "headers": {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 0}}},
                    "content": problem,
                },
            )
    if not any(f"/{name}" in str(spec.get("paths")) for name in _FASTAPI_VALIDATION_SCHEMAS):
        for name in _FASTAPI_VALIDATION_SCHEMAS:
            schemas.pop(name, None)
    return spec


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


# Seed 002 writes every path with a trailing slash (`/v1/clients/kyc-level-info/`). Its routes are declared
# without one, as every kycgate route (and API Gateway resource paths) are, and a request with the slash
# is served by the same route instead of a 307 redirect that most HTTP clients do not follow with a body.
TRAILING_SLASH_PREFIXES = ("/api/v1/levels/",)


class SeedTrailingSlash:
    """Serves ``/api/v1/levels/x/`` as ``/api/v1/levels/x`` (one trailing slash, that prefix only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.endswith("/") and path.startswith(TRAILING_SLASH_PREFIXES):
            scope = {**scope, "path": path[:-1]}
            raw = scope.get("raw_path")
            if isinstance(raw, bytes) and raw.endswith(b"/"):
                scope["raw_path"] = raw[:-1]
        await self.app(scope, receive, send)
