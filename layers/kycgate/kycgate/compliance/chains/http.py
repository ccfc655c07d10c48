"""The HTTP client explorers share: urllib3 with timeouts, bounded retries with backoff, capped bodies.

Retried (urllib3 ``Retry``, at most 2 retries, GET only): connection errors, read timeouts, 429 and
5xx. A 4xx other than 429 is the request's fault and returned at once. Between attempts urllib3
sleeps its backoff (0 s, then 0.5 s) or the server's Retry-After, capped at 2 s: a call stays within
3 x timeout + 4 s whatever the server says. Redirects are never followed (an explorer that moved
is a configuration error, and following one would send the query, API key included, elsewhere).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Mapping
from typing import Any, NamedTuple

from urllib3 import PoolManager, Timeout
from urllib3.exceptions import HTTPError, MaxRetryError
from urllib3.util.retry import Retry

from kycgate.compliance.chains.explorers import ExplorerRefused, ExplorerUnavailable

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BODY_BYTES = 8 * 1024 * 1024  # Esplora's 50 mempool + 25 confirmed transactions fit many times over
_CONNECT_TIMEOUT = 3.05  # seconds: a TCP handshake that takes longer is a dead host


class _RedactKeys(logging.Filter):
    """Redacts API keys from urllib3's own log records, which quote request URLs with their query
    (each request and retry at DEBUG, each retry after a broken connection at WARNING): Etherscan
    takes its key only as a query parameter."""

    _KEY = re.compile(r"([?&](?:apikey|api_key|api-key|key|token)=)[^&\s'\"]*", re.IGNORECASE)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._KEY.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


# A logger's filters do not apply to its children's records: each urllib3 logger that quotes URLs.
for _name in ("urllib3.connectionpool", "urllib3.poolmanager", "urllib3.util.retry", "urllib3.response"):
    logging.getLogger(_name).addFilter(_RedactKeys())


class _Retry(Retry):
    # urllib3 >= 2.6.3 has retry_after_max; this cap works with every urllib3 2.x.
    RETRY_AFTER_CAP = 2.0

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.RETRY_AFTER_CAP)


def retry_policy() -> Retry:
    return _Retry(
        total=2,
        other=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=0.25,
        backoff_jitter=0.1,
        respect_retry_after_header=True,
        raise_on_status=False,  # the last 429/5xx comes back as a response, to be reported as such
        redirect=False,
    )


class Reply(NamedTuple):
    status: int
    body: bytes
    retries: Retry  # the retry state after this request (for retrying on an answer urllib3 cannot judge)

    def json(self, explorer: str) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise ExplorerRefused(explorer, f"HTTP {self.status} with a body that is not JSON") from None

    def text(self, limit: int = 200) -> str:
        """The start of a plain-text body (Esplora's errors), printable characters only."""
        text = self.body[:limit].decode("utf-8", "replace")
        return "".join(c if c.isprintable() else " " for c in text).strip()


_POOL: PoolManager | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> PoolManager:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            # Connections are reused across the invocations of a warm Lambda.
            _POOL = PoolManager(num_pools=4, maxsize=4, headers={"User-Agent": "kycgate", "Accept": "application/json"})
        return _POOL


def get(
    explorer: str, url: str, query: Mapping[str, str] | None, *, timeout: float, retries: Retry | None = None
) -> Reply:
    """GET ``url`` with ``query``; ExplorerUnavailable when no answer came, else the (last) reply."""
    retries = retry_policy() if retries is None else retries
    try:
        response = _pool().request(
            "GET",
            url,
            fields=query,
            timeout=Timeout(connect=min(timeout, _CONNECT_TIMEOUT), read=timeout),
            retries=retries,
            redirect=False,
            preload_content=False,
        )
    except MaxRetryError as exc:
        # str(exc) holds the URL with its query: only the kind of failure is kept.
        reason = type(exc.reason).__name__ if exc.reason is not None else "error"
        raise ExplorerUnavailable(explorer, f"no answer, retries exhausted ({reason})") from None
    except HTTPError as exc:
        raise ExplorerUnavailable(explorer, f"request failed ({type(exc).__name__})") from None
    try:
        body = response.read(MAX_BODY_BYTES + 1, decode_content=True)
    except HTTPError as exc:
        response.close()
        raise ExplorerUnavailable(explorer, f"reading the answer failed ({type(exc).__name__})") from None
    if len(body) > MAX_BODY_BYTES:
        # Unread bytes would corrupt the next response on this connection: close it, do not return it.
        response.close()
        raise ExplorerRefused(explorer, f"answer larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")
    response.release_conn()
    return Reply(response.status, body, response.retries or retries)
