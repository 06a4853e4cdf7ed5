"""Item pipelines, in order: validate -> store. Rejected pages end in ``rejects`` with a reason.

Items arrive extracted and enriched (the spider runs :func:`crawler.enrichment.enrich.page_record` on each
page); these stages decide whether an item is kept and write it to SQLite in batched transactions.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import Article, Reject, RunId, Seen
from crawler.store.batches import write_batch
from crawler.store.polling import PollResult, schedule_next
from crawler.store.storage import Database, StorageError, WriteFailed, default_db_path
from crawler.store.tally import RunTally

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.http import Request, Response

    from crawler.store.relay import RedisStore

logger = logging.getLogger(__name__)


class Dropped(DropItem):
    """An item a pipeline drops for a reason that is recorded (a ``rejects`` row, or a quiet
    ``bookkeeping`` drop): the reason and its detail travel as fields, never parsed from the message."""

    def __init__(self, reason: str, detail: str = "", log_level: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason, log_level=log_level)
        self.reason = reason
        self.detail = detail


def redirect_reject(request: Request, spider: Spider, site: str) -> Reject | None:
    """The scheduler dropped a redirect as a duplicate: a redirect loop, or a redirect to a page
    already fetched. Only redirects are recorded; ordinary duplicate links are expected."""
    redirects = request.meta.get("redirect_urls")
    if not redirects:
        return None
    urls = getattr(spider, "urls", None)  # a Pantau spider maps mirror URLs back to the live site
    public = urls.public_url if urls is not None else (lambda u: u)
    reason = "redirect-loop" if request.url in redirects else "redirect-to-known"
    return Reject(public(redirects[0]), site, reason, f"redirected to {public(request.url)}")


def open_store(
    redis_url: str | None, path: str, site: str, *, base_url: str | None
) -> tuple[Database | RedisStore, RunId]:
    """Where a crawl's records go (the database, or in distributed mode a Redis stream that a
    writer stores) and its run started there; closed again when the run cannot start."""
    if redis_url:
        from crawler.store.relay import RedisStore

        store: Database | RedisStore = RedisStore(redis_url)
    else:
        store = Database.open(path, writer_thread=True)
    try:
        return store, store.start_run(site, base_url)
    except BaseException:
        store.close()
        raise


class ValidatePipeline:
    """Drops articles published before the crawl's ``since`` (what is no article at all, with no
    title or too short a body, never becomes one: :func:`crawler.enrichment.enrich.page_record`)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        since = getattr(self.crawler.spider, "since", None)
        if since and item.published_date and item.published_date < since.isoformat():
            raise Dropped("before-since", f"published {item.published_date}")
        return item


