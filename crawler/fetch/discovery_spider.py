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
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote_plus

import scrapy
from scrapy import signals
from scrapy.http import Response, TextResponse
from scrapy.utils.response import get_base_url
from scrapy.utils.sitemap import sitemap_urls_from_robots

from crawler.fetch.discovery import (
    Unreadable,
    advertised_feeds,
    listing_links,
    next_page,
    normalize_lastmod,
    read_feed,
    read_sitemap,
)
from crawler.fetch.entry_spider import EntrySpider
from crawler.items import Reject
from crawler.urls import canonical_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class DiscoverySpider(EntrySpider):
    """Finds the article URLs of the site its ``profile`` describes; a subclass turns each into a
    request (:meth:`article_request`)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.robots_from_scrapy:  # robots.txt is read once, by Scrapy's middleware
            crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        return spider

    @property
    def robots_from_scrapy(self) -> bool:
        """Whether the spider reads the ``Sitemap:`` lines from the robots.txt Scrapy's middleware
        parsed (its ``robots_parsed`` signal; Scrapy 2.15 has none: there the spider fetches
        robots.txt once more itself)."""
        return self.crawler.settings.getbool("ROBOTSTXT_OBEY") and hasattr(signals, "robots_parsed")

    # ------------------------------------------------------------------------- discovery

    async def start(self) -> AsyncIterator[Any]:
        if self.unusable:  # nothing is asked of the site; the store pipeline ends the run failed
            return
        p = self.profile
        if self.quick:
            if out := self.signal_request(self.quick_signals()):
                yield out
            return
        if not self.robots_from_scrapy:
            yield self.discovery_request(self.urls.entry("/robots.txt"), "robots")
        for path in p.sitemaps:  # several: alternatives (a plugin's index, WordPress core's); one may be absent
            if sitemap := self.sitemap_request(self.urls.entry(path), 0, alternative=len(p.sitemaps) > 1):
                yield sitemap
        for path in p.feeds:
            yield self.discovery_request(self.urls.entry(path), "feed")
        listings = [(self.urls.entry(path), i == 0) for i, path in enumerate(p.listings)]
        searches = (t.format(query=quote_plus(term)) for t in p.searches for term in p.search_terms)
        listings += [(self.urls.entry(path), False) for path in searches]
        for url, home in listings:
            key = canonical_url(self.urls.public_url(self.urls.crawl_url(url)))
            yield self.discovery_request(url, "listing", page=1, home=home, listing=key)
            if resume := self.listings.resume_point(key):  # an earlier crawl stopped before the end
                yield self.discovery_request(resume, "listing", page=1, listing=key, resumed=True)

    def quick_signals(self) -> list[tuple[str, str]]:
        """A quick poll's entry points, cheapest fresh signal first: the feeds, the sitemaps (of an
        index, its newest sitemap), the first page of the home listing. Only the first that answers
        is read (a 304 too: nothing new); the next is asked only when one fails."""
        p = self.profile
        return (
            [("feed", path) for path in p.feeds]
            + [("sitemap", path) for path in p.sitemaps]
            + [("listing", path) for path in p.listings[:1]]
        )

    def signal_request(self, chain: list[tuple[str, str]]) -> scrapy.Request | None:
        if not chain:
            return None
        (kind, path), rest = chain[0], chain[1:]
        url = self.urls.entry(path)
        if kind == "feed":
            return self.discovery_request(url, "feed", fallbacks=rest)
        if kind == "sitemap":
            return self.discovery_request(url, "sitemap", sitemap_depth=0, fallbacks=rest)
        key = canonical_url(self.urls.public_url(self.urls.crawl_url(url)))
        return self.discovery_request(url, "listing", page=1, home=True, listing=key, fallbacks=rest)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request | Reject]:
        """robots.txt fetched by the spider (when it is not read from Scrapy's middleware)."""
        self.note_entry(response.url, "robots", str(response.status))
        if not isinstance(response, TextResponse):
            return
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            if self.urls.on_site(url) and (out := self.sitemap_request(url, 0)):
                yield out

    def robots_parsed(self, robotparser: Any, request: scrapy.Request) -> None:
        """The ``Sitemap:`` lines of the robots.txt Scrapy's middleware read (one fetch per run, or
        none while the kept copy is fresh: :mod:`crawler.fetch.conditional`)."""
        if self.quick or not self.urls.on_site(request.url) or self.crawler.engine is None:
            return  # (a quick poll reads its own few entry points)
        for url in robots_sitemaps(robotparser):
            url = self.urls.crawl_url(url) if self.urls.on_site(url) else ""
            if url and isinstance(out := self.sitemap_request(url, 0), scrapy.Request):
                self.crawler.engine.crawl(out)

    def sitemap_request(
        self, url: str, depth: int, parent: Response | None = None, *, alternative: bool = False
    ) -> scrapy.Request | Reject | None:
        """A request for a sitemap, within the bounds: indexes nested at most ``SITEMAP_MAX_DEPTH``
        deep, ``SITEMAP_MAX_DOCUMENTS`` sitemaps per crawl. What goes beyond is one ``rejects``
        row (per index too deep; once for the total), so that a hostile or broken site costs a
        bounded number of requests."""
        refused = self.sitemaps.admit(depth)
        if refused is None:
            return self.discovery_request(url, "sitemap", sitemap_depth=depth, alternative=alternative)
        reason, detail = refused
        if not reason:
            return None  # over the total, already recorded
        where = parent.url if parent is not None and reason == "too-deep" else url
        return Reject(self.urls.public_url(where), self.name, reason, detail, "sitemap")

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        if self.unchanged(response):
            return
        try:
            kind, entries = read_sitemap(response.body, self.sitemaps.maxsize)
        except Unreadable as exc:
            yield self.entry_reject(response, exc.reason, str(exc))
            yield from self.fallback(response.meta)
            return
        self.crawler.stats.inc_value("pantau/entry_ok")
        if kind == "sitemapindex":
            yield from self.follow_sitemap_index(response, entries)
            return
        lastmods = [normalize_lastmod(e.get("lastmod")) for e in entries]
        newest = max(filter(None, lastmods), default=None)
        self.note_entry(response.url, "sitemap", str(response.status), articles=len(entries), newest=newest)
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
        if self.unchanged(response):
            return
        try:
            found = read_feed(response.body, self.sitemaps.maxsize)
        except Unreadable as exc:
            yield self.entry_reject(response, exc.reason, str(exc))
            yield from self.fallback(response.meta)
            return
        self.crawler.stats.inc_value("pantau/entry_ok")
        newest = max(filter(None, (lastmod for _, lastmod in found)), default=None)
        self.note_entry(response.url, "feed", str(response.status), articles=len(found), newest=newest)
        for link, lastmod in found:
            if link and (out := self.article_request(response.urljoin(link), lastmod, "feed")):
                yield out

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """Articles linked from a listing page, then its next page. Once a listing has been walked
        to its end, a later crawl stops at the first page with nothing new; until then (a first
        crawl cut short) every page up to the depth limit is walked, and the next crawl goes on
        from where this one stopped."""
        if self.unchanged(response):
            return
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
        for public, refusal in links.refused:
            self.refuse(public, refusal)
        self.note_entry(key, "listing", str(response.status), articles=len(links.articles))
        if self.quick:  # a due poll reads the first page of the home listing, and nothing it links to
            return
        for url, public in links.listings:
            yield self.discovery_request(url, "listing", page=1, listing=canonical_url(public))
        if response.meta.get("home"):
            for url in advertised_feeds(response.selector, get_base_url(response)):
                if self.urls.on_site(url):
                    yield self.discovery_request(url, "feed")
        yield from self.listing_goes_on(response, key, page, fresh=fresh)

    def listing_goes_on(self, response: Response, key: str, page: int, *, fresh: bool) -> Iterator[scrapy.Request]:
        """The next page of a listing, while there is one and it may still hold news; else the
        listing's end (or where a backfill stopped) is recorded."""
        next_url = (
            next_page(response.selector, get_base_url(response), self.profile.next_page)
            if isinstance(response, TextResponse)
            else None
        )
        resumed = response.meta.get("resumed", False)
        if next_url is None or page >= (self.depth or 1):
            if self.listings.ended(key, next_url and self.urls.public_url(next_url), resumed):
                self.crawler.stats.set_value("pantau/listings_walked", dict(self.listings.walked))
        elif self.listings.goes_on(key, fresh, self.refresh):
            yield self.discovery_request(next_url, "listing", page=page + 1, listing=key, resumed=resumed)


def robots_sitemaps(robotparser: Any) -> list[str]:
    """The ``Sitemap:`` URLs of a parsed robots.txt (Protego's, Scrapy's default parser; another
    parser gives none, and the profile's sitemaps are still read)."""
    rules = getattr(robotparser, "rp", None)
    try:
        return [str(url) for url in getattr(rules, "sitemaps", ())]
    except Exception:  # noqa: BLE001 - a parser's internals: never fail the crawl over them
        return []
