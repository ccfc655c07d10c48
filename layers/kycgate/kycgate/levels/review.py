"""Review of a KYC application (seed 002): send-to-review, and the reviewer's approved, rejected (final)
or pending (back to the client with notes per attribute). No HTTP, no boto3.

    draft --send-to-review--> in_review --approve--> approved
    pending --send-to-review--^        |--reject---> rejected (final: a new application is needed)
       ^-------------------------------'--pending (notes)

Every transition is one TransactWriteItems: the application (conditional on its version and status), its
audit event, its client's open application and level (on approval or rejection), the code that signed
it, and the callback to the legal entity's callback_url through the outbox. Live decisions need a key
with the reviewer scope; the seed's sandbox routes (approve/, reject/, send-to-clarify/) exist for
test-mode keys only.

DynamoDB: send-to-review 3-4 (application, client, a code, TransactWriteItems); a decision 2
(application, TransactWriteItems).
"""

from __future__ import annotations

from typing import Any

from kycgate.core import clock
from kycgate.core.errors import Conflict, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.core.tenants import Caller
from kycgate.levels import liveness, signatures, store, views
from kycgate.levels.applications import Scope, load
from kycgate.levels.clients import actor_of, event_record
from kycgate.levels.schemas import AttributeNote, KycApplication
from kycgate.levels.vocabulary import (
    EDITABLE_STATUSES,
    SIGN_CODE_PARAMETERS,
    ApplicationStatus,
    AttributeType,
    LivenessStatus,
    ReviewOutcome,
    SignProvider,
)
from kycgate.webhooks import outbox

CALLBACK_EVENT = "levels.kyc_application"
_EVENT_NAMES = {
    ReviewOutcome.APPROVED: "approved",
    ReviewOutcome.REJECTED: "rejected",
    ReviewOutcome.PENDING: "sent_to_clarify",
}


def send_to_review(
    caller: Caller, application_uuid: str, scope: Scope, codes: dict[SignProvider, str | None]
) -> KycApplication:
    """Check that every required attribute of the level has a value (liveness: approved) and that the
    signature the level asks for is given, then move the application to in_review."""
    tenant_id = caller.tenant_id
    application = load(tenant_id, application_uuid, scope)
    status = ApplicationStatus(application["status"])
    if status not in EDITABLE_STATUSES:
        raise Conflict(
            f"KYC application {application_uuid} is {status.value}; "
            "only a draft or pending application is sent to review.",
            slug="application-not-editable",
            extra={"current_status": status.value},
        )
    snapshot = views.snapshot_of(application)
    client = store.get_client(tenant_id, application["client_uuid"]) or {}
    states = liveness.current(tenant_id, application, snapshot, client)
    errors = _missing(application, snapshot, states)
    providers = [SignProvider(p) for p in snapshot["level"].get("sign_providers") or []]
    chosen = next((p for p in providers if codes.get(p)), None)
    if providers and chosen is None:
        names = " or ".join(SIGN_CODE_PARAMETERS[p] for p in providers)
        errors.append(
            field_error(
                ["query", SIGN_CODE_PARAMETERS[providers[0]]],
                f"sending this application to review must be signed: send {names}",
                "signature_required",
            )
        )
    if errors:
        detail = "; ".join(e["msg"] for e in errors[:5]) + (f" ({len(errors)} problems)" if len(errors) > 5 else "")
        raise Unprocessable(f"Not ready for review: {detail}.", slug="not-ready-for-review", errors=errors[:50])
    signed = (
        signatures.verify(tenant_id, caller.is_test, application_uuid, chosen, codes[chosen] or "") if chosen else None
    )
    now = clock.now_iso()
    changes: dict[str, Any] = {"status": ApplicationStatus.IN_REVIEW.value, "submitted_at": now, "updated_at": now}
    if signed is not None:
        changes["review_signature"] = signed.signature
    event = event_record("sent_to_review", status, ApplicationStatus.IN_REVIEW, actor_of(caller), now)
    consume = list(signed.consume) if signed else []
    code_parameter = SIGN_CODE_PARAMETERS[chosen] if chosen else None
    updated = _transition(tenant_id, application, changes, event, consume, snapshot, code_parameter)
    return views.application_view(updated, snapshot)


