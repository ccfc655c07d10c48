"""SSRF guard and pinned delivery.

No test here resolves a name through DNS or connects beyond loopback: names go through fake
resolvers, and the non-canonical IPv4 spellings through getaddrinfo with AI_NUMERICHOST, which parses
them exactly as a real lookup would without asking any server.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from urllib3 import HTTPSConnectionPool
from urllib3.exceptions import SSLError

from kycgate.webhooks import signing, ssrf
from kycgate.webhooks.ssrf import CallbackUrlRefused, check_callback_url

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"


def fake_resolver(table: dict[str, list[str]]):
    def resolve(host, port, family=0, type=0, proto=0, flags=0):
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0))
            if ":" in ip
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in table[host]
        ]

    return resolve


def numeric_only(host, port, family=0, type=0, proto=0, flags=0):
    return socket.getaddrinfo(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)


NAMES_TABLE = {
    "internal.example": ["10.1.2.3"],
    "mixed.example": [PUBLIC_V4, "10.0.0.5"],
    "mixed-v6.example": [PUBLIC_V6, "fd12:3456::1"],
    "hooks.example.com": [PUBLIC_V4, PUBLIC_V6],
    "localhost": ["127.0.0.1", "::1"],
    "half-local.example": ["127.0.0.1", PUBLIC_V4],
    "metadata.google.internal": ["169.254.169.254"],
    "no-address.example": [],
}
NAMES = fake_resolver(NAMES_TABLE)


def names_then_numeric(host, *args):
    # Known names from the table; anything else is parsed by getaddrinfo as a number, or fails.
    return NAMES(host, *args) if host in NAMES_TABLE else numeric_only(host, *args)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1", "scheme_not_https"),
        ("http://93.184.215.14/hook", "scheme_not_https"),
        ("ftp://x", "scheme_not_https"),
        ("example.com/hook", "scheme_not_https"),
        ("//example.com/hook", "scheme_not_https"),
        ("https://127.0.0.1", "loopback_address"),
        ("https://127.8.9.10:8443/hook", "loopback_address"),
        ("https://[::1]", "loopback_address"),
        ("https://[::ffff:127.0.0.1]", "loopback_address"),
        ("https://2130706433", "loopback_address"),
        ("https://0x7f000001", "loopback_address"),
        ("https://0x7f.1", "loopback_address"),
        ("https://017700000001", "loopback_address"),
        ("https://127.1", "loopback_address"),
        ("https://localhost/hook", "loopback_address"),
        ("https://10.0.0.1", "private_address"),
        ("https://192.168.1.1", "private_address"),
        ("https://172.16.0.1", "private_address"),
        ("https://172.31.255.254", "private_address"),
        ("https://100.64.0.1", "private_address"),
        ("https://[fc00::1]", "private_address"),
        ("https://[fd12:3456::1]", "private_address"),
        ("https://[fec0::1]", "private_address"),
        ("https://[::ffff:10.0.0.1]", "private_address"),
        ("https://0xa000001", "private_address"),
        ("https://internal.example/hook", "private_address"),
        ("https://mixed.example/hook", "private_address"),
        ("https://mixed-v6.example/hook", "private_address"),
        ("https://169.254.169.254", "metadata_address"),
        ("https://169.254.169.254/latest/meta-data/iam/", "metadata_address"),
        ("https://[::ffff:169.254.169.254]", "metadata_address"),
        ("https://[fd00:ec2::254]", "metadata_address"),
        ("https://100.100.100.200", "metadata_address"),
        ("https://metadata.google.internal", "metadata_address"),
        ("https://169.254.1.1", "link_local_address"),
        ("https://[fe80::1]", "link_local_address"),
        ("https://[fe80::1%25eth0]", "link_local_address"),
        ("https://224.0.0.1", "multicast_address"),
        ("https://[ff02::1]", "multicast_address"),
        ("https://0.0.0.0", "unspecified_address"),
        ("https://[::]", "unspecified_address"),
        ("https://0", "unspecified_address"),
        ("https://240.0.0.1", "reserved_address"),
        ("https://255.255.255.255", "reserved_address"),
        ("https://[64:ff9b::a00:1]", "reserved_address"),
        ("https://user:pass@example.com", "credentials_in_url"),
        ("https://user@example.com", "credentials_in_url"),
        ("https://:@example.com", "credentials_in_url"),
        ("https://nowhere.example/hook", "unresolvable_host"),
        ("https://no-address.example/hook", "unresolvable_host"),
        ("https://", "invalid_url"),
        ("https:///hook", "invalid_url"),
        ("", "invalid_url"),
        ("https://exa mple.com/", "invalid_url"),
        ("https://example.com/\n.internal", "invalid_url"),
        ("https://exam\tple.com/", "invalid_url"),
        ("https://example.com:99999/", "invalid_url"),
        ("https://example.com:0/", "invalid_url"),
        ("https://example.com:http/", "invalid_url"),
        ("https://b\u00fccher.example/", "invalid_url"),
        ("https://[::1/", "invalid_url"),
    ],
)
def test_refused(url, reason):
    with pytest.raises(CallbackUrlRefused) as refused:
        check_callback_url(url, resolver=names_then_numeric)
    assert refused.value.reason == reason
    assert isinstance(refused.value, ValueError)
    assert refused.value.message == str(refused.value)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://169.254.169.254", "metadata_address"),
        ("http://169.254.169.254", "metadata_address"),
        ("http://0.0.0.0:8080", "unspecified_address"),
        ("http://10.0.0.1", "private_address"),
        ("http://half-local.example/hook", "scheme_not_https"),
        ("http://user:pw@127.0.0.1", "credentials_in_url"),
    ],
)
def test_allow_loopback_allows_nothing_else(url, reason):
    with pytest.raises(CallbackUrlRefused) as refused:
        check_callback_url(url, allow_loopback=True, resolver=names_then_numeric)
    assert refused.value.reason == reason


def test_refusal_of_a_name_does_not_reveal_the_address():
    with pytest.raises(CallbackUrlRefused) as refused:
        check_callback_url("https://internal.example/hook", resolver=NAMES)
    assert "10.1.2.3" not in str(refused.value)
    assert "internal.example" in str(refused.value)
    assert "private" in str(refused.value)


def test_refusal_of_a_literal_names_it():
    with pytest.raises(CallbackUrlRefused, match=r"10\.0\.0\.1 is a private"):
        check_callback_url("https://10.0.0.1/")


def test_public_ip_literal_is_accepted_without_resolving():
    def no_dns(*args):
        raise AssertionError("an IP literal must not be resolved")

    resolved = check_callback_url(f"https://{PUBLIC_V4}/hook", resolver=no_dns)
    assert resolved == ssrf.ResolvedCallback(
        url=f"https://{PUBLIC_V4}/hook", scheme="https", host=PUBLIC_V4, port=443, addresses=(PUBLIC_V4,)
    )
    assert resolved.host_header == PUBLIC_V4
    assert resolved.request_target == "/hook"


def test_public_name_is_accepted_with_all_its_addresses():
    resolved = check_callback_url("https://Hooks.Example.com:8443/kyc/cb?tenant=t1#frag", resolver=NAMES)
    assert resolved.host == "hooks.example.com"
    assert resolved.port == 8443
    assert resolved.addresses == (PUBLIC_V4, PUBLIC_V6)
    assert resolved.host_header == "hooks.example.com:8443"
    assert resolved.request_target == "/kyc/cb?tenant=t1"


@pytest.mark.parametrize(
    "url", [f"https://[::ffff:{PUBLIC_V4}]/", f"https://[{PUBLIC_V6}]/", "https://[2606:4700::1111]:444"]
)
def test_public_ipv6_literals_are_accepted(url):
    resolved = check_callback_url(url)
    assert resolved.host_header.startswith("[")
    assert resolved.request_target == "/"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hook", "https://127.0.0.1/hook", "http://localhost:9000/", "http://[::1]/"]
)
def test_loopback_only_with_allow_loopback(url):
    with pytest.raises(CallbackUrlRefused):
        check_callback_url(url, resolver=NAMES)
    resolved = check_callback_url(url, allow_loopback=True, resolver=NAMES)
    assert all(address in ("127.0.0.1", "::1") for address in resolved.addresses)


def test_https_may_mix_loopback_and_public_when_loopback_is_allowed():
    resolved = check_callback_url("https://half-local.example/", allow_loopback=True, resolver=NAMES)
    assert resolved.addresses == ("127.0.0.1", PUBLIC_V4)


# --- pinned delivery, against real servers on 127.0.0.1 ---------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is observable
    reply: tuple[int, dict[str, str], bytes] = (204, {}, b"")

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.seen.append(
            {
                "path": self.path,
                "hosts": self.headers.get_all("Host"),
                "headers": dict(self.headers),
                "body": body,
                "peer": self.client_address,
            }
        )
        status, headers, payload = self.server.reply
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass


@contextmanager
def _serve(tls: ssl.SSLContext | None = None) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.seen = []
    server.reply = (204, {}, b"")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    with _serve() as server:
        yield server


def _resolved(
    server: ThreadingHTTPServer,
    *,
    name: str = "receiver.test",
    addresses: tuple[str, ...] = ("127.0.0.1",),
    scheme: str = "http",
    path: str = "/hooks/kyc?tenant=t1",
) -> ssrf.ResolvedCallback:
    port = server.server_address[1]
    return check_callback_url(
        f"{scheme}://{name}:{port}{path}",
        allow_loopback=True,
        resolver=fake_resolver({name: list(addresses)}),
    )


def _signed(body: bytes) -> dict[str, str]:
    return signing.headers([signing.new_secret()], "msg_pinned", 1_700_000_000, body)


def test_post_connects_to_the_checked_address_with_the_name_as_host(receiver):
    # receiver.test exists only in the fake resolver: the request can only arrive through the pin.
    resolved = _resolved(receiver)
    body = json.dumps({"ok": True}).encode()

    first = ssrf.post(resolved, body, _signed(body), timeout=5)
    second = ssrf.post(resolved, body, _signed(body), timeout=5)

    assert (first.status, second.status) == (204, 204)
    seen = receiver.seen[0]
    assert seen["hosts"] == [f"receiver.test:{resolved.port}"]
    assert seen["path"] == "/hooks/kyc?tenant=t1"
    assert seen["body"] == body
    assert seen["headers"]["webhook-id"] == "msg_pinned"
    assert seen["headers"]["content-type"] == "application/json"
    assert receiver.seen[1]["peer"] == seen["peer"], "the second POST should reuse the connection"
    assert ssrf.pinned_pool(resolved, 5) is ssrf.pinned_pool(resolved, 5)


def test_callers_host_header_cannot_displace_the_pinned_one(receiver):
    resolved = _resolved(receiver)
    ssrf.post(resolved, b"{}", {**_signed(b"{}"), "host": "169.254.169.254"}, timeout=5)
    assert receiver.seen[0]["hosts"] == [f"receiver.test:{resolved.port}"]


def test_redirects_are_returned_not_followed(receiver):
    receiver.reply = (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
    response = ssrf.post(_resolved(receiver), b"{}", _signed(b"{}"), timeout=5)
    assert response.status == 302
    assert len(receiver.seen) == 1


def test_retry_after_and_a_bounded_excerpt_of_the_reply(receiver):
    resolved = _resolved(receiver)
    receiver.reply = (503, {"Retry-After": "120"}, b"x" * 100_000)

    response = ssrf.post(resolved, b"{}", _signed(b"{}"), timeout=5)
    assert (response.status, response.retry_after) == (503, "120")
    assert response.body_excerpt == b"x" * ssrf.MAX_RESPONSE_EXCERPT

    # The unread rest of the body must not leak into the next response on the same pool.
    receiver.reply = (200, {}, b"done")
    response = ssrf.post(resolved, b"{}", _signed(b"{}"), timeout=5)
    assert (response.status, response.retry_after, response.body_excerpt) == (200, None, b"done")


def test_post_falls_through_addresses_that_refuse_connections(receiver):
    # 127.0.0.2 is loopback too (Linux routes all of 127/8 to lo) but nothing listens there.
    resolved = _resolved(receiver, addresses=("127.0.0.2", "127.0.0.1"))
    assert ssrf.post(resolved, b"{}", _signed(b"{}"), timeout=5).status == 204
    assert len(receiver.seen) == 1


def test_pinned_pool_only_uses_checked_addresses(receiver):
    with pytest.raises(ValueError, match="not one of the checked addresses"):
        ssrf.pinned_pool(_resolved(receiver), 5, address="127.0.0.2")


def test_pool_cache_stays_small():
    for port in range(1, 3 * ssrf._MAX_POOLS):
        resolved = ssrf.ResolvedCallback(f"https://{PUBLIC_V4}:{port}/", "https", PUBLIC_V4, port, (PUBLIC_V4,))
        pool = ssrf.pinned_pool(resolved, 5)  # pools connect lazily: nothing leaves this machine
        assert isinstance(pool, HTTPSConnectionPool)
    assert len(ssrf._POOLS) == ssrf._MAX_POOLS


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch) -> Iterator[tuple[ThreadingHTTPServer, list[str]]]:
    import trustme  # dev dependency; only these two tests need a CA

    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    # The pool trusts the system store, which OpenSSL lets this variable replace.
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))

    server_names: list[str] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("receiver.test").configure_cert(context)
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)
    with _serve(context) as server:
        yield server, server_names


def test_https_pins_the_address_but_verifies_and_sends_the_name(tls_receiver):
    server, server_names = tls_receiver
    resolved = _resolved(server, scheme="https")

    assert ssrf.post(resolved, b"{}", _signed(b"{}"), timeout=5).status == 204
    assert server_names == ["receiver.test"]
    assert server.seen[0]["hosts"] == [f"receiver.test:{resolved.port}"]


def test_https_refuses_a_certificate_for_another_name(tls_receiver):
    server, _ = tls_receiver
    with pytest.raises(SSLError):
        ssrf.post(_resolved(server, name="other.test", scheme="https"), b"{}", _signed(b"{}"), timeout=5)
    assert server.seen == []
