"""The one powertools Logger: JSON, correlation id, and no PII or secrets in any record.

Redaction happens twice. The formatter redacts the finished log document (message, extra keys at
any depth, keys appended with ``append_keys``, exception text and the serialized stack trace), so
whatever reaches stdout through this logger or a ``kycgate.*`` child logger is clean. A filter on the
logger also redacts each record in place, so other handlers that see the same record (pytest's
caplog, a root handler) get the redacted text too. Patterns catch secrets by shape; PII such as
names and birthdays has no shape, so code must never log it (tests/reliability checks that).
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

_REDACTED = "[redacted]"
_SECRET_PATTERNS = (
    re.compile(r"kg_(?:live|test)_[A-Za-z0-9_\-]+"),  # API keys
    re.compile(r"whsec_[A-Za-z0-9+/=_\-]+"),  # webhook secrets
    re.compile(r"(?i)(token=)[A-Za-z0-9_\-%.]+"),  # capability tokens in URLs
    re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{43}(?![A-Za-z0-9_\-])"),  # bare 256-bit url-safe tokens
    # Base64 of images, each alphabet on its own (a URL path mixes "/" with "_" and "-", base64 never
    # does); 64 characters also catch MIME-wrapped 76-character lines.
    re.compile(r"[A-Za-z0-9+/]{64,}={0,2}"),
    re.compile(r"[A-Za-z0-9_\-]{64,}={0,2}"),
)
# Record attributes that are not message content (msg, args and the exception are handled above).
_RECORD_INTERNALS = frozenset(
    {
        "name",
        "levelname",
        "pathname",
        "filename",
        "module",
        "funcName",
        "processName",
        "msg",
        "args",
        "exc_info",
        "exc_text",
    }
)


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + _REDACTED, text)
    return text


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value; other objects are logged as their redacted str()."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(k)): redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter, redacting the whole document just before it is serialized."""

    def serialize(self, log: dict[str, Any]) -> str:
        return super().serialize(redact_value(log))


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # Powertools logs a dict message as structured JSON: keep it a dict.
        record.msg = redact_value(record.msg) if isinstance(record.msg, dict) else redact(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        for name, value in list(vars(record).items()):
            if name not in _RECORD_INTERNALS and isinstance(value, str | dict | list | tuple):
                setattr(record, name, redact_value(value))
        return True


logger: Any = Logger(service="kycgate", logger_formatter=RedactingFormatter())
logger.addFilter(_RedactingFilter())
