"""FastAPI's "is this a pydantic.v1 model?" check, without importing pydantic.v1 to answer "no".

FastAPI 0.165 asks that question of every parameter, body and response it registers and, to ask it,
imports the whole ``pydantic.v1`` package: about 15 ms of every cold start here (44 ms measured on
Lambda arm64 by the upstream proposal, fastapi/fastapi#16374, not merged as of 0.165). A v1 model
class or instance cannot exist before ``pydantic.v1`` is imported, so while it is not imported the
answer is "no" and FastAPI's own check runs otherwise. Same answers, as tests/unit/test_routes.py
shows both ways; kycgate itself never uses pydantic.v1.
"""

from __future__ import annotations

import sys
from typing import Any

import fastapi.encoders
from fastapi._compat import shared


def _guard(check: Any) -> Any:
    def only_once_v1_is_imported(value: Any) -> bool:
        return "pydantic.v1" in sys.modules and check(value)

    return only_once_v1_is_imported


def install() -> None:
    # annotation_is_pydantic_v1 (fastapi.utils) looks is_pydantic_v1_model_class up in `shared`;
    # encoders imported is_pydantic_v1_model_instance by name, so it is replaced there too.
    if getattr(shared.is_pydantic_v1_model_class, "__name__", "") == "only_once_v1_is_imported":
        return
    shared.is_pydantic_v1_model_class = _guard(shared.is_pydantic_v1_model_class)
    instance_check = _guard(shared.is_pydantic_v1_model_instance)
    shared.is_pydantic_v1_model_instance = instance_check
    fastapi.encoders.is_pydantic_v1_model_instance = instance_check  # type: ignore[attr-defined]
