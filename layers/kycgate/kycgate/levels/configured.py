"""The stored levels configuration as lookups, and the UUIDs it derives from its keys. No HTTP, no boto3.

The configuration names legal entities, levels and legal documents by key; their UUIDs (the seed's
``legal_entity_uuid``, ``kyc_level_uuid``, legal document UUID) are name-based UUIDs (RFC 9562 v5) of the
tenant's data space and the keys. So a reloaded configuration keeps its UUIDs (open applications keep
pointing at their level), another tenant or the test space with the same keys gets different ones, and a
new version of a legal document is a new UUID (the acceptance of the old one no longer counts).

Read as plain JSON, not through the wire models: the routes that read it (level info, applications,
definitions, legal documents) need lookups, not validation, which happened when it was stored.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, NamedTuple

from kycgate.core.errors import NotFound

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:kycgate:levels")


def legal_entity_uuid(tenant_id: str, entity_key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{tenant_id}/legal_entity/{entity_key}"))


def level_uuid(tenant_id: str, entity_key: str, level_key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{tenant_id}/level/{entity_key}/{level_key}"))


def legal_document_uuid(tenant_id: str, entity_key: str, document_key: str, client_type: str, version: str) -> str:
    return str(
        uuid.uuid5(_NAMESPACE, f"{tenant_id}/legal_document/{entity_key}/{document_key}/{client_type}/{version}")
    )


class Level(NamedTuple):
    entity: dict[str, Any]
    level: dict[str, Any]

    @property
    def uuid(self) -> str:
        return self.level["kyc_level_uuid"]


class Configured(NamedTuple):
    """The configuration document (uuids filled in) with its lookups."""

    document: dict[str, Any]
    version: int
    updated_at: str | None
    attributes: dict[str, dict[str, Any]]  # by attribute key
    entities: dict[str, dict[str, Any]]  # by legal_entity_uuid
    levels: dict[str, Level]  # by kyc_level_uuid

    def entity(self, entity_uuid: str) -> dict[str, Any]:
        found = self.entities.get(entity_uuid)
        if found is None:
            raise NotFound(f"No legal entity {entity_uuid} in your levels configuration.")
        return found

    def levels_of(self, entity_uuid: str) -> list[Level]:
        return [level for level in self.levels.values() if level.entity["legal_entity_uuid"] == entity_uuid]

    def attribute(self, attribute_key: str) -> dict[str, Any]:
        found = self.attributes.get(attribute_key)
        if found is None:
            raise NotFound(f"No attribute {attribute_key!r} in your levels configuration.")
        return found


EMPTY = {"attributes": [], "legal_entities": []}


def from_item(item: dict[str, Any] | None) -> Configured:
    """The stored configuration item as lookups; an empty configuration (version 0) when there is none."""
    if item is None:
        return index(dict(EMPTY), 0, None)
    return index(json.loads(item["document"]), int(item["version"]), item.get("updated_at"))


def index(document: dict[str, Any], version: int, updated_at: str | None) -> Configured:
    entities = {entity["legal_entity_uuid"]: entity for entity in document["legal_entities"]}
    levels = {
        level["kyc_level_uuid"]: Level(entity, level)
        for entity in document["legal_entities"]
        for level in entity["levels"]
    }
    attributes = {attribute["key"]: attribute for attribute in document["attributes"]}
    return Configured(document, version, updated_at, attributes, entities, levels)
