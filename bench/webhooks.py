"""Webhook delivery: deliveries per second of one worker process, and time from commit to receipt.

The worker process runs the real webhook_worker handler, fed by kycgate.local.drain_once (the local
stand-in for Lambda's SQS event source), with moto in-process for DynamoDB and SQS. The receiver
is a keep-alive ThreadingHTTPServer on 127.0.0.1 in a process of its own, so its CPU is not the
worker's. The producer commits deliveries through the outbox in waves of one SQS batch (10 commits,
each its own transaction and send), then the worker drains them; only the drain time counts towards
the worker's rate. Every webhook received is verified with the standardwebhooks package afterwards.

moto is a simulator whose every call costs milliseconds of CPU in *this* process (DynamoDB and SQS
cost a Lambda none), so the CPU of the drain phase is split: inside moto (the AWS stand-in) and the
rest (botocore client work, the handler, signing, the POST). The second part gives the worker's own
capacity in deliveries per CPU-second, the figure that does not depend on moto or on the host's load;
the first gives moto's ceiling, the rate this process could not pass even if kycgate cost nothing.

Latency (commit -> receipt) is measured in a second phase, one delivery at a time (commit, then one
drain), so that it is not the wait for the rest of a wave's commits.

Baseline, measured in the same run: raw urllib3 POSTs of the same signed body to the same receiver,
10 at a time over a keep-alive pool (the HTTP part alone).

    .venv/bin/python bench/webhooks.py [--deliveries 1000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "KYCGATE_ALLOW_LOOPBACK_CALLBACKS": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

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


# ------------------------------------------------------------------------------------------ receiver process


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


class ReceiverProcess:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--receiver"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}/hook"

    def collect(self) -> list[dict]:
        out, _ = self.process.communicate(timeout=120)
        return [json.loads(line) for line in out.splitlines()]


# ------------------------------------------------------------------------------------------ measurement


class MotoCpu:
    """CPU seconds spent inside moto's request handling, summed over all threads."""

    def __init__(self) -> None:
        from moto.core.botocore_stubber import BotocoreStubber

        self.seconds = 0.0
        self._lock = threading.Lock()
        original = BotocoreStubber.__call__
        meter = self

        def timed(stubber: object, *args: object, **kwargs: object) -> object:
            started = time.thread_time()
            try:
                return original(stubber, *args, **kwargs)
            finally:
                with meter._lock:
                    meter.seconds += time.thread_time() - started

        BotocoreStubber.__call__ = timed  # type: ignore[method-assign]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def baseline(url: str, secret: str, count: int) -> tuple[float, float]:
    """(POSTs per second, CPU ms per POST) of raw urllib3, BATCH at a time, same receiver and body."""
    import urllib3

    from kycgate.webhooks import signing

    host, port = url.removeprefix("http://").split("/")[0].split(":")
    pool = urllib3.HTTPConnectionPool(host, int(port), maxsize=BATCH)
    body = json.dumps(PAYLOAD, separators=(",", ":")).encode()

    def post(i: int) -> int:
        headers = signing.headers([secret], f"base_{i}", int(time.time()), body)
        return pool.urlopen("POST", "/hook", body=body, headers=headers, retries=False).status

    with ThreadPoolExecutor(BATCH) as executor:
        cpu, started = time.process_time(), time.perf_counter()
        for start in range(0, count, BATCH):
            assert all(s == 204 for s in executor.map(post, range(start, min(count, start + BATCH))))
        return count / (time.perf_counter() - started), (time.process_time() - cpu) / count * 1000


