"""The one spider class every site uses; a site module only supplies its :class:`SiteProfile`.

Discovery: robots.txt ``Sitemap:`` lines, sitemap indexes and urlsets (with ``lastmod``), RSS/Atom
feeds (also those advertised on the home page), the home page and category listings (paginated),
and the site's search for the watched terms. Only URLs the profile calls articles are fetched as
articles; a URL already stored is skipped unless its ``lastmod`` moved on or ``-a refresh=1``.

Spider arguments (``-a name=value``):
  base_url   crawl this origin instead of the live site (a mirror or test server)
  refresh    1 to re-fetch articles already stored
  since      YYYY-MM-DD, or 7d / 24h / 2w back from today: ignore sitemap/feed entries and articles older than this
  max_items  stop scheduling articles after this many
  depth      listing pages to follow per listing (default LISTING_MAX_PAGES)
"""

from __future__ import annotations

import gzip
import io
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote_plus

import scrapy
from parsel import Selector
from scrapy import signals
from scrapy.exceptions import CloseSpider
from scrapy.http import Response, TextResponse
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

from crawler.arguments import KNOWN, origin, parse_arguments
from crawler.dates import parse_date
from crawler.enrich import page_record
from crawler.extract import looks_binary, query
from crawler.failures import failure_reason
from crawler.frontier import NOTHING, SEEN, Frontier
from crawler.items import Reject, Seen
from crawler.offload import Offload, OffloadStopped, WorkerCrashed, WorkTimedOut
from crawler.profile import SiteProfile
from crawler.storage import Database, StorageError, StoredArticles, default_db_path
from crawler.topics import Topic, load_topics
from crawler.urls import canonical_url, clean_url, host_of, same_site, with_origin

logger = logging.getLogger(__name__)


