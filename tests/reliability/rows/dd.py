"""Harness rows of the DD tasks context (seed 001 "DD - KYB & KYC"): a screened task per tenant, the
history's paging, and task bodies that name the tenant's default search setting."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import TenantHandle
from tests.reliability.harness import BODY_RECIPES, CALLBACK_URL, OBJECTS, OPERATION_OBJECTS, QUERY_VALUES, World

DD = "/api/v1/compliance"


def _default_setting(world: World, tenant: TenantHandle) -> int:
    def load() -> int:
        settings = world.ok("GET", f"{DD}/search-settings", tenant)["data"]
        return next(s["search_setting_id"] for s in settings if s["is_default"])

    return world.memo("_dd_default_setting", tenant, load)


def _task_body(world: World, tenant: TenantHandle) -> list[dict[str, Any]]:
    return [
        {
            "search_setting_id": _default_setting(world, tenant),
            "target": {"name": "Aiman al Zawahiri", "birthday": "1951-06-19", "citizenship": "EG"},
            "customer_reference": world.obj("customer_reference", tenant),
            "callback_url": CALLBACK_URL,
        }
    ]


def _dd_task(world: World, tenant: TenantHandle) -> str:
    (task,) = world.ok("POST", f"{DD}/task", tenant, json=_task_body(world, tenant))
    return str(task["task_id"])


def _setting_update(world: World, tenant: TenantHandle) -> dict[str, Any]:
    """A change to a setting of its own: a PATCH of a shared one changes nothing but its update_time,
    so whether a run writes would hang on the second it falls in."""
    created = world.ok("POST", f"{DD}/search-settings", tenant, json={"name": "harness", "match_threshold": 0.7})
    return {"search_setting_id": created["search_setting_id"], "match_threshold": 0.9}


OBJECTS.update(
    {
        "task_id": _dd_task,
        # The tenant's own reference: one of A's tasks in B's history would show it.
        "customer_reference": lambda world, tenant: f"dd-{uuid.uuid4().hex[:12]}",
    }
)
QUERY_VALUES.update({"page_size": "10", "page_number": "1"})
# A decision is made once (then 409): the accepted route gets a task of its own.
OPERATION_OBJECTS.update({("set_search_task_accepted", "task_id"): _dd_task})
BODY_RECIPES.update(
    {
        "UpdateSearchSettingRequest": _setting_update,
        "CreateSearchTasksRequest": _task_body,
        "MetadataRequest": lambda world, tenant: [{"key": "desk", "value": "eu"}],
    }
)
