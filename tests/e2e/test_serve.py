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


PRINTED: dict[str, str] = {}


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
        line = ""
        deadline = time.monotonic() + 60
        assert process.stdout is not None
        # The banner ends with its "try:" line; the keys and the outbox path come before it.
        while time.monotonic() < deadline and not line.startswith("  try:"):
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                pytest.fail(f"kycgate serve exited with {process.returncode}")
            for name, pattern in (
                ("outbox", r"appended to (\S+\.jsonl)"),
                ("test_key", r"demo test key (kg_test_\S+)"),
            ):
                found = re.search(pattern, line)
                if found:
                    PRINTED[name] = found.group(1)
            match = re.search(r"demo API key (kg_live_\S+)", line)
            key = match.group(1) if match else key
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


def test_serve_runs_the_levels_example_with_codes_in_the_printed_outbox(local_stack: tuple[str, str]) -> None:
    import json

    base, key = local_stack
    loaded = subprocess.run(
        [sys.executable, "-m", "kycgate.cli", "levels", "load", "--example", "--url", base, "--api-key", key],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    summary = json.loads(loaded.stdout)
    entity = summary["legal_entities"][0]
    headers = {"Authorization": f"Bearer {key}"}
    client = httpx.post(
        f"{base}/api/v1/levels/clients/",
        headers=headers,
        json={"legal_entity_uuid": entity["legal_entity_uuid"], "client_type": "individual", "phone": "+14155552671"},
    ).json()
    query = {"legal_entity_uuid": entity["legal_entity_uuid"], "client_uuid": client["client_uuid"]}
    created = httpx.post(
        f"{base}/api/v1/levels/clients/kyc-level-info/",
        headers=headers,
        params=query,
        json={"kyc_level_uuid": entity["levels"]["basic"]},
    )
    assert created.status_code == 201, created.text
    body = {
        "legal_entity_uuid": entity["legal_entity_uuid"],
        "object_uuid": created.json()["kyc_application_uuid"],
        "provider_type": "sms",
    }
    assert httpx.post(f"{base}/api/v1/levels/verification-codes/", headers=headers, json=body).status_code == 201
    lines = Path(PRINTED["outbox"]).read_text().splitlines()
    assert json.loads(lines[-1])["destination"] == "+14155552671"
    # The printed test key works on the same API over data of its own.
    test_headers = {"Authorization": f"Bearer {PRINTED['test_key']}"}
    assert httpx.get(f"{base}/api/v1/levels/configuration", headers=test_headers).json()["version"] == 0
