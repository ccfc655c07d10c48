"""The one powertools Logger: JSON, correlation id, and no PII or secrets in any record.

Redaction is a formatter-level filter so that nothing logged anywhere in kycgate (including an
exception's text) can carry an API key, a capability token, a base64 image or a webhook secret.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from aws_lambda_powertools import Logger

_SECRET_PATTERNS = (
    re.compile(r"kg_live_[A-Za-z0-9_\-]+"),  # API keys
    re.compile(r"whsec_[A-Za-z0-9+/=]+"),  # webhook secrets
    re.compile(r"(?i)(token=)[A-Za-z0-9_\-]+"),  # capability tokens in URLs
    re.compile(r"[A-Za-z0-9_\-]{43}(?![A-Za-z0-9_\-])"),  # bare 256-bit url-safe tokens
    re.compile(r"[A-Za-z0-9+/]{200,}={0,2}"),  # base64 blobs (images)
)


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "[redacted]", text)
    return text


class _Redacting(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(str(record.msg))
        if record.args:
            record.args = tuple(redact(str(a)) for a in record.args) if isinstance(record.args, tuple) else ()
        for name, value in list(vars(record).items()):
            if isinstance(value, str) and name not in ("name", "levelname", "pathname", "filename", "module"):
                setattr(record, name, redact(value))
        return True


logger: Any = Logger(service="kycgate")
logger.addFilter(_Redacting())
