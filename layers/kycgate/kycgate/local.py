"""The embedded local stack behind `kycgate serve`: moto server, resources from template.yaml,
a demo tenant, background loops for the webhook worker and outbox sweeper, and uvicorn."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable

LOCAL_REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto() -> str:
    """Start moto's server on a free loopback port and point boto3 at it."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = _free_port()
    ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False).start()
    endpoint = f"http://127.0.0.1:{port}"
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "AWS_REGION": LOCAL_REGION,
        }
    )
    return endpoint


def prepare_environment(host: str, port: int) -> dict[str, str]:
    from kycgate.core.aws import reset_clients
    from kycgate.core.settings import get_settings
    from kycgate.infra import provision

    reset_clients()
    provisioned = provision()
    os.environ.update(provisioned.env())
    os.environ.setdefault("BASE_URL_FRONTEND", f"http://{host}:{port}")
    os.environ.setdefault("KYCGATE_ALLOW_LOOPBACK_CALLBACKS", "true")
    os.environ.setdefault("KYCGATE_FACE_MATCHER", "sface")
    get_settings.cache_clear()
    return provisioned.env()


def background_loops() -> list[Callable[[threading.Event], None]]:
    """Loops that stand in for Lambda event sources locally (added by the contexts that need them)."""
    return []


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    from kycgate.core.tenants import create_key, create_tenant

    endpoint = start_moto()
    prepare_environment(host, port)
    tenant = create_tenant("Demo tenant")
    issued = create_key(tenant.tenant_id)
    stop = threading.Event()
    for loop in background_loops():
        threading.Thread(target=loop, args=(stop,), daemon=True, name=loop.__name__).start()

    from kycgate.app import create_app

    print(
        "\n".join(
            [
                "kycgate local stack",
                f"  API          http://{host}:{port}  (OpenAPI: http://{host}:{port}/docs)",
                f"  AWS (moto)   {endpoint}  - state is IN MEMORY and is lost when this process stops",
                f"  demo tenant  {tenant.tenant_id}",
                f"  demo API key {issued.api_key}",
                f"  try: curl -H 'Authorization: Bearer {issued.api_key}' http://{host}:{port}/api/v1/kyc/preferences",
            ]
        ),
        flush=True,
    )
    try:
        uvicorn.run(create_app(), host=host, port=port, log_level="warning")
    finally:
        stop.set()
