"""Helpers for the levels tests (seed 002): the example configuration, clients, applications, documents,
codes, over any HTTP client with httpx's interface (the in-process TestClient or a real server)."""

from __future__ import annotations

import io
import re
from functools import cache
from typing import Any, NamedTuple

import yaml

from tests.conftest import FACES

LEVELS = "/api/v1/levels"


@cache
def example_document() -> dict[str, Any]:
    from kycgate.levels.configuration import example_path

    return yaml.safe_load(example_path().read_text())


class Setup(NamedTuple):
    """A tenant's loaded configuration: the UUIDs the API needs."""

    entity_uuid: str
    levels: dict[str, str]  # level key -> kyc_level_uuid
    terms_uuid: str
    document: dict[str, Any]


def load_configuration(client: Any, tenant: Any, document: dict[str, Any] | None = None) -> Setup:
    response = client.put(f"{LEVELS}/configuration", headers=tenant.headers, json=document or example_document())
    assert response.status_code == 200, response.text
    stored = response.json()
    entity = stored["legal_entities"][0]
    return Setup(
        entity_uuid=entity["legal_entity_uuid"],
        levels={level["key"]: level["kyc_level_uuid"] for level in entity["levels"]},
        terms_uuid=entity["legal_documents"][0]["legal_document_uuid"] if entity["legal_documents"] else "",
        document=stored,
    )


