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
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
COMPATIBLE = ipaddress.ip_network("::/96")  # IPv4-compatible (deprecated, still routed)
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
    if any(address in net for net in NAT64) or address in COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: Address) -> bool:
    """A global unicast address that stands for no private IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            return is_public(inner)
    return address.is_global and not address.is_multicast


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
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            addresses = public_addresses(host, port)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"the host {host} cannot be resolved ({exc})") from None
        last: Exception | None = None
        for address in addresses:  # the TLS name and Host header stay ``host`` (httpcore)
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
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
