"""The provider gateway in ``kycgate serve``: the four provider fakes on loopback ports, the demo
tenant's credentials for them, and loops standing in for provider_dispatch's queue and the sweeper."""

from __future__ import annotations

import os
import threading
from typing import Any

# What the demo tenant's Secrets Manager entries hold: the fakes' own defaults plus webhook secrets.
_ONFIDO_WEBHOOK_TOKEN = "local-onfido-webhook-token"  # noqa: S105 - the local fake's, printed at start
_IDM_CALLBACK_TOKEN = "local-identitymind-callback-token"  # noqa: S105


def start_provider_fakes(tenant_id: str, api_url: str) -> str:
    """Start the fakes, point every tenant at them (KYCGATE_PROVIDER_BASE_URLS) and store the demo
    tenant's credentials; one line for the start-up banner."""
    from kycgate.core.settings import get_settings
    from kycgate.fakes.identitymind import FakeIdentityMind
    from kycgate.fakes.onfido import FakeOnfido
    from kycgate.fakes.sumsub import FakeSumsub
    from kycgate.fakes.vouched import FakeVouched
    from kycgate.gateway import credentials

    hooks = f"{api_url}/api/v1/gateway/webhooks"
    vouched = FakeVouched().start()
    sumsub = FakeSumsub(webhook_url=f"{hooks}/sumsub").start()
    onfido = FakeOnfido().start()
    onfido.add_webhook(f"{hooks}/onfido", _ONFIDO_WEBHOOK_TOKEN)
    identitymind = FakeIdentityMind(callback_url=f"{hooks}/identitymind?token={_IDM_CALLBACK_TOKEN}").start()
    urls = {
        "vouched": vouched.url,
        "sumsub": sumsub.url,
        "onfido": f"{onfido.url}/v3.6",
        "identitymind": identitymind.url,
    }
    os.environ["KYCGATE_PROVIDER_BASE_URLS"] = ",".join(f"{name}={url}" for name, url in urls.items())
    get_settings.cache_clear()
    values: dict[str, dict[str, Any]] = {
        "vouched": {"api_key": vouched.api_key},
        "sumsub": {
            "app_token": sumsub.app_token,
            "secret_key": sumsub.secret_key,
            "webhook_secret": sumsub.webhook_secret,
        },
        "onfido": {"api_token": onfido.api_token, "webhook_token": _ONFIDO_WEBHOOK_TOKEN},
        "identitymind": {
            "username": identitymind.username,
            "api_key": identitymind.api_key,
            "callback_token": _IDM_CALLBACK_TOKEN,
        },
    }
    for name, creds in values.items():
        credentials.store(tenant_id, name, creds)
    return (
        "  providers    " + ", ".join(f"{name} {url}" for name, url in urls.items()) + " (fakes; /_fake/ drives them)"
    )


def dispatch_worker_loop(stop: threading.Event) -> None:
    """DispatchQueue -> the provider_dispatch handler, long-polling until ``stop``."""
    from kycgate.core.logs import logger
    from kycgate.core.settings import get_settings
    from kycgate.gateway.worker import handler
    from kycgate.local import _POLL_SECONDS as POLL_SECONDS
    from kycgate.local import drain_once

    while not stop.is_set():
        try:
            drain_once(handler, queue_url=get_settings().dispatch_queue_url, wait_seconds=POLL_SECONDS)
        except Exception:
            logger.exception("local dispatch worker: drain failed")
            stop.wait(POLL_SECONDS)


def dispatch_sweeper_loop(stop: threading.Event) -> None:
    """The dispatch_sweeper handler every SWEEP_INTERVAL_SECONDS (AWS: every minute) until ``stop``."""
    from kycgate.core.logs import logger
    from kycgate.gateway.sweeper import handler
    from kycgate.local import _SCHEDULED_EVENT as SCHEDULED_EVENT
    from kycgate.local import SWEEP_INTERVAL_SECONDS, LocalContext

    while not stop.wait(SWEEP_INTERVAL_SECONDS):
        try:
            handler(SCHEDULED_EVENT, LocalContext())
        except Exception:
            logger.exception("local dispatch sweeper failed")
