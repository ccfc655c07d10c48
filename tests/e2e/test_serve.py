"""`kycgate serve` starts the whole local stack and answers with the demo key it prints."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def local_stack() -> Iterator[tuple[str, str]]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kycgate.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        key = None
        deadline = time.monotonic() + 60
        assert process.stdout is not None
        while time.monotonic() < deadline and key is None:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                pytest.fail(f"kycgate serve exited with {process.returncode}")
            match = re.search(r"demo API key (kg_live_\S+)", line)
            key = match.group(1) if match else None
        assert key, "no demo key printed within 60 s"
        base = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/docs", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, key
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_answers_preferences_with_the_printed_key(local_stack: tuple[str, str]) -> None:
    base, key = local_stack
    response = httpx.get(f"{base}/api/v1/kyc/preferences", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json()["reuse_kyc_reactions"]["max_retry_attempts"] == 2
    assert httpx.get(f"{base}/api/v1/kyc/preferences").status_code == 401
    assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "kycgate"