def new_client(client: Any, tenant: Any, setup: Setup, **fields: Any) -> str:
    body = {"legal_entity_uuid": setup.entity_uuid, "client_type": "individual", "phone": "+14155552671", **fields}
    response = client.post(f"{LEVELS}/clients", headers=tenant.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()["client_uuid"]


def scope(setup: Setup, client_uuid: str) -> dict[str, str]:
    return {"legal_entity_uuid": setup.entity_uuid, "client_uuid": client_uuid}


def level_info(client: Any, tenant: Any, setup: Setup, client_uuid: str) -> dict[str, Any]:
    response = client.get(f"{LEVELS}/clients/kyc-level-info/", headers=tenant.headers, params=scope(setup, client_uuid))
    assert response.status_code == 200, response.text
    return response.json()


def create_application(client: Any, tenant: Any, setup: Setup, client_uuid: str, level: str) -> Any:
    return client.post(
        f"{LEVELS}/clients/kyc-level-info/",
        headers=tenant.headers,
        params=scope(setup, client_uuid),
        json={"kyc_level_uuid": setup.levels[level]},
    )


def open_application(client: Any, tenant: Any, setup: Setup, client_uuid: str, level: str) -> dict[str, Any]:
    response = create_application(client, tenant, setup, client_uuid, level)
    assert response.status_code == 201, response.text
    return response.json()


def patch(client: Any, tenant: Any, application_uuid: str, changes: dict[str, Any], **params: str) -> Any:
    body = {"attribute_changes": [{"key": k, "value": v} for k, v in changes.items()]}
    return client.patch(f"{LEVELS}/kyc/{application_uuid}/", headers=tenant.headers, params=params, json=body)


def basic_values(setup: Setup) -> dict[str, Any]:
    return {
        "first_name": "Zaphodia",
        "last_name": "Quarrington",
        "birth_date": "1961-08-04",
        "country_of_residence": "DE",
        "terms_of_service": setup.terms_uuid,
    }


def attribute(application: dict[str, Any], key: str) -> dict[str, Any]:
    return next(
        q["attribute"] for s in application["kyc_steps"] for q in s["questions"] if q["attribute"]["key"] == key
    )


def get_application(client: Any, tenant: Any, application_uuid: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"{LEVELS}/kyc/{application_uuid}", headers=tenant.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def send_to_review(client: Any, tenant: Any, application_uuid: str, **params: str) -> Any:
    return client.post(f"{LEVELS}/kyc/{application_uuid}/send-to-review/", headers=tenant.headers, params=params)


def decide(client: Any, reviewer: Any, application_uuid: str, status: str, **fields: Any) -> Any:
    return client.post(
        f"{LEVELS}/kyc/{application_uuid}/review", headers=reviewer.headers, json={"status": status, **fields}
    )


def approved_basic(client: Any, tenant: Any, reviewer: Any, setup: Setup, client_uuid: str) -> str:
    """The client approved at the basic level (through the API); the application's UUID."""
    application = open_application(client, tenant, setup, client_uuid, "basic")
    uuid = application["kyc_application_uuid"]
    assert patch(client, tenant, uuid, basic_values(setup)).status_code == 200
    assert send_to_review(client, tenant, uuid).status_code == 200
    response = decide(client, reviewer, uuid, "approved")
    assert response.status_code == 200, response.text
    return uuid


def photo_bytes(name: str) -> bytes:
    return (FACES / name).read_bytes()


def pdf_bytes(pages: int = 1) -> bytes:
    """A small, complete PDF drawn by Pillow (a bank statement stand-in)."""
    from PIL import Image

    buffer = io.BytesIO()
    images = [Image.new("RGB", (600, 800), (250, 250, 250)) for _ in range(pages)]
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def upload(client: Any, tenant: Any, setup: Setup, client_uuid: str, *files: tuple[str, bytes, str]) -> Any:
    return client.post(
        f"{LEVELS}/documents/files/",
        headers=tenant.headers,
        params=scope(setup, client_uuid),
        files=[("files", file) for file in files],
    )


def make_document(
    client: Any, tenant: Any, setup: Setup, client_uuid: str, key: str, *files: tuple[str, bytes, str]
) -> dict[str, Any]:
    uploaded = upload(client, tenant, setup, client_uuid, *files)
    assert uploaded.status_code == 201, uploaded.text
    body = {"attribute_key": key, "files": [f["file_uuid"] for f in uploaded.json()["files"]]}
    response = client.post(f"{LEVELS}/documents/", headers=tenant.headers, params=scope(setup, client_uuid), json=body)
    assert response.status_code == 201, response.text
    return response.json()


def passport(client: Any, tenant: Any, setup: Setup, client_uuid: str, name: str = "obama_1.jpg") -> dict[str, Any]:
    return make_document(client, tenant, setup, client_uuid, "passport", (name, photo_bytes(name), "image/jpeg"))


def request_code(
    client: Any, tenant: Any, setup: Setup, application_uuid: str, provider: str = "sms", **fields: Any
) -> Any:
    body = {
        "legal_entity_uuid": setup.entity_uuid,
        "object_uuid": application_uuid,
        "provider_type": provider,
        **fields,
    }
    return client.post(f"{LEVELS}/verification-codes/", headers=tenant.headers, json=body)


def sms_codes(phone: str) -> list[str]:
    """The codes moto's SNS has 'sent' to ``phone``, oldest first."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    messages = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values()
    return [re.search(r"\b(\d{6})\b", text).group(1) for number, text in messages if number == phone]


def email_codes(address: str) -> list[str]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    return [re.search(r"\b(\d{6})\b", m.body).group(1) for m in sent if address in m.destinations["ToAddresses"]]


def liveness_link(client: Any, tenant: Any, application_uuid: str, **params: Any) -> dict[str, Any]:
    response = client.get(
        f"{LEVELS}/kyc/{application_uuid}/attributes/sumsub_liveness_check_url", headers=tenant.headers, params=params
    )
    assert response.status_code == 200, response.text
    return response.json()


def token_of(link: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(link).query)["token"][0]


def selfie(client: Any, token: str, name: str) -> Any:
    import base64

    body = {"liveness_token": token, "selfie": base64.b64encode(photo_bytes(name)).decode()}
    return client.post(f"{LEVELS}/liveness/submit", json=body)


# ---------------------------------------------------------------- seeders for tests/integration/test_functions.py

SAMPLE_TENANT = "ten_sample"
SAMPLE_CLIENT = "0e3b5c6a-1d2f-4a8b-9c0d-00000000c11e"
SAMPLE_APPLICATION = "0e3b5c6a-1d2f-4a8b-9c0d-0000000000a1"
SAMPLE_FILE = "0e3b5c6a-1d2f-4a8b-9c0d-00000000f11e"
SAMPLE_LIVENESS_TOKEN = "sample-liveness-token-000000000000000000000"


def sample_caller(tenant_id: str = SAMPLE_TENANT) -> Any:
    from kycgate.core.tenants import Caller

    test = tenant_id.endswith(".test")
    return Caller(
        tenant_id=tenant_id,
        account_id=SAMPLE_TENANT,
        key_id="key_sample",
        key_number=1,
        mode="test" if test else "live",
        name="Sample reviewer",
        email="reviewer@example.com",
        scopes=("reviewer",),
    )


def seed_sample_levels(stage: str, tenant_id: str = SAMPLE_TENANT) -> None:
    """The data the levels events/ samples name, for ``tenant_id`` (the test space for sandbox samples):
    configuration -> client (SAMPLE_CLIENT) -> application (SAMPLE_APPLICATION) at ``stage``: draft, filled,
    in_review; or file (SAMPLE_FILE uploaded), or liveness (a verified application whose passport is
    obama_1.jpg and whose liveness token is SAMPLE_LIVENESS_TOKEN)."""
    import uuid

    import pytest

    from kycgate.levels import applications, clients, configuration, configured, documents, review
    from kycgate.levels.schemas import (
        CreateDocumentRequest,
        CreateKycApplicationRequest,
        CreateLevelsClientRequest,
        LevelsConfiguration,
        UpdateKycApplicationRequest,
    )

    caller = sample_caller(tenant_id)
    configuration.replace_configuration(tenant_id, LevelsConfiguration.model_validate(example_document()))
    if stage == "configuration":
        return
    entity = configured.legal_entity_uuid(tenant_id, "example-bank")
    request = CreateLevelsClientRequest.model_validate(
        {
            "legal_entity_uuid": entity,
            "client_type": "individual",
            "client_uuid": SAMPLE_CLIENT,
            "phone": "+14155552671",
        }
    )
    clients.create_client(tenant_id, request)
    if stage == "client":
        return
    if stage == "file":
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("kycgate.levels.documents.uuid.uuid4", lambda: uuid.UUID(SAMPLE_FILE))
            documents.upload_files(
                tenant_id, entity, SAMPLE_CLIENT, [documents.Upload("passport.jpg", photo_bytes("obama_1.jpg"))]
            )
        return

    def open_level(level: str, application_uuid: str | None) -> str:
        body = CreateKycApplicationRequest(kyc_level_uuid=configured.level_uuid(tenant_id, "example-bank", level))
        with pytest.MonkeyPatch.context() as patch:
            if application_uuid:
                patch.setattr("kycgate.levels.clients.uuid.uuid4", lambda: uuid.UUID(application_uuid))
            return str(clients.create_application(caller, entity, SAMPLE_CLIENT, body).kyc_application_uuid)

    def change(application_uuid: str, values: dict[str, Any]) -> None:
        changes = UpdateKycApplicationRequest.model_validate(
            {"attribute_changes": [{"key": k, "value": v} for k, v in values.items()]}
        )
        applications.update_application(caller, application_uuid, applications.Scope(), changes, {})

    terms = configured.legal_document_uuid(tenant_id, "example-bank", "terms", "individual", "2026-01")
    values = {**basic_values(Setup(entity, {}, terms, {})), "first_name": "Sample", "last_name": "Client"}
    if stage == "liveness":
        basic = open_level("basic", None)
        change(basic, values)
        review.send_to_review(caller, basic, applications.Scope(), {})
        review.decide(caller, basic, applications.Scope(), review.ReviewOutcome.APPROVED, None, [])
        verified = open_level("verified", SAMPLE_APPLICATION)
        uploaded = documents.upload_files(
            tenant_id, entity, SAMPLE_CLIENT, [documents.Upload("p.jpg", photo_bytes("obama_1.jpg"))]
        )
        made = documents.create_document(
            tenant_id,
            entity,
            SAMPLE_CLIENT,
            CreateDocumentRequest(attribute_key="passport", files=[uploaded.files[0].file_uuid]),
        )
        change(verified, {"passport": str(made.document_uuid)})
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("kycgate.core.ids.new_token", lambda: SAMPLE_LIVENESS_TOKEN)
            applications.get_attribute(
                tenant_id, verified, "sumsub_liveness_check_url", applications.Scope(), _ttl(), "https://kyc.example"
            )
        return
    application = open_level("basic", SAMPLE_APPLICATION)
    if stage in ("filled", "in_review"):
        change(application, values)
    if stage == "in_review":
        review.send_to_review(caller, application, applications.Scope(), {})


def _ttl() -> Any:
    from kycgate.levels.liveness import Ttl

    return Ttl()
