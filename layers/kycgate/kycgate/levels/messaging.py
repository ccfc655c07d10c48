"""Sending a verification code: SMS through Amazon SNS, e-mail through Amazon SES, or (``kycgate serve``)
the console and a local outbox file. No rules here: levels.signatures decides what is sent and when.

A code is never logged. Locally there is no SMS gateway, so the code is printed to the console (not
through the logger) and appended as one JSON line to KYCGATE_LOCAL_OUTBOX_PATH, which is where a
developer, and the end-to-end tests, read it.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from kycgate.core import aws, clock
from kycgate.core.errors import ServiceUnavailable
from kycgate.core.logs import logger
from kycgate.core.settings import get_settings
from kycgate.levels.vocabulary import SignProvider

SUBJECT = "Your verification code"
_outbox_lock = threading.Lock()


def message_text(code: str, minutes: int) -> str:
    return f"Your verification code is {code}. It expires in {minutes} minutes. Never share it."


def deliver(provider: SignProvider, destination: str, code: str, minutes: int) -> None:
    """Send ``code`` to ``destination``; ServiceUnavailable when the channel refuses or fails."""
    text = message_text(code, minutes)
    settings = get_settings()
    if settings.code_delivery == "local":
        _deliver_locally(provider, destination, code, text, settings.local_outbox_path)
        return
    try:
        if provider == SignProvider.SMS:
            aws.client("sns").publish(
                PhoneNumber=destination,
                Message=text,
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                },
            )
        else:
            if not settings.code_email_sender:
                raise ServiceUnavailable(
                    "E-mail codes are not configured: set the CodeEmailSender parameter to a verified SES identity.",
                    retry_after_seconds=3600,
                )
            aws.client("ses").send_email(
                Source=settings.code_email_sender,
                Destination={"ToAddresses": [destination]},
                Message={"Subject": {"Data": SUBJECT}, "Body": {"Text": {"Data": text}}},
            )
    except ServiceUnavailable:
        raise
    except Exception as exc:
        # The exception may quote the message (and so the code): log its type only.
        logger.warning(
            "verification code not sent", extra={"provider_type": provider.value, "error": type(exc).__name__}
        )
        raise ServiceUnavailable(f"The {provider.value} could not be sent; request a new code shortly.", 60) from exc


def _deliver_locally(provider: SignProvider, destination: str, code: str, text: str, outbox: str) -> None:
    print(f"[kycgate local {provider.value}] to {destination}: {text}", flush=True)
    if not outbox:
        return
    line = json.dumps(
        {
            "provider_type": provider.value,
            "destination": destination,
            "code": code,
            "message": text,
            "sent_at": clock.now_iso(),
        }
    )
    with _outbox_lock, Path(outbox).open("a", encoding="utf-8") as file:
        file.write(line + "\n")


def read_outbox(path: str | Path) -> list[dict[str, str]]:
    """Every message of a local outbox file, oldest first (what a developer or a test reads)."""
    file = Path(path)
    if not file.exists():
        return []
    return [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
