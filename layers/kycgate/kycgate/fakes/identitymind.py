"""A local IdentityMind eDNA: consumer (KYC) and merchant (KYB) evaluations with basic auth.

Follows eDNA's API reference (see gateway/providers/identitymind.py): HTTP basic auth with the
merchant name and license key (else 401); ``POST /im/account/consumer`` and
``/im/account/merchant`` answer the evaluation (``mtid``, ``tid``, ``state`` A/R/D, ``frp``, ``frn``,
``frd``, ``res``, ``rcd``, ``user``, ``upr``, ``erd``, ``ednaScoreCard``); errors are 400
``{"error_message": "..."}``, including the one seed 003 shows for a national id without its
country and a malformed US SSN. A second evaluation with the same ``tid`` re-evaluates that
application. ``GET /im/account/consumer/<tid>`` (and ``/v2/<tid>``, merchant alike) reads it.

New applications start in ``initial_state`` (``R``, under review); ``set_state(tid, "A" | "D")`` (or
``POST /_fake/applications/<tid>/state``) decides one and POSTs it to ``callback_url`` unsigned, as
eDNA documents no signature: the URL's own ``?token=`` is the shared secret.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from werkzeug.wrappers import Request, Response

from kycgate.fakes.httpfake import FakeService, json_response, new_id, request_json, serve

_SSN = re.compile(r"^\d{3}-?\d{2}-?\d{4}$")
_RESULTS = {
    "A": ("ACCEPT", "Account Fallthrough", "No fraud rules triggered."),
    "R": ("MANUAL_REVIEW", "Manual Review", "The application was sent for manual review."),
    "D": ("DENY", "Account Black List", "The applicant failed the policy evaluation."),
}
_IMAGES = ("scanData", "backsideImageData", "faceImageData")


class FakeIdentityMind(FakeService):
    name = "identitymind"

    def __init__(
        self,
        username: str = "kycgate",
        api_key: str = "fake-idm-license-key",
        *,
        callback_url: str | None = None,
        initial_state: str = "R",
    ) -> None:
        self.username = username
        self.api_key = api_key
        self.callback_url = callback_url
        self.initial_state = initial_state
        self.applications: dict[str, dict[str, Any]] = {}
        self.kinds: dict[str, str] = {}  # tid -> consumer | merchant
        self.webhooks: list[tuple[str, int]] = []
        super().__init__()

    def api_rules(self) -> Iterable[tuple[str, Sequence[str], str]]:
        return (
            ("/im/account/consumer", ("POST",), "evaluate_consumer"),
            ("/im/account/merchant", ("POST",), "evaluate_merchant"),
            ("/im/account/consumer/<tid>", ("GET",), "get_consumer"),
            ("/im/account/consumer/v2/<tid>", ("GET",), "get_consumer"),
            ("/im/account/merchant/<tid>", ("GET",), "get_merchant"),
        )

    def admin_rules(self) -> Iterable[tuple[str, Sequence[str], str]]:
        return (
            ("/_fake/applications/<tid>/state", ("POST",), "admin_state"),
            ("/_fake/callback", ("POST",), "admin_callback"),
        )

    def error_response(self, status: int, message: str) -> Response:
        return json_response({"error_message": message}, status)

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(user.encode(), self.username.encode()) & hmac.compare_digest(
            password.encode(), self.api_key.encode()
        )

    # -------------------------------------------------------------------------------- the API

    def evaluate_consumer(self, request: Request) -> Response:
        return self._evaluate(request, "consumer")

    def evaluate_merchant(self, request: Request) -> Response:
        return self._evaluate(request, "merchant")

    def _evaluate(self, request: Request, kind: str) -> Response:
        if not self._authorised(request):
            return self.error_response(401, "Authentication failed")
        body = request_json(request)
        if not isinstance(body, dict):
            return self.error_response(400, "The request body must be a JSON object")
        problem = _consumer_problem(body) if kind == "consumer" else _merchant_problem(body)
        if problem:
            return self.error_response(400, problem)
        with self.lock:
            tid = str(body.get("tid") or new_id(16))
            existing = self.applications.get(tid)
            state = existing["state"] if existing else self.initial_state
            if existing and self.kinds[tid] != kind:
                return self.error_response(400, f"Transaction id {tid} belongs to a {self.kinds[tid]} application")
            application = _application(tid, state)
            self.applications[tid], self.kinds[tid] = application, kind
            return json_response(application)

    def get_consumer(self, request: Request, tid: str) -> Response:
        return self._get(request, tid, "consumer")

    def get_merchant(self, request: Request, tid: str) -> Response:
        return self._get(request, tid, "merchant")

    def _get(self, request: Request, tid: str, kind: str) -> Response:
        if not self._authorised(request):
            return self.error_response(401, "Authentication failed")
        with self.lock:
            application = self.applications.get(tid)
            if application is None or self.kinds[tid] != kind:
                return self.error_response(404, f"No application found with transaction id {tid}")
            return json_response(application)

    # ----------------------------------------------------------------------------- test driver

    def set_state(self, tid: str, state: str, *, webhook: bool = True) -> int | None:
        """Decide application ``tid`` and POST it to ``callback_url``; the receiver's status."""
        with self.lock:
            self.applications[tid] = _application(tid, state)
            body = json.dumps(self.applications[tid]).encode()
        if not (webhook and self.callback_url):
            return None
        status = self.emit(self.callback_url, body, {"Content-Type": "application/json"})
        self.webhooks.append((self.callback_url, status))
        return status

    def admin_state(self, request: Request, tid: str) -> Response:
        body = request_json(request) or {}
        if tid not in self.applications:
            return self.error_response(404, f"No application found with transaction id {tid}")
        status = self.set_state(tid, str(body.get("state", "A")), webhook=body.get("webhook", True))
        return json_response({"application": self.applications[tid], "webhook_status": status})

    def admin_callback(self, request: Request) -> Response:
        self.callback_url = (request_json(request) or {}).get("url")
        return json_response({"url": self.callback_url})


