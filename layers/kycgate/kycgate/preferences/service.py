"""Preference rules: documented defaults, deep-merged partial updates. No HTTP, no boto3."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from kycgate.core import clock
from kycgate.core.errors import Conflict, Unprocessable
from kycgate.preferences import store
from kycgate.preferences.schemas import KycPreferences, PreferenceSettings, UpdateKycPreferencesRequest

_WRITE_TRIES = 3


def get_preferences(tenant_id: str) -> KycPreferences:
    return preferences_from(tenant_id, store.get_preferences(tenant_id))


def update_preferences(tenant_id: str, request: UpdateKycPreferencesRequest) -> KycPreferences:
    """Deep-merge the keys present in ``request`` over the current settings, validate the result, write it.

    Optimistic concurrency: a concurrent PATCH makes the conditional write fail, and the merge is
    redone on the fresh document, so two partial updates to different keys both survive.
    """
    changes = request.changes()
    for _ in range(_WRITE_TRIES):
        stored = store.get_preferences(tenant_id)
        current = preferences_from(tenant_id, stored)
        merged = _deep_merge(current.model_dump(mode="json"), changes)
        try:
            settings = PreferenceSettings.model_validate(_settings_only(merged))
        except ValidationError as exc:
            raise Unprocessable(
                "; ".join(e["msg"] for e in exc.errors()),
                errors=[{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()],
            ) from exc
        now = clock.now_iso()
        document = {
            **settings.model_dump(mode="json"),
            "id": current.id,
            "created_at": current.created_at,
            "updated_at": now,
        }
        try:
            store.put_preferences(tenant_id, document, expected_version=(stored or {}).get("version", 0))
        except store.VersionConflict:
            continue
        return KycPreferences(tenant_id=tenant_id, **document)
    raise Conflict("The preferences were changed concurrently; retry the request.")


def preferences_from(tenant_id: str, stored: dict[str, Any] | None) -> KycPreferences:
    """The tenant's preferences from the stored item (None: never set, so every default)."""
    if stored is None:
        now = clock.now_iso()
        return KycPreferences(id=f"pref_{tenant_id}", tenant_id=tenant_id, created_at=now, updated_at=now)
    return KycPreferences(**{**PreferenceSettings().model_dump(), **stored, "tenant_id": tenant_id})


def _settings_only(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k in PreferenceSettings.model_fields}


def _deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for name, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = _deep_merge(merged[name], value)
        else:
            merged[name] = value
    return merged
