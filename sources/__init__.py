"""Sources: everything that turns the outside world into ``Article``s — files in their
formats (``formats``, one module each), web pages (``web``, over ``fetch`` and
``addresses``), feeds (``feeds``, with their list in ``feedlist``) and page uploads
(``uploads``). Every source has one shape: an iterator of ``Article | LoadError``. Sources
read; they never store (``vectorstore.ingest`` does).

What other packages may use is exported here.
"""

from .article import MAX_ARTICLE_BYTES, MB, Article, digest, make_article, normalize_date
from .errors import FeedListError, InputError, LoadError
from .feedlist import STATE_FILE, Feed, FeedList
from .feeds import HOST_DELAY_S, FeedReading, Pacer
from .fetch import DEADLINE_S as FETCH_DEADLINE_S
from .fetch import FetchError, fetch
from .files import discover, is_url
from .formats import FORMATS, SUPPORTED_SUFFIXES, html_article, load_file
from .uploads import UploadError, save_upload
from .urls import http_url, site_name, source_from_url
from .web import IS_A_FEED, load_pages, load_url

__all__ = [
    "FETCH_DEADLINE_S",
    "FORMATS",
    "HOST_DELAY_S",
    "IS_A_FEED",
    "MAX_ARTICLE_BYTES",
    "MB",
    "STATE_FILE",
    "SUPPORTED_SUFFIXES",
    "Article",
    "Feed",
    "FeedList",
    "FeedListError",
    "FeedReading",
    "FetchError",
    "InputError",
    "LoadError",
    "Pacer",
    "UploadError",
    "digest",
    "discover",
    "fetch",
    "html_article",
    "http_url",
    "is_url",
    "load_file",
    "load_pages",
    "load_url",
    "make_article",
    "normalize_date",
    "save_upload",
    "site_name",
    "source_from_url",
]
