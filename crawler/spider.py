"""The one spider class every site uses; a site module only supplies its :class:`SiteProfile`.

Discovery: robots.txt ``Sitemap:`` lines, sitemap indexes and urlsets (with ``lastmod``), RSS/Atom
feeds (also those advertised on the home page), the home page and category listings (paginated),
and the site's search for the watched terms. Only URLs the profile calls articles are fetched as
articles; a URL already stored is skipped unless its ``lastmod`` moved on or ``-a refresh=1``.

Spider arguments (``-a name=value``):
  base_url   crawl this origin instead of the live site (a mirror or test server)
  refresh    1 to re-fetch articles already stored
  since      YYYY-MM-DD: ignore sitemap/feed entries and articles older than this
  max_items  stop scheduling articles after this many
  depth      listing pages to follow per listing (default LISTING_MAX_PAGES)
"""

from __future__ import annotations

import gzip
import io
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import quote_plus, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError
from twisted.python.failure import Failure

from crawler.dates import parse_date
from crawler.enrich import page_record
from crawler.extract import looks_binary, query
from crawler.items import Reject, Seen
from crawler.offload import Offload, WorkerCrashed
from crawler.profile import SiteProfile
from crawler.storage import Database, StorageError
from crawler.topics import Topic, load_topics
from crawler.urls import canonical_url, clean_url, host_of, same_site, with_origin

logger = logging.getLogger(__name__)
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def normalize_lastmod(value: str | None) -> str | None:
    """Sitemap ``lastmod`` or feed ``pubDate`` as ISO 8601 in UTC, comparable as text."""
    if not value or not value.strip():
        return None
    value = value.strip()
    parsed = parse_date(value)
    if parsed is not None:
        return parsed.value.astimezone(UTC).isoformat(timespec="seconds")
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds")


