"""Clients of a legal entity, what KYC levels they may reach (kyc-level-info) and opening an application
for one (seed 002). No HTTP, no boto3.

Which levels a client may apply for: the entry levels, and every level an approved level upgrades to,
less the levels it is approved at and those it was rejected at where the level does not allow a new
application. One application per client and level is open at a time (draft, in_review or pending): the
client's item holds its open application per level, set in the create's own transaction on condition
that the slot is free, so two concurrent creates cannot both succeed.

DynamoDB: create client 2 (GetItem configuration, PutItem); level info 2 (BatchGetItem client and
configuration, GetItem last application); create application 2 (BatchGetItem, TransactWriteItems).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from kycgate.core import clock
from kycgate.core.errors import Conflict, NotFound
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.core.tenants import Caller
from kycgate.levels import configured, liveness, store, views
from kycgate.levels.configured import Configured, Level
from kycgate.levels.schemas import (
    CreateKycApplicationRequest,
    CreateLevelsClientRequest,
    KycApplication,
    KycLevelInfo,
    LevelsClient,
)
from kycgate.levels.vocabulary import ApplicationStatus


def create_client(tenant_id: str, request: CreateLevelsClientRequest) -> LevelsClient:
    config = configured.from_item(store.get_configuration(tenant_id))
    config.entity(str(request.legal_entity_uuid))
    now = clock.now_iso()
    client = {
        "client_uuid": str(request.client_uuid or uuid.uuid4()),
        "legal_entity_uuid": str(request.legal_entity_uuid),
        "client_type": request.client_type.value,
        "email": request.email,
        "phone": request.phone,
        "approved_levels": [],
        "rejected_levels": [],
        "open_applications": {},
        "created_at": now,
        "updated_at": now,
    }
    try:
        store.put_client(tenant_id, client)
    except store.AlreadyExists as exc:
        raise Conflict(
            f"A client with client_uuid {client['client_uuid']} exists already; "
            "GET /api/v1/levels/clients/{client_uuid} returns it."
        ) from exc
    return client_view(client)


def get_client(tenant_id: str, client_uuid: str) -> LevelsClient:
    return client_view(_client(store.get_client(tenant_id, client_uuid), client_uuid, None))


def level_info(tenant_id: str, legal_entity_uuid: str, client_uuid: str) -> KycLevelInfo:
    client_item, config_item = store.get_client_and_configuration(tenant_id, client_uuid)
    client = _client(client_item, client_uuid, legal_entity_uuid)
    config = configured.from_item(config_item)
    available = available_levels(config, client)
    open_by_level = client.get("open_applications") or {}
    last_uuid = client.get("last_kyc_application_uuid")
    last = store.get_application(tenant_id, last_uuid) if last_uuid else None
    return KycLevelInfo(
        legal_entity_uuid=legal_entity_uuid,
        client_uuid=client_uuid,
        current_kyc_level_uuid=client.get("current_kyc_level_uuid"),
        allowed_to_create_kyc_application=any(level.uuid not in open_by_level for level in available),
        available_levels_for_upgrade=[
            {
                "kyc_level_uuid": level.uuid,
                "key": level.level["key"],
                "name": level.level["name"],
                "description": level.level.get("description"),
                "open_kyc_application_uuid": open_by_level.get(level.uuid),
            }
            for level in available
        ],
        last_kyc_application_uuid=last_uuid,
        last_kyc_application_status=last["status"] if last else None,
    )


def create_application(
    caller: Caller, legal_entity_uuid: str, client_uuid: str, request: CreateKycApplicationRequest
) -> KycApplication:
    """Open an application for a level the client may reach; its questionnaire is the answer."""
    tenant_id = caller.tenant_id
    client_item, config_item = store.get_client_and_configuration(tenant_id, client_uuid)
    client = _client(client_item, client_uuid, legal_entity_uuid)
    config = configured.from_item(config_item)
    level_uuid = str(request.kyc_level_uuid)
    level = config.levels.get(level_uuid)
    if level is None or level.entity["legal_entity_uuid"] != legal_entity_uuid:
        raise NotFound(f"No KYC level {level_uuid} in legal entity {legal_entity_uuid}.")
    _ensure_available(config, client, level)
    snapshot = build_snapshot(level, config)
    now = clock.now_iso()
    application = {
        "kyc_application_uuid": str(uuid.uuid4()),
        "client_uuid": client_uuid,
        "legal_entity_uuid": legal_entity_uuid,
        "kyc_level_uuid": level_uuid,
        "status": ApplicationStatus.DRAFT.value,
        "version": 1,
        "level_snapshot": json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False),
        "values": {},
        "liveness": liveness.initial_states(snapshot),
        "notes": {},
        "created_at": now,
        "updated_at": now,
    }
    application_uuid = application["kyc_application_uuid"]
    event = event_record("created", None, ApplicationStatus.DRAFT, actor_of(caller), now)
    try:
        store.commit(
            [
                store.application_put(tenant_id, application),
                store.client_open_application(tenant_id, client_uuid, level_uuid, application_uuid, now),
                store.event_put(tenant_id, application_uuid, 1, event),
            ]
        )
    except store.StaleWrite as exc:
        current = store.get_client(tenant_id, client_uuid) or {}
        existing = (current.get("open_applications") or {}).get(level_uuid)
        raise Conflict(
            f"The client has an open application for level {level.level['key']!r} already: {existing}.",
            extra={"kyc_application_uuid": existing},
        ) from exc
    metrics.add_metric(name="LevelsApplicationsCreated", unit=MetricUnit.Count, value=1)
    logger.info("levels application created", extra={"tenant_id": tenant_id, "kyc_level_key": level.level["key"]})
    return views.application_view(application, snapshot)


def available_levels(config: Configured, client: dict[str, Any]) -> list[Level]:
    """The levels the client may apply for now, in the configuration's order."""
    levels = [
        level
        for level in config.levels_of(client["legal_entity_uuid"])
        if level.level["client_type"] == client["client_type"]
    ]
    by_key = {level.level["key"]: level for level in levels}
    approved = set(client.get("approved_levels") or [])
    rejected = set(client.get("rejected_levels") or [])
    reachable = {level.uuid for level in levels if level.level["entry_level"]}
    for level in levels:
        if level.uuid in approved:
            reachable |= {by_key[key].uuid for key in level.level["upgrades_to"] if key in by_key}
    barred = {level.uuid for level in levels if level.uuid in rejected and not level.level["reapply_after_rejection"]}
    return [level for level in levels if level.uuid in reachable - approved - barred]