class _OneLine(logging.Filter):
    """Drops the traceback Scrapy attaches to an expected network error (an unreachable
    robots.txt); the one-line message stays, and the failure is recorded with its reason."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = record.exc_text = None
        return True


_ROBOTS_LOG = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")


def local_day(lastmod: str, tz: timezone) -> str:
    """The site's local date of a normalised (UTC) lastmod: what ``since`` is compared with."""
    try:
        return datetime.fromisoformat(lastmod).astimezone(tz).date().isoformat()
    except ValueError:
        return lastmod[:10]


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

    def __init__(self, *args: Any, offload: Offload | None = None, **kwargs: Any) -> None:
        given = {k: kwargs.pop(k) for k in KNOWN if k in kwargs}
        super().__init__(*args, **kwargs)
        arguments = parse_arguments(**given)
        p = self.profile
        self.public_origin = origin(p.home)
        self.base_url = arguments.base_url
        self.origin = self.base_url or self.public_origin
        self.allowed_domains = list(p.domains) + ([host_of(self.base_url)] if self.base_url else [])
        self.refresh = arguments.refresh
        self.since: date | None = arguments.since
        self.max_items = arguments.max_items
        self.depth = arguments.depth
        # what to fetch, skip or record as seen (the stored articles are set in from_crawler)
        self.frontier = Frontier(since=self.since, max_items=self.max_items,
                                 local_day=lambda lastmod: local_day(lastmod, p.timezone))  # fmt: skip
        self.refused: dict[str, set[str]] = {}  # reason -> on-site URLs the profile does not fetch
        # listings: stored state (url -> (complete, resume_url)) and what this crawl walked
        self.listing_state: dict[str, tuple[bool, str | None]] = {}
        self.listings_walked: dict[str, str | None] = {}  # listing -> None (to its end) or resume URL
        self.sitemap_documents = 0  # sitemaps requested in this crawl (SITEMAP_MAX_DOCUMENTS)
        # what each entry point gave: url -> kind, status, article URLs found, newest date seen
        self.entry_points: dict[str, dict[str, Any]] = {}
        # helper processes for page work: shared when given (one pool for all sites of a
        # `crawler crawl`), else the spider's own, started from EXTRACT_WORKERS in from_crawler
        self.owns_offload = offload is None
        self.offload = offload or Offload(0)
        self.topics: tuple[Topic, ...] = ()  # the watchlist, from TOPICS_FILE

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.profile.check()
        if not any(isinstance(f, _OneLine) for f in _ROBOTS_LOG.filters):
            _ROBOTS_LOG.addFilter(_OneLine())
        spider.depth = spider.depth or crawler.settings.getint("LISTING_MAX_PAGES", 5)
        spider.max_children = crawler.settings.getint("SITEMAP_MAX_CHILDREN", 50)
        spider.sitemap_maxsize = crawler.settings.getint("SITEMAP_MAXSIZE", 50 * 1024 * 1024)
        spider.sitemap_max_depth = crawler.settings.getint("SITEMAP_MAX_DEPTH", 3)
        spider.sitemap_max_documents = crawler.settings.getint("SITEMAP_MAX_DOCUMENTS", 500)
        spider.topics = load_topics(crawler.settings.get("TOPICS_FILE"))
        if redis_url := crawler.settings.get("REDIS_URL"):  # distributed: the writer publishes it in Redis
            from crawler.relay import load_state

            known, spider.listing_state = load_state(redis_url, spider.name)
        else:
            known, spider.listing_state = _load_state(crawler.settings.get("DB_PATH"), spider.name)
        if not spider.refresh:
            spider.frontier.known = known
        elif isinstance(known, StoredArticles):
            known.close()
        if isinstance(spider.frontier.known, StoredArticles):
            crawler.signals.connect(spider.frontier.known.close, signal=signals.spider_closed)
        if spider.owns_offload:
            spider.offload = offload_from_settings(crawler.settings)
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
        if self.base_url and origin(url) == self.base_url:
            return with_origin(url, self.public_origin)
        return url

    def on_site(self, url: str) -> bool:
        return same_site(url, self.profile.domains) or (
            self.base_url is not None and origin(url) == self.base_url
        )

    def entry(self, path: str) -> str:
        return self.origin + path if path.startswith("/") else self.crawl_url(path)

    def discovery_request(self, url: str, callback: Any, **meta: Any) -> scrapy.Request:
        """A request for a robots.txt, sitemap, feed or listing page (not an article)."""
        kind = {"parse_robots": "robots", "parse_sitemap": "sitemap", "parse_feed": "feed"}.get(
            callback.__name__, "listing"
        )
        if kind == "sitemap":  # a legal sitemap is up to 50 MB: its own limit, not the page limit
            meta.setdefault("download_maxsize", self.sitemap_maxsize)
            meta.setdefault("download_warnsize", self.sitemap_maxsize)
        return scrapy.Request(
            self.crawl_url(url), callback, errback=self.entry_failed, meta={"entry": kind, **meta}, priority=10
        )

    def entry_reject(self, response: Response, reason: str, detail: str) -> Reject:
        """A sitemap, feed or listing that was fetched but could not be used."""
        return Reject(self.public_url(response.url), self.name, reason, detail, response.meta.get("entry", "listing"))

    def note_entry(self, url: str, kind: str, status: str, articles: int = 0, newest: str | None = None) -> None:
        """What an entry point gave (for ``crawler check``); counts add up over a listing's pages."""
        key = canonical_url(self.public_url(url))
        entry = self.entry_points.setdefault(key, {"kind": kind, "articles": 0, "newest": None})
        entry["status"] = status
        entry["articles"] += articles
        if newest and newest > (entry["newest"] or ""):
            entry["newest"] = newest

    def refuse(self, url: str, reason: str) -> None:
        """An on-site URL the profile does not fetch as an article, counted per reason."""
        urls = self.refused.setdefault(reason, set())
        urls.add(url)
        self.crawler.stats.set_value(f"pantau/refused/{reason}", len(urls))

    # ------------------------------------------------------------------------- discovery

    async def start(self) -> AsyncIterator[Any]:
        p = self.profile
        yield self.discovery_request(self.entry("/robots.txt"), self.parse_robots)
        for path in p.sitemaps:
            if out := self.sitemap_request(self.entry(path), 0):
                yield out
        for path in p.feeds:
            yield self.discovery_request(self.entry(path), self.parse_feed)
        listings = [(self.entry(path), i == 0) for i, path in enumerate(p.listings)]
        listings += [(self.entry(t.format(query=quote_plus(term))), False) for t in p.search for term in p.search_terms]
        for url, home in listings:
            key = canonical_url(self.public_url(self.crawl_url(url)))
            yield self.discovery_request(url, self.parse_listing, page=1, home=home, listing=key)
            complete, resume = self.listing_state.get(key, (False, None))
            if resume and not complete:
                # an earlier crawl stopped at its depth limit before the listing's end: go on there
                yield self.discovery_request(resume, self.parse_listing, page=1, listing=key, resumed=True)

    def article_request(self, url: str, lastmod: str | None = None, via: str = "") -> scrapy.Request | Seen | None:
        """A request for an article page; a :class:`Seen` record when it is stored and unchanged
        (or already fetched in this crawl); None when it is older than ``since`` or beyond
        ``max_items``. A stored article is fetched again when its lastmod is newer than the one
        recorded (or, when none was, than the time it was fetched)."""
        fetch = self.crawl_url(url)
        public = self.public_url(fetch)
        if not self.on_site(fetch):
            return None
        if refusal := self.profile.refusal(public):
            self.refuse(public, refusal)
            return None
        key = self.profile.url_key(public)
        decision, lastmod = self.frontier.decide(key, lastmod, canonical_url(public))
        stats, f = self.crawler.stats, self.frontier
        stats.set_value("pantau/skipped_known", len(f.skipped))
        for name, count in (("skipped_before_since", f.before_since), ("skipped_max_items", f.over_max_items)):
            if count:
                stats.set_value(f"pantau/{name}", count)
        if decision == SEEN:
            return Seen(key, self.name, lastmod)
        if decision == NOTHING:
            return None
        return scrapy.Request(
            fetch, self.parse_article, errback=self.article_failed,
            meta={"lastmod": lastmod, "via": via}, priority=1,
        )  # fmt: skip

    def before_since(self, lastmod: str | None) -> bool:
        """True when a sitemap/feed date is on a local day before ``since``."""
        return self.frontier.is_before_since(lastmod)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        self.note_entry(response.url, "robots", str(response.status))
        if not isinstance(response, TextResponse):
            return
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            if self.on_site(url) and (out := self.sitemap_request(url, 0)):
                yield out

    def sitemap_request(self, url: str, depth: int, parent: Response | None = None) -> scrapy.Request | Reject | None:
        """A request for a sitemap, within the bounds: indexes nested at most ``SITEMAP_MAX_DEPTH``
        deep, ``SITEMAP_MAX_DOCUMENTS`` sitemaps per crawl. What goes beyond is one ``rejects``
        row (per index too deep; once for the total), so that a hostile or broken site costs a
        bounded number of requests."""
        if depth > self.sitemap_max_depth:
            detail = f"a sitemap index nested deeper than SITEMAP_MAX_DEPTH ({self.sitemap_max_depth}); not followed"
            return Reject(self.public_url(parent.url if parent else url), self.name, "too-deep", detail, "sitemap")
        if self.sitemap_documents >= self.sitemap_max_documents:
            if self.sitemap_documents > self.sitemap_max_documents:
                return None  # already recorded
            self.sitemap_documents += 1
            detail = f"more than SITEMAP_MAX_DOCUMENTS ({self.sitemap_max_documents}) sitemaps; the rest not read"
            return Reject(self.public_url(url), self.name, "too-many", detail, "sitemap")
        self.sitemap_documents += 1
        return self.discovery_request(url, self.parse_sitemap, sitemap_depth=depth)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        try:
            body = _xml_body(response.body, self.sitemap_maxsize)
        except Unreadable as exc:
            yield self.entry_reject(response, exc.reason or "bad-sitemap", str(exc))
            return
        try:
            sitemap = Sitemap(body) if body is not None else None
        except Exception:  # not XML at all
            sitemap = None
        if sitemap is None or sitemap.type not in ("sitemapindex", "urlset"):
            yield self.entry_reject(response, "bad-sitemap", "not a sitemap (not XML or unknown root)")
            return
        try:
            entries = [e for e in sitemap if e.get("loc")]
        except Exception as exc:  # truncated or malformed XML mid-way
            yield self.entry_reject(response, "bad-sitemap", f"unreadable: {exc}")
            return
        if not entries:
            yield self.entry_reject(response, "empty-sitemap", f"a {sitemap.type} without usable <loc> entries")
            return
        self.crawler.stats.inc_value("pantau/entry_ok")
        depth = response.meta.get("sitemap_depth", 0)
        if sitemap.type == "sitemapindex":
            self.note_entry(response.url, "sitemap", str(response.status))
            entries.sort(key=lambda e: e.get("lastmod") or "", reverse=True)
            for entry in entries[: self.max_children]:
                if self.before_since(normalize_lastmod(entry.get("lastmod"))):
                    continue
                if self.on_site(entry["loc"]) and (out := self.sitemap_request(entry["loc"], depth + 1, response)):
                    yield out
                    if isinstance(out, Reject):
                        break
            return
        lastmods = [normalize_lastmod(e.get("lastmod")) for e in entries]
        newest = max(filter(None, lastmods), default=None)
        self.note_entry(response.url, "sitemap", str(response.status), len(entries), newest)
        for entry, lastmod in zip(entries, lastmods, strict=True):
            if out := self.article_request(entry["loc"], lastmod, "sitemap"):
                yield out

    def parse_feed(self, response: Response) -> Iterator[Any]:
        try:
            body = _xml_body(response.body, self.sitemap_maxsize)
        except Unreadable as exc:
            yield self.entry_reject(response, exc.reason or "bad-feed", str(exc))
            return
        if body is None or looks_binary(body[:1024]):
            yield self.entry_reject(response, "bad-feed", "not XML")
            return
        try:
            sel = Selector(body=body, type="xml")
            sel.remove_namespaces()
        except Exception as exc:
            yield self.entry_reject(response, "bad-feed", str(exc)[:200])
            return
        items = sel.xpath("//item | //entry")
        if not items:
            yield self.entry_reject(response, "bad-feed", "no RSS items or Atom entries")
            return
        self.crawler.stats.inc_value("pantau/entry_ok")
        found = []  # (link, date) of each item, each date read once
        for item in items:
            link = (
                item.xpath("link/@href").get() or item.xpath("link/text()").get() or item.xpath("guid/text()").get()
            )
            raw = item.xpath("pubDate/text() | updated/text() | published/text() | date/text()").get()
            found.append((link, normalize_lastmod(raw)))
        newest = max(filter(None, (lastmod for _, lastmod in found)), default=None)
        self.note_entry(response.url, "feed", str(response.status), len(items), newest)
        for link, lastmod in found:
            if link and (out := self.article_request(response.urljoin(link.strip()), lastmod, "feed")):
                yield out

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """Articles linked from a listing page, then its next page. Once a listing has been walked
        to its end, a later crawl stops at the first page with nothing new; until then (a first
        crawl cut short) every page up to the depth limit is walked, and the next crawl goes on
        from where this one stopped."""
        if not isinstance(response, TextResponse):
            yield self.entry_reject(response, "not-html", "listing page is not text")
            return
        self.crawler.stats.inc_value("pantau/entry_ok")
        page, key = response.meta.get("page", 1), response.meta.get("listing", response.url)
        fresh, found = False, 0
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href.strip())
            if not url.startswith("http") or not self.on_site(url):
                continue
            public = self.public_url(self.crawl_url(url))
            refusal = self.profile.refusal(public)
            if refusal is None:
                found += 1
                fresh = fresh or not self.frontier.is_stored(self.profile.url_key(public))
                if out := self.article_request(url, None, "listing"):
                    yield out
            elif response.meta.get("home") and self.profile.is_listing_url(public):
                yield self.discovery_request(url, self.parse_listing, page=1, listing=canonical_url(public))
            else:
                self.refuse(public, refusal)
        if response.meta.get("home"):
            for feed in response.css(
                'link[rel=alternate][type*="rss"]::attr(href), link[rel=alternate][type*="atom"]::attr(href)'
            ).getall():
                url = response.urljoin(feed)
                if self.on_site(url):
                    yield self.discovery_request(url, self.parse_feed)
        self.note_entry(key, "listing", str(response.status), found)
        next_url = self.next_page(response)
        complete = self.listing_state.get(key, (False, None))[0]
        resumed = response.meta.get("resumed", False)
        if next_url is None or page >= (self.depth or 1):
            self.walk_ended(key, next_url and self.public_url(next_url), resumed)
        elif fresh or self.refresh or not complete:
            yield self.discovery_request(next_url, self.parse_listing, page=page + 1, listing=key, resumed=resumed)

    def walk_ended(self, key: str, resume_url: str | None, resumed: bool) -> None:
        """A walk of listing ``key`` reached its end (``resume_url`` None) or the depth limit. The
        end wins; a walk that itself resumed a backfill stops deeper than one from page 1. The
        store pipeline records this when the crawl finishes normally."""
        before = self.listings_walked.get(key, "")
        if before is None:
            return
        if resume_url is None or resumed or before == "":
            self.listings_walked[key] = resume_url
            self.crawler.stats.set_value("pantau/listings_walked", dict(self.listings_walked))

    def next_page(self, response: TextResponse) -> str | None:
        for selector in self.profile.next_page:
            href = next(iter(query(response.selector, selector)), None)
            if isinstance(href, str) and href.strip():
                return response.urljoin(href.strip())
        return None

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
        except WorkTimedOut as exc:
            page = Reject(public, self.name, "extraction-timeout", f"{exc} (EXTRACT_TIMEOUT); the helper was replaced")
        except OffloadStopped:
            return  # the crawl is stopping: not recorded, the next crawl fetches the page again
        if isinstance(page, Reject):
            if page.reason in ("extraction-error", "extraction-crash", "extraction-timeout"):
                logger.error("Extraction failed on %s: %s", response.url, page.detail)
            yield page
            return
        page.source_url = public
        page.sitemap_lastmod = self.frontier.lastmods.get(self.profile.url_key(public), response.meta.get("lastmod"))
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
        yield Reject(self.public_url(first_url), self.name, *failure_reason(failure))

    def entry_failed(self, failure: Failure) -> Iterator[Reject]:
        """A sitemap, feed or listing that could not be fetched: a ``rejects`` row of its kind,
        counted in the run summary (a missing robots.txt is normal and only logged)."""
        request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get("entry", "listing")
        reason, detail = failure_reason(failure)
        self.crawler.stats.inc_value("pantau/entry_failed")
        if not self.crawler.stats.get_value("pantau/site_error"):
            self.crawler.stats.set_value("pantau/site_error", f"{request.url}: {reason} {detail}".strip())
        missing = reason in ("http-404", "http-410")
        repeated = reason == "dns" and self.crawler.stats.get_value("pantau/entry_failed", 0) > 1
        logger.log(logging.INFO if missing or repeated else logging.WARNING, "%s %s unavailable: %s %s",
                   kind.capitalize(), request.url, reason, detail)  # fmt: skip
        self.note_entry(request.url, kind, reason)
        if not (kind == "robots" and missing):
            yield Reject(self.public_url(request.url), self.name, reason, detail, kind)
        if reason == "dns" and not self.crawler.stats.get_value("response_received_count"):
            raise CloseSpider("unreachable")  # the site's name does not resolve: nothing else will work