def run(count: int) -> None:
    from moto import mock_aws
    from standardwebhooks.webhooks import Webhook

    load_before = os.getloadavg()
    moto_cpu = MotoCpu()
    receiver = ReceiverProcess()
    # The handler's CloudWatch EMF metric lines go to stdout, as in Lambda; keep them off the report.
    with mock_aws(), contextlib.redirect_stdout(io.StringIO()):
        from kycgate.core.settings import get_settings
        from kycgate.infra import provision

        os.environ.update(provision().env())
        get_settings.cache_clear()

        from kycgate.local import drain_once
        from kycgate.webhooks import outbox, service

        secret = service.get_secret(TENANT).secret
        # Warm up: imports, the pinned connection pool, moto's first calls.
        for _ in range(BATCH):
            outbox.commit(
                [], [outbox.new_delivery(TENANT, event="warmup", reference="w", url=receiver.url, payload={})]
            )
        while drain_once().received:
            pass

        committed_at: dict[str, float] = {}
        commit_ms: list[float] = []

        def commit_one() -> str:
            pending = outbox.new_delivery(TENANT, event="bench", reference="r", url=receiver.url, payload=PAYLOAD)
            t0 = time.time()
            outbox.commit([], [pending])
            commit_ms.append((time.time() - t0) * 1000)
            committed_at[pending.delivery_id] = t0
            return pending.delivery_id

        drain_wall = drain_cpu = drain_moto = 0.0
        started = time.perf_counter()
        for _ in range(count // BATCH):
            for _ in range(BATCH):
                commit_one()
            wall, cpu, in_moto = time.perf_counter(), time.process_time(), moto_cpu.seconds
            for _ in range(10):  # bounded; one receive normally takes the whole wave
                if drain_once().received == 0:
                    break
            drain_wall += time.perf_counter() - wall
            drain_cpu += time.process_time() - cpu
            drain_moto += moto_cpu.seconds - in_moto
        total_wall = time.perf_counter() - started

        latency_ids = set()
        for _ in range(min(count, 200)):
            latency_ids.add(commit_one())
            drain_once(wait_seconds=1)
        raw_rate, raw_cpu_ms = baseline(receiver.url, secret, count)
    load_after = os.getloadavg()

    received = [r for r in receiver.collect() if r["headers"]["webhook-id"] in committed_at]
    ids = [r["headers"]["webhook-id"] for r in received]
    assert sorted(ids) == sorted(committed_at), "a delivery is missing or arrived twice"
    verifier = Webhook(secret)
    for record in received:
        verifier.verify(record["body"], record["headers"])
    latency_ms = [
        (r["at"] - committed_at[r["headers"]["webhook-id"]]) * 1000
        for r in received
        if r["headers"]["webhook-id"] in latency_ids
    ]

    own_ms = (drain_cpu - drain_moto) / count * 1000
    moto_ms = drain_moto / count * 1000
    rows = [
        ("worker wall rate (moto in-process)", f"{count / drain_wall:.0f} deliveries/s"),
        (
            "moto's ceiling for this process",
            f"{1000 / moto_ms:.0f} deliveries/s (1000 / moto's CPU ms per delivery: kycgate at no cost at all);"
            f" wall rate / ceiling {count / drain_wall * moto_ms / 1000:.2f}",
        ),
        (
            "worker CPU per delivery",
            f"{drain_cpu / count * 1000:.2f} ms = {moto_ms:.2f} ms inside moto"
            f" + {own_ms:.2f} ms kycgate, botocore and HTTP",
        ),
        ("worker own capacity", f"{1000 / own_ms:.0f} deliveries per CPU-second (target >= 200)"),
        ("end to end incl. producer commits", f"{count / total_wall:.0f} deliveries/s"),
        (
            "commit -> receipt, one at a time",
            f"p50 {percentile(latency_ms, 0.5):.1f} ms, p99 {percentile(latency_ms, 0.99):.1f} ms"
            f" (outbox.commit alone: p50 {percentile(commit_ms, 0.5):.1f} ms)",
        ),
        ("baseline: raw urllib3 POSTs", f"{raw_rate:.0f} /s, {raw_cpu_ms:.2f} ms CPU each"),
        ("worker own capacity / baseline rate", f"{1000 / own_ms / raw_rate:.2f}"),
        ("host", f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} -> {load_after[0]:.1f}"),
    ]
    print(
        f"webhook delivery: {count} deliveries in batches of {BATCH}, then {len(latency_ids)} one at a time;"
        " each received once and verified with standardwebhooks"
    )
    for label, value in rows:
        print(f"  {label:<37}{value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--receiver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        serve_receiver()
        return
    run(max(BATCH, args.deliveries - args.deliveries % BATCH))


if __name__ == "__main__":
    main()