def _consumer_problem(body: dict[str, Any]) -> str | None:
    problems = []
    ssn = body.get("assn")
    if ssn is not None:
        if not body.get("bco"):
            problems.append("No national id country specified")
        if body.get("bco") in (None, "US") and not (isinstance(ssn, str) and _SSN.match(ssn)):
            problems.append("invalid format for US Social Security Number")
    if problems:
        return ", and ".join(problems)
    dob = body.get("dob")
    if dob is not None:
        try:
            dt.date.fromisoformat(str(dob))
        except ValueError:
            return "Invalid date of birth, expected ISO 8601"
    country = body.get("bco")
    if country is not None and not (isinstance(country, str) and len(country) == 2 and country.isalpha()):
        return "Invalid billing country, expected an ISO 3166 country code"
    for name in _IMAGES:
        value = body.get(name)
        if value is not None:
            try:
                base64.b64decode(str(value), validate=True)
            except (binascii.Error, ValueError):
                return f"Invalid {name}: not base64"
    return None


def _merchant_problem(body: dict[str, Any]) -> str | None:
    if not body.get("amn"):
        return "Legal name of the business (amn) is required"
    return None


def _application(tid: str, state: str) -> dict[str, Any]:
    result, rule, description = _RESULTS.get(state, ("MANUAL_REVIEW", "Unknown", "Unknown state"))
    return {
        "mtid": tid,
        "tid": tid,
        "state": state,
        "frp": result,
        "res": result,
        "frn": rule,
        "frd": description,
        "rcd": "1002,101,202,111,131,50005,150",
        "user": "UNKNOWN" if state != "D" else "BAD",
        "upr": "UNKNOWN",
        "erd": "Unknown User",
        "ednaScoreCard": {"er": {"reportedRule": {"name": rule, "resultCode": result, "description": description}}},
    }


def main() -> None:
    serve(FakeIdentityMind())


if __name__ == "__main__":
    main()
