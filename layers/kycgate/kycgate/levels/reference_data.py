"""What a questionnaire refers to (seed 002): a reference attribute's definitions and the legal documents
a client accepts. Read from the stored configuration; no HTTP, no boto3. DynamoDB: 1 GetItem each."""

from __future__ import annotations

from kycgate.core import listing
from kycgate.core.errors import NotFound
from kycgate.levels import configured, store
from kycgate.levels.schemas import AttributeDefinitions, LegalDocumentList
from kycgate.levels.vocabulary import AttributeType, ClientType


def definitions(tenant_id: str, attribute_key: str) -> AttributeDefinitions:
    attribute = configured.from_item(store.get_configuration(tenant_id)).attribute(attribute_key)
    if attribute["type"] != AttributeType.REFERENCE:
        raise NotFound(
            f"Attribute {attribute_key!r} is a {attribute['type']} attribute; "
            "only reference attributes have definitions."
        )
    return AttributeDefinitions(attribute_key=attribute_key, definitions=attribute["definitions"])


def legal_documents(
    tenant_id: str,
    legal_entity_uuid: str,
    client_type: ClientType | None,
    key: str | None,
    page: int,
    page_size: int,
) -> LegalDocumentList:
    entity = configured.from_item(store.get_configuration(tenant_id)).entity(legal_entity_uuid)
    found = [
        {**document, "legal_entity_uuid": legal_entity_uuid}
        for document in entity["legal_documents"]
        if (client_type is None or document["client_type"] == client_type) and (key is None or document["key"] == key)
    ]
    window = listing.in_memory_page(found, page=page, page_size=page_size)
    return LegalDocumentList.model_validate({"items": window.items, "pagination": window.pagination})
