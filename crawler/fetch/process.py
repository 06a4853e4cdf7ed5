"""The process `crawler crawl` runs its spiders in: Scrapy's, plus a prompt stop of page work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.crawler import CrawlerProcess

from crawler.fetch.offload import Offload

if TYPE_CHECKING:
    from types import FrameType

    from scrapy.settings import Settings


class PantauProcess(CrawlerProcess):
    """On the first SIGINT/SIGTERM the extraction helpers are stopped at once (their pages are not
    recorded and are fetched again next time), so that a slow page cannot hold the crawl's end
    past the downloads in flight; then Scrapy's own graceful stop."""

    def __init__(self, settings: Settings, offload: Offload) -> None:
        super().__init__(settings)
        self.offload = offload

    def _signal_shutdown(self, signum: int, frame: FrameType | None) -> None:
        self.offload.stop()
        super()._signal_shutdown(signum, frame)
