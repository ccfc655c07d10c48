"""Helpers for the provider contract tests: a fast retry policy, real photos, a webhook receiver."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

from kycgate.gateway.providers.base import InboundWebhook
from kycgate.gateway.providers.http import RetryPolicy

FACES = Path(__file__).resolve().parents[2] / "fixtures" / "faces"

# Fast but honest: the same loop, the same counts, waits in milliseconds.
FAST = RetryPolicy(
    attempts=3,
    backoff_base=0.01,
    backoff_max=0.05,
    retry_after_max=2.0,
    connect_timeout=1.0,
    read_timeout=2.0,
    total_timeout=3.0,
    deadline=10.0,
)


def photo(name: str) -> bytes:
    return (FACES / name).read_bytes()


class Received(NamedTuple):
    path: str
    headers: dict[str, str]
    body: bytes

    def webhook(self) -> InboundWebhook:
        return InboundWebhook.of(self.headers, self.body, dict(parse_qsl(urlsplit(self.path).query)))


class Receiver:
    """A webhook receiver: a real HTTP server on 127.0.0.1 keeping every POST it gets."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.arrived = threading.Condition()
        received, arrived = self.received, self.arrived

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with arrived:
                    received.append(Received(self.path, dict(self.headers.items()), body))
                    arrived.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def last(self) -> Received:
        assert self.received, "no webhook arrived"
        return self.received[-1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------------------- provider harness

# Distinctive credentials, so the log-hygiene test can look for them.
CREDENTIALS: dict[str, dict[str, str]] = {
    "vouched": {"api_key": "VOUCHED-private-K3Y-5ecret"},
    "sumsub": {
        "app_token": "sbx:SUMSUB-app-T0KEN-5ecret",
        "secret_key": "SUMSUB-secret-K3Y-5ecret",
        "webhook_secret": "SUMSUB-webhook-S3CRET-5ecret",
    },
    "onfido": {"api_token": "api_sandbox.ONFIDO-T0KEN-5ecret", "webhook_token": "ONFIDO-webhook-T0KEN-5ecret"},
    "identitymind": {
        "username": "kycgate-merchant",
        "api_key": "IDM-license-K3Y-5ecret",
        "callback_token": "IDM-callback-T0KEN-5ecret",
    },
}
SECRET_VALUES = tuple(v for creds in CREDENTIALS.values() for k, v in creds.items() if k != "username")


class Harness(NamedTuple):
    name: str
    fake: Any
    adapter: Any
    credentials: Any
    sleeps: list[float]

    def credentials_with(self, **changes: str) -> Any:
        values = {**CREDENTIALS[self.name], "base_url": self.credentials.base_url, **changes}
        return self.adapter.credentials(values)


def _fake(name: str, **options: Any) -> Any:
    from kycgate.fakes.identitymind import FakeIdentityMind
    from kycgate.fakes.onfido import FakeOnfido
    from kycgate.fakes.sumsub import FakeSumsub
    from kycgate.fakes.vouched import FakeVouched

    creds = CREDENTIALS[name]
    if name == "vouched":
        return FakeVouched(api_key=creds["api_key"], **options)
    if name == "sumsub":
        return FakeSumsub(creds["app_token"], creds["secret_key"], creds["webhook_secret"], **options)
    if name == "onfido":
        return FakeOnfido(api_token=creds["api_token"], **options)
    return FakeIdentityMind(creds["username"], creds["api_key"], **options)


def _adapter(name: str, http: Any) -> Any:
    from kycgate.gateway.providers.identitymind import IdentityMindAdapter
    from kycgate.gateway.providers.onfido import OnfidoAdapter
    from kycgate.gateway.providers.sumsub import SumsubAdapter
    from kycgate.gateway.providers.vouched import VouchedAdapter

    classes = {"vouched": VouchedAdapter, "sumsub": SumsubAdapter, "onfido": OnfidoAdapter}
    return classes.get(name, IdentityMindAdapter)(http)


@contextmanager
def running(
    name: str, *, policy: RetryPolicy = FAST, real_sleep: bool = False, **fake_options: Any
) -> Iterator[Harness]:
    """Provider ``name``'s fake on 127.0.0.1 and its adapter pointed at it (waits recorded in ``sleeps``)."""
    from kycgate.gateway.providers.http import ProviderHttp

    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if real_sleep:
            time.sleep(seconds)

    fake = _fake(name, **fake_options).start()
    try:
        adapter = _adapter(name, ProviderHttp(name, policy, sleep=sleep))
        base = fake.url + ("/v3.6" if name == "onfido" else "")
        credentials = adapter.credentials({**CREDENTIALS[name], "base_url": base})
        yield Harness(name, fake, adapter, credentials, sleeps)
    finally:
        fake.stop()
