"""SSRF guard for tenant callback URLs, and connections pinned to the addresses it checked.

A callback URL is chosen by the tenant, and the worker POSTs to it from inside our network, so the URL
must not reach anything a stranger on the internet could not: loopback, private ranges, link-local,
cloud metadata endpoints. The check resolves the host and refuses if *any* address is non-public (a
name with one public and one private record would otherwise be a coin toss). The delivery then
connects to the checked address itself rather than resolving again, because a DNS answer can change
between check and connect (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from urllib3 import HTTPConnectionPool, HTTPHeaderDict, HTTPSConnectionPool, Timeout
from urllib3.exceptions import NewConnectionError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., Sequence[tuple[Any, ...]]]

# AWS (IPv4 and Nitro IPv6) and Alibaba instance metadata; GCP and Azure use 169.254.169.254 too.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"))
_DEFAULT_PORTS = {"https": 443, "http": 80}


class CallbackUrlRefused(ValueError):
    """A callback URL the worker must not call; ``reason`` is stable and machine-readable."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class ResolvedCallback(NamedTuple):
    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    @property
    def request_target(self) -> str:
        parts = urlsplit(self.url)
        path = parts.path or "/"
        return f"{path}?{parts.query}" if parts.query else path


def check_callback_url(
    url: str, *, allow_loopback: bool = False, resolver: Resolver = socket.getaddrinfo
) -> ResolvedCallback:
    """Refuse (CallbackUrlRefused) unless every address ``url`` resolves to is publicly routable.

    ``allow_loopback`` is for local mode, whose receivers listen on 127.0.0.1 without TLS: it admits
    loopback addresses, and plain http only when every address is loopback.
    """
    # urlsplit silently drops tabs and newlines, so the URL checked could differ from the one stored.
    if not url or any(ch <= " " or ch == "\x7f" for ch in url):
        raise CallbackUrlRefused("invalid_url", "callback URL is empty or contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise CallbackUrlRefused("invalid_url", f"callback URL cannot be parsed: {exc}") from exc
    scheme = parts.scheme
    if scheme not in _DEFAULT_PORTS or (scheme == "http" and not allow_loopback):
        raise CallbackUrlRefused("scheme_not_https", f"callback URL must use https, not {scheme or 'no scheme'!r}")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise CallbackUrlRefused(
            "credentials_in_url",
            "callback URL must not carry credentials (user:password@); authenticate the callback by "
            "verifying its webhook-signature instead",
        )
    host = parts.hostname
    if not host:
        raise CallbackUrlRefused("invalid_url", "callback URL has no host")
    if not host.isascii():
        # Keeps the name we check, the TLS name and the Host header one and the same string.
        raise CallbackUrlRefused("invalid_url", "callback URL host must be ASCII; use its punycode (xn--) form")
    if port == 0:
        raise CallbackUrlRefused("invalid_url", "callback URL port must be between 1 and 65535")
    port = port or _DEFAULT_PORTS[scheme]

    addresses, is_literal = _resolve(host, port, resolver)
    for address in addresses:
        refusal = _refusal(address, allow_loopback=allow_loopback)
        if refusal is not None:
            reason, kind = refusal
            # Naming the address of a host *name* would make this error an oracle for our internal DNS.
            where = f"address {address} is" if is_literal else f"host {host!r} resolves to"
            raise CallbackUrlRefused(
                reason, f"callback URL {where} {kind}; callbacks must go to a publicly reachable host"
            )
    if scheme == "http" and not all(_unmapped(a).is_loopback for a in addresses):
        raise CallbackUrlRefused("scheme_not_https", "callback URL must use https unless it points at loopback")
    return ResolvedCallback(url=url, scheme=scheme, host=host, port=port, addresses=tuple(map(str, addresses)))


def _resolve(host: str, port: int, resolver: Resolver) -> tuple[tuple[IPAddress, ...], bool]:
    try:
        return (ipaddress.ip_address(host),), True
    except ValueError:
        pass
    # Non-canonical IPv4 spellings (2130706433, 0x7f.1, 017700000001) are left to getaddrinfo, which
    # parses them exactly as the connect would.
    try:
        infos = resolver(host, port, 0, socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise CallbackUrlRefused("unresolvable_host", f"callback URL host {host!r} does not resolve") from exc
    addresses = tuple(
        dict.fromkeys(
            ipaddress.ip_address(sockaddr[0])
            for family, _type, _proto, _name, sockaddr in infos
            if family in (socket.AF_INET, socket.AF_INET6)
        )
    )
    if not addresses:
        raise CallbackUrlRefused("unresolvable_host", f"callback URL host {host!r} has no IP address")
    return addresses, False


def _unmapped(address: IPAddress) -> IPAddress:
    # A dual-stack socket sends ::ffff:a.b.c.d to a.b.c.d over IPv4, so that is what must be judged.
    # 6to4 and Teredo addresses are not unwrapped: they reach the embedded IPv4 through a relay
    # elsewhere on the internet, not through our network.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _refusal(address: IPAddress, *, allow_loopback: bool) -> tuple[str, str] | None:
    """(reason, wording) when ``address`` must not be called; the order picks the most specific one."""
    ip = _unmapped(address)
    if ip in METADATA_ADDRESSES:
        return "metadata_address", "a cloud metadata address"
    if ip.is_unspecified:
        # Connecting to 0.0.0.0 or :: reaches this host, so it is refused even where loopback is allowed.
        return "unspecified_address", "an unspecified address (0.0.0.0 or ::)"
    if ip.is_loopback:
        return None if allow_loopback else ("loopback_address", "a loopback address")
    if ip.is_link_local:
        return "link_local_address", "a link-local address"
    if ip.is_multicast:
        return "multicast_address", "a multicast address"
    if ip.is_reserved:
        return "reserved_address", "a reserved address"
    # is_global is false for CGNAT (100.64/10) although is_private is too; site-local (fec0::/10) is
    # deprecated but still routed privately where configured, and ipaddress calls it global.
    if ip.is_private or not ip.is_global or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return "private_address", "a private or non-public address"
    return None


class _PinnedHeadersMixin:
    """Sends the pool's own headers (Host) on every request, even when the caller passes headers.

    urllib3 uses pool headers only when a request has none, which would leave ``Host: <ip>`` on a
    signed POST and break every receiver that routes by name.
    """

    headers: Mapping[str, str]

    def urlopen(
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        merged = HTTPHeaderDict(headers or {})
        merged.update(self.headers)
        return super().urlopen(method, url, body, merged, *args, **kwargs)  # type: ignore[misc]


class _PinnedHTTPConnectionPool(_PinnedHeadersMixin, HTTPConnectionPool):
    pass


class _PinnedHTTPSConnectionPool(_PinnedHeadersMixin, HTTPSConnectionPool):
    pass


_POOLS: OrderedDict[tuple[str, str, int, str, float], HTTPConnectionPool] = OrderedDict()
_POOLS_LOCK = threading.Lock()
# Bounded because callback hosts are tenant-chosen; a warm worker mostly talks to a few of them.
_MAX_POOLS = 32


def pinned_pool(resolved: ResolvedCallback, timeout: float, *, address: str | None = None) -> HTTPConnectionPool:
    """A cached urllib3 pool that connects to ``address`` (default: the first checked one).

    The pool sends ``Host: <name>`` and, for https, uses the name for SNI and certificate checks, so
    the receiver sees an ordinary request to its own name. Retries are off: a retry is a new attempt
    with its own record and backoff, decided by the caller.
    """
    ip = address if address is not None else resolved.addresses[0]
    if ip not in resolved.addresses:
        raise ValueError(f"{ip} is not one of the checked addresses of {resolved.host}")
    key = (resolved.scheme, resolved.host, resolved.port, ip, timeout)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is not None:
            _POOLS.move_to_end(key)
            return pool
        common: dict[str, Any] = {
            "host": ip,
            "port": resolved.port,
            "timeout": Timeout(total=timeout),
            "retries": False,
            # Worker threads delivering in parallel to one receiver each keep a connection: a batch's
            # records (BatchSize 10 in template.yaml) run at once, and a pool smaller than that would
            # close and reopen the connections beyond its size on every batch.
            "maxsize": 10,
            "headers": {"Host": resolved.host_header},
        }
        if resolved.scheme == "https":
            pool = _PinnedHTTPSConnectionPool(
                **common,
                server_hostname=resolved.host,
                assert_hostname=resolved.host,
                cert_reqs="CERT_REQUIRED",
            )
        else:
            pool = _PinnedHTTPConnectionPool(**common)
        _POOLS[key] = pool
        if len(_POOLS) > _MAX_POOLS:
            # Connections still out on loan are closed when returned to a closed pool.
            _POOLS.popitem(last=False)[1].close()
    return pool


MAX_RESPONSE_EXCERPT = 4096


class CallbackResponse(NamedTuple):
    status: int
    retry_after: str | None
    body_excerpt: bytes


def post(resolved: ResolvedCallback, body: bytes, headers: Mapping[str, str], *, timeout: float) -> CallbackResponse:
    """POST ``body`` to a checked callback, trying its addresses in order while they refuse connections.

    Redirects are returned, not followed: a 3xx could point anywhere, including at our own network.
    Only the first MAX_RESPONSE_EXCERPT bytes of the reply are read, so a receiver cannot make the
    worker download without end. Timeouts and TLS errors propagate (urllib3 exceptions).
    """
    refused: NewConnectionError | None = None
    for address in resolved.addresses:
        pool = pinned_pool(resolved, timeout, address=address)
        try:
            response = pool.urlopen(
                "POST",
                resolved.request_target,
                body=body,
                headers=headers,
                retries=False,
                redirect=False,
                preload_content=False,
            )
        except NewConnectionError as exc:
            # Typically an IPv6 address on a host without IPv6 egress; the next address may work.
            refused = exc
            continue
        try:
            excerpt = response.read(MAX_RESPONSE_EXCERPT + 1, decode_content=False)
            if len(excerpt) > MAX_RESPONSE_EXCERPT:
                # Unread body bytes would corrupt the next response on this connection.
                response.close()
            return CallbackResponse(
                status=response.status,
                retry_after=response.headers.get("Retry-After"),
                body_excerpt=excerpt[:MAX_RESPONSE_EXCERPT],
            )
        finally:
            response.release_conn()
    assert refused is not None
    raise refused
