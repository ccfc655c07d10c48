"""The machinery the provider fakes share: a threaded HTTP server on 127.0.0.1, routing, outages.

Built on Werkzeug (its threaded WSGI server, URL map and request parsing) because the fakes must
read multipart uploads byte for byte, as Sumsub signs them and Onfido sizes them, which the stdlib
no longer parses (``cgi`` is deprecated) and which is easy to get subtly wrong by hand.

Every fake has, besides the provider's own API:

- ``fail_next(count, status, retry_after)``: the next ``count`` API calls answer ``status`` (503,
  429 ...) in the provider's error shape, with ``Retry-After`` if given;
- ``set_latency(seconds, count)``: API calls wait that long first (for timeouts);
- ``calls``: every API call received (method, path, query, headers, body), for assertions;
- ``emit(url, body, headers)``: POST a webhook the way the provider does;
- the same over HTTP for ``make serve`` and other processes: ``POST /_fake/outage`` ``{"count",
  "status", "retry_after"}``, ``POST /_fake/latency`` ``{"seconds", "count"}``, ``GET /_fake/calls``,
  plus each fake's own admin routes under ``/_fake/`` (moving a job on, emitting its webhook).

Admin routes bypass outages and latency and are never recorded as calls.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import secrets
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, NamedTuple, Self
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


class Call(NamedTuple):
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


class Outage(NamedTuple):
    status: int
    retry_after: str | None


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=dict(headers or {}), content_type="application/json")


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def new_id(nbytes: int = 12) -> str:
    return secrets.token_hex(nbytes)


class FakeService:
    """One provider fake. Subclasses list their routes in ``api_rules``/``admin_rules``."""

    name: ClassVar[str] = "fake"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.calls: list[Call] = []
        self._outages: deque[Outage] = deque()
        self._latency = 0.0
        self._latency_count: int | None = None
        self._stopping = threading.Event()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        rules = [
            Rule("/_fake/outage", methods=["POST"], endpoint="_admin_outage"),
            Rule("/_fake/latency", methods=["POST"], endpoint="_admin_latency"),
            Rule("/_fake/calls", methods=["GET"], endpoint="_admin_calls"),
        ]
        rules += [
            Rule(path, methods=list(methods), endpoint=endpoint) for path, methods, endpoint in self.admin_rules()
        ]
        rules += [Rule(path, methods=list(methods), endpoint=endpoint) for path, methods, endpoint in self.api_rules()]
        self._map = Map(rules, strict_slashes=False)

    # ------------------------------------------------------------------------- for subclasses

    def api_rules(self) -> Iterable[tuple[str, Sequence[str], str]]:
        """(path, methods, method name) of the provider's API."""
        return ()

    def admin_rules(self) -> Iterable[tuple[str, Sequence[str], str]]:
        """(path, methods, method name) of this fake's ``/_fake/`` routes (names start with ``admin_``)."""
        return ()

    def error_response(self, status: int, message: str) -> Response:
        """An error in the provider's own shape."""
        return json_response({"message": message}, status)

    # ------------------------------------------------------------------------------- lifecycle

    def start(self, port: int = 0) -> Self:
        self._stopping.clear()
        self._server = make_server("127.0.0.1", port, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"fake-{self.name}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping out a latency
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"the {self.name} fake is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ------------------------------------------------------------------------------- behaviour

    def fail_next(self, count: int, status: int = 503, retry_after: str | None = None) -> None:
        with self.lock:
            self._outages.extend(Outage(status, retry_after) for _ in range(count))

    def set_latency(self, seconds: float, count: int | None = None) -> None:
        """Delay the next ``count`` API calls (every call when None) by ``seconds``."""
        with self.lock:
            self._latency, self._latency_count = seconds, count

    def calls_to(self, method: str, path: str) -> list[Call]:
        """The API calls received for exactly ``method path`` (query aside)."""
        with self.lock:
            return [c for c in self.calls if c.method == method and c.path == path]

    def emit(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """POST a webhook; the receiver's status, or 0 when it could not be reached.

        Sent with ``http.client``, which logs nothing: a fake's own traffic (an IdentityMind callback
        URL carries its secret token) must not show up among the records of the code under test.
        """
        parts = urlsplit(url)
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(parts.netloc, timeout=10)
        target = parts.path or "/"
        if parts.query:
            target += f"?{parts.query}"
        try:
            connection.request("POST", target, body=body, headers=dict(headers))
            response = connection.getresponse()
            response.read()
            return response.status
        except OSError:
            return 0
        finally:
            connection.close()

    # -------------------------------------------------------------------------------- dispatch

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        request.get_data(cache=True)  # the raw bytes stay available after form parsing
        try:
            endpoint, args = self._map.bind_to_environ(environ).match()
        except NotFound:
            response = self.error_response(404, f"no route {request.method} {request.path}")
        except MethodNotAllowed:
            response = self.error_response(405, f"{request.method} is not allowed on {request.path}")
        except HTTPException as exc:
            response = self.error_response(exc.code or 400, exc.description or "bad request")
        else:
            if endpoint.startswith(("admin_", "_admin_")):
                response = getattr(self, endpoint)(request, **args)
            else:
                response = self._api(request, endpoint, args)
        return response(environ, start_response)

    def _api(self, request: Request, endpoint: str, args: dict[str, Any]) -> Response:
        with self.lock:
            self.calls.append(
                Call(
                    request.method,
                    request.path,
                    request.query_string.decode(),
                    dict(request.headers),
                    request.get_data(),
                )
            )
            outage = self._outages.popleft() if self._outages else None
            latency = self._latency
            if self._latency_count is not None:
                if self._latency_count <= 0:
                    latency = 0.0
                else:
                    self._latency_count -= 1
        if latency:
            self._stopping.wait(latency)
        if outage is not None:
            response = self.error_response(
                outage.status, "service unavailable" if outage.status != 429 else "too many requests"
            )
            if outage.retry_after is not None:
                response.headers["Retry-After"] = outage.retry_after
            return response
        return getattr(self, endpoint)(request, **args)

    def _admin_outage(self, request: Request) -> Response:
        body = request.get_json(force=True, silent=True) or {}
        self.fail_next(int(body.get("count", 1)), int(body.get("status", 503)), body.get("retry_after"))
        return json_response({"ok": True})

    def _admin_latency(self, request: Request) -> Response:
        body = request.get_json(force=True, silent=True) or {}
        count = body.get("count")
        self.set_latency(float(body.get("seconds", 0)), int(count) if count is not None else None)
        return json_response({"ok": True})

    def _admin_calls(self, request: Request) -> Response:
        with self.lock:
            calls = [{"method": c.method, "path": c.path} for c in self.calls]
        return json_response({"calls": calls})


def request_json(request: Request) -> Any:
    """The JSON body, or None when it is absent or not JSON."""
    return request.get_json(force=True, silent=True)


def serve(fake: FakeService, argv: Sequence[str] | None = None) -> None:
    """Run ``fake`` in the foreground: ``python -m kycgate.fakes.<name> [--port N]``."""
    parser = argparse.ArgumentParser(description=f"local fake of {fake.name}")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    args = parser.parse_args(argv)
    fake.start(args.port)
    print(json.dumps({"fake": fake.name, "url": fake.url}), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
