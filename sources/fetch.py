"""Fetching pages and feeds over HTTP(S), safely: timeouts, at most 5 redirects, a size cap,
content types checked, a clear User-Agent, and no requests to private addresses.

Every hop of a redirect is checked again, and the connection goes to the address that was
judged (``addresses``): loopback, private, link-local, metadata and other non-public
addresses are refused unless ``allow_private`` (``ARTICLE_QA_FETCH_ALLOW_PRIVATE``) is on,
for a user's own intranet. A fetch has an overall deadline as well as per-step timeouts.
Every failure, a malformed URL or a server's unknown charset included, is a ``FetchError``
naming the URL and the reason.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:  # imported on first use: a process that only answers never pays for it
    import httpx

from .article import MAX_ARTICLE_BYTES, MB

USER_AGENT = "article-qa/0.1 (+https://github.com/article-qa; cited answers from news articles)"
MAX_REDIRECTS = 5
TIMEOUT_S = 15.0  # any step of a request
DEADLINE_S = 30.0  # a whole fetch: every redirect and the whole body (ARTICLE_QA_FETCH_DEADLINE)
MAX_URL_CHARS = 8192
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
        """The body as text, in its declared charset (UTF-8 when it declares none or one
        Python doesn't know)."""
        try:
            return self.body.decode(self.charset or "utf-8", errors="replace")
        except (LookupError, UnicodeError):  # an unknown charset, or one that isn't text
            return self.body.decode("utf-8", errors="replace")

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


def check_address(url: str, allow_private: bool = False) -> None:
    """Refuse a URL that can't or may not be fetched, before any request: other schemes,
    malformed or overlong URLs, bad ports and host names, and (unless ``allow_private``)
    hosts that are, or resolve to, addresses that are not public. This says early what is
    wrong; what protects is the connection itself, which resolves and judges the name again
    and connects to the address it judged (``addresses.GuardedBackend``)."""
    from .addresses import ALLOW_PRIVATE, BlockedAddress, is_public, public_addresses

    if len(url) > MAX_URL_CHARS:
        raise FetchError(url[:80] + "…", f"the URL is over {MAX_URL_CHARS:,} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname or ""
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", ...
        raise FetchError(url, f"not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise FetchError(url, "only http:// and https:// URLs can be fetched")
    if port == 0:
        raise FetchError(url, "not a valid URL (port 0)")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            host.encode("idna")
        except UnicodeError as exc:
            raise FetchError(url, f"'{host}' is not a valid host name ({exc})") from None
        if not allow_private:  # judged here for a clear error; again where it connects
            try:
                public_addresses(host, port or 443)
            except BlockedAddress as exc:
                raise FetchError(url, str(exc)) from None
            except OSError as exc:
                raise FetchError(url, f"the host {host} cannot be resolved ({exc})") from None
        return
    if not allow_private and not is_public(address):
        raise FetchError(url, f"{host} is a private or local address ({address}); {ALLOW_PRIVATE}")


def http_client(allow_private: bool = False) -> httpx.Client:
    """A client with this module's timeouts that follows no redirect by itself (``fetch``
    checks every hop) and connects only to public addresses (unless ``allow_private``)."""
    import httpx

    from .addresses import GuardedTransport

    return httpx.Client(
        timeout=httpx.Timeout(TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
        follow_redirects=False,
        transport=GuardedTransport(allow_private),
        trust_env=False,
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
    deadline_s: float = DEADLINE_S,
) -> Fetched:
    """GET ``url`` (conditionally, with the validators given) and return what came back,
    within ``deadline_s`` seconds in all (every redirect and the whole body). Every failure
    is a ``FetchError`` naming the URL and the reason."""
    headers = {"User-Agent": USER_AGENT, "Accept": ", ".join(accept) + ", */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    owned = client is None
    import httpx

    from .addresses import BlockedAddress
    from .addresses import deadline as ending_by

    http = client or http_client(allow_private)
    deadline = time.monotonic() + deadline_s
    late = f"no complete answer within the {deadline_s:g} s limit"
    try:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            check_address(current, allow_private)
            left = deadline - time.monotonic()
            if left <= 0:
                raise FetchError(current, late)
            timeout = httpx.Timeout(min(TIMEOUT_S, left), connect=min(CONNECT_TIMEOUT_S, left))
            try:
                with (
                    ending_by(deadline),
                    http.stream("GET", current, headers=headers, timeout=timeout) as response,
                ):
                    if response.has_redirect_location:  # not a 304 (httpx's is_redirect)
                        location = response.headers.get("location", "")
                        current = urljoin(current, location)
                        continue
                    return _read(current, response, accept, max_bytes)
            except BlockedAddress as exc:
                raise FetchError(current, str(exc)) from None
            except httpx.TimeoutException:
                if time.monotonic() >= deadline - 0.05:
                    raise FetchError(current, late) from None
                raise FetchError(current, "the server did not answer in time") from None
            except httpx.InvalidURL as exc:
                raise FetchError(current, f"not a valid URL ({exc})") from None
            except httpx.HTTPError as exc:
                raise FetchError(current, f"cannot connect ({type(exc).__name__}: {exc})") from None
            except (UnicodeError, ValueError) as exc:  # idna, ports: whatever slipped past
                raise FetchError(current, f"not a valid URL ({exc})") from None
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")
    finally:
        if owned:
            http.close()


def _read(url: str, response: httpx.Response, accept: tuple[str, ...], max_bytes: int) -> Fetched:
    """What came back, once it is known to be a page or feed within the size limit (the
    deadline is kept by every read of the connection: ``addresses.deadline``)."""
    validators = {  # sent back next time: only what a header can carry
        key: value if value.isascii() and value.isprintable() else ""
        for key, value in (
            ("etag", response.headers.get("etag", "")),
            ("last_modified", response.headers.get("last-modified", "")),
        )
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
