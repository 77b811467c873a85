"""Fetching pages and feeds over HTTP(S), safely: timeouts, at most 5 redirects, a size cap,
content types checked, a clear User-Agent, and no requests to private addresses.

Every hop of a redirect is checked again, after DNS resolution: loopback, private,
link-local, metadata and other non-public addresses are refused unless ``allow_private``
(``ARTICLE_QA_FETCH_ALLOW_PRIVATE``) is on, for a user's own intranet. Failures are
``FetchError``s naming the URL and the reason.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlparse

if TYPE_CHECKING:  # imported on first use: a process that only answers never pays for it
    import httpx

from .loaders import MAX_ARTICLE_BYTES, MB

USER_AGENT = "article-qa/0.1 (+https://github.com/article-qa; cited answers from news articles)"
MAX_REDIRECTS = 5
TIMEOUT_S = 15.0  # any step of a request
CONNECT_TIMEOUT_S = 5.0
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "application/feed+json",
)


class FetchError(Exception):
    """A URL that could not be fetched (or may not be), with the reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response worth reading: its final URL, type, body and cache validators."""

    url: str
    status: int  # 200, or 304 when the validators sent still hold
    content_type: str  # the media type, e.g. text/html
    body: bytes
    charset: str = ""
    etag: str = ""
    last_modified: str = ""

    @property
    def text(self) -> str:
        return self.body.decode(self.charset or "utf-8", errors="replace")

    @property
    def is_html(self) -> bool:
        return self.content_type in HTML_TYPES

    @property
    def is_feed(self) -> bool:
        return self.content_type in FEED_TYPES or (
            self.content_type in ("", "text/plain") and self.body.lstrip()[:1] == b"<"
        )


def _charset(content_type_header: str) -> str:
    for part in content_type_header.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"')
    return ""


def check_address(url: str, allow_private: bool) -> None:
    """Refuse what may not be fetched: other schemes, and hosts that resolve to a
    non-public address (unless ``allow_private``)."""
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, "only http:// and https:// URLs can be fetched")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise FetchError(url, f"the host {parts.hostname} cannot be resolved ({exc})") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global or address.is_multicast:
            raise FetchError(
                url,
                f"{parts.hostname} is a private or local address ({address}); set "
                "ARTICLE_QA_FETCH_ALLOW_PRIVATE=true to fetch from your own network",
            )


def http_client() -> httpx.Client:
    """A client with this module's timeouts that follows no redirect by itself (``fetch``
    checks every hop)."""
    import httpx

    return httpx.Client(
        timeout=httpx.Timeout(TIMEOUT_S, connect=CONNECT_TIMEOUT_S), follow_redirects=False
    )


def fetch(
    url: str,
    accept: tuple[str, ...] = HTML_TYPES + FEED_TYPES,
    *,
    allow_private: bool = False,
    max_bytes: int = MAX_ARTICLE_BYTES,
    etag: str = "",
    last_modified: str = "",
    client: httpx.Client | None = None,
) -> Fetched:
    """GET ``url`` (conditionally, with the validators given) and return what came back."""
    headers = {"User-Agent": USER_AGENT, "Accept": ", ".join(accept) + ", */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    owned = client is None
    import httpx

    http = client or http_client()
    try:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            check_address(current, allow_private)
            try:
                with http.stream("GET", current, headers=headers) as response:
                    if response.has_redirect_location:  # not a 304 (httpx's is_redirect)
                        location = response.headers.get("location", "")
                        current = urljoin(current, location)
                        continue
                    return _read(current, response, accept, max_bytes)
            except httpx.TimeoutException:
                raise FetchError(current, "the server did not answer in time") from None
            except httpx.HTTPError as exc:
                raise FetchError(current, f"cannot connect ({type(exc).__name__}: {exc})") from None
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")
    finally:
        if owned:
            http.close()


def _read(url: str, response: httpx.Response, accept: tuple[str, ...], max_bytes: int) -> Fetched:
    validators = {
        "etag": response.headers.get("etag", ""),
        "last_modified": response.headers.get("last-modified", ""),
    }
    if response.status_code == 304:
        return Fetched(url, 304, "", b"", **validators)
    if response.status_code != 200:
        raise FetchError(
            url, f"the server answered {response.status_code} {response.reason_phrase}"
        )
    header = response.headers.get("content-type", "")
    kind = header.split(";")[0].strip().lower()
    if kind and kind not in accept and kind != "text/plain":
        raise FetchError(
            url, f"{kind} is not a web page or a feed; article-qa reads HTML and RSS/Atom"
        )
    declared = int(response.headers.get("content-length") or 0)
    if declared > max_bytes:
        raise FetchError(url, f"{declared / MB:.1f} MB is over the {max_bytes // MB} MB limit")
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise FetchError(url, f"the page is over the {max_bytes // MB} MB limit")
    return Fetched(url, 200, kind, bytes(body), _charset(header), **validators)
