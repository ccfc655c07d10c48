"""Webhook delivery: the worker's own CPU per delivery against a floor, and commit -> receipt latency.

Every party is a process of its own, so this process's CPU (time.process_time, all its threads) is
the worker's alone: moto's server, DynamoDB in one process and SQS in another (resources created
from template.yaml; DynamoDB made atomic as the tests' atomic_moto makes it), the receiver (a
keep-alive ThreadingHTTPServer on 127.0.0.1) and, in the latency phase, the producer. moto's CPU is
read from /proc and printed beside, never counted. moto's server closes the connection after every
response, so each AWS call, the worker's and the floor's alike, opens a new loopback connection.

CPU phase, in rounds that alternate worker and floor (drift on a shared machine hits both alike):
- worker: deliveries committed through the outbox (each its own transaction and send; not counted),
  then the real webhook_worker handler invoked with SQS events of up to 10 records, as Lambda's event
  source does (kycgate.local.drain_once). Only the handler's CPU counts: the receive and the delete
  are the event source's work, outside the function in AWS.
- floor: delivery items of the same shape, and for each, one after the other in one thread, what a
  delivery cannot do without: the two conditional UpdateItems the worker makes (claim with the lease,
  record the attempt; same expressions), written out by hand on a raw botocore client, and one POST of
  the same body, HMAC-signed as Standard Webhooks wants, with urllib3 over a keep-alive pool to the
  same receiver.
The ratio is worker / floor CPU per delivery in each round; the median and the range are printed.

Latency phase: the producer commits deliveries through the outbox at --rate per second for --seconds;
--pollers processes (default 3) each run the event source loop (long-poll receive, handler, delete),
as Lambda's SQS event source runs several pollers and invocations at once and adds more as a queue
backs up. Commit (the start of outbox.commit) -> receipt at the receiver, p50 and p99; the worker's
CPU per delivery under that load, and the CPU seconds per second each process got (on a shared host
a process starved of CPU shows as a low figure with a backlog behind it).

moto's own costs that a real service does not have are cut in the emulator processes only (each
patch below says which and why); nothing in the product or its tests is patched.

Every webhook received is verified with the standardwebhooks package.

    .venv/bin/python bench/webhooks.py [--deliveries 100] [--rounds 5] [--rate 50] [--seconds 20] [--pollers 3]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import hmac
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "kycgate"))

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "KYCGATE_ALLOW_LOOPBACK_CALLBACKS": "true",
        # As template.yaml's Globals set them.
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "POWERTOOLS_SERVICE_NAME": "kycgate",
        "POWERTOOLS_METRICS_NAMESPACE": "kycgate",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
)

BATCH = 10
TENANT = "ten_bench"
PAYLOAD = {
    "reference": "cust-000123",
    "status": "approved",
    "is_approved": True,
    "similarity": 0.87,
    "attempts": 1,
    "retries_remaining": 2,
    "reason": "face matched the approved KYC selfie",
}


# ------------------------------------------------------------------------------------------ other processes


def serve_receiver() -> None:
    """Print the port, record every POST, and on stdin EOF print what was received (JSON lines)."""
    received: list[dict[str, object]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            at = time.time()
            received.append(
                {"at": at, "body": body.decode(), "headers": {k.lower(): v for k, v in self.headers.items()}}
            )
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()
    for record in received:
        print(json.dumps(record))


def produce(url: str, rate: float, seconds: float) -> None:
    """Commit deliveries through the outbox at ``rate`` per second; print {delivery id: commit start} and
    this process's CPU seconds."""
    from kycgate.webhooks import outbox

    committed: dict[str, float] = {}
    lock = threading.Lock()

    def commit_one() -> None:
        pending = outbox.new_delivery(TENANT, event="bench", reference="r", url=url, payload=PAYLOAD)
        at = time.time()
        outbox.commit([], [pending])
        with lock:
            committed[pending.delivery_id] = at

    # A pool, so that one slow commit does not lower the rate offered.
    with ThreadPoolExecutor(32) as pool:
        started = time.perf_counter()
        futures = []
        for i in range(round(rate * seconds)):
            time.sleep(max(0.0, started + i / rate - time.perf_counter()))
            futures.append(pool.submit(commit_one))
        for future in futures:
            future.result()
    print(json.dumps({"committed": committed, "cpu": time.process_time()}))


