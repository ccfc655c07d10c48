"""Each function imports only what its route needs: the cold-start budget is spent on import (README, Performance)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

LAYER = ROOT / "layers" / "kycgate"
# The KYC context's wire models (pydantic class creation), its rules and the S3 module: none of them
# serves a route of Re-Use KYC or preferences.
KYC_ONLY = ("kycgate.kyc.schemas", "kycgate.kyc.service", "kycgate.core.blobs")


@pytest.mark.parametrize(
    "op",
    [
        "create_reuse_kyc_session",
        "get_reuse_kyc_session_status",
        "get_reuse_kyc_session_status_by_token",
        "get_preferences",
        "update_preferences",
    ],
)
def test_reuse_and_preference_functions_do_not_import_the_kyc_context(op: str) -> None:
    code = (
        "import importlib.util, json, sys; "
        f"spec = importlib.util.spec_from_file_location('app', {str(ROOT / 'functions' / op / 'app.py')!r}); "
        "spec.loader.exec_module(importlib.util.module_from_spec(spec)); "
        f"print(json.dumps([name for name in {KYC_ONLY!r} if name in sys.modules]))"
    )
    env = {**os.environ, "PYTHONPATH": str(LAYER)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == [], f"functions/{op}/app.py imports {result.stdout.strip()}"


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
