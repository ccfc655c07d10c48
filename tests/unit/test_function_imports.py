"""Each function imports only what its route needs: the cold-start budget is spent on import (README, Performance)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import ROOT

LAYER = ROOT / "layers" / "kycgate"
# The KYC context's wire models (pydantic class creation), its rules and the S3 module: none of them
# serves a route of Re-Use KYC or preferences.
KYC_ONLY = ("kycgate.kyc.schemas", "kycgate.kyc.service", "kycgate.core.blobs")
# What only document verification needs: the tenant's preferences (their wire models) and its rules.
VERIFICATION_ONLY = ("kycgate.preferences.schemas", "kycgate.kyc.verification", "kycgate.faces")
# What only opening a Re-Use KYC session needs: the preferences, the triggers, the URL checks.
OPENING_ONLY = (
    "kycgate.preferences.schemas",
    "kycgate.reuse.triggers",
    "kycgate.reuse.opening",
    "kycgate.webhooks.ssrf",
)


# What only the handoff's upload needs (Pillow, S3), and what only its submit needs (the face models and
# document verification's rules): polling the handoff and connecting the phone load neither.
HANDOFF_UPLOAD_ONLY = ("kycgate.core.images", "kycgate.core.blobs", "PIL")
HANDOFF_SUBMIT_ONLY = ("kycgate.faces", "kycgate.kyc.verification", "kycgate.kyc.submission")
HANDOFF_POLLING = ["get_handoff_session", "connect_mobile_session", "get_kyc_submission_status"]


# Each cut: the modules only some functions may load, and the functions that must not load them.
CUTS = {
    "kyc context": (
        KYC_ONLY,
        [
            "create_reuse_kyc_session",
            "get_reuse_kyc_session_status",
            "get_reuse_kyc_session_status_by_token",
            "get_preferences",
            "update_preferences",
            *HANDOFF_POLLING,
        ],
    ),
    "handoff upload": (HANDOFF_UPLOAD_ONLY, HANDOFF_POLLING),
    "handoff submit": (HANDOFF_SUBMIT_ONLY, [*HANDOFF_POLLING, "upload_kyc_handoff_slot"]),
    # Issuing a link reads the preferences and checks URLs; it decodes no image and compares no face.
    "links": (
        ("kycgate.faces", "kycgate.core.images", "kycgate.kyc.verification", "kycgate.kyc.submission", "PIL"),
        ["request_kyc_submit_link", "request_additional_documents"],
    ),
    "verification": (
        VERIFICATION_ONLY,
        [
            "create_customer",
            "list_customers",
            "get_customer",
            "check_kyc_status",
            "list_kyc_requests",
            "get_kyc_request",
            "update_kyc_status",
            "get_kyc_proofs",
        ],
    ),
    "opening": (
        OPENING_ONLY,
        [
            "get_reuse_kyc_session_status",
            "get_reuse_kyc_session_status_by_token",
            "get_handoff_session",
            "connect_mobile_session",
            "list_kyc_alerts",
            "get_kyc_alert",
            "update_kyc_alert",
        ],
    ),
    # Levels (seed 002): Pillow and the face models only in the upload and the liveness selfie; the configuration
    # rules (and the SSRF guard) only in the configuration routes; SNS/SES only in sending a code; the Sumsub
    # client only where a Sumsub check is configured; none of the KYC or Re-Use KYC contexts.
    "levels": (
        (
            *KYC_ONLY,
            "kycgate.reuse.service",
            "kycgate.core.images",
            "kycgate.faces",
            "kycgate.levels.configuration",
            "kycgate.webhooks.ssrf",
            "kycgate.levels.sumsub_client",
            "kycgate.levels.sumsub_liveness",
        ),
        [
            "get_kyc_level_info",
            "get_kyc_application",
            "update_kyc_application",
            "send_kyc_application_to_review",
            "review_kyc_application",
            "create_document",
            "get_liveness_check",
        ],
    ),
    "levels codes": (("kycgate.levels.messaging",), ["update_kyc_application", "send_kyc_application_to_review"]),
    # IDV: the reader, the face models and Pillow only where photos arrive (create, upload); the hosted
    # page reads its task but takes no photo itself (its script sends them to the upload route).
    "idv": (
        ("kycgate.faces", "kycgate.compliance.documents.reading", "kycgate.core.images", "PIL", "cv2"),
        [
            "get_idv_task",
            "list_idv_tasks",
            "review_idv_task",
            "init_idv_web",
            "init_idv_account",
            "get_points",
            "idv_page",
        ],
    ),
    "idv points": (("kycgate.compliance.idv.service",), ["get_points"]),
    # The upload flow: issuing a presigned POST decodes no image (the resolver, on the image routes, does).
    "uploads": (("PIL", "kycgate.core.images", "kycgate.faces"), ["create_upload", "create_session_upload"]),
    # The functions that serve no HTTP (scheduled, queue) load no web framework: a context's wire
    # models (the sweeper's callbacks) come without FastAPI's query parameters (core.page_queries).
    "no http": (
        ("fastapi", "starlette", "mangum"),
        ["dispatch_sweeper", "outbox_sweeper", "reuse_expiry_sweeper", "webhook_worker"],
    ),
    "delivery rules": (
        ("kycgate.webhooks.delivery", "kycgate.webhooks.ssrf"),
        [
            "list_webhook_deliveries",
            "get_webhook_delivery",
            "retry_webhook_delivery",
            "get_webhook_secret",
            "rotate_webhook_secret",
        ],
    ),
}


def _forbidden_modules() -> dict[str, tuple[str, ...]]:
    forbidden: dict[str, set[str]] = {}
    for modules, ops in CUTS.values():
        for op in ops:
            forbidden.setdefault(op, set()).update(modules)
    return {op: tuple(sorted(modules)) for op, modules in forbidden.items()}


@pytest.mark.parametrize(("op", "modules"), sorted(_forbidden_modules().items()))
def test_functions_do_not_load_what_only_other_routes_need(op: str, modules: tuple[str, ...]) -> None:
    # After the first request, not only the import: a context's api.py imports its rules on first use
    # (core.lazy), so what a function loads is what its route's first call pulls in.
    assert _loaded_after_first_request(op, modules) == []


def _loaded_after_first_request(op: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh process has loaded once functions/<op>/app.py, imported as Lambda
    imports it, answered its events/ sample against moto (built from template.yaml)."""
    code = (
        "import importlib.util, json, os, sys\n"
        "from moto import mock_aws\n"
        "with mock_aws():\n"
        "    from kycgate.infra import provision\n"
        "    from kycgate.core.settings import get_settings\n"
        "    os.environ.update(provision().env())\n"
        "    get_settings.cache_clear()\n"
        f"    spec = importlib.util.spec_from_file_location('app', {str(ROOT / 'functions' / op / 'app.py')!r})\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(module)\n"
        f"    event = json.loads(open({str(ROOT / 'events' / f'{op}.json')!r}).read())\n"
        "    from tests.conftest import LambdaContext\n"
        "    response = module.handler(event, LambdaContext())\n"
        # A function that serves no HTTP answers its event with no statusCode (a sweeper's counts).
        "    status = response.get('statusCode', 200) if isinstance(response, dict) else 200\n"
        "assert status < 500, status\n"
        f"print(json.dumps([name for name in {modules!r} if name in sys.modules]))"
    )
    return _printed_by_fresh_process(code)


