"""One Lambda per route: ``handler = handler_for(routes, "operation_id")``.

The function's app holds only its own route, built alone (see core.routes), and imports only its
own context. Tracing is loaded on the first invocation that runs under X-Ray, never at import:
aws_xray_sdk costs about 0.15 s of every cold start and only traced invocations need it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum
from mangum.adapter import DEFAULT_TEXT_MIME_TYPES

from kycgate.core.coldstart import resumes_collector
from kycgate.core.errors import PROBLEM_JSON, PayloadTooLarge
from kycgate.core.logs import logger
from kycgate.core.metrics import metrics
from kycgate.core.routes import RouteTable
from kycgate.core.web import build_app

# A synchronous Lambda takes a 6 MB invocation; a body near it cannot be answered as the route would, so it
# is refused here, naming the way that takes the image instead.
MAX_BODY_BYTES = 6 * 1024 * 1024
TOO_LARGE = PayloadTooLarge(
    "The request body exceeds the 6 MB a function accepts. Send large images through the upload flow: "
    "POST /api/v1/uploads (or /api/v1/uploads/session with the phone's token) returns a presigned S3 form "
    "for images up to 15 MB and an upload_id; send that as <field>_upload_id (e.g. document_front_upload_id) "
    "instead of the base64 field.",
    slug="use-upload-flow",
)

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

# Mangum base64-encodes every body whose content type it does not know as text, and API Gateway
# passes such a body on still encoded (no binary media type matches): problem+json errors reached
# clients as base64 until they were named here.
TEXT_MIME_TYPES = [*DEFAULT_TEXT_MIME_TYPES, "application/problem+json"]


def handler_for(routes: RouteTable, operation_id: str) -> LambdaHandler:
    app = build_app([routes.route(operation_id)], openapi_url=None, docs_url=None, redoc_url=None)
    asgi = Mangum(app, lifespan="off", text_mime_types=TEXT_MIME_TYPES)
    traced: list[LambdaHandler] = []

    @resumes_collector
    @metrics.log_metrics
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if len(event.get("body") or "") > MAX_BODY_BYTES:
            return _too_large(event)
        if _tracing_active():
            if not traced:
                traced.append(_traced(asgi))
            return traced[0](event, context)
        return asgi(event, context)

    return handler


def _too_large(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": TOO_LARGE.status,
        "headers": {"Content-Type": PROBLEM_JSON},
        "body": json.dumps(TOO_LARGE.body(event.get("path"))),
        "isBase64Encoded": False,
    }


def _tracing_active() -> bool:
    return "_X_AMZN_TRACE_ID" in os.environ and os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() != "true"


def _traced(asgi: Callable[[dict[str, Any], Any], Any]) -> LambdaHandler:
    from aws_lambda_powertools import Tracer

    tracer = Tracer(service="kycgate")
    return tracer.capture_lambda_handler(asgi)


__all__ = ["Logger", "handler_for", "metrics"]
