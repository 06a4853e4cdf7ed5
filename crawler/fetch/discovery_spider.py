"""Discovery: the requests that find a site's article URLs, and the callbacks that read them.

Entry points come from the profile: robots.txt ``Sitemap:`` lines, sitemap indexes and urlsets
(with ``lastmod``), RSS/Atom feeds (also those advertised on the home page), the home page and
category listings (paginated, resumed where an earlier crawl stopped), and the site's search for
the watched terms. What a document says is read by :mod:`crawler.fetch.discovery`; every article URL
found goes to :meth:`DiscoverySpider.article_request`, which the subclass implements
(:class:`crawler.fetch.spider.NewsSpider`: the frontier decides, the page is fetched and extracted).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any, ClassVar
from urllib.parse import quote_plus

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response, TextResponse
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.python.failure import Failure

from crawler.arguments import KNOWN, origin, parse_arguments
from crawler.fetch.discovery import (
    EntryPoints,
    SitemapLimits,
    SiteURLs,
    Unreadable,
    advertised_feeds,
    listing_links,
    local_day,
    next_page,
    normalize_lastmod,
    read_feed,
    read_sitemap,
)
from crawler.fetch.failures import failure_reason, one_line_robots_errors
from crawler.fetch.frontier import Frontier, ListingWalks
from crawler.items import Reject, Seen
from crawler.profile import SiteProfile
from crawler.urls import canonical_url, host_of

logger = logging.getLogger(__name__)


class DiscoverySpider(scrapy.Spider):
    """Finds the article URLs of the site its ``profile`` describes (spider arguments: see
    :mod:`crawler.arguments`); a subclass turns each into a request (:meth:`article_request`)."""

    profile: ClassVar[SiteProfile]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        given = {k: kwargs.pop(k) for k in KNOWN if k in kwargs}
        super().__init__(*args, **kwargs)
        arguments = parse_arguments(**given)
        p = self.profile
        self.base_url = arguments.base_url
        self.urls = SiteURLs(tuple(p.domains), origin(p.home) or p.home, self.base_url)
        self.allowed_domains = list(p.domains) + ([host_of(self.base_url)] if self.base_url else [])
        self.refresh = arguments.refresh
        self.since: date | None = arguments.since
        self.depth = arguments.depth
        # what to fetch, skip or record as seen (the stored articles are set by the subclass)
        self.frontier = Frontier(since=self.since, max_items=arguments.max_items,
                                 local_day=lambda lastmod: local_day(lastmod, p.timezone))  # fmt: skip
        self.refused: dict[str, set[str]] = {}  # reason -> on-site URLs the profile does not fetch
        self.listings = ListingWalks()  # the stored state is set by the subclass
        self.sitemaps = SitemapLimits()  # set from the settings in from_crawler
        self.entry_points = EntryPoints()  # what each gave (for crawler check)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> DiscoverySpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.profile.check()
        one_line_robots_errors()
        spider.depth = spider.depth or crawler.settings.getint("LISTING_MAX_PAGES", 5)
        spider.sitemaps = SitemapLimits.from_settings(crawler.settings)
        return spider

    def article_request(self, url: str, lastmod: str | None = None, via: str = "") -> scrapy.Request | Seen | None:
        """What to do with an article URL found by ``via`` (sitemap, feed, listing)."""
        raise NotImplementedError

    def discovery_request(self, url: str, callback: Any, **meta: Any) -> scrapy.Request:
        """A request for a robots.txt, sitemap, feed or listing page (not an article)."""
        kind = {"parse_robots": "robots", "parse_sitemap": "sitemap", "parse_feed": "feed"}.get(
            callback.__name__, "listing"
        )
        if kind == "sitemap":  # a legal sitemap is up to 50 MB: its own limit, not the page limit
            meta.setdefault("download_maxsize", self.sitemaps.maxsize)
            meta.setdefault("download_warnsize", self.sitemaps.maxsize)
        return scrapy.Request(
            self.urls.crawl_url(url), callback, errback=self.entry_failed, meta={"entry": kind, **meta}, priority=10
        )

    def entry_reject(self, response: Response, reason: str, detail: str) -> Reject:
        """A sitemap, feed or listing that was fetched but could not be used."""
        kind = response.meta.get("entry", "listing")
        return Reject(self.urls.public_url(response.url), self.name, reason, detail, kind)

    def note_entry(self, url: str, kind: str, status: str, articles: int = 0, newest: str | None = None) -> None:
        self.entry_points.note(canonical_url(self.urls.public_url(url)), kind, status, articles, newest)

    def refuse(self, url: str, reason: str) -> None:
        """An on-site URL the profile does not fetch as an article, counted per reason."""
        urls = self.refused.setdefault(reason, set())
        urls.add(url)
        self.crawler.stats.set_value(f"pantau/refused/{reason}", len(urls))

    # ------------------------------------------------------------------------- discovery

    async def start(self) -> AsyncIterator[Any]:
        p = self.profile
        yield self.discovery_request(self.urls.entry("/robots.txt"), self.parse_robots)
        for path in p.sitemaps:
            if out := self.sitemap_request(self.urls.entry(path), 0):
                yield out
        for path in p.feeds:
            yield self.discovery_request(self.urls.entry(path), self.parse_feed)
        listings = [(self.urls.entry(path), i == 0) for i, path in enumerate(p.listings)]
        searches = (t.format(query=quote_plus(term)) for t in p.search for term in p.search_terms)
        listings += [(self.urls.entry(path), False) for path in searches]
        for url, home in listings:
            key = canonical_url(self.urls.public_url(self.urls.crawl_url(url)))
            yield self.discovery_request(url, self.parse_listing, page=1, home=home, listing=key)
            if resume := self.listings.resume_point(key):  # an earlier crawl stopped before the end
                yield self.discovery_request(resume, self.parse_listing, page=1, listing=key, resumed=True)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        self.note_entry(response.url, "robots", str(response.status))
        if not isinstance(response, TextResponse):
            return
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            if self.urls.on_site(url) and (out := self.sitemap_request(url, 0)):
                yield out

    def sitemap_request(self, url: str, depth: int, parent: Response | None = None) -> scrapy.Request | Reject | None:
        """A request for a sitemap, within the bounds: indexes nested at most ``SITEMAP_MAX_DEPTH``
        deep, ``SITEMAP_MAX_DOCUMENTS`` sitemaps per crawl. What goes beyond is one ``rejects``
        row (per index too deep; once for the total), so that a hostile or broken site costs a
        bounded number of requests."""
        refused = self.sitemaps.admit(depth)
        if refused is None:
            return self.discovery_request(url, self.parse_sitemap, sitemap_depth=depth)
        reason, detail = refused
        if not reason:
            return None  # over the total, already recorded
        where = parent.url if parent is not None and reason == "too-deep" else url
        return Reject(self.urls.public_url(where), self.name, reason, detail, "sitemap")

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        try:
            kind, entries = read_sitemap(response.body, self.sitemaps.maxsize)
        except Unreadable as exc:
            yield self.entry_reject(response, exc.reason, str(exc))
            return
        self.crawler.stats.inc_value("pantau/entry_ok")
        if kind == "sitemapindex":
            yield from self.follow_sitemap_index(response, entries)
            return
        lastmods = [normalize_lastmod(e.get("lastmod")) for e in entries]
        newest = max(filter(None, lastmods), default=None)
        self.note_entry(response.url, "sitemap", str(response.status), len(entries), newest)
        for entry, lastmod in zip(entries, lastmods, strict=True):
            if out := self.article_request(entry["loc"], lastmod, "sitemap"):
                yield out

    def follow_sitemap_index(self, response: Response, entries: list[dict[str, Any]]) -> Iterator[Any]:
        """The newest ``SITEMAP_MAX_CHILDREN`` sitemaps of an index not older than ``since``."""
        self.note_entry(response.url, "sitemap", str(response.status))
        depth = response.meta.get("sitemap_depth", 0)
        entries.sort(key=lambda e: e.get("lastmod") or "", reverse=True)
        for entry in entries[: self.sitemaps.max_children]:
            if self.frontier.is_before_since(normalize_lastmod(entry.get("lastmod"))):
                continue
            if self.urls.on_site(entry["loc"]) and (out := self.sitemap_request(entry["loc"], depth + 1, response)):
                yield out
                if isinstance(out, Reject):
                    break

    def parse_feed(self, response: Response) -> Iterator[Any]:
        try:
            found = read_feed(response.body, self.sitemaps.maxsize)
        except Unreadable as exc:
            yield self.entry_reject(response, exc.reason, str(exc))
            return
        self.crawler.stats.inc_value("pantau/entry_ok")
        newest = max(filter(None, (lastmod for _, lastmod in found)), default=None)
        self.note_entry(response.url, "feed", str(response.status), len(found), newest)
        for link, lastmod in found:
            if link and (out := self.article_request(response.urljoin(link), lastmod, "feed")):
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
        links = listing_links(response, self.urls, self.profile, home=bool(response.meta.get("home")))
        fresh = not all(self.frontier.is_stored(self.profile.url_key(public)) for _, public in links.articles)
        for url, _ in links.articles:
            if out := self.article_request(url, None, "listing"):
                yield out
        for url, public in links.listings:
            yield self.discovery_request(url, self.parse_listing, page=1, listing=canonical_url(public))
        for public, refusal in links.refused:
            self.refuse(public, refusal)
        if response.meta.get("home"):
            for url in advertised_feeds(response):
                if self.urls.on_site(url):
                    yield self.discovery_request(url, self.parse_feed)
        self.note_entry(key, "listing", str(response.status), len(links.articles))
        next_url = next_page(response, self.profile.next_page)
        resumed = response.meta.get("resumed", False)
        if next_url is None or page >= (self.depth or 1):
            if self.listings.ended(key, next_url and self.urls.public_url(next_url), resumed):
                self.crawler.stats.set_value("pantau/listings_walked", dict(self.listings.walked))
        elif self.listings.goes_on(key, fresh, self.refresh):
            yield self.discovery_request(next_url, self.parse_listing, page=page + 1, listing=key, resumed=resumed)

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
            yield Reject(self.urls.public_url(request.url), self.name, reason, detail, kind)
        if reason == "dns" and not self.crawler.stats.get_value("response_received_count"):
            raise CloseSpider("unreachable")  # the site's name does not resolve: nothing else will work
