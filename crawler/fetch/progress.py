"""A progress line per site every ``PROGRESS_INTERVAL`` seconds during long crawls: Scrapy's own
:class:`~scrapy.extensions.logstats.LogStats` (which it replaces in the settings), saying what a
monitoring crawl does (new, updated, unchanged, skipped as known, dropped) at a level of its own
that ``crawler crawl`` shows by default."""

from __future__ import annotations

import logging

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.extensions.logstats import LogStats

from crawler import PROGRESS

logger = logging.getLogger("pantau.progress")


class Progress(LogStats):
    def __init__(self, crawler: Crawler, interval: float) -> None:
        super().__init__(crawler.stats, interval)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL", 30.0)
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def log(self, spider: Spider) -> None:
        self.calculate_stats()  # LogStats: pages, and pages per minute since the last line
        logger.log(PROGRESS, "%s: %s, %d pages/min", spider.name, self.line(), self.prate)

    def line(self) -> str:
        get = self.crawler.stats.get_value
        dropped = sum(v for k, v in self.crawler.stats.get_stats().items() if k.startswith("pantau/dropped/"))
        return (
            f"{get('downloader/request_count', 0)} requests, {get('pantau/new', 0)} new, "
            f"{get('pantau/updated', 0)} updated, {get('pantau/unchanged', 0)} unchanged, "
            f"{get('pantau/skipped_known', 0)} skipped as known, {dropped} dropped"
        )
