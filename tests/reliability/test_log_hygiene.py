"""Log hygiene: every flow the API has, with all log output captured, holds no secret and no PII.

The flows are generated: every operation's valid request (customers with names and birthdays,
document verification with real photos, Re-Use KYC sessions and selfie submits, alerts, webhook
deliveries and secrets, whatever exists), the same requests from another tenant, a request that
fails on AWS, and bad images. Output is captured where it can leave the process: the powertools
logger's own stream (at DEBUG), and every record of any stdlib logger that reaches the root logger
(as formatted text and as its raw attributes, which other handlers could print).

Forbidden: API keys, capability tokens, webhook secrets, any 40-character slice of a base64 photo
that was sent, and every person-describing value sent (names, birthday, email, phone, document
and address fields), collected from the requests and responses themselves.
"""

from __future__ import annotations

import io
import json
import logging
import re
from typing import Any

import pytest

from kycgate.core.logs import logger as kycgate_logger
from tests.reliability.harness import (
    FAULTS,
    IMAGE_FIELD,
    FaultInjector,
    World,
    count,
    photo,
    valid_request,
)

PII_FIELD = re.compile(r"(^|_)(name|birthday|email|phone|line1|line2|postal_code|document_number|address)$")
SECRET_FIELD = re.compile(r"(^|_)(token|secret|api_key)$")


def test_no_secret_or_pii_in_any_log(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets: set[str] = {world.a.api_key, world.b.api_key, world.revoked.api_key}
    exchanges: list[tuple[Any, Any]] = []
    send = world.request

    def recording(method: str, path: str, tenant: Any = None, **kwargs: Any) -> Any:
        response = send(method, path, tenant, **kwargs)
        exchanges.append((kwargs.get("json"), _json(response)))
        secrets.update(_tokens_in(path + json.dumps(kwargs.get("params") or {})))
        return response

    monkeypatch.setattr(world, "request", recording)
    with _Capture() as captured:
        for op in world.ops:
            request = valid_request(world, op, fresh=op.method != "GET")
            request.send(world)
            count("log hygiene flows", op.operation_id)
            request.tenant = world.b if request.tenant else None
            request.send(world)  # another tenant's ids: the 404 paths log too
        _failing_paths(world, monkeypatch)

    for sent, answered in exchanges:
        secrets.update(_values(sent, SECRET_FIELD) + _values(answered, SECRET_FIELD))
        secrets.update(_values(sent, PII_FIELD))
        secrets.update(_photo_slices(sent))
    secrets = {s for s in secrets if isinstance(s, str) and len(s) >= 6}
    text = captured["text"]
    assert len(text) > 1000, "nothing was logged: the capture is broken"
    leaked = sorted(s[:12] + "..." for s in secrets if s in text)
    count("log hygiene forbidden values checked", "values", len(secrets))
    assert not leaked, f"{len(leaked)} secret or PII values appear in the logs: {leaked}"


class _Capture:
    """Swaps the powertools logger's stream for a buffer and collects caplog/capsys at the end."""

    def __enter__(self) -> dict[str, Any]:
        self.stream = io.StringIO()
        self.handlers = list(kycgate_logger.handlers)
        self.originals = [h.setStream(self.stream) for h in self.handlers]
        self.level = kycgate_logger.log_level
        kycgate_logger.setLevel(logging.DEBUG)
        self.root = _Collector()
        logging.getLogger().addHandler(self.root)
        self.out: dict[str, Any] = {}
        return self.out

    def __exit__(self, *exc: object) -> None:
        kycgate_logger.setLevel(self.level)
        logging.getLogger().removeHandler(self.root)
        for handler, original in zip(self.handlers, self.originals, strict=True):
            handler.setStream(original)
        self.out["text"] = self.stream.getvalue() + "\n" + "\n".join(self.root.lines)


class _Collector(logging.Handler):
    """Every record any stdlib logger lets through to the root, as text and as raw attributes."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.lines.append(repr({k: v for k, v in vars(record).items() if k not in ("exc_info",)}))


def _failing_paths(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Errors log more than successes: a lasting AWS failure and a bad image on every route that takes one."""
    injector = FaultInjector(monkeypatch)
    try:
        for op in world.ops:
            if op.method == "GET" or op.body is None:
                continue
            request = valid_request(world, op)
            with injector.armed(FAULTS[0], "dynamodb", "TransactWriteItems"):
                request.send(world)
            for name in op.body_fields:
                if IMAGE_FIELD.search(name):
                    broken = valid_request(world, op)
                    broken.body[name] = photo("obama_1.jpg")[:5000]  # truncated: refused, and logged?
                    broken.send(world)
    finally:
        injector.uninstall()


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _values(document: Any, pattern: re.Pattern[str]) -> list[str]:
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if isinstance(value, str) and pattern.search(key):
                found.append(value)
            else:
                found.extend(_values(value, pattern))
    elif isinstance(document, list):
        for value in document:
            found.extend(_values(value, pattern))
    return found


def _photo_slices(document: Any) -> list[str]:
    images = [v for v in _values(document, IMAGE_FIELD) if len(v) > 1000]
    starts = (0.0, 0.33, 0.5, 0.9)
    return [image[int(len(image) * at) :][:40] for image in images for at in starts]


def _tokens_in(path: str) -> list[str]:
    # Tokens travel in paths and query strings too (GET /session/{token}, pages' ?token=).
    return re.findall(r"[A-Za-z0-9_\-]{43}", path)
