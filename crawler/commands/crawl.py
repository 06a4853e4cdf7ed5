"""``scrapy crawl SITE``: Scrapy's command, plus what a cron job needs from it.

- Spider arguments are checked before anything starts (``-a since=yesterday`` is one line and exit
  code 2, not a traceback in the middle of the crawl).
- The exit code is 1 when the site's run was recorded ``failed`` (unreachable, nothing readable,
  the database refused its writes), as for ``crawler crawl``.
- On SIGINT/SIGTERM the extraction helpers stop at once, as in ``crawler crawl``.
"""

from __future__ import annotations

import argparse
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from crawler.arguments import parse_arguments


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            return super().run(args, opts)
        try:
            parse_arguments(**opts.spargs)
        except ValueError as exc:
            raise UsageError(str(exc), print_help=False) from None
        assert self.crawler_process
        crawler = self.crawler_process.create_crawler(args[0])
        graceful = self.crawler_process._signal_shutdown

        def shutdown(signum: int, frame: Any) -> None:
            # stop the extraction helpers at once, as `crawler crawl` does (crawler/fetch/process.py)
            if (offload := getattr(crawler.spider, "offload", None)) is not None:
                offload.stop()
            graceful(signum, frame)

        self.crawler_process._signal_shutdown = shutdown  # type: ignore[method-assign]
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        failed = crawler.stats.get_value("pantau/status") == "failed"
        if self.crawler_process.bootstrap_failed or failed:
            self.exitcode = 1
        return None
