"""One Lambda per route: ``handler = handler_for(routes, "operation_id")``.

The function's app holds only its own route, built alone (see core.routes), and imports only its
own context. Tracing is loaded on the first invocation that runs under X-Ray, never at import:
aws_xray_sdk costs about 0.15 s of every cold start and only traced invocations need it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum
from mangum.adapter import DEFAULT_TEXT_MIME_TYPES

from kycgate.core.coldstart import resumes_collector
from kycgate.core.logs import logger
from kycgate.core.metrics import metrics
from kycgate.core.routes import RouteTable
from kycgate.core.web import build_app

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
        if _tracing_active():
            if not traced:
                traced.append(_traced(asgi))
            return traced[0](event, context)
        return asgi(event, context)

    return handler


def _tracing_active() -> bool:
    return "_X_AMZN_TRACE_ID" in os.environ and os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() != "true"


def _traced(asgi: Callable[[dict[str, Any], Any], Any]) -> LambdaHandler:
    from aws_lambda_powertools import Tracer

    tracer = Tracer(service="kycgate")
    return tracer.capture_lambda_handler(asgi)


__all__ = ["Logger", "handler_for", "metrics"]