def _printed_by_fresh_process(code: str) -> Any:
    """The JSON a fresh Python process with the layer on its path prints after running ``code``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(LAYER), str(ROOT)])}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.splitlines()[-1])  # the function's logs go to stdout before it


def test_modules_defining_models_keep_annotations_as_objects() -> None:
    # With `from __future__ import annotations` pydantic evaluates each field's annotation from its
    # string when the class is created: a third of a schema module's import time (core/wire.py).
    from pydantic import BaseModel

    package = LAYER / "kycgate"
    offenders = []
    for path in sorted(package.rglob("*.py")):
        module = ".".join(path.relative_to(LAYER).with_suffix("").parts).removesuffix(".__init__")
        loaded = sys.modules.get(module) or __import__(module, fromlist=["_"])
        defines_models = any(
            isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module
            for value in vars(loaded).values()
        )
        if defines_models and re.search(r"^from __future__ import annotations$", path.read_text(), re.M):
            offenders.append(module)
    assert offenders == []


def test_capture_pages_serve_a_phone_and_a_desktop_without_the_session_store() -> None:
    # The HTML pages' functions need the device rule and the capture link, not boto3 and the
    # session rules (reuse.capture): loading those on the first request was a third of their cold start.
    token = "t" * 43
    code = (
        "import json, sys; from kycgate.pages import service; "
        f"phone = service.capture_page({token!r}, 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)', "
        "'https://kyc.example'); "
        f"desktop = service.capture_page({token!r}, 'Mozilla/5.0 (X11; Linux x86_64)', 'https://kyc.example'); "
        "assert phone.status == desktop.status == 200 and phone.html != desktop.html; "
        "print(json.dumps([m for m in ('boto3', 'kycgate.reuse.service', 'kycgate.reuse.store') if m in sys.modules]))"
    )
    assert _printed_by_fresh_process(code) == []


def test_what_functions_without_faces_load_defines_no_dataclasses() -> None:
    # Creating a dataclass runs exec() for each generated method: ~0.6 ms per class on Python 3.11,
    # against ~0.1 ms for a NamedTuple, paid by every cold start that imports it.
    faces = {"verify_documents", "submit_reuse_kyc_session"}
    apps = sorted(str(p / "app.py") for p in (ROOT / "functions").iterdir() if p.name not in faces)
    code = (
        "import dataclasses, importlib.util, json, sys\n"
        f"for i, path in enumerate({apps!r}):\n"
        "    spec = importlib.util.spec_from_file_location(f'app{i}', path)\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "print(json.dumps(sorted(f'{name}.{attr}' for name, module in list(sys.modules.items())\n"
        "    if name.startswith('kycgate') for attr, value in vars(module).items()\n"
        "    if isinstance(value, type) and value.__module__ == name and dataclasses.is_dataclass(value))))"
    )
    assert _printed_by_fresh_process(code) == []


def test_api_modules_import_rules_on_first_use_only() -> None:
    # The one way a context cuts its functions' imports (core.lazy): its api.py imports wire models
    # and words (schemas, vocabulary) and takes every rules module with lazy_module.
    code = (
        "import importlib, json, sys\n"
        "from kycgate.app import ROUTER_MODULES\n"
        "loaded = {}\n"
        "for name in ROUTER_MODULES:\n"
        "    before = set(sys.modules)\n"
        "    importlib.import_module(name)\n"
        "    new = [m for m in set(sys.modules) - before if m.startswith('kycgate.')]\n"
        "    loaded[name] = sorted(m for m in new if not hasattr(sys.modules[m], '__path__'))\n"
        "print(json.dumps(loaded))"
    )
    allowed = re.compile(r"^kycgate\.(core\.[\w.]+|[\w.]+\.(api|schemas|vocabulary))$")  # packages aside
    eager = {
        api: [m for m in modules if not allowed.match(m)] for api, modules in _printed_by_fresh_process(code).items()
    }
    assert {api: modules for api, modules in eager.items() if modules} == {}, (
        "these api modules import rules modules at import; take them with kycgate.core.lazy.lazy_module"
    )
