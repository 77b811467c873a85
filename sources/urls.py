"""Article URLs and the sites they name: the one place a URL is checked or turned into a
site name."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

_HTTP_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)


def http_url(value: Any) -> str:
    """``value`` if it is an http(s) URL that may be stored and shown as a link, else ""."""
    url = str(value or "").strip()
    return url if _HTTP_URL.match(url) else ""


def source_from_url(url: str) -> str:
    """The publisher's site of an article URL: ``https://www.cnn.com/x`` → ``cnn.com``."""
    host = (urlparse(url).hostname or "").lower()
    return host.removeprefix("www.")


def site_name(source: str, url: str = "") -> str:
    """A site as one lower-case word: "cnn" for cnn.com or CNN, "theweek" for
    www.theweek.co.uk or The Week (the source, else the URL's host)."""
    site = source.lower().removeprefix("www.") if source else source_from_url(url)
    if "." in site and " " not in site:  # a host name: its first label
        site = site.split(".")[0]
    return re.sub(r"[^a-z]", "", site)
