"""Which network addresses article-qa may fetch from, and connections that go only there.

An address is public when it is global unicast — and, for the IPv6 forms that carry an
IPv4 address (IPv4-mapped and -compatible, 6to4, NAT64, Teredo), when the IPv4 address
inside it is public too: ``[::7f00:1]`` is 127.0.0.1.

The check happens where the connection is made (``GuardedBackend``): the host name is
resolved once, every address it resolved to is judged, and the socket connects to the
address that was judged. A name that resolves to a public address when checked and to
127.0.0.1 when connecting (DNS rebinding) cannot get past it, on any redirect hop.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
COMPATIBLE = ipaddress.ip_network("::/96")  # IPv4-compatible (deprecated, still routed)
TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # IPv4-translated (SIIT)
_deadline = threading.local()  # the end of the fetch this thread is making (``deadline``)
ALLOW_PRIVATE = "set ARTICLE_QA_FETCH_ALLOW_PRIVATE=true to fetch from your own network"


class BlockedAddress(Exception):
    """A host that resolves to an address article-qa may not fetch from."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} is a private or local address ({address}); {ALLOW_PRIVATE}")


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it is one of the forms that
    carry one."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's
    if any(address in net for net in (*NAT64, COMPATIBLE, TRANSLATED)):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: Address) -> bool:
    """A global unicast address that stands for no private IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            return is_public(inner)
        if address.is_site_local:
            return False
    return address.is_global and not address.is_multicast


@contextmanager
def deadline(at: float) -> Iterator[None]:
    """Every network step this thread takes inside the block ends by ``at`` (a
    ``time.monotonic()`` time): connecting, TLS, sending, each read of the headers and the
    body. A server that sends one byte at a time can't stretch a fetch past it."""
    _deadline.at = at
    try:
        yield
    finally:
        _deadline.at = None


def _left(timeout: float | None) -> float | None:
    """``timeout``, shortened to what is left before this thread's deadline."""
    at = getattr(_deadline, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the fetch's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _BoundedStream(httpcore.NetworkStream):
    """A connection whose every step ends by its thread's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _left(timeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _BoundedStream(self.inner.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, if every one of them is public; else
    ``BlockedAddress`` (a name with one private address is refused whole)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError:  # the idna codec: a label over 63 characters, an empty label
        raise socket.gaierror(f"'{host}' is not a valid host name") from None
    found: list[str] = []
    for info in infos:
        text = str(info[4][0]).split("%")[0]
        if not is_public(ipaddress.ip_address(text)):
            raise BlockedAddress(host, text)
        if text not in found:
            found.append(text)
    if not found:
        raise socket.gaierror(f"{host} has no address")
    return found


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's network backend, resolving names itself: it connects only to addresses
    it has judged public (any address when ``allow_private``)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if self.allow_private:
            addresses = [host]
        else:
            try:
                addresses = public_addresses(host, port)
            except socket.gaierror as exc:
                raise httpcore.ConnectError(f"the host {host} cannot be resolved ({exc})") from None
        last: Exception | None = None
        for address in addresses:  # the TLS name and Host header stay ``host`` (httpcore)
            try:
                stream = super().connect_tcp(
                    address, port, _left(timeout), local_address, socket_options
                )
                return _BoundedStream(stream)
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a ``GuardedBackend``: no environment proxies (a proxy would
    resolve names where they can't be checked)."""

    def __init__(self, allow_private: bool) -> None:
        super().__init__(trust_env=False)
        # httpx builds its connection pool without a way to name the network backend; the
        # pool is rebuilt with the same settings and ours (httpx's own mapping of httpcore
        # errors and responses, in HTTPTransport, is kept).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allow_private),
        )