def offload_from_settings(settings: Any) -> Offload:
    """The helper processes a crawl's settings ask for (``EXTRACT_WORKERS``, ``EXTRACT_TIMEOUT``)."""
    timeout = settings.getfloat("EXTRACT_TIMEOUT", 20.0)
    return Offload(settings.getint("EXTRACT_WORKERS", 1), timeout if timeout > 0 else None)


class Unreadable(ValueError):
    """A sitemap or feed that cannot be read; ``reason`` is ``too-large``, or None for the
    document kind's own "bad" reason."""

    def __init__(self, detail: str, reason: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason


def _xml_body(body: bytes, maxsize: int) -> bytes | None:
    """A sitemap or feed document, gunzipped when compressed (at most ``maxsize`` bytes); None
    when it is not XML. Raises :class:`Unreadable` for a corrupt or oversized gzip."""
    if body[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as f:
                body = f.read(maxsize + 1)
        except (OSError, EOFError) as exc:
            raise Unreadable(f"corrupt gzip: {exc}") from None
        if len(body) > maxsize:
            raise Unreadable(f"too large: over {maxsize} bytes once decompressed (SITEMAP_MAXSIZE)", "too-large")
    if not body[:512].lstrip().startswith(b"<"):
        return None
    return body


def _load_state(path: str | None, site: str) -> tuple[StoredArticles, dict[str, tuple[bool, str | None]]]:
    """Articles already stored for ``site`` (asked of the database as URLs come, through a
    read-only connection the spider closes) and the state of its listings. A database that does
    not exist yet knows nothing; one that cannot be read raises :class:`StorageError`, since an
    incremental crawl that silently forgot what it stored would re-fetch the whole site."""
    if not Path(path or default_db_path()).exists():
        return StoredArticles(None, site), {}
    db = Database.open(path, readonly=True)
    try:
        if db.schema_version == 0:  # created, not yet migrated
            db.close()
            return StoredArticles(None, site), {}
        return StoredArticles(db, site), db.listing_states(site)
    except sqlite3.Error as exc:
        db.close()
        raise StorageError(f"cannot read what is stored for {site} in {db.path}: {exc}") from exc
