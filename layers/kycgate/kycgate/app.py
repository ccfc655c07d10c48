"""The whole API on one FastAPI app: the local server, the OpenAPI export and the tests.

In AWS each route runs in its own function (lambda_entry); this list is what they add up to.
"""

from __future__ import annotations

from importlib import import_module

from fastapi import FastAPI
from fastapi.routing import APIRouter

from kycgate.core.web import build_app

ROUTER_MODULES = (
    "kycgate.preferences.api",
    "kycgate.kyc.api",
    "kycgate.reuse.api",
    "kycgate.handoff.api",
    "kycgate.webhooks.api",
    "kycgate.compliance.kya.api",
    "kycgate.compliance.dd.api",
    "kycgate.compliance.idv.api",
    "kycgate.levels.api",
    "kycgate.gateway.api",
    "kycgate.pages.api",
    "kycgate.uploads.api",
)


def routers() -> list[APIRouter]:
    return [import_module(name).routes.router for name in ROUTER_MODULES]


def create_app() -> FastAPI:
    return build_app(
        routers(),
        description="Multi-tenant KYC and compliance API. Authenticate with `Authorization: Bearer kg_live_...`.",
    )
