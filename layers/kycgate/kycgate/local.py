"""The embedded local stack behind `kycgate serve`: moto server, resources from template.yaml,
a demo tenant, background loops for the webhook worker and outbox sweeper, the provider gateway's
fakes, dispatch worker and sweeper, and uvicorn."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

LOCAL_REGION = "us-east-1"
SWEEP_INTERVAL_SECONDS = 10.0
DD_REVIEW_INTERVAL_SECONDS = 60.0
_POLL_SECONDS = 1
_SCHEDULED_EVENT = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}

LambdaHandler = Callable[[dict[str, Any], Any], Any]


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
    # No SMS gateway or mail server locally: verification codes go to the console and an outbox file.
    os.environ.setdefault("KYCGATE_CODE_DELIVERY", "local")
    os.environ.setdefault("KYCGATE_LOCAL_OUTBOX_PATH", str(_outbox_path()))
    get_settings.cache_clear()
    return provisioned.env()


def _outbox_path() -> Any:
    import tempfile
    from pathlib import Path

    return Path(tempfile.gettempdir()) / f"kycgate-outbox-{os.getpid()}.jsonl"


class LocalContext:
    """The parts of a Lambda context the handlers (powertools) read."""

    function_name = "kycgate-local"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:kycgate-local"
    memory_limit_in_mb = 1024
    aws_request_id = "local"
    log_group_name = "/aws/lambda/kycgate-local"
    log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@dataclass(frozen=True)
class DrainResult:
    received: int
    deleted: int
    # Receipt handles of the messages the handler kept (hidden until their next attempt).
    kept: list[str] = field(default_factory=list)


def drain_once(
    handler: LambdaHandler | None = None,
    *,
    queue_url: str | None = None,
    wait_seconds: int = 0,
    max_messages: int = 10,
) -> DrainResult:
    """Do what Lambda's SQS event source does, once: receive up to ``max_messages``, invoke ``handler``
    (default: the webhook worker) with an SQS event, delete the messages it did not report as failed.

    A handler that raises leaves the whole batch on the queue, as in Lambda.
    """
    from kycgate.core import aws
    from kycgate.core.settings import get_settings

    if handler is None:
        from kycgate.webhooks.worker import handler as worker_handler

        handler = worker_handler
    queue_url = queue_url or get_settings().callback_queue_url
    sqs = aws.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=max_messages,
        WaitTimeSeconds=wait_seconds,
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", [])
    if not messages:
        return DrainResult(0, 0)
    arn = _queue_arn(queue_url)
    response = handler({"Records": [_sqs_record(m, arn) for m in messages]}, LocalContext()) or {}
    failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
    done = [m for m in messages if m["MessageId"] not in failed]
    for start in range(0, len(done), 10):
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start : start + 10])
            ],
        )
    return DrainResult(len(messages), len(done), [m["ReceiptHandle"] for m in messages if m["MessageId"] in failed])


@cache
def _queue_arn(queue_url: str) -> str:
    from kycgate.core import aws

    attributes = aws.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return attributes["Attributes"]["QueueArn"]


def _sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: {"stringValue": value.get("StringValue"), "dataType": value["DataType"]}
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3],
    }


def webhook_worker_loop(stop: threading.Event) -> None:
    """CallbackQueue -> the webhook_worker handler, long-polling until ``stop``."""
    from kycgate.core.logs import logger

    while not stop.is_set():
        try:
            drain_once(wait_seconds=_POLL_SECONDS)
        except Exception:
            logger.exception("local webhook worker: drain failed")
            stop.wait(_POLL_SECONDS)


def outbox_sweeper_loop(stop: threading.Event) -> None:
    """The outbox_sweeper handler every SWEEP_INTERVAL_SECONDS (AWS: every minute) until ``stop``."""
    from kycgate.core.logs import logger
    from kycgate.webhooks.sweeper import handler

    while not stop.wait(SWEEP_INTERVAL_SECONDS):
        try:
            handler(_SCHEDULED_EVENT, LocalContext())
        except Exception:
            logger.exception("local outbox sweeper failed")


def review_dd_tasks_loop(stop: threading.Event) -> None:
    """The review_dd_tasks handler every DD_REVIEW_INTERVAL_SECONDS (AWS: every 15 minutes) until ``stop``:
    due DD tasks, and every monitored one after a list import, are re-screened."""
    from kycgate.compliance.dd.monitoring import handler
    from kycgate.core.logs import logger

    while not stop.wait(DD_REVIEW_INTERVAL_SECONDS):
        try:
            handler(_SCHEDULED_EVENT, LocalContext())
        except Exception:
            logger.exception("local DD task review failed")


def reuse_expiry_sweeper_loop(stop: threading.Event) -> None:
    """The reuse_expiry_sweeper handler every SWEEP_INTERVAL_SECONDS (AWS: every minute) until ``stop``."""
    from kycgate.core.logs import logger
    from kycgate.reuse.sweeper import handler

    while not stop.wait(SWEEP_INTERVAL_SECONDS):
        try:
            handler(_SCHEDULED_EVENT, LocalContext())
        except Exception:
            logger.exception("local reuse expiry sweeper failed")


def background_loops() -> list[Callable[[threading.Event], None]]:
    """Loops that stand in for Lambda event sources locally."""
    from kycgate.gateway.local import dispatch_sweeper_loop, dispatch_worker_loop

    return [
        webhook_worker_loop,
        outbox_sweeper_loop,
        reuse_expiry_sweeper_loop,
        review_dd_tasks_loop,
        dispatch_worker_loop,
        dispatch_sweeper_loop,
    ]


def import_lists_at_start() -> str:
    """Import the lists named by KYCGATE_LISTS (paths or URLs; the official URLs by default) into the
    local lists bucket, as refresh_lists does in AWS. One line says what was loaded; when nothing
    could be read the stack starts without lists and screening answers "no list loaded"."""
    from kycgate.compliance.lists.importer import NothingReadable, import_lists
    from kycgate.core.settings import get_settings

    given = get_settings().lists
    try:
        result = import_lists(given, skip_unreadable=True, force=True)
    except NothingReadable as exc:
        first = exc.problems[0] if exc.problems else None
        why = f"; first: {first.origin}: {first.problem[:120]}" if first else ""
        return (
            f"  lists        none of the {len(given)} in KYCGATE_LISTS could be read{why}. "
            "Starting without lists: screening answers 'no list loaded'"
        )
    loaded = ", ".join(
        f"{s['source']} ({s['counts']['entries'] or s['counts']['addresses']})" for s in result.manifest["sources"]
    )
    skipped = f"; skipped {len(result.problems)} unreadable: {result.problems[0].origin}" if result.problems else ""
    return f"  lists        {loaded}, index {result.version}{skipped}"


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    from kycgate.core.tenants import create_key, create_tenant

    endpoint = start_moto()
    prepare_environment(host, port)
    lists_line = import_lists_at_start()
    tenant = create_tenant("Demo tenant")
    # The demo key may decide reviews (levels) as a tenant's reviewer would; the test key is the sandbox.
    issued = create_key(tenant.tenant_id, name="Demo reviewer", scopes=["reviewer"])
    test_key = create_key(tenant.tenant_id, mode="test")
    # The local stack is in memory, out of reach of a second `kycgate points grant` process: IDV points here.
    from kycgate.compliance.idv import points

    for mode in ("live", "test"):
        points.grant(tenant.tenant_id, 10_000, mode=mode)
    from kycgate.gateway.local import start_provider_fakes

    providers_line = start_provider_fakes(tenant.tenant_id, f"http://{host}:{port}")
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
                lists_line,
                providers_line,
                f"  demo tenant  {tenant.tenant_id}",
                f"  demo API key {issued.api_key}  (reviewer scope)",
                f"  demo test key {test_key.api_key}  (test mode: its own data, the seeds' sandbox)",
                f"  codes        SMS/e-mail verification codes are printed here and appended to "
                f"{os.environ['KYCGATE_LOCAL_OUTBOX_PATH']}",
                f"  levels       kycgate levels load --example --url http://{host}:{port} --api-key {issued.api_key}",
                f"  try: curl -H 'Authorization: Bearer {issued.api_key}' http://{host}:{port}/api/v1/kyc/preferences",
            ]
        ),
        flush=True,
    )
    try:
        uvicorn.run(create_app(), host=host, port=port, log_level="warning")
    finally:
        stop.set()
