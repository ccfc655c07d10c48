"""Harness rows of the levels context (seed 002): the objects, fields and bodies its operations need."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from tests.conftest import FACES, TenantHandle
from tests.reliability.harness import (
    BODY_RECIPES,
    CALLBACK_URL,
    CONTEXT_RECIPES,
    CUSTOMER_PII,
    DOCUMENT_PHOTO,
    FIELDS,
    OBJECTS,
    OPERATION_OBJECTS,
    SELFIE_PHOTO,
    World,
    photo,
)

LEVELS = "/api/v1/levels"
LIVENESS_KEY = "sumsub_liveness_check_url"


def levels_attribute_key(tenant: TenantHandle) -> str:
    """A reference attribute of this tenant's configuration only, so another tenant's same request finds none."""
    import hashlib

    return "harness_" + hashlib.sha256(tenant.tenant_id.encode()).hexdigest()[:12]


def harness_configuration(tenant: TenantHandle) -> dict[str, Any]:
    """The shipped example configuration, plus: a callback URL (every transition calls back), a reference
    attribute of the tenant's own (on the basic level), and an entry level with a passport and kycgate's
    liveness check, so a liveness token takes one application."""
    import copy

    document = copy.deepcopy(_example_configuration())
    key = levels_attribute_key(tenant)
    document["attributes"].append(
        {"key": key, "type": "reference", "title": "Harness choice", "definitions": [{"key": "a", "title": "A"}]}
    )
    entity = document["legal_entities"][0]
    entity["callback_url"] = CALLBACK_URL
    entity["levels"][0]["steps"][0]["questions"].append({"attribute_key": key, "required": False})
    entity["levels"].append(
        {
            "key": "liveness-check",
            "name": "Liveness check",
            "client_type": "individual",
            "entry_level": True,
            "steps": [
                {"title": "Document", "questions": [{"attribute_key": "passport"}]},
                {"title": "Selfie", "questions": [{"attribute_key": LIVENESS_KEY}]},
            ],
        }
    )
    return document


@functools.cache
def _example_configuration() -> dict[str, Any]:
    import yaml

    from kycgate.levels.configuration import example_path

    return yaml.safe_load(example_path().read_text())


def _levels(world: World, tenant: TenantHandle) -> dict[str, Any]:
    """The tenant's harness configuration, stored once per world; its UUIDs."""

    def load() -> dict[str, Any]:
        stored = world.ok("PUT", f"{LEVELS}/configuration", tenant, json=harness_configuration(tenant))
        entity = stored["legal_entities"][0]
        return {
            "entity": entity["legal_entity_uuid"],
            "levels": {level["key"]: level["kyc_level_uuid"] for level in entity["levels"]},
            "terms": entity["legal_documents"][0]["legal_document_uuid"],
        }

    return world.memo("_levels", tenant, load)


def _levels_client(world: World, tenant: TenantHandle) -> str:
    body = {
        "legal_entity_uuid": _levels(world, tenant)["entity"],
        "client_type": "individual",
        "email": CUSTOMER_PII["email"],
        "phone": CUSTOMER_PII["phone"],
    }
    return world.ok("POST", f"{LEVELS}/clients", tenant, json=body)["client_uuid"]


def _levels_application(world: World, tenant: TenantHandle, level: str = "basic") -> tuple[str, str]:
    """A new client's draft application at ``level``: (client_uuid, kyc_application_uuid)."""
    setup = _levels(world, tenant)
    client_uuid = _levels_client(world, tenant)
    query = {"legal_entity_uuid": setup["entity"], "client_uuid": client_uuid}
    body = {"kyc_level_uuid": setup["levels"][level]}
    created = world.ok("POST", f"{LEVELS}/clients/kyc-level-info", tenant, params=query, json=body)
    return client_uuid, created["kyc_application_uuid"]


def _draft(world: World, tenant: TenantHandle) -> str:
    return _levels_application(world, tenant)[1]


def _filled(world: World, tenant: TenantHandle) -> str:
    """A basic application with every required attribute: ready for send-to-review."""
    uuid = _draft(world, tenant)
    values = {
        "first_name": CUSTOMER_PII["first_name"],
        "last_name": CUSTOMER_PII["last_name"],
        "birth_date": CUSTOMER_PII["birthday"],
        "country_of_residence": "DE",
        "terms_of_service": _levels(world, tenant)["terms"],
    }
    changes = [{"key": key, "value": value} for key, value in values.items()]
    world.ok("PATCH", f"{LEVELS}/kyc/{uuid}", tenant, json={"attribute_changes": changes})
    return uuid


def _in_review(world: World, tenant: TenantHandle) -> str:
    uuid = _filled(world, tenant)
    world.ok("POST", f"{LEVELS}/kyc/{uuid}/send-to-review", tenant)
    return uuid


