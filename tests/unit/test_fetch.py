"""The fetcher's rules that need no server of their own: every redirect hop is checked
after DNS resolution, size and type limits.

No public host can be reached here, so the first hop ("news.example") is served by httpx's
MockTransport and resolved to a public address by a patched resolver — said here as the
one fake; the address check itself is the real code."""

from __future__ import annotations

import socket

import httpx
import pytest

from sources.fetch import FetchError, fetch

PUBLIC = "93.184.216.34"


@pytest.fixture
def public_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def resolve(host: str, *args: object, **kwargs: object) -> list:
        if host == "news.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, 443))]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def _client(handler: object) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


def test_a_redirect_to_a_private_address_is_refused(public_dns: None) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://127.0.0.1:8080/admin"})

    with pytest.raises(FetchError, match=r"127\.0\.0\.1 is a private or local address") as err:
        fetch("https://news.example/story", client=_client(handler))
    assert err.value.url == "http://127.0.0.1:8080/admin"  # refused at the second hop


def test_metadata_and_link_local_addresses_are_refused() -> None:
    for url in ("http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://10.0.0.7/"):
        with pytest.raises(FetchError, match="private or local address"):
            fetch(url)


def test_oversized_and_binary_responses_are_refused(public_dns: None) -> None:
    def big(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"x" * 2048)

    with pytest.raises(FetchError, match="MB limit"):
        fetch("https://news.example/big", client=_client(big), max_bytes=1024)

    def pdf(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "application/pdf"}, content=b"%PDF")

    with pytest.raises(FetchError, match="application/pdf is not a web page or a feed"):
        fetch("https://news.example/report.pdf", client=_client(pdf))
