"""The one spider class every site uses; a site module only supplies its :class:`SiteProfile`.

Discovery (:mod:`crawler.fetch.discovery_spider`) finds article URLs; only URLs the profile calls
articles are fetched as articles; a URL already stored is skipped unless its ``lastmod`` moved on
or ``-a refresh=1`` (:mod:`crawler.fetch.frontier`). Each page is extracted and enriched in a
helper process and becomes an ``Article`` or a ``Reject``.

Spider arguments (``-a name=value``):
  base_url   crawl this origin instead of the live site (a mirror or test server)
  refresh    1 to re-fetch articles already stored
  since      YYYY-MM-DD, or 7d / 24h / 2w back from today: ignore sitemap/feed entries and articles older than this
  max_items  stop scheduling articles after this many
  depth      listing pages to follow per listing (default LISTING_MAX_PAGES)
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any, Self

import scrapy
from scrapy import signals
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.enrichment.enrich import page_record
from crawler.enrichment.topics import Topic, load_topics
from crawler.fetch.discovery_spider import DiscoverySpider
from crawler.fetch.failures import CrawlStopped, failure_reason
from crawler.fetch.frontier import NOTHING, SEEN
from crawler.fetch.offload import Kept, Offload, OffloadStopped, WorkerCrashed, WorkTimedOut
from crawler.items import UNUSABLE, Article, Reject, Seen
from crawler.store.known import KnownArticles, NothingKnown, stored_state
from crawler.store.polling import stored_validators
from crawler.store.storage import StorageError
from crawler.urls import canonical_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


class NewsSpider(DiscoverySpider):
    """One news site, driven by its ``profile``: discovery (:class:`DiscoverySpider`) finds
    article URLs, the :class:`~crawler.fetch.frontier.Frontier` decides which to fetch, and each fetched
    page becomes an ``Article`` or a ``Reject`` in a helper process."""

    def __init__(self, *args: Any, offload: Offload | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # helper processes for page work: shared when given (one pool for all sites of a
        # `crawler crawl`), else the spider's own, started from EXTRACT_WORKERS in from_crawler
        self.owns_offload = offload is None
        self.offload = offload or Offload(0)
        self.topics: tuple[Topic, ...] = ()  # the watchlist, from TOPICS_FILE
        self.min_words = 30  # a shorter body is no article (ARTICLE_MIN_WORDS)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.topics = load_topics(crawler.settings.get("TOPICS_FILE"))
        spider.min_words = crawler.settings.getint("ARTICLE_MIN_WORDS", 30)
        known: KnownArticles
        if redis_url := crawler.settings.get("REDIS_URL"):  # distributed: the writer publishes it in Redis
            from crawler.store.relay import load_state

            try:
                published = load_state(redis_url, spider.name)
                known, spider.listings.state, validators = published.known, published.listings, published.validators
            except StorageError as exc:  # the site's run ends failed, in one line; the other sites go on
                spider.unusable, known, validators = str(exc), NothingKnown(), {}
        else:
            known, spider.listings.state = stored_state(crawler.settings.get("DB_PATH"), spider.name)
            validators = {} if spider.refresh else stored_validators(crawler.settings.get("DB_PATH"), spider.name)
        if spider.refresh:  # every article is fetched again: nothing to ask
            known.close()
        else:
            spider.validators.known = validators  # what the last finished run learnt of the entry points
            spider.frontier.known = known
            crawler.signals.connect(known.close, signal=signals.spider_closed)
        if spider.owns_offload:
            spider.offload = offload_from_settings(crawler.settings)
        return spider

    def article_request(self, url: str, lastmod: str | None = None, via: str = "") -> scrapy.Request | Seen | None:
        """A request for an article page; a :class:`Seen` record when it is stored and unchanged
        (or already fetched in this crawl); None when it is older than ``since`` or beyond
        ``max_items``. A stored article is fetched again when its lastmod is newer than the one
        recorded (or, when none was, than the time it was fetched)."""
        fetch = self.urls.crawl_url(url)
        public = self.urls.public_url(fetch)
        if not self.urls.on_site(fetch):
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
            fetch,
            self.parse_article,
            errback=self.article_failed,
            meta={"lastmod": lastmod, "via": via, "article": True},  # an article page: kept by the page archive
            priority=1,
        )

    # ------------------------------------------------------------------------- articles

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        public = self.urls.public_url(response.url)
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        if response.body.strip() and not isinstance(response, TextResponse):  # Scrapy's reading of its type
            yield Reject(public, self.name, "not-html", f"content type {content_type or 'unknown'}")
            return
        page = await self._record_in_helper(response.body, content_type or None, public)
        if page is None:
            return  # the crawl is stopping: not recorded, the next crawl fetches the page again
        if isinstance(page, Reject):
            if page.reason in ("extraction-error", "extraction-crash", "extraction-timeout"):
                logger.error("Extraction failed on %s: %s", response.url, page.detail)
            elif page.reason in UNUSABLE:  # extracted, but no article to store: one line each, as any drop
                logger.warning("Dropped %s: %s: %s", page.url, page.reason, page.detail)
            yield page
            return
        page.source_url = public
        page.sitemap_lastmod = self.frontier.lastmods.get(self.profile.url_key(public), response.meta.get("lastmod"))
        yield page

    @cached_property
    def kept(self) -> tuple[Kept, Kept]:
        """The profile and the watchlist as each helper keeps them: sent to it once, not pickled
        again with every page (read at the first page, once the crawler has set the topics)."""
        return Kept(self.profile), Kept(self.topics)

    async def _record_in_helper(self, body: bytes, content_type: str | None, url: str) -> Article | Reject | None:
        """:func:`page_record` in a helper process: a helper that crashed or overran
        ``EXTRACT_TIMEOUT`` is a :class:`Reject` of the page; None when the crawl is stopping (the
        page is not recorded, and the next crawl fetches it again)."""
        try:
            return await self.offload.run(
                page_record,
                body,
                content_type,
                url,
                profile=self.kept[0],
                topics=self.kept[1],
                min_words=self.min_words,
            )
        except WorkerCrashed as exc:
            return Reject(url, self.name, "extraction-crash", str(exc))
        except WorkTimedOut as exc:
            return Reject(url, self.name, "extraction-timeout", f"{exc} (EXTRACT_TIMEOUT); the helper was replaced")
        except OffloadStopped:
            return None

    def closed(self, reason: str) -> None:
        if not self.owns_offload:
            return
        if self.offload.workers:
            self.crawler.stats.set_value("pantau/helper_peak_rss_mb", round(self.offload.peak_rss_mb(), 1))
        self.offload.close()

    def article_failed(self, failure: Failure) -> Iterator[Reject]:
        if failure.check(CrawlStopped):
            return
        request = failure.request  # type: ignore[attr-defined]
        first_url = request.meta.get("redirect_urls", [request.url])[0]  # the URL we asked for
        yield Reject(self.urls.public_url(first_url), self.name, *failure_reason(failure))


def offload_from_settings(settings: BaseSettings) -> Offload:
    """The helper processes a crawl's settings ask for (``EXTRACT_WORKERS``, ``EXTRACT_TIMEOUT``)."""
    timeout = settings.getfloat("EXTRACT_TIMEOUT", 20.0)
    return Offload(settings.getint("EXTRACT_WORKERS", 1), timeout if timeout > 0 else None)
