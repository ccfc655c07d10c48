"""A KYC application's questionnaire: read it (with its liveness links), fill it in with
`attribute_changes`, and its audit trail (seed 002). No HTTP, no boto3.

A PATCH is all or nothing: every change is checked against its attribute's type first, and one bad value
answers 422 naming each bad attribute and why, with nothing applied. Changes of signed attributes need a
code (`sms_sign_code` / `email_sign_code`); one code signs every attribute of its kind in the request,
and the PATCH uses it up in its own transaction. A PATCH is allowed while the application is a draft or
pending (sent back by the reviewer); the write is conditional on the version read, so two concurrent
PATCHes cannot both apply to the same state.

DynamoDB: GET 1-2 (application; the client when there is a liveness check) plus the liveness grant's
write when one is issued; PATCH 2-4 (application, the documents named when any, a code per provider
used, then one TransactWriteItems); history 2 (application, Query).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from kycgate.core import clock, listing
from kycgate.core.errors import Conflict, NotFound, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.core.tenants import Caller
from kycgate.levels import attributes as attribute_rules
from kycgate.levels import liveness, signatures, store, views
from kycgate.levels.clients import actor_of, event_record
from kycgate.levels.schemas import (
    KycApplication,
    KycApplicationEvent,
    KycApplicationHistory,
    KycAttribute,
    UpdateKycApplicationRequest,
)
from kycgate.levels.vocabulary import (
    EDITABLE_STATUSES,
    PORTRAIT_DOCUMENT_KEYS,
    SIGN_CODE_PARAMETERS,
    AttributeType,
    LivenessStatus,
    SignProvider,
)

_MAX_ERRORS = 50


class Scope(NamedTuple):
    """The seed's `legal_entity_uuid` / `client_uuid` query parameters: when sent, the application must
    be theirs (an application of another client answers as an unknown one)."""

    legal_entity_uuid: str | None = None
    client_uuid: str | None = None


def load(tenant_id: str, application_uuid: str, scope: Scope) -> dict[str, Any]:
    application = store.get_application(tenant_id, application_uuid)
    if (
        application is None
        or (scope.legal_entity_uuid is not None and application["legal_entity_uuid"] != scope.legal_entity_uuid)
        or (scope.client_uuid is not None and application["client_uuid"] != scope.client_uuid)
    ):
        raise NotFound(f"No KYC application {application_uuid}" + (" for that client." if scope.client_uuid else "."))
    return application


def get_application(
    tenant_id: str,
    application_uuid: str,
    scope: Scope,
    ttls: dict[str, liveness.Ttl] | None,
    public_base: str,
) -> KycApplication:
    """The questionnaire with its values; liveness links issued or renewed by ``ttls`` (None: the seed's
    `empty_volatile_fields`, nothing issued)."""
    application = load(tenant_id, application_uuid, scope)
    snapshot = views.snapshot_of(application)
    return views.application_view(application, snapshot, _live(tenant_id, application, snapshot, ttls, public_base))


def get_attribute(
    tenant_id: str, application_uuid: str, attribute_key: str, scope: Scope, ttl: liveness.Ttl, public_base: str
) -> KycAttribute:
    application = load(tenant_id, application_uuid, scope)
    snapshot = views.snapshot_of(application)
    if attribute_key not in views.question_keys(snapshot):
        raise NotFound(f"KYC application {application_uuid} has no attribute {attribute_key!r}.")
    ttls = {attribute_key: ttl}
    view = views.application_view(application, snapshot, _live(tenant_id, application, snapshot, ttls, public_base))
    return next(q.attribute for step in view.kyc_steps for q in step.questions if q.attribute.key == attribute_key)


def update_application(
    caller: Caller,
    application_uuid: str,
    scope: Scope,
    request: UpdateKycApplicationRequest,
    codes: dict[SignProvider, str | None],
) -> KycApplication:
    tenant_id = caller.tenant_id
    application = load(tenant_id, application_uuid, scope)
    if application["status"] not in EDITABLE_STATUSES:
        raise _not_editable(application)
    snapshot = views.snapshot_of(application)
    asked = set(views.question_keys(snapshot))
    now = clock.now_iso()
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, change in enumerate(request.attribute_changes):
        if change.key not in asked:
            errors.append(
                _change_error(
                    i, "key", change.key, f"is not asked by this application's level ({', '.join(sorted(asked))})"
                )
            )
        elif change.key in seen:
            errors.append(_change_error(i, "key", change.key, "is changed twice in one request"))
        seen.add(change.key)
    if errors:
        raise _invalid(errors)

    wanted = {
        uuid
        for change in request.attribute_changes
        if snapshot["attributes"][change.key]["type"] == AttributeType.DOCUMENT
        and (uuid := attribute_rules.document_uuid_of(change.value))
    }
    documents = (
        store.client_items(tenant_id, application["client_uuid"], [f"DOC#{u}" for u in wanted]) if wanted else {}
    )
    context = attribute_rules.Context(
        legal_documents=snapshot["legal_documents"],
        documents={item["document_uuid"]: item for item in documents.values()},
        now_iso=now,
    )
    values = dict(application.get("values") or {})
    needs: dict[str, SignProvider] = {}
    for i, change in enumerate(request.attribute_changes):
        attribute = snapshot["attributes"][change.key]
        if change.value is None:
            if attribute["type"] == AttributeType.LIVENESS:
                errors.append(_change_error(i, "value", change.key, "is set by the liveness check, not by PATCH"))
            values.pop(change.key, None)
            continue
        try:
            stored = attribute_rules.check(attribute, change.value, context)
        except attribute_rules.Invalid as invalid:
            errors.append(_change_error(i, "value", change.key, invalid.message, invalid.type))
            continue
        providers = [SignProvider(p) for p in attribute.get("sign_providers") or []]
        if providers:
            chosen = next((p for p in providers if codes.get(p)), None)
            if chosen is None:
                names = " or ".join(SIGN_CODE_PARAMETERS[p] for p in providers)
                errors.append(
                    _change_error(
                        i,
                        "value",
                        change.key,
                        f"must be signed: send {names} (a code from POST /api/v1/levels/verification-codes)",
                        "signature_required",
                    )
                )
                continue
            needs[change.key] = chosen
        values[change.key] = {**stored, "updated_at": now}
    if errors:
        raise _invalid(errors)

    # One code per provider signs every attribute of its kind in this request (seed 002).
    signed = {
        provider: signatures.verify(tenant_id, caller.is_test, application_uuid, provider, codes[provider] or "")
        for provider in dict.fromkeys(needs.values())
    }
    for key, provider in needs.items():
        values[key]["signature"] = signed[provider].signature
    changes: dict[str, Any] = {"values": values, "updated_at": now}
    states = _reset_liveness(application, {c.key for c in request.attribute_changes})
    if states is not None:
        changes["liveness"] = states
    version = int(application["version"])
    keys = [c.key for c in request.attribute_changes]
    event = event_record(
        "updated", application["status"], application["status"], actor_of(caller), now, attribute_keys=keys
    )
    items = [
        store.application_update(
            tenant_id, application_uuid, changes, expected_version=version, expected_statuses=EDITABLE_STATUSES
        ),
        *(item for s in signed.values() for item in s.consume),
        store.event_put(tenant_id, application_uuid, version + 1, event),
    ]
    try:
        store.commit(items)
    except store.StaleWrite as exc:
        if exc.failed(0):
            current = store.get_application(tenant_id, application_uuid) or application
            if current["status"] not in EDITABLE_STATUSES:
                raise _not_editable(current) from exc
            raise Conflict(
                "The application changed while this update was checked; read it and send the update again."
            ) from exc
        raise Unprocessable(
            "A sign code was used up or locked by another request meanwhile: request a new code.",
            errors=[
                field_error(["query", SIGN_CODE_PARAMETERS[p]], "was used meanwhile", "sign_code_used") for p in signed
            ],
        ) from exc
    logger.info("levels application updated", extra={"tenant_id": tenant_id, "attributes": len(keys)})
    updated = {**application, **changes, "version": version + 1}
    return views.application_view(updated, snapshot)


def history(
    tenant_id: str, application_uuid: str, scope: Scope, page: int, page_size: int, cursor: str | None
) -> KycApplicationHistory:
    application = load(tenant_id, application_uuid, scope)
    # Every change writes one event with the version step it makes (created at 1): version is the count.
    query = store.events_query(tenant_id, application_uuid)
    found = listing.list_page(
        tenant_id, query, page=page, page_size=page_size, cursor=cursor, total=int(application["version"])
    )
    events = [KycApplicationEvent.model_validate(item) for item in found.items]
    return KycApplicationHistory(items=events, pagination=found.pagination)


# ---------------------------------------------------------------- helpers


def _live(
    tenant_id: str,
    application: dict[str, Any],
    snapshot: dict[str, Any],
    ttls: dict[str, liveness.Ttl] | None,
    public_base: str,
) -> dict[str, liveness.AttributeView]:
    if not application.get("liveness"):
        return {}
    client = store.get_client(tenant_id, application["client_uuid"]) or {}
    return liveness.views(tenant_id, application, snapshot, ttls, client, public_base)


def _reset_liveness(application: dict[str, Any], changed: set[str]) -> dict[str, Any] | None:
    """A new portrait document voids a kycgate liveness approval that compared the selfie with the old one
    (attempts already used stay used); None when no check is affected."""
    if not changed & set(PORTRAIT_DOCUMENT_KEYS):
        return None
    states = dict(application.get("liveness") or {})
    touched = False
    for key, state in states.items():
        reference = state.get("reference_document") or {}
        if state["provider"] == "kycgate" and reference.get("attribute_key") in changed:
            status = LivenessStatus(state["status"])
            reset = LivenessStatus.PENDING if status == LivenessStatus.APPROVED else status
            states[key] = {k: v for k, v in state.items() if k not in ("reference_document", "result")} | {
                "status": reset.value
            }
            touched = True
    return states if touched else None


def _not_editable(application: dict[str, Any]) -> Conflict:
    status = application["status"]
    hint = {
        "in_review": "wait for the reviewer's decision",
        "approved": "it is approved",
        "rejected": "rejection is final: create a new application with POST /api/v1/levels/clients/kyc-level-info",
    }.get(status, "")
    return Conflict(
        f"KYC application {application['kyc_application_uuid']} is {status} and cannot change ({hint}).",
        slug="application-not-editable",
        extra={"current_status": status},
    )


def _change_error(index: int, field: str, key: str, message: str, type_: str = "value_error") -> dict[str, Any]:
    return field_error(["body", "attribute_changes", index, field], f"{key}: {message}", type_)


def _invalid(errors: list[dict[str, Any]]) -> Unprocessable:
    shown = errors[:_MAX_ERRORS]
    detail = "attribute_changes: " + "; ".join(e["msg"] for e in shown[:5])
    if len(errors) > 5:
        detail += f" ({len(errors)} problems)"
    return Unprocessable(detail + ". Nothing of this update was applied.", errors=shown)
