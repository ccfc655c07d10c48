"""Replacing and reading the tenant's levels configuration (GET/PUT /api/v1/levels/configuration and
`kycgate levels load FILE`). No HTTP, no boto3.

The wire models check each part; this module checks how the parts refer to each other (a question's
attribute exists, an upgrade's level exists, a legal document attribute has its document, a kycgate
liveness check has a portrait document beside it to compare with, ...) and names every broken reference
by its place in the document, before anything is stored. Apart from the other rules because only this
route checks callback URLs (the SSRF guard) and walks the whole configuration.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kycgate.core import clock
from kycgate.core.errors import Conflict, PayloadTooLarge, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.core.settings import get_settings
from kycgate.levels import configured, store
from kycgate.levels.schemas import LevelsConfiguration, StoredLevelsConfiguration
from kycgate.levels.vocabulary import (
    DOCUMENT_KEYS,
    LIVENESS_KEYS,
    PORTRAIT_DOCUMENT_KEYS,
    AttributeType,
    LivenessProviderName,
)

# The configuration is one DynamoDB item (at most 400 KB with its keys); a document above this is refused
# with the reason instead of failing at the write.
MAX_DOCUMENT_BYTES = 350 * 1024
_MAX_ERRORS = 50

Loc = tuple[str | int, ...]


def get_configuration(tenant_id: str) -> StoredLevelsConfiguration:
    """The stored configuration with its UUIDs; an empty one (version 0) before any was stored. One GetItem."""
    current = configured.from_item(store.get_configuration(tenant_id))
    return StoredLevelsConfiguration.model_validate(
        {**current.document, "version": current.version, "updated_at": current.updated_at}
    )


def replace_configuration(tenant_id: str, configuration: LevelsConfiguration) -> StoredLevelsConfiguration:
    """Check the references, derive the UUIDs and store the configuration as the tenant's new one.

    Open applications keep the level they were created with (they store it), so a replace never changes
    what an application in progress asks for. DynamoDB: GetItem (the version) + PutItem (conditional).
    """
    document = configuration.model_dump(mode="json", exclude_none=True)
    errors = list(_reference_errors(tenant_id, document))
    if errors:
        shown = errors[:_MAX_ERRORS]
        detail = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in shown[:5])
        if len(errors) > 5:
            detail += f" ({len(errors)} problems)"
        raise Unprocessable(detail, errors=shown)
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    if len(text.encode()) > MAX_DOCUMENT_BYTES:
        raise PayloadTooLarge(
            f"The configuration is {len(text.encode()) // 1024} KB once stored; "
            f"at most {MAX_DOCUMENT_BYTES // 1024} KB "
            "is allowed (shorten definitions and descriptions, or split legal entities across tenants)."
        )
    current = store.get_configuration(tenant_id)
    version = int(current["version"]) + 1 if current else 1
    now = clock.now_iso()
    try:
        store.put_configuration(tenant_id, text, version, now)
    except store.StaleWrite as exc:
        raise Conflict("The configuration was replaced concurrently; send it again.") from exc
    logger.info("levels configuration replaced", extra={"tenant_id": tenant_id, "version": version})
    return StoredLevelsConfiguration.model_validate({**document, "version": version, "updated_at": now})


def read_file(path: Path) -> LevelsConfiguration:
    """A configuration file (YAML, or JSON) as the model; ValueError naming what is wrong."""
    from pydantic import ValidationError

    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
    else:
        import yaml  # the CLI's dependency (dev extra); a Lambda never reads YAML

        data = yaml.safe_load(text)
    try:
        return LevelsConfiguration.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:10])
        raise ValueError(f"{path}: {problems}") from None


def example_path() -> Path:
    """The documented example configuration shipped with kycgate (three levels)."""
    return Path(__file__).with_name("example_configuration.yaml")


# ---------------------------------------------------------------- references


def _reference_errors(tenant_id: str, document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every broken reference, by its place in the body; fills in the derived UUIDs as it goes."""
    attributes = document["attributes"]
    yield from _duplicates([a["key"] for a in attributes], ("body", "attributes"), "key", "attribute key")
    by_key = {a["key"]: a for a in attributes}
    for i, attribute in enumerate(attributes):
        yield from _attribute_errors(attribute, ("body", "attributes", i))
    entities = document["legal_entities"]
    yield from _duplicates([e["key"] for e in entities], ("body", "legal_entities"), "key", "legal entity key")
    for i, entity in enumerate(entities):
        yield from _entity_errors(tenant_id, entity, by_key, ("body", "legal_entities", i))


def _attribute_errors(attribute: dict[str, Any], loc: Loc) -> Iterator[dict[str, Any]]:
    key, kind = attribute["key"], attribute["type"]
    if kind == AttributeType.DOCUMENT and key not in DOCUMENT_KEYS:
        yield _error(
            (*loc, "key"), f"a document attribute's key is one of the seed's document keys: {', '.join(DOCUMENT_KEYS)}"
        )
    if kind != AttributeType.DOCUMENT and key in DOCUMENT_KEYS:
        yield _error((*loc, "type"), f"{key} is a document key: its type must be document")
    if kind == AttributeType.LIVENESS and key not in LIVENESS_KEYS:
        yield _error((*loc, "key"), f"a liveness attribute's key is {' or '.join(LIVENESS_KEYS)} (the seed's keys)")
    if kind != AttributeType.LIVENESS and key in LIVENESS_KEYS:
        yield _error((*loc, "type"), f"{key} is a liveness key: its type must be liveness")


