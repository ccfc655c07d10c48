"""Every function answers its own events/ sample through Mangum, as Lambda would invoke it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import load_event, load_function, make_tenant
from tests.unit.test_layout import _api_functions

# Data a sample refers to (ids in its path or body), created for tenant "ten_sample" first.
SEEDERS: dict[str, Callable[[], None]] = {}
EXPECTED_STATUS: dict[str, int] = {}


@pytest.mark.parametrize("op", sorted(_api_functions()))
def test_function_handles_its_sample_event(op: str, aws: Any, lambda_context: Any) -> None:
    make_tenant("Sample tenant", tenant_id="ten_sample")
    if op in SEEDERS:
        SEEDERS[op]()
    response = load_function(op)(load_event(op), lambda_context)
    assert response["statusCode"] == EXPECTED_STATUS.get(op, 200), response["body"][:500]
    json.loads(response["body"])
