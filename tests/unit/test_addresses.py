"""Which addresses may be fetched, judged where the connection is made.

Two things can't be real here and are simulated, as said in each test: a resolver that
answers differently on the second question (DNS rebinding), and names that resolve to the
IPv6 forms of 127.0.0.1 (6to4, NAT64). The server reached, when one is, is real (``site``,
on 127.0.0.1); nothing is sent anywhere else."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from sources.addresses import is_public
from sources.fetch import FetchError, fetch
from tests.fixtures.servers import Site

PUBLIC = "93.184.216.34"


@pytest.mark.parametrize(
    "literal",
    [
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1 (Python calls it global)
        "64:ff9b:1::a00:7",  # local-use NAT64 of 10.0.0.7
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "100.64.0.1",
        "0.0.0.0",
        "169.254.169.254",
        "224.0.0.1",
        "fec0::1",  # site-local
        "::ffff:0:7f00:1",  # IPv4-translated 127.0.0.1
    ],
)
def test_addresses_that_are_or_carry_a_non_public_one_are_not_public(literal: str) -> None:
    assert not is_public(ipaddress.ip_address(literal))


@pytest.mark.parametrize(
    "literal", [PUBLIC, "2002:5db8:d822::", "64:ff9b::5db8:d822", "2606:4700::1111"]
)
def test_public_addresses_and_forms_carrying_one_are_public(literal: str) -> None:
    assert is_public(ipaddress.ip_address(literal))


@pytest.mark.parametrize(
    "url", ["http://[::7f00:1]/", "http://[2002:7f00:1::]/", "http://[64:ff9b::7f00:1]/"]
)
def test_ipv6_forms_of_loopback_are_refused(url: str) -> None:
    with pytest.raises(FetchError, match="private or local address"):
        fetch(url)


def test_names_resolving_to_ipv6_forms_of_loopback_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # simulated: names whose only address is the 6to4 / NAT64 form of 127.0.0.1
    forms = {"sixtofour.example": "2002:7f00:1::", "nat64.example": "64:ff9b::7f00:1"}

    def resolve(host: str, port: object, *args: object, **kwargs: object) -> list:
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (forms[host], port, 0, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    for host in forms:
        with pytest.raises(FetchError, match=r"private or local address \((2002|64:ff9b)"):
            fetch(f"http://{host}/story")


def test_dns_rebinding_cannot_reach_loopback(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    # simulated: a resolver answering a public address first and 127.0.0.1 after that
    site.page("/admin", "<html><body><p>secret admin page</p></body></html>")
    port = int(site.url.rsplit(":", 1)[1])
    answers = iter([PUBLIC])
    real = socket.getaddrinfo

    def rebinding(host: str, *args: object, **kwargs: object) -> list:
        if host != "rebind.example":
            return real(host, *args, **kwargs)  # type: ignore[arg-type]
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with pytest.raises(FetchError, match=r"private or local address \(127\.0\.0\.1\)"):
        fetch(f"http://rebind.example:{port}/admin")
    assert site.log == []  # nothing reached the server on loopback


def test_the_connection_goes_to_the_address_that_was_judged(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # allowed private fetching resolves normally; the page is served from the name
    site.page("/ok", "<html><body><p>fine</p></body></html>")
    got = fetch(site.url.replace("127.0.0.1", "localhost") + "/ok", allow_private=True)
    assert got.status == 200 and b"fine" in got.body


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://" + "a" * 64 + ".example/", "is not a valid host name"),
        ("http://a..b/", "is not a valid host name"),
        ("http://news.example:99999/", "not a valid URL"),
        ("http://news.example:abc/", "not a valid URL"),
        ("http://[::1/", "not a valid URL"),
        ("http://news.example/" + "x" * 70_000, "is over 8,192 characters"),
        ("javascript:alert(1)", "only http:// and https:// URLs"),
    ],
)
def test_malformed_urls_are_a_fetch_error_naming_the_reason(url: str, reason: str) -> None:
    with pytest.raises(FetchError, match=reason) as err:
        fetch(url)
    assert err.value.url.startswith(url[:60])


def test_a_server_sending_its_headers_a_byte_at_a_time_is_cut_off_at_the_deadline() -> None:
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def serve() -> None:  # a status line, then one header byte every 0.2 s, for 10 s at most
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            for _ in range(50):
                if stop.wait(0.2):
                    return
                try:
                    conn.sendall(b"x")
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    try:
        with pytest.raises(FetchError, match=r"no complete answer within the 1\.5 s limit"):
            fetch(url, allow_private=True, deadline_s=1.5)
        assert thread.is_alive()  # cut off, not served to the end
    finally:
        stop.set()
        listener.close()


def test_validators_a_header_cannot_carry_are_not_kept(site: Site) -> None:
    site.routes["/feed.xml"] = (
        200,
        "application/rss+xml",
        b"<rss></rss>",
        {"Last-Modified": "café"},
    )
    got = fetch(site.url + "/feed.xml", allow_private=True)
    assert got.last_modified == "" and got.etag  # the site's own ETag is plain ASCII
    again = fetch(site.url + "/feed.xml", allow_private=True, etag=got.etag)
    assert again.status == 304
