"""A minimal Sumsub API client for the levels liveness check, and where a tenant's credentials live.

This module is the one to swap for the shared Sumsub client (gateway/providers/sumsub.py) once it lands:
levels.sumsub_liveness needs only an object with the four methods of its ``SumsubClient`` protocol, made
by ``client_for(tenant_id)``.

Requests are signed as Sumsub documents it (https://docs.sumsub.com/reference/authentication): headers
``X-App-Token`` (the app token), ``X-App-Access-Ts`` (Unix seconds) and ``X-App-Access-Sig``, the lower-case
hex HMAC-SHA256, keyed with the secret key, of ts + upper-case method + path with query + body bytes.

Credentials are per tenant data space in Secrets Manager, ``kycgate/tenants/<tenant_id>/sumsub``, a JSON
object ``{"app_token", "secret_key", "base_url"}`` (base_url default https://api.sumsub.com); a test-mode
key's space (``<tenant>.test``) holds the tenant's Sumsub sandbox pair.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit

from kycgate.core import aws
from kycgate.core.errors import Conflict, ServiceUnavailable

DEFAULT_BASE_URL = "https://api.sumsub.com"
SECRET_NAME = "kycgate/tenants/{tenant_id}/sumsub"  # noqa: S105 - a name, not a secret
TIMEOUT_SECONDS = 10.0
_CREDENTIALS_TTL_SECONDS = 300


class SumsubError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"Sumsub answered {status}: {description}")
        self.status = status
        self.description = description


class Credentials(NamedTuple):
    app_token: str
    secret_key: str
    base_url: str


def sign(secret_key: str, ts: str, method: str, path_with_query: str, body: bytes) -> str:
    """X-App-Access-Sig for a request."""
    message = ts.encode() + method.upper().encode() + path_with_query.encode() + body
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


class SumsubHttpClient:
    """create_applicant, access_token, websdk_link, applicant_status over Sumsub's REST API."""

    def __init__(self, credentials: Credentials, *, clock: Any = time.time) -> None:
        parts = urlsplit(credentials.base_url)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("Sumsub's base_url must be https (http only for a local fake on loopback)")
        self.credentials = credentials
        self._clock = clock

    def create_applicant(self, external_user_id: str, level_name: str) -> str:
        """The applicant id for ``external_user_id``, creating the applicant at ``level_name`` if needed."""
        try:
            created = self._call(
                "POST",
                f"/resources/applicants?levelName={quote(level_name, safe='')}",
                {"externalUserId": external_user_id},
            )
        except SumsubError as exc:
            if exc.status != 409:  # "already exists": read it
                raise
            created = self._call(
                "GET", f"/resources/applicants/-;externalUserId={quote(external_user_id, safe='')}/one"
            )
        return str(created["id"])

    def access_token(self, external_user_id: str, level_name: str, ttl_seconds: int) -> str:
        """An access token for the WebSDK, valid ``ttl_seconds``, usable for this applicant only."""
        body = {"userId": external_user_id, "levelName": level_name, "ttlInSecs": ttl_seconds}
        return str(self._call("POST", "/resources/accessTokens/sdk", body)["token"])

    def websdk_link(self, external_user_id: str, level_name: str, ttl_seconds: int) -> str:
        """A link to Sumsub's hosted WebSDK for this applicant, valid ``ttl_seconds``."""
        body = {"userId": external_user_id, "levelName": level_name, "ttlInSecs": ttl_seconds}
        return str(self._call("POST", "/resources/sdkIntegrations/levels/-/websdkLink", body)["url"])

    def applicant_status(self, applicant_id: str) -> dict[str, Any]:
        """The applicant's review status document (reviewStatus, reviewResult)."""
        return self._call("GET", f"/resources/applicants/{quote(applicant_id, safe='')}/status")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        payload = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
        ts = str(int(self._clock()))
        headers = {
            "Accept": "application/json",
            "X-App-Token": self.credentials.app_token,
            "X-App-Access-Ts": ts,
            "X-App-Access-Sig": sign(self.credentials.secret_key, ts, method, path, payload),
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = _pool().request(
                method,
                self.credentials.base_url.rstrip("/") + path,
                body=payload or None,
                headers=headers,
                timeout=TIMEOUT_SECONDS,
                retries=False,
                redirect=False,
            )
        except Exception as exc:
            raise ServiceUnavailable("Sumsub did not answer; retry shortly.", 5) from exc
        try:
            data = json.loads(response.data or b"{}")
        except ValueError:
            data = {}
        if response.status >= 300:
            raise SumsubError(response.status, str(data.get("description") or data.get("errorName") or "")[:300])
        return data if isinstance(data, dict) else {}


_pool_lock = threading.Lock()
_pool_instance: Any = None


def _pool() -> Any:
    global _pool_instance
    with _pool_lock:
        if _pool_instance is None:
            import urllib3

            _pool_instance = urllib3.PoolManager(num_pools=4, maxsize=4)
        return _pool_instance


_credentials: dict[str, tuple[float, Credentials]] = {}


def credentials_for(tenant_id: str) -> Credentials:
    """The tenant data space's Sumsub credentials from Secrets Manager (cached 5 minutes per process)."""
    cached = _credentials.get(tenant_id)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    name = SECRET_NAME.format(tenant_id=tenant_id)
    try:
        secret = aws.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
    except Exception as exc:
        code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code")
        if code == "ResourceNotFoundException":
            raise Conflict(
                f"This level's liveness check uses Sumsub, and no Sumsub credentials are stored for your "
                f"{'test' if tenant_id.endswith('.test') else 'live'} data: store them in Secrets Manager as {name} "
                '({"app_token": ..., "secret_key": ..., "base_url": ...}).',
                slug="sumsub-not-configured",
            ) from exc
        raise
    data = json.loads(secret)
    found = Credentials(data["app_token"], data["secret_key"], data.get("base_url") or DEFAULT_BASE_URL)
    _credentials[tenant_id] = (time.monotonic() + _CREDENTIALS_TTL_SECONDS, found)
    return found


def forget_credentials() -> None:
    _credentials.clear()


def client_for(tenant_id: str) -> SumsubHttpClient:
    return SumsubHttpClient(credentials_for(tenant_id))