def build_snapshot(level: Level, config: Configured) -> dict[str, Any]:
    """What the application keeps of the configuration: its level, questions, their attributes and the
    legal documents for its client type."""
    keys = [q["attribute_key"] for step in level.level["steps"] for q in step["questions"]]
    client_type = level.level["client_type"]
    entity = level.entity
    return {
        "level": {k: level.level.get(k) for k in ("kyc_level_uuid", "key", "name", "client_type", "sign_providers")},
        "legal_entity": {k: entity.get(k) for k in ("legal_entity_uuid", "key", "name", "callback_url")},
        "steps": level.level["steps"],
        "attributes": {key: config.attributes[key] for key in keys},
        "legal_documents": {d["key"]: d for d in entity["legal_documents"] if d["client_type"] == client_type},
    }


def client_view(client: dict[str, Any]) -> LevelsClient:
    return LevelsClient.model_validate({**client, "approved_kyc_level_uuids": client.get("approved_levels") or []})


def actor_of(caller: Caller) -> dict[str, Any]:
    return {
        "type": "api_key",
        "key_id": caller.key_id or None,
        "employee_id": caller.key_number or None,
        "name": caller.name or None,
        "account": caller.account or None,
    }


def event_record(
    event: str,
    from_status: ApplicationStatus | str | None,
    to_status: ApplicationStatus | str,
    actor: dict[str, Any],
    at: str,
    **details: Any,
) -> dict[str, Any]:
    return {
        "at": at,
        "event": event,
        "from_status": str(from_status) if from_status else None,
        "to_status": str(to_status),
        "actor": actor,
        **{k: v for k, v in details.items() if v},
    }


def _ensure_available(config: Configured, client: dict[str, Any], level: Level) -> None:
    available = available_levels(config, client)
    if any(candidate.uuid == level.uuid for candidate in available):
        open_uuid = (client.get("open_applications") or {}).get(level.uuid)
        if open_uuid:
            raise Conflict(
                f"The client has an open application for level {level.level['key']!r} already: {open_uuid}.",
                extra={"kyc_application_uuid": open_uuid},
            )
        return
    keys = [candidate.level["key"] for candidate in available]
    if level.uuid in (client.get("approved_levels") or []):
        why = "the client is approved at this level already"
    elif level.uuid in (client.get("rejected_levels") or []):
        why = "the client was rejected at this level, and it allows no new application (reapply_after_rejection: false)"
    elif level.level["client_type"] != client["client_type"]:
        why = f"the level is for {level.level['client_type']} clients"
    else:
        why = "the client is not approved at a level that upgrades to it"
    raise Conflict(
        f"Level {level.level['key']!r} is not available for this client: {why}. "
        f"Available: {', '.join(keys) or 'none'}.",
        slug="level-not-available",
        extra={"available_levels_for_upgrade": [candidate.uuid for candidate in available]},
    )


def _client(item: dict[str, Any] | None, client_uuid: str, legal_entity_uuid: str | None) -> dict[str, Any]:
    if item is None or (legal_entity_uuid is not None and item["legal_entity_uuid"] != legal_entity_uuid):
        where = f" in legal entity {legal_entity_uuid}" if legal_entity_uuid else ""
        raise NotFound(f"No client {client_uuid}{where}.")
    return item