class NewsSpider(scrapy.Spider):
    """Discovery and article parsing for one news site, driven by ``profile``."""

    profile: ClassVar[SiteProfile]

    def __init__(
        self,
        *args: Any,
        base_url: str | None = None,
        refresh: str | None = None,
        since: str | None = None,
        max_items: str | None = None,
        depth: str | None = None,
        offload: Offload | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        p = self.profile
        self.public_origin = _origin(p.home)
        self.base_url = _origin(base_url) if base_url else None
        if base_url and not self.base_url:
            raise ValueError(f"base_url must look like http://HOST:PORT, got {base_url!r}")
        self.origin = self.base_url or self.public_origin
        self.allowed_domains = list(p.domains) + ([host_of(self.base_url)] if self.base_url else [])
        self.refresh = _truthy(refresh) if refresh is not None else False
        try:
            self.since: date | None = date.fromisoformat(since) if since else None
        except ValueError as exc:
            raise ValueError(f"since must be YYYY-MM-DD, got {since!r}") from exc
        self.max_items = int(max_items) if max_items else None
        self.depth = int(depth) if depth else None
        self.known: dict[str, str | None] = {}
        self.scheduled: set[str] = set()
        self.skipped: set[str] = set()  # stored and unchanged: not fetched
        self.lastmods: dict[str, str] = {}  # newest sitemap/feed date seen per article this crawl
        self.article_requests = 0
        # helper processes for page work: shared when given (one pool for all sites of a
        # `crawler crawl`), else the spider's own, started from EXTRACT_WORKERS in from_crawler
        self.owns_offload = offload is None
        self.offload = offload or Offload(0)
        self.topics: tuple[Topic, ...] = ()  # the watchlist, from TOPICS_FILE

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.depth = spider.depth or crawler.settings.getint("LISTING_MAX_PAGES", 5)
        spider.max_children = crawler.settings.getint("SITEMAP_MAX_CHILDREN", 50)
        if spider.owns_offload:
            spider.offload = Offload(crawler.settings.getint("EXTRACT_WORKERS", 1))
        spider.topics = load_topics(crawler.settings.get("TOPICS_FILE"))
        if not spider.refresh:
            spider.known = _load_known(crawler.settings.get("DB_PATH"), spider.name)
        return spider

    # ------------------------------------------------------------------------- URLs

    def crawl_url(self, url: str) -> str:
        """The URL to fetch: tracking parameters and fragments gone; the mirror in mirror mode."""
        url = clean_url(url)
        if self.base_url and same_site(url, self.profile.domains):
            return with_origin(url, self.base_url)
        return url

    def public_url(self, url: str) -> str:
        """The URL as it is on the live site (mirror URLs mapped back)."""
        if self.base_url and _origin(url) == self.base_url:
            return with_origin(url, self.public_origin)
        return url

    def on_site(self, url: str) -> bool:
        return same_site(url, self.profile.domains) or (
            self.base_url is not None and _origin(url) == self.base_url
        )

    def entry(self, path: str) -> str:
        return self.origin + path if path.startswith("/") else self.crawl_url(path)

    def discovery_request(self, url: str, callback: Any, **meta: Any) -> scrapy.Request:
        """A request for a robots.txt, sitemap, feed or listing page (not an article)."""
        return scrapy.Request(
            self.crawl_url(url), callback, errback=self.entry_failed, meta={"entry": True, **meta}, priority=10
        )

    # ------------------------------------------------------------------------- discovery

    async def start(self) -> AsyncIterator[Any]:
        p = self.profile
        yield self.discovery_request(self.entry("/robots.txt"), self.parse_robots)
        for path in p.sitemaps:
            yield self.discovery_request(self.entry(path), self.parse_sitemap)
        for path in p.feeds:
            yield self.discovery_request(self.entry(path), self.parse_feed)
        for i, path in enumerate(p.listings):
            yield self.discovery_request(self.entry(path), self.parse_listing, page=1, home=i == 0)
        for template in p.search:
            for term in p.search_terms:
                search_url = self.entry(template.format(query=quote_plus(term)))
                yield self.discovery_request(search_url, self.parse_listing, page=1)

    def article_request(self, url: str, lastmod: str | None = None, via: str = "") -> scrapy.Request | Seen | None:
        """A request for an article page; a :class:`Seen` record when it is stored and unchanged
        (or already fetched in this crawl); None when it is older than ``since`` or beyond
        ``max_items``. A stored article is fetched again when its lastmod is newer than the one
        recorded (or, when none was, than the time it was fetched)."""
        fetch = self.crawl_url(url)
        public = self.public_url(fetch)
        if not self.on_site(fetch) or not self.profile.is_article_url(public):
            return None
        key = self.profile.url_key(public)
        if lastmod and lastmod > (self.lastmods.get(key) or ""):
            self.lastmods[key] = lastmod
        if key in self.scheduled:
            # already fetched or queued in this crawl; a date learnt later still gets recorded
            return Seen(key, self.name, lastmod) if lastmod else None
        stats = self.crawler.stats
        if self.since and lastmod and lastmod[:10] < self.since.isoformat():
            stats.inc_value("pantau/skipped_before_since")
            return None
        # not marked as scheduled when skipped: another source may still show a newer lastmod
        stored = self.known.get(key, self.known.get(canonical_url(public), "absent"))
        if stored != "absent" and (lastmod is None or (stored is not None and lastmod <= stored)):
            first_time = key not in self.skipped
            self.skipped.add(key)
            stats.set_value("pantau/skipped_known", len(self.skipped))
            return Seen(key, self.name) if first_time else None
        if self.max_items is not None and self.article_requests >= self.max_items:
            stats.inc_value("pantau/skipped_max_items")
            return None
        self.scheduled.add(key)
        self.skipped.discard(key)
        stats.set_value("pantau/skipped_known", len(self.skipped))
        self.article_requests += 1
        return scrapy.Request(
            fetch, self.parse_article, errback=self.article_failed,
            meta={"lastmod": lastmod, "via": via}, priority=1,
        )  # fmt: skip

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            if self.on_site(url):
                yield self.discovery_request(url, self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        body = _sitemap_body(response)
        sitemap = None
        if body is not None:
            try:
                sitemap = Sitemap(body)
            except Exception:  # not XML at all
                sitemap = None
        if sitemap is None or sitemap.type not in ("sitemapindex", "urlset"):
            yield Reject(response.url, self.name, "bad-sitemap", "not a sitemap (not XML, too large or unknown root)")
            return
        try:
            entries = [e for e in sitemap if e.get("loc")]
        except Exception as exc:  # truncated or malformed XML mid-way
            yield Reject(response.url, self.name, "bad-sitemap", f"unreadable: {exc}")
            return
        if not entries:
            yield Reject(response.url, self.name, "empty-sitemap", f"a {sitemap.type} without usable <loc> entries")
            return
        if sitemap.type == "sitemapindex":
            entries.sort(key=lambda e: e.get("lastmod") or "", reverse=True)
            for entry in entries[: self.max_children]:
                lastmod = normalize_lastmod(entry.get("lastmod"))
                if self.since and lastmod and lastmod[:10] < self.since.isoformat():
                    continue
                if self.on_site(entry["loc"]):
                    yield self.discovery_request(entry["loc"], self.parse_sitemap)
            return
        for entry in entries:
            if out := self.article_request(entry["loc"], normalize_lastmod(entry.get("lastmod")), "sitemap"):
                yield out

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if looks_binary(response.body[:1024]) and not response.body.startswith(b"\x1f\x8b"):
            yield Reject(response.url, self.name, "bad-feed", "binary content")
            return
        try:
            sel = Selector(body=response.body, type="xml")
            sel.remove_namespaces()
        except Exception as exc:
            yield Reject(response.url, self.name, "bad-feed", str(exc)[:200])
            return
        items = sel.xpath("//item | //entry")
        if not items:
            yield Reject(response.url, self.name, "bad-feed", "no RSS items or Atom entries")
            return
        for item in items:
            link = (
                item.xpath("link/@href").get() or item.xpath("link/text()").get() or item.xpath("guid/text()").get()
            )
            if not link:
                continue
            raw = item.xpath("pubDate/text() | updated/text() | published/text() | date/text()").get()
            if out := self.article_request(response.urljoin(link.strip()), normalize_lastmod(raw), "feed"):
                yield out

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            return
        page = response.meta.get("page", 1)
        fresh = False
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href.strip())
            if not url.startswith("http") or not self.on_site(url):
                continue
            public = self.public_url(self.crawl_url(url))
            if self.profile.is_article_url(public):
                key = self.profile.url_key(public)
                fresh = fresh or key not in self.known
                if out := self.article_request(url, None, "listing"):
                    yield out
            elif response.meta.get("home") and self.profile.is_listing_url(public):
                yield self.discovery_request(url, self.parse_listing, page=1)
        if response.meta.get("home"):
            for feed in response.css(
                'link[rel=alternate][type*="rss"]::attr(href), link[rel=alternate][type*="atom"]::attr(href)'
            ).getall():
                url = response.urljoin(feed)
                if self.on_site(url):
                    yield self.discovery_request(url, self.parse_feed)
        if page < (self.depth or 1) and (fresh or self.refresh):
            for selector in self.profile.next_page:
                href = next(iter(query(response.selector, selector)), None)
                if isinstance(href, str) and href.strip():
                    yield self.discovery_request(response.urljoin(href), self.parse_listing, page=page + 1)
                    break

    # ------------------------------------------------------------------------- articles

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        public = self.public_url(response.url)
        if not response.body.strip():
            yield Reject(public, self.name, "empty", f"HTTP {response.status} with an empty body")
            return
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        if looks_binary(response.body) or not isinstance(response, TextResponse):
            yield Reject(public, self.name, "not-html", f"content type {content_type or 'unknown'}")
            return
        try:
            page = await self.offload.run(
                page_record, response.body, content_type or None, public, self.profile, self.topics
            )
        except WorkerCrashed as exc:
            page = Reject(public, self.name, "extraction-crash", str(exc))
        if isinstance(page, Reject):
            if page.reason in ("extraction-error", "extraction-crash"):
                logger.error("Extraction failed on %s: %s", response.url, page.detail)
            yield page
            return
        page.source_url = public
        page.sitemap_lastmod = self.lastmods.get(self.profile.url_key(public), response.meta.get("lastmod"))
        yield page

    def closed(self, reason: str) -> None:
        if not self.owns_offload:
            return
        if self.offload.workers:
            self.crawler.stats.set_value("pantau/helper_peak_rss_mb", round(self.offload.peak_rss_mb(), 1))
        self.offload.close()

    def article_failed(self, failure: Failure) -> Iterator[Reject]:
        request = failure.request  # type: ignore[attr-defined]
        first_url = request.meta.get("redirect_urls", [request.url])[0]  # the URL we asked for
        yield Reject(self.public_url(first_url), self.name, *_failure_reason(failure))

    def entry_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        reason, detail = _failure_reason(failure)
        self.crawler.stats.inc_value("pantau/entry_failed")
        if not self.crawler.stats.get_value("pantau/site_error"):
            self.crawler.stats.set_value("pantau/site_error", f"{request.url}: {reason} {detail}".strip())
        level = logging.INFO if reason in ("http-404", "http-410") else logging.WARNING
        logger.log(level, "Entry point %s unavailable: %s %s", request.url, reason, detail)


def _failure_reason(failure: Failure) -> tuple[str, str]:
    """A short, specific reason for a failed download, and a readable detail."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return f"http-{status}", f"HTTP {status}"
    name = type(failure.value).__name__
    detail = f"{name}: {failure.value}"[:300]
    if failure.check(TimeoutError) or "Timeout" in name:
        return "timeout", "no answer within DOWNLOAD_TIMEOUT"
    if failure.check(DNSLookupError) or "ResolveHost" in name or "DNS" in name:
        return "dns", detail
    if failure.check(ConnectionRefusedError) or "ConnectionRefused" in name:
        return "connection-refused", detail
    if "max size" in str(failure.value) or "maxsize" in str(failure.value):
        return "too-large", detail
    if any(k in name for k in ("DataLoss", "ConnectionLost", "ResponseFailed", "ConnectionDone", "ConnectionReset")):
        return "connection-lost", detail
    if "IgnoreRequest" in name or "IgnoreRequest" in repr(failure.value):
        if "offsite" in str(failure.value).lower():
            return "offsite", str(failure.value)[:300]
        if "redirection" in str(failure.value):
            return "redirect-loop", str(failure.value)[:300]
        return "ignored", str(failure.value)[:300] or "robots.txt"
    return "download-error", detail


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _sitemap_body(response: Response) -> bytes | None:
    body = response.body
    if body[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as f:
                body = f.read(MAX_SITEMAP_BYTES + 1)
        except (OSError, EOFError):
            return None
        if len(body) > MAX_SITEMAP_BYTES:
            return None
    head = body[:512].lstrip()
    if not head.startswith(b"<"):
        return None
    return body


def _load_known(path: str | None, site: str) -> dict[str, str | None]:
    """Articles already stored for ``site`` (read-only; an absent database knows nothing)."""
    try:
        db = Database.open(path, readonly=True)
    except StorageError:
        return {}
    try:
        return db.known_articles(site)
    except Exception:  # an empty file without our schema yet
        return {}
    finally:
        db.close()