def decide(
    caller: Caller,
    application_uuid: str,
    scope: Scope,
    outcome: ReviewOutcome,
    comment: str | None,
    notes: list[AttributeNote],
) -> KycApplication:
    """A reviewer's decision on an application in_review."""
    tenant_id = caller.tenant_id
    application = load(tenant_id, application_uuid, scope)
    if application["status"] != ApplicationStatus.IN_REVIEW:
        raise Conflict(
            f"KYC application {application_uuid} is {application['status']}; only an application in_review is decided.",
            slug="application-not-in-review",
            extra={"current_status": application["status"]},
        )
    snapshot = views.snapshot_of(application)
    asked = set(views.question_keys(snapshot))
    unknown = [
        field_error(["body", "notes", i, "attribute_key"], f"{n.attribute_key} is not an attribute of this application")
        for i, n in enumerate(notes)
        if n.attribute_key not in asked
    ]
    if unknown:
        raise Unprocessable("; ".join(e["msg"] for e in unknown[:5]), errors=unknown[:50])
    now = clock.now_iso()
    to_status = ApplicationStatus(outcome.value)
    changes: dict[str, Any] = {"status": to_status.value, "updated_at": now, "review_comment": comment or ""}
    if outcome == ReviewOutcome.PENDING:
        changes["notes"] = {n.attribute_key: n.note for n in notes}
    else:
        changes["decided_at"] = now
    extra = []
    if outcome != ReviewOutcome.PENDING:
        extra.append(
            store.client_close_application(
                tenant_id,
                application["client_uuid"],
                application["kyc_level_uuid"],
                application_uuid,
                outcome.value,
                now,
            )
        )
    event = event_record(
        _EVENT_NAMES[outcome],
        ApplicationStatus.IN_REVIEW,
        to_status,
        actor_of(caller),
        now,
        comment=comment,
        notes=changes.get("notes"),
    )
    updated = _transition(tenant_id, application, changes, event, extra, snapshot)
    metrics.add_metric(name=f"LevelsApplicationsDecided_{outcome.value}", unit=MetricUnit.Count, value=1)
    return views.application_view(updated, snapshot)


def callback_payload(application: dict[str, Any], previous: str) -> dict[str, Any]:
    """The body each status change sends to the legal entity's callback_url."""
    return {
        "event": "kyc_application",
        "kyc_application_uuid": application["kyc_application_uuid"],
        "legal_entity_uuid": application["legal_entity_uuid"],
        "client_uuid": application["client_uuid"],
        "kyc_level_uuid": application["kyc_level_uuid"],
        "status": application["status"],
        "previous_status": previous,
        "review_comment": application.get("review_comment") or None,
        "notes": application.get("notes") or {} if application["status"] == ApplicationStatus.PENDING else {},
        "changed_at": application["updated_at"],
    }


def _missing(
    application: dict[str, Any], snapshot: dict[str, Any], states: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    values = application.get("values") or {}
    errors = []
    for step in snapshot["steps"]:
        for question in step["questions"]:
            key = question["attribute_key"]
            attribute = snapshot["attributes"][key]
            if attribute["type"] == AttributeType.LIVENESS:
                state = states.get(key) or {}
                if question["required"] and state.get("status") != LivenessStatus.APPROVED:
                    errors.append(
                        field_error(
                            ["attributes", key],
                            f"{key}: the liveness check is {state.get('status', 'pending')}, not approved",
                            "liveness_not_approved",
                        )
                    )
                continue
            stored = values.get(key)
            if stored is None:
                if question["required"]:
                    errors.append(
                        field_error(["attributes", key], f"{key} is required and has no value", "required_attribute")
                    )
                continue
            if attribute.get("sign_providers") and not stored.get("signature"):
                errors.append(field_error(["attributes", key], f"{key} has no signature", "signature_required"))
    return errors


def _transition(
    tenant_id: str,
    application: dict[str, Any],
    changes: dict[str, Any],
    event: dict[str, Any],
    extra: list[dict[str, Any]],
    snapshot: dict[str, Any],
    code_parameter: str | None = None,
) -> dict[str, Any]:
    version = int(application["version"])
    application_uuid = application["kyc_application_uuid"]
    previous = application["status"]
    updated = {**application, **changes, "version": version + 1}
    deliveries = []
    url = snapshot["legal_entity"].get("callback_url")
    if url:
        deliveries.append(
            outbox.new_delivery(
                tenant_id,
                event=CALLBACK_EVENT,
                reference=application_uuid,
                url=url,
                payload=callback_payload(updated, previous),
            )
        )
    items = [
        store.application_update(
            tenant_id, application_uuid, changes, expected_version=version, expected_statuses=[previous]
        ),
        store.event_put(tenant_id, application_uuid, version + 1, event),
        *extra,
    ]
    try:
        store.commit(items, deliveries)
    except store.StaleWrite as exc:
        if not exc.failed(0) and code_parameter is not None:
            raise Unprocessable(
                f"{code_parameter} was used up or locked by another request meanwhile: request a new code.",
                errors=[field_error(["query", code_parameter], "was used meanwhile", "sign_code_used")],
            ) from exc
        current = store.get_application(tenant_id, application_uuid) or application
        raise Conflict(
            f"KYC application {application_uuid} changed meanwhile (now {current['status']}); "
            "read it and decide again.",
            extra={"current_status": current["status"]},
        ) from exc
    logger.info(
        "levels application status changed",
        extra={"tenant_id": tenant_id, "from_status": previous, "to_status": changes["status"]},
    )
    return updated
