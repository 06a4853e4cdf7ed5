"""Where a site announces its articles, found from outside: what ``crawler sites add`` reads
before it writes a site file.

It asks, politely (robots.txt obeyed, its Crawl-delay or ``DOWNLOAD_DELAY`` between requests, a
handful of requests in all): robots.txt for its ``Sitemap:`` lines, the sitemaps WordPress and
the SEO plugins serve (``/sitemap_index.xml``, ``/wp-sitemap.xml``, ``/sitemap.xml``; in an
index, the news and post sitemaps first), the feeds the home page advertises and ``/feed/``. An
entry point is kept when it answers and lists pages of the site.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from parsel import Selector
from protego import Protego
from w3lib.html import get_base_url

from crawler.fetch.discovery import SiteURLs, advertised_feeds, read_feed, read_sitemap

# (URL, the most bytes taken, the setting that says so) -> (body, content type)
Fetch = Callable[[str, int, str], tuple[bytes, str | None]]
SITEMAPS = ("/sitemap_index.xml", "/wp-sitemap.xml", "/sitemap.xml")
FEEDS = ("/feed/",)
MAX_SITEMAPS = 8  # sitemaps read in all, children of an index included
_NEWS_FIRST = re.compile(r"news|post|berita|artikel|article", re.I)
# sitemaps of an index that list no articles, as WordPress and its SEO plugins name them
_NOT_ARTICLES = re.compile(r"page|categor|tag|author|user|taxonom", re.I)


class SurveyError(Exception):
    """The site cannot be added: one line that says why (unreachable, forbidden, not a news site)."""


@dataclass(frozen=True)
class Found:
    """An entry point that answered, as a site file writes it, and the pages it lists."""

    kind: str  # sitemap or feed
    path: str  # where the site file points: on the site (``/feed/``) or a full URL; an index, not its parts
    urls: tuple[str, ...]


@dataclass
class Survey:
    found: list[Found] = field(default_factory=list)
    tried: dict[str, str] = field(default_factory=dict)  # where -> what it gave ("12 pages", "Not Found"...)
    home_page: Selector | None = None  # the home page as fetched (its links, its search form)

    @property
    def places(self) -> list[str]:
        """Where the pages were found, once each (what the site file names)."""
        return list(dict.fromkeys(f.path for f in self.found))

    @property
    def listed(self) -> list[str]:
        """Every page the entry points list, once, in their order."""
        return list(dict.fromkeys(u for f in self.found for u in f.urls))


@dataclass
class PoliteFetcher:
    """Fetches on one site, robots.txt obeyed (once :func:`survey` has read it), ``delay``
    seconds apart (raised to the site's Crawl-delay); ``get`` takes a public URL or a path.
    Pages are bounded by ``page_bytes``, sitemaps and feeds by ``xml_bytes``."""

    fetch: Fetch
    urls: SiteURLs
    user_agent: str
    delay: float
    page_bytes: int
    xml_bytes: int
    robots: Protego | None = None
    _last: float = 0.0

    def get(self, url: str, *, xml: bool = False) -> tuple[bytes, str | None]:
        """(body, content type) of ``url``; ValueError when it cannot be had (robots.txt included)."""
        public = self.urls.public_url(url)
        if self.robots is not None and not self.robots.can_fetch(public, self.user_agent):
            raise ValueError(f"{public}: forbidden by robots.txt")
        wait = self._last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        where = self.urls.crawl_url(url) if url.startswith("http") else self.urls.entry(url)
        try:
            if xml:
                return self.fetch(where, self.xml_bytes, "SITEMAP_MAXSIZE")
            return self.fetch(where, self.page_bytes, "DOWNLOAD_MAXSIZE")
        finally:
            self._last = time.monotonic()


def site_urls(home: str, base_url: str | None) -> SiteURLs:
    """The URLs of the site at ``home`` (its host, ``www.`` aside); ``base_url``: a served copy."""
    parts = urlsplit(home)
    return SiteURLs(((parts.hostname or "").removeprefix("www."),), f"{parts.scheme}://{parts.netloc}", base_url)


def survey(home: str, asker: PoliteFetcher) -> Survey:
    """The entry points of the site at ``home`` that answer and list its pages. Raises
    :class:`SurveyError` when the site cannot be reached at all or its robots.txt forbids it."""
    result = Survey()
    sitemaps = _robots(asker, result)
    try:
        body, _ = asker.get(home)
    except ValueError as exc:
        raise SurveyError(f"{home} cannot be fetched: {exc}") from None
    result.home_page = page_selector(body, home)
    for place in dict.fromkeys([*sitemaps, *SITEMAPS]):
        _read_sitemaps(asker, result, place)
    for place in dict.fromkeys([*_advertised(result.home_page, asker.urls), *FEEDS]):
        _read_feed(asker, result, place)
    return result


def page_selector(body: bytes, url: str) -> Selector | None:
    """A fetched page, its links resolved against its base URL (``url``, the page's public
    address, or its ``<base href>``); None when there is nothing to parse."""
    text = body.decode("utf-8", "replace")
    try:
        return Selector(text=text, base_url=get_base_url(text, url))
    except ValueError:
        return None


def what_failed(exc: ValueError) -> str:
    """What an entry point gave, in a word or two: the reason recorded, or the message's end."""
    return getattr(exc, "reason", None) or str(exc).rpartition(": ")[2] or "no answer"


def _robots(asker: PoliteFetcher, result: Survey) -> list[str]:
    """The ``Sitemap:`` lines of robots.txt, whose rules and Crawl-delay are obeyed from here on."""
    try:
        body, _ = asker.get("/robots.txt")
    except ValueError as exc:
        result.tried["/robots.txt"] = what_failed(exc)
        return []
    robots = Protego.parse(body.decode("utf-8", "replace"))
    asker.robots = robots
    if (crawl_delay := robots.crawl_delay(asker.user_agent)) is not None:
        asker.delay = max(asker.delay, float(crawl_delay))
    if not robots.can_fetch(asker.urls.public_origin + "/", asker.user_agent):
        raise SurveyError(f"robots.txt of {asker.urls.public_origin} forbids crawling the site")
    result.tried["/robots.txt"] = "ok"
    return [_as_path(u, asker.urls) for u in robots.sitemaps]


def _as_path(url: str, urls: SiteURLs) -> str:
    """An on-site URL as a site file writes it (its path); another site's stays whole."""
    if urls.on_site(url):
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return url


def _advertised(page: Selector | None, urls: SiteURLs) -> list[str]:
    """The feeds the home page advertises, as a site file names them."""
    if page is None:
        return []
    try:
        feeds = advertised_feeds(page, page.root.base_url or "")
    except ValueError:  # an href urljoin cannot read
        return []
    return [_as_path(u, urls) for u in feeds]


def _on_site(urls: SiteURLs, listed: list[str]) -> tuple[str, ...]:
    return tuple(urls.public_url(u) for u in listed if u and urls.on_site(u))


def _read_sitemaps(asker: PoliteFetcher, result: Survey, place: str) -> None:
    """A sitemap, or an index and its news and post sitemaps first, up to :data:`MAX_SITEMAPS`."""
    queue = [place]
    while queue and sum(1 for f in result.found if f.kind == "sitemap") < MAX_SITEMAPS:
        where = queue.pop(0)
        if where in result.tried:
            continue
        try:
            kind, entries = read_sitemap(asker.get(where, xml=True)[0], asker.xml_bytes)
        except ValueError as exc:  # Unreadable is one
            result.tried[where] = what_failed(exc)
            continue
        locs = [e["loc"].strip() for e in entries]
        if kind == "sitemapindex":
            result.tried[where] = f"index of {len(locs)}"
            children = [u for u in locs if not _NOT_ARTICLES.search(urlsplit(u).path.replace("posts-post", ""))]
            children.sort(key=lambda u: not _NEWS_FIRST.search(urlsplit(u).path))
            queue[:0] = [_as_path(u, asker.urls) for u in children[:MAX_SITEMAPS]]
            continue
        pages = _on_site(asker.urls, locs)
        result.tried[where] = f"{len(pages)} pages"
        if pages:
            result.found.append(Found("sitemap", place, pages))


def _read_feed(asker: PoliteFetcher, result: Survey, where: str) -> None:
    if where in result.tried:
        return
    try:
        items = read_feed(asker.get(where, xml=True)[0], asker.xml_bytes)
    except ValueError as exc:  # Unreadable is one
        result.tried[where] = what_failed(exc)
        return
    pages = _on_site(asker.urls, [link for link, _ in items if link])
    result.tried[where] = f"{len(pages)} pages"
    if pages:
        result.found.append(Found("feed", where, pages))