def poll() -> None:
    """One poller of the event source: long-poll receive, the worker's handler, delete, until stdin closes
    and the queue is empty; then print what it handled, the handler's CPU and this process's CPU."""
    from kycgate.core import aws
    from kycgate.local import drain_once

    closed = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), closed.set()), daemon=True).start()
    meter = Meter()
    handled = 0
    with contextlib.redirect_stdout(io.StringIO()):  # the handler's EMF metric lines
        handler = timed_handler(meter)
        for service in ("sqs", "dynamodb"):  # made before the clock starts
            aws.client(service)
        sys.__stdout__.write("ready\n")
        sys.__stdout__.flush()
        started = time.process_time()
        while True:
            result = drain_once(handler, wait_seconds=1)
            handled += result.deleted
            if result.received == 0 and closed.is_set():
                break
    print(json.dumps({"handled": handled, "handler_cpu": meter.cpu, "cpu": time.process_time() - started}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_emulator(port: int) -> None:
    """moto's server on ``port`` until stdin closes, its DynamoDB made atomic as the tests make it, and
    its transactions' rollback copying the items they name instead of whole tables."""
    import logging

    from moto.server import ThreadedMotoServer

    sys.path.insert(0, str(ROOT))
    from tests.conftest import atomic_moto

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    item_rollback()
    retention_check_per_queue()
    send_without_queue_attributes()
    update_expressions_parsed_once()
    with atomic_moto():
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        sys.stdin.read()
        server.stop()


def item_rollback() -> None:
    """moto's TransactWriteItems deep-copies every table it names, to restore on failure: O(table) per
    commit, so the outbox's commits would slow down as the bench's deliveries pile up. Here the items
    the transaction names are saved and put back instead (same outcome: only those items can change)."""
    import copy

    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    class TablesNotCopied:
        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

        def deepcopy(self, value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for entry in transact_items:
            op = next(iter(entry.values()))
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            attrs = op.get("Key") or op["Item"]
            hash_key = DynamoType(attrs[table.hash_key_attr])
            range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
            held = table.items.get(hash_key)
            before = held if range_key is None or held is None else held.get(range_key)
            saved.append((table, hash_key, range_key, copy.deepcopy(before)))
        try:
            original(backend, transact_items)
        except Exception:
            for table, hash_key, range_key, before in reversed(saved):
                if range_key is None:
                    table.items.pop(hash_key, None)
                    if before is not None:
                        table.items[hash_key] = before
                elif before is not None:
                    table.items[hash_key][range_key] = before
                elif hash_key in table.items:
                    table.items[hash_key].pop(range_key, None)
            raise

    models.copy = TablesNotCopied()  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def retention_check_per_queue() -> None:
    """moto's ReceiveMessage checks each message it hands out against the queue's retention period by
    computing all the queue's attributes, ApproximateNumberOfMessages among them: O(queue) per message,
    so a backlog slows every receive down (148 ms for 10 messages from 100). Here it reads the one
    attribute it needs."""
    from moto.core.utils import unix_time
    from moto.sqs.models import Message, SQSBackend

    def is_message_valid_based_on_retention_period(backend: Any, queue_name: str, message: Message) -> bool:
        retention = backend.get_queue(queue_name).message_retention_period
        return int(retention) + message.sent_timestamp / 1000 > unix_time()  # type: ignore[operator]

    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]


def send_without_queue_attributes() -> None:
    """moto's SendMessage computes all the queue's attributes, ApproximateNumberOfMessages among them
    (two clock reads per message queued), to read ContentBasedDeduplication, a FIFO queue's attribute:
    O(backlog) per message sent, so a backlog slows the producer's commits down. Here, while a standard
    queue is sent to, the queue's attributes read as empty (ContentBasedDeduplication absent, as moto
    gives it for a standard queue)."""
    from moto.sqs.models import Queue, SQSBackend

    sending = threading.local()
    all_attributes = Queue.attributes.fget  # type: ignore[attr-defined]
    original = SQSBackend.send_message

    def attributes(queue: Any) -> dict[str, Any]:
        if getattr(sending, "queue", None) is queue and not queue.fifo_queue:
            return {}
        return all_attributes(queue)

    def send_message(backend: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        sending.queue = backend.get_queue(queue_name)
        try:
            return original(backend, queue_name, *args, **kwargs)
        finally:
            sending.queue = None

    Queue.attributes = property(attributes)  # type: ignore[assignment,method-assign]
    SQSBackend.send_message = send_message  # type: ignore[method-assign]


def update_expressions_parsed_once() -> None:
    """moto parses each UpdateItem's UpdateExpression twice (once to list the placeholders it uses,
    once to run it), deep-copies the tree, and walks it with ten validators, the first three of which
    look only at the expression, its attribute names and the table's key attributes; the first of them
    searches the whole tree again at every node. The worker's two UpdateItems send the same few
    expressions over and over, so here an expression is parsed once per string (the tree kept pickled:
    each use gets a fresh copy, as moto's deepcopy gave), the tree is copied by pickle (same result,
    a tenth of the time), and those three syntax-only validators run once per (expression, names,
    key attributes) that passed them. The validators that read the item and the values all still run."""
    import functools
    import pickle

    from moto.dynamodb import models, responses
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    syntax_only = 3  # ActionCountValidator, OverlappingPathsValidator, UpdateHashRangeKeyValidator

    @functools.lru_cache(maxsize=256)
    def parsed(expression: str) -> bytes:
        tree = UpdateExpressionParser.make(expression)
        tree.bench_expression = expression
        return pickle.dumps(tree)

    class Parser:
        @staticmethod
        def make(expression: str) -> Any:
            return pickle.loads(parsed(expression))

    passed: set[tuple[Any, ...]] = set()

    def validate(validator: Any) -> Any:
        tree = validator.node_to_validate
        key = (
            getattr(tree, "bench_expression", None),
            tuple(sorted((validator.expression_attribute_names or {}).items())),
            tuple(validator.table.table_key_attrs),
        )
        processors = validator.processors
        if key[0] is not None and key in passed:
            processors = processors[syntax_only:]
        else:
            for processor in processors[:syntax_only]:
                tree = processor.traverse(tree)
            passed.add(key)
            processors = processors[syntax_only:]
        for processor in processors:
            tree = processor.traverse(tree)
        return tree

    models.UpdateExpressionParser = responses.UpdateExpressionParser = Parser  # type: ignore[assignment,misc]
    validators.deepcopy = lambda value: pickle.loads(pickle.dumps(value))  # type: ignore[assignment]
    validators.UpdateExpressionValidator.validate = validate  # type: ignore[method-assign]


class MotoProcess:
    """moto's server on loopback in a process of its own."""

    def __init__(self) -> None:
        port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--emulator", str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.endpoint = f"http://127.0.0.1:{port}"
        for _ in range(600):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json", timeout=1).close()
                return
            time.sleep(0.05)
        raise RuntimeError("moto server did not start")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class ReceiverProcess:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--receiver"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def collect(self) -> list[dict[str, Any]]:
        out, _ = self.process.communicate(timeout=120)
        return [json.loads(line) for line in out.splitlines()]


# ------------------------------------------------------------------------------------------ worker and floor


class Meter:
    """CPU and wall seconds spent inside the calls it wraps (this process, all threads)."""

    def __init__(self) -> None:
        self.cpu = self.wall = 0.0

    @contextlib.contextmanager
    def counting(self) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            yield
        finally:
            self.cpu += time.process_time() - cpu
            self.wall += time.perf_counter() - wall


def commit_deliveries(url: str, count: int) -> list[str]:
    """``count`` deliveries committed through the outbox, one transaction and send each."""
    from kycgate.webhooks import outbox

    ids = []
    for _ in range(count):
        pending = outbox.new_delivery(TENANT, event="bench", reference="r", url=url, payload=PAYLOAD)
        outbox.commit([], [pending])
        ids.append(pending.delivery_id)
    return ids


def timed_handler(meter: Meter) -> Callable[[dict[str, Any], Any], Any]:
    from kycgate.webhooks.worker import handler

    def invoke(event: dict[str, Any], context: Any) -> Any:
        with meter.counting():
            return handler(event, context)

    return invoke


def drain(handler: Callable[[dict[str, Any], Any], Any], expected: int) -> None:
    from kycgate.local import drain_once

    done = 0
    while done < expected:
        result = drain_once(handler, wait_seconds=1)
        if result.received == 0:
            raise RuntimeError(f"queue empty after {done} of {expected} deliveries")
        done += result.deleted


class Floor:
    """What one delivery cannot do without, by hand: raw botocore, hmac, urllib3."""

    def __init__(self, endpoint: str, receiver_port: int, secret: str) -> None:
        import botocore.session
        import urllib3

        self.ddb = botocore.session.get_session().create_client(
            "dynamodb", region_name="us-east-1", endpoint_url=endpoint
        )
        self.pool = urllib3.HTTPConnectionPool("127.0.0.1", receiver_port, maxsize=1, retries=False)
        self.key = base64.b64decode(secret.removeprefix("whsec_"))

    def seed(self, count: int) -> list[str]:
        """``count`` pending delivery items, as the outbox writes them (not counted)."""
        from kycgate.webhooks import outbox

        deliveries = [
            outbox.new_delivery(TENANT, event="bench", reference="r", url="http://127.0.0.1/hook", payload=PAYLOAD)
            for _ in range(count)
        ]
        for start in range(0, count, 25):
            self.ddb.transact_write_items(TransactItems=[d.put for d in deliveries[start : start + 25]])
        return [d.delivery_id for d in deliveries]

    def deliver(self, table: str, delivery_id: str, message_id: str) -> None:
        now = time.time()
        lease_until = now + 60
        key = {"PK": {"S": f"T#{TENANT}#DLV#{delivery_id}"}, "SK": {"S": "DELIVERY"}}
        item = self.ddb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #lease = :lease, GSI2SK = :sweep",
            ConditionExpression=(
                "#status = :pending"
                " AND (attribute_not_exists(next_attempt_at) OR next_attempt_at <= :now)"
                " AND (attribute_not_exists(#lease) OR #lease.#until <= :now)"
            ),
            ExpressionAttributeNames={"#lease": "lease", "#status": "status", "#until": "until"},
            ExpressionAttributeValues={
                ":lease": {"M": {"until": {"N": str(lease_until)}, "message_id": {"S": message_id}}},
                ":sweep": {"S": f"{lease_until}#{delivery_id}"},
                ":pending": {"S": "pending"},
                ":now": {"N": str(now)},
            },
            ReturnValues="ALL_NEW",
        )["Attributes"]
        body = item["body"]["S"].encode()
        timestamp = str(int(time.time()))
        digest = hmac.new(self.key, f"{delivery_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        headers = {
            "webhook-id": delivery_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": "v1," + base64.b64encode(digest).decode(),
            "content-type": "application/json",
        }
        started = time.perf_counter()
        response = self.pool.urlopen("POST", "/hook", body=body, headers=headers)
        latency_ms = round((time.perf_counter() - started) * 1000)
        done = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.ddb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression=(
                "SET attempt_count = :n, round_attempts = :n, updated_at = :done, #status = :delivered,"
                " delivered_at = :done, attempts = list_append(if_not_exists(attempts, :none), :attempt)"
                " REMOVE #lease, GSI2PK, GSI2SK, next_attempt_at"
            ),
            ConditionExpression="#lease.message_id = :mid AND attempt_count = :prev",
            ExpressionAttributeNames={"#lease": "lease", "#status": "status"},
            ExpressionAttributeValues={
                ":n": {"N": "1"},
                ":prev": {"N": "0"},
                ":done": {"S": done},
                ":delivered": {"S": "delivered"},
                ":mid": {"S": message_id},
                ":none": {"L": []},
                ":attempt": {
                    "L": [
                        {
                            "M": {
                                "attempt": {"N": "1"},
                                "attempted_at": {"S": done},
                                "status_code": {"N": str(response.status)},
                                "latency_ms": {"N": str(latency_ms)},
                            }
                        }
                    ]
                },
            },
        )


# ------------------------------------------------------------------------------------------ the run


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def spread(values: list[float], fmt: str) -> str:
    return f"median {statistics.median(values):{fmt}} (range {min(values):{fmt}}-{max(values):{fmt}})"


def run(count: int, rounds: int, rate: float, seconds: float, poller_count: int) -> None:
    from standardwebhooks.webhooks import Webhook

    load_before = os.getloadavg()
    # DynamoDB and SQS each in a moto of its own: one Python process cannot pass one CPU.
    dynamodb, sqs = MotoProcess(), MotoProcess()
    receiver = ReceiverProcess()
    os.environ["AWS_ENDPOINT_URL"] = dynamodb.endpoint  # and S3's, which the template has too
    os.environ["AWS_ENDPOINT_URL_SQS"] = sqs.endpoint

    def emulator_cpu() -> tuple[float, float]:
        return dynamodb.cpu_seconds(), sqs.cpu_seconds()

    # The handler's CloudWatch EMF metric lines go to stdout, as in Lambda; keep them off the report.
    with contextlib.redirect_stdout(io.StringIO()):
        from kycgate.core.settings import get_settings
        from kycgate.infra import provision

        os.environ.update(provision().env())
        get_settings.cache_clear()
        from kycgate.webhooks import service

        secret = service.get_secret(TENANT).secret
        table = get_settings().records_table
        floor = Floor(dynamodb.endpoint, receiver.port, secret)

        worker_meter, floor_meter = Meter(), Meter()
        handler = timed_handler(worker_meter)
        # Warm-up (not counted): imports, connection pools, the first calls of each kind.
        drain(handler, len(commit_deliveries(receiver.url, 2 * BATCH)))
        for delivery_id in floor.seed(BATCH):
            floor.deliver(table, delivery_id, "warmup")

        worker_ids: list[str] = []
        worker_cpu, floor_cpu, ratios, wall_rates, moto_cpu, source_cpu = [], [], [], [], [], []
        for r in range(rounds):
            ids = commit_deliveries(receiver.url, count)
            worker_ids += ids
            before = (worker_meter.cpu, worker_meter.wall, sum(emulator_cpu()), time.process_time())
            drain(handler, count)
            w_cpu = (worker_meter.cpu - before[0]) / count
            source_cpu.append((time.process_time() - before[3]) / count)
            wall_rates.append(count / (worker_meter.wall - before[1]))
            moto_cpu.append((sum(emulator_cpu()) - before[2]) / count)

            floor_ids = floor.seed(count)
            before_floor = floor_meter.cpu
            for i, delivery_id in enumerate(floor_ids):
                with floor_meter.counting():
                    floor.deliver(table, delivery_id, f"m{r}-{i}")
            f_cpu = (floor_meter.cpu - before_floor) / count
            worker_cpu.append(w_cpu)
            floor_cpu.append(f_cpu)
            ratios.append(w_cpu / f_cpu)

        # Latency at the rate offered: the producer and each event source poller in a process of its own.
        pollers = [
            subprocess.Popen(
                [sys.executable, __file__, "--poll"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
            for _ in range(poller_count)
        ]
        for poller in pollers:
            assert poller.stdout is not None
            poller.stdout.readline()  # ready: imported, clients made
        emulator_before, phase_started = emulator_cpu(), time.perf_counter()
        producer = subprocess.Popen(
            [sys.executable, __file__, "--produce", receiver.url, str(rate), str(seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        out, _ = producer.communicate()
        produced = json.loads(out)
        committed_at: dict[str, float] = produced["committed"]
        polled = [json.loads(poller.communicate()[0]) for poller in pollers]  # stdin closed: drain, then stop
        phase_wall = time.perf_counter() - phase_started
        busy = [(after - before) / phase_wall for after, before in zip(emulator_cpu(), emulator_before, strict=True)]
        handled = sum(p["handled"] for p in polled)
        handler_cpu = sum(p["handler_cpu"] for p in polled)
        poller_busy = "+".join(f"{p['cpu'] / phase_wall:.2f}" for p in polled)
    load_after = os.getloadavg()
    offered = (len(committed_at) - 1) / (max(committed_at.values()) - min(committed_at.values()))

    received = receiver.collect()
    by_id = {r["headers"]["webhook-id"]: r for r in received}
    expected = set(worker_ids) | set(committed_at)
    got = [r for r in received if r["headers"]["webhook-id"] in expected]
    assert len(got) == len(expected) == len({r["headers"]["webhook-id"] for r in got}), (
        "a delivery is missing or arrived twice"
    )
    verifier = Webhook(secret)
    for record in received:  # the floor's too: it signs as the spec says
        verifier.verify(record["body"], record["headers"])
    latency_ms = [(by_id[i]["at"] - at) * 1000 for i, at in committed_at.items()]
    for emulator in (dynamodb, sqs):
        emulator.process.communicate()

    us = 1e6
    rows = [
        ("worker CPU per delivery", spread([c * us for c in worker_cpu], ".0f") + " us"),
        ("floor CPU per delivery", spread([c * us for c in floor_cpu], ".0f") + " us"),
        ("worker / floor", spread(ratios, ".2f") + "  (target <= 1.5)"),
        (
            f"commit -> receipt at {rate:g}/s offered",
            f"p50 {percentile(latency_ms, 0.5):.0f} ms, p99 {percentile(latency_ms, 0.99):.0f} ms"
            f" over {len(latency_ms)} deliveries in {seconds:g} s  (target p99 <= 1000 ms)",
        ),
        (
            "  at that rate",
            f"commits started at {offered:.0f}/s; {poller_count} event source poller(s), worker CPU"
            f" {handler_cpu / max(1, handled) * us:.0f} us per delivery; CPU-s/s: pollers {poller_busy},"
            f" producer {produced['cpu'] / phase_wall:.2f}, moto DynamoDB {busy[0]:.2f}, SQS {busy[1]:.2f}"
            f" ({phase_wall:.0f} s)",
        ),
        ("context: wall rate, CPU phase", spread(wall_rates, ".0f") + " deliveries/s through the handler"),
        (
            "context: with receive and delete",
            spread([c * us for c in source_cpu], ".0f") + " us CPU per delivery (the event source's part too)",
        ),
        (
            "context: moto's CPU per delivery",
            spread([c * us for c in moto_cpu], ".0f") + " us, CPU phase (DynamoDB + SQS, not counted above)",
        ),
        ("host", f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} -> {load_after[0]:.1f}"),
    ]
    print(
        f"webhook delivery: {rounds} rounds of {count} worker deliveries (batches of {BATCH}) and {count} floor"
        f" deliveries, then {len(latency_ms)} at {rate:g}/s; each received once and verified with standardwebhooks"
    )
    for label, value in rows:
        print(f"  {label:<40}{value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--deliveries", type=int, default=100, help="per round, of the worker and of the floor")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rate", type=float, default=50.0, help="deliveries per second offered, latency phase")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the latency phase")
    parser.add_argument(
        "--pollers", type=int, default=3, help="concurrent event source pollers, latency phase (Lambda scales out)"
    )
    parser.add_argument("--receiver", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--poll", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--produce", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--emulator", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        serve_receiver()
    elif args.poll:
        poll()
    elif args.emulator:
        serve_emulator(args.emulator)
    elif args.produce:
        url, rate, seconds = args.produce
        produce(url, float(rate), float(seconds))
    else:
        run(max(BATCH, args.deliveries - args.deliveries % BATCH), args.rounds, args.rate, args.seconds, args.pollers)


if __name__ == "__main__":
    main()
