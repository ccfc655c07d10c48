"""The HTTP client every adapter uses: urllib3 with timeouts, retries with backoff, error mapping.

Why a loop of our own around ``urllib3.util.Retry`` rather than handing ``Retry`` to ``urlopen``:
Sumsub signs the request's timestamp, so each attempt must be signed afresh (a retry replayed with
the first attempt's headers could arrive outside Sumsub's time window); a provider's
``Retry-After`` must be capped (urllib3 sleeps for whatever the header says, and a Lambda cannot
wait an hour); and each attempt is logged. ``Retry`` still keeps the counts (connect, read and
status errors, with every method retryable), decides exhaustion and parses ``Retry-After`` (seconds
or an HTTP-date).

Rules:
- 2xx: the response.
- 429 and 5xx (but 501/505, which no retry changes), timeouts, refused/reset connections: retried
  up to ``attempts`` tries in all, waiting ``backoff_base * 2**(n-1)`` seconds (capped at
  ``backoff_max``) with equal jitter (half fixed, half random), or the provider's ``Retry-After``
  when that is longer. A ``Retry-After`` beyond ``retry_after_max``, a wait that would overrun
  ``deadline``, or the last attempt failing raise ``RetriesExhausted`` (carrying ``retry_after``), for
  the dispatch worker to hand back to SQS.
- Any other status (4xx, 3xx: redirects are not followed, a redirect means a wrong base URL):
  ``ProviderRejected`` with the provider's own error message, never retried.

A create (POST) is retried too, also after a read timeout, when the provider may already have
acted: each adapter makes its create findable or de-duplicated by kycgate's reference where the
provider allows it (documented per adapter).

Nothing secret is logged: a record per attempt names the provider, method, path (no query), status
or error class, attempt number and latency.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import HTTPError, MaxRetryError, NewConnectionError, TimeoutError
from urllib3.util.retry import Retry

from kycgate.core.logs import logger
from kycgate.gateway.providers.base import ProviderRejected, RetriesExhausted

RETRY_STATUSES = frozenset({429, *range(500, 600)} - {501, 505})
_MESSAGE_CHARS = 500


class RetryPolicy(NamedTuple):
    """How hard one call tries. Tests pass tiny backoffs; the defaults suit the dispatch worker.

    Worst case for one call is about ``deadline`` plus one attempt's ``total_timeout``: the worker's
    Lambda timeout must exceed that (defaults: 40 s + 20 s).
    """

    attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 20.0
    connect_timeout: float = 3.05
    read_timeout: float = 15.0
    total_timeout: float = 20.0
    deadline: float = 40.0
    max_response_bytes: int = 8 * 1024 * 1024


DEFAULT_POLICY = RetryPolicy()
# For enriching a GET with the provider's latest representation: one quick try, the caller falls
# back to the stored representation (``provider_representation_stale``) rather than keep a client waiting.
ENRICHMENT_POLICY = RetryPolicy(attempts=1, connect_timeout=2.0, read_timeout=4.0, total_timeout=5.0, deadline=5.0)


class ProviderResponse(NamedTuple):
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


# (method, path?query, body) -> headers to add; called before every attempt (Sumsub's signature).
Signer = Callable[[str, str, bytes], Mapping[str, str]]
# A non-2xx response -> (the provider's error message, its error code if it has one).
ErrorReader = Callable[[ProviderResponse], tuple[str, str | None]]

_pool: urllib3.PoolManager | None = None


def shared_pool() -> urllib3.PoolManager:
    """One connection pool per process (per Lambda container), created on first use."""
    global _pool
    if _pool is None:
        _pool = urllib3.PoolManager(num_pools=8, maxsize=4, retries=False)
    return _pool


class ProviderHttp:
    """Calls to one provider under one ``RetryPolicy``."""

    def __init__(
        self,
        provider: str,
        policy: RetryPolicy = DEFAULT_POLICY,
        *,
        pool: urllib3.PoolManager | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.provider = provider
        self.policy = policy
        self._pool = pool
        self._sleep = sleep
        self._rng = rng

    def request(
        self,
        method: str,
        url: str,
        *,
        errors: ErrorReader,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        sign: Signer | None = None,
    ) -> ProviderResponse:
        policy = self.policy
        pool = self._pool or shared_pool()
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        timeout = urllib3.Timeout(connect=policy.connect_timeout, read=policy.read_timeout, total=policy.total_timeout)
        retry = Retry(
            total=policy.attempts - 1,
            connect=None,
            read=None,
            status=None,
            other=0,
            redirect=0,
            allowed_methods=None,
            status_forcelist=RETRY_STATUSES,
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            sent_headers = dict(headers or {})
            if sign is not None:
                sent_headers.update(sign(method, target, body or b""))
            begun = time.perf_counter()
            try:
                raw = pool.urlopen(
                    method,
                    url,
                    body=body,
                    headers=sent_headers,
                    retries=False,
                    redirect=False,
                    timeout=timeout,
                    preload_content=False,
                )
                response = self._read(raw)
            except HTTPError as exc:
                self._log(method, parts.path, attempt, begun, error=type(exc).__name__)
                problem = self._describe(exc)
                try:
                    retry = retry.increment(method, url, error=exc)
                except (MaxRetryError, HTTPError):
                    raise RetriesExhausted(self.provider, problem, attempts=attempt) from None
                wait = self._backoff(attempt)
                if time.monotonic() - started + wait > policy.deadline:
                    raise RetriesExhausted(self.provider, problem, attempts=attempt) from None
                self._sleep(wait)
                continue
            self._log(method, parts.path, attempt, begun, status=response.status)
            if 200 <= response.status < 300:
                return response
            if response.status not in RETRY_STATUSES:
                message, code = self._message(response, errors)
                raise ProviderRejected(self.provider, message, status=response.status, code=code)
            retry_after = self._retry_after(retry, response)
            message, _ = self._message(response, errors)
            if retry_after is not None and retry_after > policy.retry_after_max:
                raise RetriesExhausted(
                    self.provider,
                    f"{message} (asked to retry after {retry_after:g} s)",
                    attempts=attempt,
                    last_status=response.status,
                    retry_after=retry_after,
                )
            try:
                retry = retry.increment(method, url, response=raw)
            except MaxRetryError:
                raise RetriesExhausted(
                    self.provider,
                    message,
                    attempts=attempt,
                    last_status=response.status,
                    retry_after=retry_after,
                ) from None
            # Retry-After is a floor ("not before"), never a reason to wait less than the backoff.
            wait = max(self._backoff(attempt), retry_after or 0.0)
            if time.monotonic() - started + wait > policy.deadline:
                raise RetriesExhausted(
                    self.provider, message, attempts=attempt, last_status=response.status, retry_after=retry_after
                )
            self._sleep(wait)

    def _read(self, raw: Any) -> ProviderResponse:
        limit = self.policy.max_response_bytes
        try:
            data = raw.read(limit + 1, decode_content=True)
            if len(data) > limit:
                raise ProviderRejected(
                    self.provider, f"response exceeds {limit} bytes", status=raw.status, code="response_too_large"
                )
        finally:
            raw.release_conn()
        return ProviderResponse(raw.status, raw.headers, data)

    def _backoff(self, attempt: int) -> float:
        step = min(self.policy.backoff_max, self.policy.backoff_base * 2 ** (attempt - 1))
        # Equal jitter: callers failed together by one outage spread out, and no wait collapses to 0.
        return step / 2 + self._rng() * step / 2

    @staticmethod
    def _retry_after(retry: Retry, response: ProviderResponse) -> float | None:
        value = response.headers.get("Retry-After")
        if value is None:
            return None
        try:
            return retry.parse_retry_after(value)
        except HTTPError:
            return None

    def _message(self, response: ProviderResponse, errors: ErrorReader) -> tuple[str, str | None]:
        try:
            message, code = errors(response)
        except (ValueError, TypeError, KeyError, AttributeError):
            message, code = "", None
        if not message:
            text = response.body[:_MESSAGE_CHARS].decode("utf-8", "replace").strip()
            message = text or "no error message"
        return f"HTTP {response.status}: {message[:_MESSAGE_CHARS]}", code

    def _describe(self, exc: HTTPError) -> str:
        # NewConnectionError subclasses ConnectTimeoutError in urllib3 2, so it is tested first.
        if isinstance(exc, NewConnectionError):
            return "could not connect"
        if isinstance(exc, TimeoutError):
            return f"no response within {self.policy.read_timeout:g} s"
        return f"connection failed ({type(exc).__name__})"

    def _log(self, method: str, path: str, attempt: int, begun: float, **outcome: Any) -> None:
        fields = {
            "provider": self.provider,
            "method": method,
            "path": path,
            "attempt": attempt,
            "latency_ms": round((time.perf_counter() - begun) * 1000),
            **outcome,
        }
        status = outcome.get("status")
        if status is not None and 200 <= status < 300:
            logger.debug("provider call", extra=fields)
        else:
            logger.info("provider call failed", extra=fields)


def json_body(value: Any) -> bytes:
    """Compact UTF-8 JSON, the exact bytes sent (and signed, for Sumsub)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
