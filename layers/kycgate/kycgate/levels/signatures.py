"""Client signatures (seed 002): 6-digit codes sent by SMS or e-mail, checked when a PATCH or a
send-to-review is signed with ``sms_sign_code`` / ``email_sign_code``. No HTTP, no boto3.

- A code is for one application and one provider, valid 10 minutes, and signs once: the request it signs
  uses it up in the same transaction as its change. One code signs every attribute of its type in that
  request (the seed).
- Sending is rate-limited per application and provider: a new code at most every 60 s and 5 per hour;
  a code locks after 5 wrong tries. Each send replaces the previous code (conditional write), so two
  concurrent sends count as two and one of them is refused.
- Codes are stored as salted SHA-256 digests and never logged. A 6-digit code is guessable offline from
  its digest in milliseconds, so what protects it is the expiry and the 5 tries; the digest keeps codes
  out of reads, exports and backups of the table.
- Test mode (``kg_test_`` keys, the seed's sandbox) sends nothing and accepts 111111.

DynamoDB: send 3 (GetItem application, GetItem client, GetItem + PutItem code; 1 GetItem in test mode);
verify 1 GetItem per code (a wrong code adds 1 UpdateItem); the consumption rides in the caller's
transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, NamedTuple

from kycgate.core import clock, ids
from kycgate.core.errors import Conflict, NotFound, TooManyRequests, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.core.tenants import Caller
from kycgate.levels import store
from kycgate.levels.schemas import SendVerificationCodeRequest, VerificationCodeSent
from kycgate.levels.vocabulary import EDITABLE_STATUSES, SIGN_CODE_PARAMETERS, SignProvider

CODE_TTL_SECONDS = 10 * 60
RESEND_AFTER_SECONDS = 60
MAX_SENDS_PER_WINDOW = 5
SEND_WINDOW_SECONDS = 60 * 60
MAX_WRONG_ATTEMPTS = 5
RETENTION_SECONDS = 24 * 60 * 60  # the item's TTL: past the send window, so the hourly limit holds
SANDBOX_CODE = "111111"


class Signed(NamedTuple):
    """A verified code: the record kept with what it signed, and the transaction item that uses it up."""

    provider: SignProvider
    signature: dict[str, Any]
    consume: list[dict[str, Any]]


def send_code(caller: Caller, request: SendVerificationCodeRequest, client_uuid: str | None) -> VerificationCodeSent:
    """Send a new code for the application ``object_uuid`` (or, in test mode, pretend to)."""
    tenant_id = caller.tenant_id
    application_uuid = str(request.object_uuid)
    application = store.get_application(tenant_id, application_uuid)
    if (
        application is None
        or application["legal_entity_uuid"] != str(request.legal_entity_uuid)
        or (client_uuid is not None and application["client_uuid"] != client_uuid)
    ):
        raise NotFound(f"No KYC application {application_uuid} for that legal entity and client.")
    if application["status"] not in EDITABLE_STATUSES:
        raise Conflict(
            f"KYC application {application_uuid} is {application['status']}; "
            "codes sign changes of a draft or pending one.",
            extra={"current_status": application["status"]},
        )
    provider = request.provider_type
    client = store.get_client(tenant_id, application["client_uuid"]) or {}
    destination = _destination(
        provider, request.destination or client.get("phone" if provider == SignProvider.SMS else "email")
    )
    now = clock.now()
    expires_at = now + CODE_TTL_SECONDS
    if caller.is_test:
        return VerificationCodeSent(
            object_uuid=request.object_uuid,
            provider_type=provider,
            destination=mask(destination),
            expires_at=clock.iso(expires_at),
            resend_available_at=clock.iso(now),
            sandbox=True,
        )
    existing = store.get_code(tenant_id, application_uuid, provider.value)
    window_started, sends = now, 0
    if existing is not None:
        wait = existing["last_sent_at"] + RESEND_AFTER_SECONDS - now
        if wait > 0:
            raise TooManyRequests(
                f"A code was sent less than {RESEND_AFTER_SECONDS} s ago; wait {int(wait) + 1} s.", int(wait) + 1
            )
        if existing["window_started_at"] + SEND_WINDOW_SECONDS > now:
            window_started, sends = existing["window_started_at"], existing["sends"]
        if sends >= MAX_SENDS_PER_WINDOW:
            wait = window_started + SEND_WINDOW_SECONDS - now
            raise TooManyRequests(
                f"{MAX_SENDS_PER_WINDOW} codes were sent for this application within an hour; wait {int(wait) + 1} s.",
                int(wait) + 1,
            )
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(16)
    item = {
        "code_id": ids.new_id("code"),
        "code_digest": _digest(salt, code),
        "salt": salt,
        "destination": mask(destination),
        "code_expires_at": expires_at,
        "attempts": 0,
        "used": False,
        "last_sent_at": now,
        "window_started_at": window_started,
        "sends": sends + 1,
        "expires_at": now + RETENTION_SECONDS,
    }
    try:
        store.put_code(tenant_id, application_uuid, provider.value, item, int(existing["version"]) if existing else 0)
    except store.StaleWrite as exc:
        raise TooManyRequests(
            "Another code was sent for this application just now; wait a minute.", RESEND_AFTER_SECONDS
        ) from exc
    from kycgate.levels import messaging  # SNS/SES clients: only this route loads them

    messaging.deliver(provider, destination, code, CODE_TTL_SECONDS // 60)
    metrics.add_metric(name=f"LevelsCodesSent_{provider.value}", unit=MetricUnit.Count, value=1)
    logger.info("verification code sent", extra={"tenant_id": tenant_id, "provider_type": provider.value})
    return VerificationCodeSent(
        object_uuid=request.object_uuid,
        provider_type=provider,
        destination=item["destination"],
        expires_at=clock.iso(expires_at),
        resend_available_at=clock.iso(now + RESEND_AFTER_SECONDS),
        sandbox=False,
    )


def verify(tenant_id: str, is_test: bool, application_uuid: str, provider: SignProvider, code: str) -> Signed:
    """The code as a signature, or a 422 naming its query parameter and why it does not sign."""
    parameter = SIGN_CODE_PARAMETERS[provider]
    now = clock.now()
    if is_test:
        if code != SANDBOX_CODE:
            raise _refused(parameter, f"is wrong; the sandbox's code is always {SANDBOX_CODE}", "sign_code_wrong")
        return Signed(
            provider, {"provider_type": provider.value, "destination": "sandbox", "signed_at": clock.iso(now)}, []
        )
    item = store.get_code(tenant_id, application_uuid, provider.value)
    if item is None or item.get("used"):
        raise _refused(
            parameter,
            "has no unused code to match: request one with POST /api/v1/levels/verification-codes",
            "sign_code_missing",
        )
    if item["code_expires_at"] <= now:
        raise _refused(parameter, "has expired (codes are valid 10 minutes): request a new one", "sign_code_expired")
    if item["attempts"] >= MAX_WRONG_ATTEMPTS:
        raise _refused(
            parameter, f"was entered wrongly {MAX_WRONG_ATTEMPTS} times: request a new code", "sign_code_locked"
        )
    if not hmac.compare_digest(item["code_digest"], _digest(item["salt"], code)):
        store.count_wrong_code(tenant_id, application_uuid, provider.value, item["code_id"])
        left = MAX_WRONG_ATTEMPTS - item["attempts"] - 1
        raise _refused(parameter, f"is wrong ({left} {'try' if left == 1 else 'tries'} left)", "sign_code_wrong")
    consume = store.code_consume(tenant_id, application_uuid, provider.value, item["code_id"], MAX_WRONG_ATTEMPTS)
    signature = {"provider_type": provider.value, "destination": item["destination"], "signed_at": clock.iso(now)}
    return Signed(provider, signature, [consume])


def mask(destination: str) -> str:
    """Enough of a destination for the client to recognise it, not enough to read it."""
    if "@" in destination:
        name, _, domain = destination.partition("@")
        return f"{name[:1]}***@{domain}"
    return destination[:3] + "*" * max(0, len(destination) - 7) + destination[-4:]


def _destination(provider: SignProvider, destination: str | None) -> str:
    field = ["body", "destination"]
    if not destination:
        what = "phone number" if provider == SignProvider.SMS else "e-mail address"
        message = f"the client has no {what} on record: send destination"
        raise Unprocessable(f"destination: {message}", errors=[field_error(field, message, "missing_destination")])
    if provider == SignProvider.SMS:
        import phonenumbers

        try:
            number = phonenumbers.parse(destination, None)
            valid = phonenumbers.is_valid_number(number)
        except phonenumbers.NumberParseException:
            valid = False
        if not valid:
            message = "must be a phone number in international format, e.g. +14155552671"
            raise Unprocessable(f"destination: {message}", errors=[field_error(field, message, "phone")])
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(destination, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise Unprocessable(f"destination: {exc}", errors=[field_error(field, str(exc), "email")]) from None


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _refused(parameter: str, message: str, type_: str) -> Unprocessable:
    return Unprocessable(f"{parameter} {message}", errors=[field_error(["query", parameter], message, type_)])
