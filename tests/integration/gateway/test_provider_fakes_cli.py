"""Each fake runs as a process of its own (``python -m kycgate.fakes.<name>``), driven over HTTP.

That is how ``make serve`` uses them: another process moves jobs on and simulates outages through
the ``/_fake/`` admin routes.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import urllib3

# A route each fake answers without credentials (its 401), to see an outage take precedence.
PROBE = {
    "vouched": ("GET", "/api/jobs?id=x", 401),
    "sumsub": ("GET", "/resources/applicants/x/one", 401),
    "onfido": ("GET", "/v3.6/checks/x", 401),
    "identitymind": ("GET", "/im/account/consumer/x", 401),
}


@pytest.mark.parametrize("name", sorted(PROBE))
def test_a_fake_runs_standalone_and_obeys_its_admin_routes(name: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", f"kycgate.fakes.{name}", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        started = json.loads(process.stdout.readline())
        assert started["fake"] == name and started["url"].startswith("http://127.0.0.1:")
        http = urllib3.PoolManager(retries=False)
        method, path, unauthorised = PROBE[name]
        assert http.request(method, started["url"] + path).status == unauthorised
        http.request("POST", started["url"] + "/_fake/outage", json={"count": 1, "status": 503, "retry_after": "7"})
        outage = http.request(method, started["url"] + path)
        assert (outage.status, outage.headers["Retry-After"]) == (503, "7")
        assert http.request(method, started["url"] + path).status == unauthorised
        calls = http.request("GET", started["url"] + "/_fake/calls").json()["calls"]
        assert len(calls) == 3 and {c["method"] for c in calls} == {method}
    finally:
        process.terminate()
        process.wait(timeout=10)
