"""A progress line per site every ``PROGRESS_INTERVAL`` seconds during long crawls."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler import PROGRESS

logger = logging.getLogger("pantau.progress")


class Progress:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL", 30.0)
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        self.loop = task.LoopingCall(self.log, spider)
        self.loop.start(self.interval, now=False)

    def log(self, spider) -> None:
        logger.log(PROGRESS, "%s: %s", spider.name, self.line())

    def line(self) -> str:
        get = self.crawler.stats.get_value
        dropped = sum(
            v for k, v in self.crawler.stats.get_stats().items() if k.startswith("pantau/dropped/")
        )
        return (
            f"{get('downloader/request_count', 0)} requests, {get('pantau/new', 0)} new, "
            f"{get('pantau/updated', 0)} updated, {get('pantau/unchanged', 0)} unchanged, "
            f"{get('pantau/skipped_known', 0)} skipped as known, {dropped} dropped"
        )

    def spider_closed(self, spider, reason: str) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