class StorePipeline:
    """Writes articles and rejects to SQLite and keeps the ``crawl_runs`` row of this crawl.

    Items are buffered and written ``STORE_BATCH_SIZE`` at a time in one transaction; a crash
    loses at most the unwritten batch, which the next crawl fetches again. The writes run on one
    writer thread, in order (SQLite does its work without holding Python's lock, so the crawler
    keeps fetching meanwhile); the item that fills a batch completes once the batch is committed.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.path = crawler.settings.get("DB_PATH") or default_db_path()
        self.batch_size = crawler.settings.getint("STORE_BATCH_SIZE", 50)
        self.db: Database | RedisStore | None = None
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pantau-store")
        self.run_id: RunId | None = None  # a token in distributed mode
        self.pending: list[Article] = []
        self.pending_rejects: list[Reject] = []
        self.pending_seen: list[Seen] = []
        self.tally = RunTally()
        self.failure: str | None = None  # why writing stopped, once it has
        self._closing: asyncio.Future[None] | None = None  # the close that a failed write asked for
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    @property
    def site(self) -> str:
        return self.crawler.spider.name if self.crawler.spider else "unknown"

    def open_spider(self) -> None:
        spider = self.crawler.spider
        if getattr(spider, "profile", None) is None:
            # not one of Pantau's site spiders (`scrapy shell`, `scrapy fetch`): nothing is recorded
            return
        if unusable := getattr(spider, "unusable", None):  # e.g. what Redis holds for it cannot be read
            self._fail(unusable)
            return
        redis_url = self.crawler.settings.get("REDIS_URL")
        try:
            self.db, self.run_id = open_store(
                redis_url, self.path, self.site, base_url=getattr(spider, "base_url", None)
            )
        except (StorageError, WriteFailed, sqlite3.Error) as exc:
            # the site is not crawled (nothing could be kept): its run ends failed, in one line,
            # while the other sites of the process go on
            self._fail(str(exc))
            return
        self.crawler.stats.set_value("pantau/run_id", self.run_id)
        where = "Redis stream (a writer stores them)" if redis_url else self.path
        logger.info("Storing into %s (crawl run %s)", where, self.run_id)

    async def process_item(self, item: Any) -> Any:
        if self.failure:  # the database refused writes: nothing more is stored, the crawl is closing
            if not isinstance(item, Article):
                raise Dropped("bookkeeping", log_level="DEBUG")
            return item
        if isinstance(item, Seen):
            self.pending_seen.append(item)
            if len(self.pending_seen) >= self.batch_size * 10:
                self._write_in_background()
            raise Dropped("bookkeeping", log_level="DEBUG")  # stored; feed exports get articles only
        if isinstance(item, Reject):
            self._reject(item)
            raise Dropped("bookkeeping", log_level="DEBUG")
        if isinstance(item, Article):
            self.pending.append(item)
            self.tally.article(item)
            if len(self.pending) >= self.batch_size and (written := self._submit()):
                try:
                    self._count(await asyncio.wrap_future(written))
                except WriteFailed as exc:
                    self._count(exc.outcomes)
                    self._fail(str(exc))
        return item

    def item_dropped(self, item: Any, response: Response, exception: BaseException, spider: Spider) -> None:  # noqa: PLR0917 - Scrapy's item_dropped signal
        if isinstance(item, Seen | Reject) or self.db is None:
            return  # bookkeeping, already handled; or not a Pantau crawl
        if isinstance(exception, Dropped):
            reason, detail = exception.reason, exception.detail
        else:  # another pipeline's drop (a project's own): its message is the detail
            reason, detail = "dropped", str(exception)
        url = getattr(item, "url", "") or getattr(response, "url", "")
        self._reject(Reject(url=url, site=self.site, reason=reason, detail=detail))

    def request_dropped(self, request: Request, spider: Spider) -> None:
        if (reject := redirect_reject(request, spider, self.site)) is not None:
            self._reject(reject)

    def _reject(self, reject: Reject) -> None:
        self.tally.reject(reject)
        if reject.kind == "article":
            self.crawler.stats.inc_value(f"pantau/dropped/{reject.reason}")
        self.pending_rejects.append(reject)
        if len(self.pending_rejects) >= self.batch_size:
            self._write_in_background()

    def _submit(self, articles: bool = True) -> Future[list[str]] | None:
        """Hand what is pending to the writer thread (batches are written in order, one at a time)."""
        if self.db is None:
            return None
        batch: list[Article] = []
        if articles:
            batch, self.pending = self.pending, []
        rejects, self.pending_rejects = self.pending_rejects, []
        seen, self.pending_seen = self.pending_seen, []
        if not (batch or rejects or seen):
            return None
        return self.writer.submit(write_batch, self.db, self.run_id, batch, rejects, seen)

    def _write_in_background(self) -> None:
        """Rejects and re-seen articles: nobody waits for them; a failure stops the crawl."""
        if written := self._submit(articles=False):
            written.add_done_callback(self._background_done)

    def _background_done(self, written: Future[Any]) -> None:
        if isinstance(exc := written.exception(), WriteFailed):
            from twisted.internet import reactor

            reactor.callFromThread(self._fail, str(exc))

    def _fail(self, message: str) -> None:
        """Stop the crawl of this site: the database refuses writes.

        The close is scheduled, not awaited: closing waits for the requests in progress, among
        them the one whose item is being stored here, so awaiting it would wait for itself."""
        if self._mark_failed(message) and self.crawler.engine is not None:
            self._closing = asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="store-failed"))

    def _mark_failed(self, message: str) -> bool:
        """Record that writing stopped (once); nothing more is stored. False when already known."""
        if self.failure:
            return False
        self.failure = message
        self.pending.clear()
        logger.error("%s: %s; stopping the crawl of this site", self.site, message)
        self.crawler.stats.set_value("pantau/fatal", message)
        return True

    def _count(self, outcomes: list[str]) -> None:
        self.tally.stored(outcomes)
        for outcome in outcomes:
            if outcome != "store-error":
                self.crawler.stats.inc_value(f"pantau/{outcome}")

    def flush(self) -> None:
        """Write everything pending now, and wait for it."""
        if self.failure:
            return
        if written := self._submit():
            try:
                self._count(written.result())
            except WriteFailed as exc:
                self._count(exc.outcomes)
                self._mark_failed(str(exc))

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Record the run (the finish reason is only known here, after the pipelines closed)."""
        if self.db is None or self.run_id is None:
            return
        try:
            self.flush()
            stats = self.crawler.stats
            walked = stats.get_value("pantau/listings_walked") or {}
            if reason == "finished" and walked and not self.failure and not stats.get_value("pantau/skipped_max_items"):
                # only a crawl that fetched everything it found may call a listing walked
                self.writer.submit(self.db.save_listings, self.site, walked).result()
            record = self.tally.record(reason, stats.get_stats(), self.failure)
            record["mode"] = "quick" if getattr(spider, "quick", False) else "full"
            stats.set_value("pantau/status", record["status"])
            stats.set_value("pantau/record", record)
            poll = PollResult.of(spider, record["status"], self.crawler)  # what the schedule learns
            if isinstance(self.db, Database):  # the run row first: on a full disk it may still fit
                self.writer.submit(self.db.finish_run, self.run_id, **record).result()
                self.writer.submit(schedule_next, self.db, self.site, record["status"], poll, self.crawler).result()
            else:  # distributed: in the run's end record, for the writer to keep
                self.writer.submit(self.db.finish_run, self.run_id, poll, **record).result()
            if record["status"] == "failed":  # the FAILED line, also where failures are looked for
                self._record_site_failure(self.db, spider, record["error"] or "")
        except (sqlite3.Error, WriteFailed) as exc:
            logger.error("%s: could not record the crawl run: %s", self.site, exc)
            self.crawler.stats.set_value("pantau/fatal", self.failure or f"database write failed: {exc}")
            self.crawler.stats.set_value("pantau/status", "failed")
        finally:
            self.writer.submit(self.db.close).result()
            self.db = None
            self.writer.shutdown(wait=True)

    def _record_site_failure(self, db: Database | RedisStore, spider: Spider, error: str) -> None:
        """A ``site-failed`` rejects row; a database that refuses it too (disk full) loses only this row."""
        reject = Reject(spider.urls.origin if hasattr(spider, "urls") else "", self.site, "site-failed", error, "site")
        try:
            self.writer.submit(db.store_rejects, [reject], self.run_id).result()
        except (sqlite3.Error, WriteFailed) as exc:
            logger.warning("%s: the run is recorded failed, but not its rejects row: %s", self.site, exc)
