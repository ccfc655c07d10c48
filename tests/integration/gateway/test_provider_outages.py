"""Every adapter's HTTP behaviour against its fake: what is retried, how long it waits, when it stops.

The retry loop is shared (``providers.http``), but each provider has its own error shape and its
own first call, so each is run through the same table: 503s then success, a 429 whose
``Retry-After`` is honoured, a lasting outage, a ``Retry-After`` too long to wait for, a 4xx that is
never retried, a read timeout, a refused connection.
"""

from __future__ import annotations

import socket
import time

import pytest

from kycgate.gateway.providers.base import ProviderRejected, RetriesExhausted
from kycgate.gateway.providers.http import ProviderHttp
from kycgate.gateway.providers.params import NormalisedParams
from tests.integration.gateway.provider_support import FAST, running

PROVIDERS = ("vouched", "sumsub", "onfido", "identitymind")
# The first call each adapter's submit makes.
FIRST_CALL = {
    "vouched": "/api/jobs",
    "sumsub": "/resources/applicants",
    "onfido": "/v3.6/applicants",
    "identitymind": "/im/account/consumer",
}


def _submit(h, person: NormalisedParams, reference: str = "app-1"):
    return h.adapter.submit(h.credentials, h.adapter.build_request(person, "kyc", reference=reference))


def _first_calls(h) -> int:
    return len(h.fake.calls_to("POST", FIRST_CALL[h.name]))


@pytest.mark.parametrize("name", PROVIDERS)
def test_503s_are_retried_with_backoff_then_succeed(name: str, person: NormalisedParams) -> None:
    with running(name) as h:
        h.fake.fail_next(2, status=503)
        snapshot = _submit(h, person)
        assert snapshot.identifier
        assert _first_calls(h) == 3
        assert len(h.sleeps) == 2
        # Exponential with equal jitter: step n waits between step/2 and step, step = base * 2**(n-1).
        assert FAST.backoff_base / 2 <= h.sleeps[0] <= FAST.backoff_base
        assert FAST.backoff_base <= h.sleeps[1] <= 2 * FAST.backoff_base


@pytest.mark.parametrize("name", PROVIDERS)
def test_429_waits_for_retry_after(name: str, person: NormalisedParams) -> None:
    with running(name) as h:
        h.fake.fail_next(1, status=429, retry_after="1")
        assert _submit(h, person).identifier
        assert _first_calls(h) == 2
        assert h.sleeps[0] == pytest.approx(1.0)


def test_retry_after_is_really_waited(person: NormalisedParams) -> None:
    with running("vouched", real_sleep=True) as h:
        h.fake.fail_next(1, status=503, retry_after="1")
        started = time.monotonic()
        _submit(h, person)
        assert time.monotonic() - started >= 1.0
        first, second = h.fake.calls_to("POST", "/api/jobs")[:2]
        assert first.body == second.body


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_lasting_outage_exhausts_the_retries(name: str, person: NormalisedParams) -> None:
    with running(name) as h:
        h.fake.fail_next(10, status=503)
        with pytest.raises(RetriesExhausted) as caught:
            _submit(h, person)
        assert _first_calls(h) == FAST.attempts
        error = caught.value
        assert error.retryable and error.attempts == FAST.attempts and error.last_status == 503
        assert error.description.startswith(f"{name}: HTTP 503")


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_retry_after_beyond_the_cap_stops_at_once(name: str, person: NormalisedParams) -> None:
    with running(name) as h:
        h.fake.fail_next(5, status=429, retry_after="120")
        with pytest.raises(RetriesExhausted) as caught:
            _submit(h, person)
        assert _first_calls(h) == 1
        assert caught.value.retry_after == 120
        assert "120 s" in caught.value.message


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_4xx_is_permanent_and_never_retried(name: str, person: NormalisedParams) -> None:
    with running(name) as h:
        key = "api_token" if name == "onfido" else "secret_key" if name == "sumsub" else "api_key"
        wrong = h.credentials_with(**{key: "not-the-key"})
        with pytest.raises(ProviderRejected) as caught:
            h.adapter.submit(wrong, h.adapter.build_request(person, "kyc", reference="app-1"))
        assert _first_calls(h) == 1
        assert caught.value.status == 401 and not caught.value.retryable
        assert h.sleeps == []


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_read_timeout_is_retried(name: str, person: NormalisedParams) -> None:
    policy = FAST._replace(read_timeout=0.3, total_timeout=0.5)
    with running(name, policy=policy) as h:
        h.fake.set_latency(1.0, count=1)
        assert _submit(h, person).identifier
        assert _first_calls(h) == 2


def test_lasting_timeouts_exhaust_the_retries(person: NormalisedParams) -> None:
    policy = FAST._replace(read_timeout=0.2, total_timeout=0.3, attempts=2)
    with running("vouched", policy=policy) as h:
        h.fake.set_latency(1.0)
        with pytest.raises(RetriesExhausted, match=r"no response within 0\.2 s") as caught:
            _submit(h, person)
        assert caught.value.attempts == 2 and caught.value.last_status is None


def test_a_refused_connection_is_retried_then_exhausted(person: NormalisedParams) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    sleeps: list[float] = []
    from kycgate.gateway.providers.vouched import VouchedAdapter

    adapter = VouchedAdapter(ProviderHttp("vouched", FAST, sleep=sleeps.append))
    credentials = adapter.credentials({"api_key": "k", "base_url": f"http://127.0.0.1:{port}"})
    with pytest.raises(RetriesExhausted, match="could not connect") as caught:
        adapter.submit(credentials, adapter.build_request(person, "kyc", reference="app-1"))
    assert caught.value.attempts == FAST.attempts and len(sleeps) == FAST.attempts - 1


def test_the_deadline_bounds_the_whole_call(person: NormalisedParams) -> None:
    policy = FAST._replace(attempts=10, backoff_base=0.2, backoff_max=0.2, deadline=0.5)
    with running("vouched", policy=policy, real_sleep=True) as h:
        h.fake.fail_next(20, status=502)
        started = time.monotonic()
        with pytest.raises(RetriesExhausted):
            _submit(h, person)
        assert time.monotonic() - started < 1.0
        assert _first_calls(h) < policy.attempts
