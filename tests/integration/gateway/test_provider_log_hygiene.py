"""No provider credential reaches a log: every adapter's flows, failures included, logged at DEBUG.

The capture holds the kycgate logger's own stream and every record any stdlib logger (urllib3's
connection logs among them) lets through to the root, as text and as raw attributes. The
credentials are distinctive strings the logger's redaction patterns would not catch, so passing
means they were never logged, not that they were masked.
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from kycgate.core.logs import logger as kycgate_logger
from kycgate.gateway.providers.base import InvalidWebhook, ProviderError
from kycgate.gateway.providers.params import NormalisedParams
from tests.integration.gateway.provider_support import CREDENTIALS, SECRET_VALUES, Receiver, running


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.lines.append(repr({k: v for k, v in vars(record).items() if k != "exc_info"}))


@contextmanager
def captured() -> Iterator[list[str]]:
    out: list[str] = []
    stream = io.StringIO()
    handlers = list(kycgate_logger.handlers)
    originals = [h.setStream(stream) for h in handlers]
    level = kycgate_logger.log_level
    kycgate_logger.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root_level = root.level
    root.setLevel(logging.DEBUG)
    collector = _Collector()
    root.addHandler(collector)
    try:
        yield out
    finally:
        root.removeHandler(collector)
        root.setLevel(root_level)
        kycgate_logger.setLevel(level)
        for handler, original in zip(handlers, originals, strict=True):
            handler.setStream(original)
        out.append(stream.getvalue())
        out.extend(collector.lines)


def _flows(name: str, person: NormalisedParams, receiver: Receiver) -> None:
    options = {"webhook_url": receiver.url} if name == "sumsub" else {}
    if name == "identitymind":
        options = {"callback_url": f"{receiver.url}?token={CREDENTIALS[name]['callback_token']}"}
    with running(name, **options) as h:
        callback = receiver.url if name == "vouched" else None
        request = h.adapter.build_request(person, "kyc", reference=f"{name}-1", callback_url=callback)
        snapshot = h.adapter.submit(h.credentials, request)
        h.adapter.fetch(h.credentials, snapshot.identifier)
        if name == "onfido":
            h.fake.add_webhook(receiver.url, CREDENTIALS[name]["webhook_token"])
        {
            "vouched": lambda: h.fake.complete(snapshot.identifier),
            "sumsub": lambda: h.fake.review(snapshot.identifier, "GREEN"),
            "onfido": lambda: h.fake.complete(snapshot.identifier),
            "identitymind": lambda: h.fake.set_state(snapshot.identifier, "A"),
        }[name]()
        webhook = receiver.last().webhook()
        h.adapter.verify_webhook(h.credentials, webhook)
        try:
            h.adapter.verify_webhook(h.credentials, webhook._replace(body=webhook.body + b" "))
        except InvalidWebhook as exc:
            kycgate_logger.warning("provider webhook refused", extra={"reason": exc.reason, "error": str(exc)})
        h.fake.fail_next(10, status=503)
        for credentials in (
            h.credentials,
            h.credentials_with(**{k: "wrong" for k in CREDENTIALS[name] if k != "username"}),
        ):
            try:
                h.adapter.fetch(credentials, snapshot.identifier)
            except ProviderError as exc:
                # What the dispatch worker will do with a failure: log it, with its traceback.
                kycgate_logger.exception("provider call gave up", extra={"description": exc.description})


@pytest.mark.parametrize("name", ["vouched", "sumsub", "onfido", "identitymind"])
def test_no_credential_in_any_log(name: str, person: NormalisedParams, receiver: Receiver) -> None:
    with captured() as out:
        _flows(name, person, receiver)
    text = "\n".join(out)
    assert "provider call failed" in text and "provider call gave up" in text, "the capture saw nothing"
    assert "127.0.0.1" in text  # urllib3's connection records were captured too
    forbidden = list(SECRET_VALUES)
    idm = CREDENTIALS["identitymind"]
    forbidden.append(base64.b64encode(f"{idm['username']}:{idm['api_key']}".encode()).decode())
    leaked = [value for value in forbidden if value in text]
    assert not leaked, f"credentials in the logs: {leaked}"
