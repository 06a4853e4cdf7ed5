"""The process `crawler crawl` runs its spiders in: Scrapy's, plus a prompt stop.

Scrapy's graceful stop waits for every request already handed to the downloader, and a request
waiting for its site's Crawl-delay is one of them: with a robots.txt asking for a minute between
requests, a SIGTERM took minutes and sent more requests after it. On the first SIGINT/SIGTERM,
:func:`stop_promptly` stops the extraction helpers (their pages are not recorded and are fetched
again next time) and fails the requests still queued in the downloader's slots, unsent; the
transfers in flight end as usual, then Scrapy's own graceful stop. ``scrapy crawl`` does the same
(crawler/commands/crawl.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scrapy.crawler import Crawler, CrawlerProcess
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.fetch.failures import CrawlStopped
from crawler.fetch.offload import Offload

if TYPE_CHECKING:
    from types import FrameType

    from scrapy.settings import Settings

logger = logging.getLogger(__name__)


def drop_queued_requests(crawler: Crawler) -> int:
    """Fail (unsent) the requests waiting in ``crawler``'s downloader slots; how many there were."""
    downloader = getattr(crawler.engine, "downloader", None)
    dropped = 0
    for slot in list(getattr(downloader, "slots", {}).values()):
        while slot.queue:
            request, waiting = slot.queue.popleft()
            waiting.errback(Failure(CrawlStopped(f"the crawl was stopped before {request.url} was sent")))
            dropped += 1
    if dropped:
        logger.info("Stopping: %d queued request(s) not sent", dropped)
    return dropped


def stop_promptly(crawlers: list[Crawler], offload: Offload | None) -> None:
    """After Scrapy's stop has begun (its engines schedule nothing new): the helpers stopped, and
    the queued requests of every crawler failed, in the reactor's thread."""
    if offload is not None:
        offload.stop()
    from twisted.internet import reactor

    def drop_all() -> None:
        for crawler in crawlers:
            drop_queued_requests(crawler)

    # queued behind Scrapy's own stop (which it also schedules with callFromThread): by then the
    # engines have stopped taking requests from their schedulers
    reactor.callFromThread(drop_all)


EXPECTED = (OSError, ValueError, RuntimeError)  # what a site's start refuses with (StorageError: a RuntimeError)


def when_crawl_fails(outcome: Any, noted: Callable[[str], object]) -> None:
    """Calls ``noted(one line)`` when the crawl ``outcome`` (Scrapy's Deferred, or the asyncio
    task of ``AsyncCrawlerProcess``) fails, e.g. a spider that cannot start (a database or a Redis
    key it cannot read): the failure is said once, in one line, and the site's run is ``failed``,
    instead of tracebacks at the end of the process."""

    def one_line(exc: BaseException) -> str:
        if not isinstance(exc, EXPECTED):  # a bug: its traceback is worth having
            logger.error("the crawl failed", exc_info=(type(exc), exc, exc.__traceback__))
        return " ".join(str(exc).split()) or type(exc).__name__

    if isinstance(outcome, Deferred):

        def failed(failure: Failure) -> None:
            noted(one_line(failure.value))

        outcome.addErrback(failed)
    elif isinstance(outcome, asyncio.Future):

        def done(task: asyncio.Future[Any]) -> None:
            if not task.cancelled() and (exc := task.exception()) is not None:
                noted(one_line(exc))

        outcome.add_done_callback(done)


class PantauProcess(CrawlerProcess):
    """Scrapy's process, whose first SIGINT/SIGTERM stops promptly (see the module's docstring)."""

    def __init__(self, settings: Settings, offload: Offload) -> None:
        super().__init__(settings)
        self.offload = offload

    def _signal_shutdown(self, signum: int, frame: FrameType | None) -> None:
        super()._signal_shutdown(signum, frame)
        stop_promptly(list(self.crawlers), self.offload)
