"""The entry points of a site's crawl: the spider's arguments, a request for each robots.txt,
sitemap, feed or listing page, and the record of what each gave or why it failed (``rejects`` rows,
the run's counts, the table ``crawler check`` prints). What the documents say is read by
:class:`~crawler.fetch.discovery_spider.DiscoverySpider`."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.arguments import KNOWN, origin, parse_arguments
from crawler.fetch.conditional import ValidatorBook
from crawler.fetch.discovery import EntryPoints, SitemapLimits, SiteURLs, local_day
from crawler.fetch.failures import CrawlStopped, failure_reason, one_line_robots_errors
from crawler.fetch.frontier import Frontier, ListingWalks
from crawler.items import Reject, Seen
from crawler.sites.profile import SiteProfile
from crawler.urls import canonical_url, host_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
Discovered = Literal["robots", "sitemap", "feed", "listing"]  # what a discovery request fetches


class EntrySpider(scrapy.Spider):
    """A site's spider as its entry points see it: the arguments (:mod:`crawler.arguments`), the
    requests for robots.txt, sitemaps, feeds and listings, and what became of each (read, unchanged
    since the last run, failed). :class:`~crawler.fetch.discovery_spider.DiscoverySpider` reads them."""

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
        self.quick = arguments.quick  # a due poll: the fresh entry points only, conditionally
        self.validators = ValidatorBook(conditional=self.quick)  # the known ones are set by the subclass
        self.since: date | None = arguments.since
        self.depth = arguments.depth
        # what to fetch, skip or record as seen (the stored articles are set by the subclass)
        self.frontier = Frontier(
            since=self.since, max_items=arguments.max_items, local_day=lambda lastmod: local_day(lastmod, p.timezone)
        )
        self.refused: dict[str, set[str]] = {}  # reason -> on-site URLs the profile does not fetch
        self.listings = ListingWalks()  # the stored state is set by the subclass
        self.sitemaps = SitemapLimits()  # set from the settings in from_crawler
        self.entry_points = EntryPoints()  # what each gave (for crawler check)
        self.unusable: str | None = None  # why the site cannot be crawled now (its run ends failed)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.profile.check()
        one_line_robots_errors()
        spider.depth = spider.depth or crawler.settings.getint("LISTING_MAX_PAGES", 5)
        spider.sitemaps = SitemapLimits.from_settings(crawler.settings)
        if spider.quick:  # of an index, only its newest sitemap; of a listing, its first page
            spider.sitemaps = replace(spider.sitemaps, max_children=1)
            spider.depth = 1
        return spider

    def article_request(self, url: str, lastmod: str | None = None, via: str = "") -> scrapy.Request | Seen | None:
        """What to do with an article URL found by ``via`` (sitemap, feed, listing)."""
        raise NotImplementedError

    def discovery_request(self, url: str, kind: Discovered, **meta: Any) -> scrapy.Request:
        """A request for a robots.txt, sitemap, feed or listing page (not an article), of ``kind``,
        read by the spider's ``parse_<kind>`` (``parse_sitemap`` for a sitemap): the kind names the
        callback, so the two never disagree."""
        callback = getattr(self, f"parse_{kind}")
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

    def note_entry(self, url: str, kind: str, status: str, *, articles: int = 0, newest: str | None = None) -> None:
        public = canonical_url(self.urls.public_url(url))
        self.entry_points.note(public, kind, status, articles=articles, newest=newest, fetched=url)

    def refuse(self, url: str, reason: str) -> None:
        """An on-site URL the profile does not fetch as an article, counted per reason."""
        urls = self.refused.setdefault(reason, set())
        urls.add(url)
        self.crawler.stats.set_value(f"pantau/refused/{reason}", len(urls))

    def unchanged(self, response: Response) -> bool:
        """True (and counted) when the entry point is as the last finished run read it: answered
        304, or the same body again. Nothing in it is new, so it is not parsed."""
        how = response.meta.get("unchanged")
        if not how:
            return False
        self.crawler.stats.inc_value("pantau/entry_ok")
        kind = response.meta.get("entry", "listing")
        self.note_entry(response.meta.get("listing", response.url), kind, how)
        return True

    def entry_failed(self, failure: Failure) -> Iterator[Reject | scrapy.Request]:
        """A sitemap, feed or listing that could not be fetched: a ``rejects`` row of its kind,
        counted in the run summary (a missing robots.txt is normal and only logged)."""
        if failure.check(CrawlStopped):
            return
        request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get("entry", "listing")
        reason, detail = failure_reason(failure)
        missing = reason in ("http-404", "http-410")
        if missing and request.meta.get("alternative"):  # one of the profile's alternative sitemaps: absent
            logger.info("Sitemap %s absent (%s): one of the profile's alternatives", request.url, reason)
            self.note_entry(request.url, kind, f"absent ({reason})")
            yield from self.fallback(request.meta)
            return
        unreachable = reason in ("dns", "connection-refused")  # the name does not resolve, or nothing listens
        _count_failure(
            self.crawler.stats,
            request.url,
            kind,
            reason=reason,
            detail=detail,
            missing=missing,
            unreachable=unreachable,
        )
        self.note_entry(request.url, kind, reason)
        if not (kind == "robots" and missing):
            yield Reject(self.urls.public_url(request.url), self.name, reason, detail, kind)
        if unreachable and not self.crawler.stats.get_value("response_received_count"):
            raise CloseSpider("unreachable")  # (after the retries) nothing else of the site will work
        yield from self.fallback(request.meta)

    def fallback(self, meta: dict[str, Any]) -> Iterator[scrapy.Request]:
        """In a quick poll, the next entry point after one that failed or could not be read."""
        if (rest := meta.get("fallbacks")) and (out := self.signal_request(rest)):
            yield out

    def signal_request(self, chain: list[tuple[str, str]]) -> scrapy.Request | None:
        """The request for the first of a quick poll's entry points ``(kind, path)``, the rest
        kept as its fallbacks (the subclass knows how each kind is read)."""
        raise NotImplementedError


def _count_failure(
    stats: Any, url: str, kind: str, *, reason: str, detail: str, missing: bool, unreachable: bool
) -> None:
    """Count a failed entry point, keep the site's first error, and log it: a warning, but for a
    missing one or an unreachable site said once already."""
    stats.inc_value("pantau/entry_failed")
    if not stats.get_value("pantau/site_error"):
        stats.set_value("pantau/site_error", f"{url}: {reason} {detail}".strip())
    repeated = unreachable and stats.get_value("pantau/entry_failed", 0) > 1
    logger.log(
        logging.INFO if missing or repeated else logging.WARNING,
        "%s %s unavailable: %s %s",
        kind.capitalize(),
        url,
        reason,
        detail,
    )