def _upload(world: World, tenant: TenantHandle, entity_uuid: str, client_uuid: str) -> str:
    """A passport photo uploaded for the client; its file_uuid."""
    query = {"legal_entity_uuid": entity_uuid, "client_uuid": client_uuid}
    file = ("passport.jpg", (FACES / DOCUMENT_PHOTO).read_bytes(), "image/jpeg")
    uploaded = world.ok("POST", f"{LEVELS}/documents/files", tenant, params=query, files=[("files", file)])
    return uploaded["files"][0]["file_uuid"]


def _liveness_token(world: World, tenant: TenantHandle) -> str:
    """A token of kycgate's liveness check on a new application whose passport is DOCUMENT_PHOTO, valid
    10 minutes (so the isolation matrix's expired-token case finds it lapsed)."""
    from urllib.parse import parse_qs, urlsplit

    setup = _levels(world, tenant)
    client_uuid, uuid = _levels_application(world, tenant, "liveness-check")
    query = {"legal_entity_uuid": setup["entity"], "client_uuid": client_uuid}
    body = {"attribute_key": "passport", "files": [_upload(world, tenant, setup["entity"], client_uuid)]}
    document = world.ok("POST", f"{LEVELS}/documents", tenant, params=query, json=body)
    changes = [{"key": "passport", "value": document["document_uuid"]}]
    world.ok("PATCH", f"{LEVELS}/kyc/{uuid}", tenant, json={"attribute_changes": changes})
    check = world.ok(
        "GET", f"{LEVELS}/kyc/{uuid}/attributes/{LIVENESS_KEY}", tenant, params={"ttl_min": 60, "ttl_max": 600}
    )
    return parse_qs(urlsplit(check["value"]).query)["token"][0]


OBJECTS.update(
    {
        "legal_entity_uuid": lambda world, tenant: _levels(world, tenant)["entity"],
        "client_uuid": _levels_client,
        "kyc_application_uuid": _draft,
        "attribute_key": lambda world, tenant: levels_attribute_key(tenant),
        "liveness_token": _liveness_token,
    }
)
# (operation id, parameter name) -> the object that operation needs, where it differs from OBJECTS' one.
OPERATION_OBJECTS.update(
    {
        ("send_kyc_application_to_review", "kyc_application_uuid"): _filled,
        ("review_kyc_application", "kyc_application_uuid"): _in_review,
        ("sandbox_approve_kyc_application", "kyc_application_uuid"): _in_review,
        ("sandbox_reject_kyc_application", "kyc_application_uuid"): _in_review,
        ("sandbox_clarify_kyc_application", "kyc_application_uuid"): _in_review,
    }
)
FIELDS.update(
    {
        "legal_entity_uuid": lambda world, tenant: _levels(world, tenant)["entity"],
        "kyc_level_uuid": lambda world, tenant: _levels(world, tenant)["levels"]["basic"],
        # A new application each time: codes are rate-limited per application.
        "object_uuid": _draft,
        "liveness_token": _liveness_token,
    }
)
BODY_RECIPES.update(
    {
        "LevelsConfiguration": lambda world, tenant: harness_configuration(tenant),
        "CreateLevelsClientRequest": lambda world, tenant: {
            "legal_entity_uuid": _levels(world, tenant)["entity"],
            "client_type": "individual",
            "client_uuid": str(uuid.uuid4()),
            "email": CUSTOMER_PII["email"],
            "phone": CUSTOMER_PII["phone"],
        },
        "CreateKycApplicationRequest": lambda world, tenant: {
            "kyc_level_uuid": _levels(world, tenant)["levels"]["basic"]
        },
        "UpdateKycApplicationRequest": lambda world, tenant: {
            "attribute_changes": [
                {"key": "first_name", "value": CUSTOMER_PII["first_name"]},
                {"key": "last_name", "value": CUSTOMER_PII["last_name"]},
            ]
        },
        "ReviewDecisionRequest": lambda world, tenant: {"status": "approved", "comment": "Looks right"},
        "SandboxRejectRequest": lambda world, tenant: {"comment": "Rejected in the sandbox"},
        "SandboxClarifyRequest": lambda world, tenant: {
            "comment": "Please correct",
            "notes": [{"attribute_key": "last_name", "note": "Spell it as on the passport"}],
        },
        "SendVerificationCodeRequest": lambda world, tenant: {
            "legal_entity_uuid": _levels(world, tenant)["entity"],
            "object_uuid": _draft(world, tenant),
            "provider_type": "sms",
        },
        "SubmitLivenessRequest": lambda world, tenant: {
            "liveness_token": _liveness_token(world, tenant),
            "selfie": photo(SELFIE_PHOTO),
        },
        "Body_upload_document_files": lambda world, tenant: {
            "files": [("passport.jpg", (FACES / DOCUMENT_PHOTO).read_bytes(), "image/jpeg")]
        },
    }
)
CONTEXT_RECIPES.update(
    {
        "CreateDocumentRequest": lambda world, tenant, values: {
            "attribute_key": "passport",
            "files": [_upload(world, tenant, values["legal_entity_uuid"], values["client_uuid"])],
        },
    }
)