def _entity_errors(
    tenant_id: str, entity: dict[str, Any], attributes: dict[str, dict[str, Any]], loc: Loc
) -> Iterator[dict[str, Any]]:
    entity_key = entity["key"]
    entity_uuid = configured.legal_entity_uuid(tenant_id, entity_key)
    yield from _derived(entity, "legal_entity_uuid", entity_uuid, loc)
    entity["legal_entity_uuid"] = entity_uuid
    if entity.get("callback_url"):
        yield from _callback_url_errors(entity["callback_url"], (*loc, "callback_url"))

    documents = entity["legal_documents"]
    yield from _duplicates(
        [f"{d['key']}/{d['client_type']}" for d in documents],
        (*loc, "legal_documents"),
        "key",
        "legal document (key, client_type)",
    )
    for i, legal in enumerate(documents):
        derived = configured.legal_document_uuid(
            tenant_id, entity_key, legal["key"], legal["client_type"], legal["version"]
        )
        yield from _derived(legal, "legal_document_uuid", derived, (*loc, "legal_documents", i))
        legal["legal_document_uuid"] = derived
    legal_keys = {(d["key"], d["client_type"]) for d in documents}

    levels = entity["levels"]
    yield from _duplicates([lv["key"] for lv in levels], (*loc, "levels"), "key", "level key")
    by_key = {lv["key"]: lv for lv in levels}
    if levels and not any(lv["entry_level"] for lv in levels):
        yield _error((*loc, "levels"), "no level has entry_level: true, so no new client could apply for any")
    for i, level in enumerate(levels):
        level_loc = (*loc, "levels", i)
        derived = configured.level_uuid(tenant_id, entity_key, level["key"])
        yield from _derived(level, "kyc_level_uuid", derived, level_loc)
        level["kyc_level_uuid"] = derived
        for j, target in enumerate(level["upgrades_to"]):
            where = (*level_loc, "upgrades_to", j)
            if target == level["key"]:
                yield _error(where, "a level cannot upgrade to itself")
            elif target not in by_key:
                yield _error(where, f"no level {target!r} in this legal entity")
            elif by_key[target]["client_type"] != level["client_type"]:
                yield _error(
                    where,
                    f"level {target!r} is for {by_key[target]['client_type']} clients, "
                    f"this one for {level['client_type']}",
                )
        yield from _question_errors(level, attributes, legal_keys, level_loc)


def _question_errors(
    level: dict[str, Any], attributes: dict[str, dict[str, Any]], legal_keys: set[tuple[str, str]], loc: Loc
) -> Iterator[dict[str, Any]]:
    seen: Counter[str] = Counter()
    liveness: list[dict[str, Any]] = []
    for i, step in enumerate(level["steps"]):
        for j, question in enumerate(step["questions"]):
            where = (*loc, "steps", i, "questions", j, "attribute_key")
            key = question["attribute_key"]
            seen[key] += 1
            attribute = attributes.get(key)
            if attribute is None:
                yield _error(where, f"no attribute {key!r} in attributes")
                continue
            if seen[key] == 2:
                yield _error(where, f"{key} is asked twice in this level")
            if attribute["type"] == AttributeType.LEGAL_DOCUMENT and (
                (attribute["legal_document_key"], level["client_type"]) not in legal_keys
            ):
                yield _error(
                    where,
                    f"{key} asks to accept legal document {attribute['legal_document_key']!r}, which this legal "
                    f"entity has no version of for {level['client_type']} clients",
                )
            if attribute["type"] == AttributeType.LIVENESS:
                liveness.append(attribute)
    if len(liveness) > 1:
        yield _error((*loc, "steps"), "a level asks for at most one liveness check (the url or the token)")
    kycgate_check = any(
        (a.get("provider") or LivenessProviderName.KYCGATE) == LivenessProviderName.KYCGATE for a in liveness
    )
    if kycgate_check and not any(k in seen for k in PORTRAIT_DOCUMENT_KEYS):
        yield _error(
            (*loc, "steps"),
            "kycgate's liveness check compares the selfie with a document portrait: the level must also ask for "
            f"one of {', '.join(PORTRAIT_DOCUMENT_KEYS)}",
        )


def _callback_url_errors(url: str, loc: Loc) -> Iterator[dict[str, Any]]:
    from kycgate.webhooks.ssrf import CallbackUrlRefused, check_callback_url

    try:
        check_callback_url(url, allow_loopback=get_settings().allow_loopback_callbacks)
    except CallbackUrlRefused as exc:
        yield _error(loc, f"callback_url refused ({exc.reason}): {exc.message}", exc.reason)


def _derived(part: dict[str, Any], name: str, derived: str, loc: Loc) -> Iterator[dict[str, Any]]:
    given = part.get(name)
    if given is not None and given != derived:
        yield _error((*loc, name), f"{name} is derived from the keys ({derived}); leave it out or send that value")


def _duplicates(keys: list[str], loc: Loc, field: str, what: str) -> Iterator[dict[str, Any]]:
    seen: set[str] = set()
    for i, value in enumerate(keys):
        if value in seen:
            yield _error((*loc, i, field), f"{what} {value!r} appears twice")
        seen.add(value)


def _error(loc: Loc, message: str, type_: str = "value_error") -> dict[str, Any]:
    return field_error(list(loc), message, type_)
