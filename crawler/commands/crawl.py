"""``scrapy crawl SITE``: Scrapy's command, plus what a cron job needs from it.

- The spider name, its arguments and its database are checked before anything starts (a typo in
  the name, a bad site file, ``-a since=yesterday`` or a ``DB_PATH`` that is not a usable database
  is one line and exit code 2, not a traceback or Scrapy's usage text).
- The exit code is 1 when the site's run was recorded ``failed`` (unreachable, nothing readable,
  the database refused its writes), as for ``crawler crawl``.
- On SIGINT/SIGTERM the crawl stops promptly, as ``crawler crawl`` does: the extraction helpers
  at once, and no request waiting for the site's Crawl-delay is sent (crawler/fetch/process.py).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.utils.misc import load_object

from crawler.arguments import parse_arguments
from crawler.fetch.process import stop_promptly, when_crawl_fails
from crawler.fetch.runner import preflight
from crawler.sites.profile import ProfileError
from crawler.store.storage import StorageError, default_db_path


class Command(ScrapyCrawl):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Checked here, before Scrapy starts its crawler process (and logs its banner)."""
        super().process_options(args, opts)
        if len(args) != 1:
            return
        try:
            self._check(args[0], opts.spargs)
        except (ValueError, StorageError) as exc:  # one line, not Scrapy's usage text
            print(f"scrapy crawl: error: {exc}", file=sys.stderr)
            sys.exit(2)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            return super().run(args, opts)
        assert self.crawler_process
        crawler = self.crawler_process.create_crawler(args[0])
        graceful = self.crawler_process._signal_shutdown

        def shutdown(signum: int, frame: Any) -> None:
            graceful(signum, frame)
            stop_promptly([crawler], getattr(crawler.spider, "offload", None))

        self.crawler_process._signal_shutdown = shutdown  # type: ignore[method-assign,assignment]
        not_started: list[str] = []
        when_crawl_fails(self.crawler_process.crawl(crawler, **opts.spargs), not_started.append)
        self.crawler_process.start()
        if not_started:  # its spider could not start (a Redis key it cannot read...): said once
            print(f"FAILED {args[0]}: {not_started[0]}", file=sys.stderr)
            self.exitcode = 1
            return None
        failed = crawler.stats.get_value("pantau/status") == "failed"
        if self.crawler_process.bootstrap_failed or failed:
            self.exitcode = 1
        return None

    def _check(self, name: str, spider_args: dict[str, str]) -> None:
        """The spider exists and its site file is usable; its arguments are valid."""
        assert self.settings is not None
        loader = load_object(self.settings["SPIDER_LOADER_CLASS"]).from_settings(self.settings.frozencopy())
        if broken := getattr(loader, "broken", {}).get(name):
            raise ProfileError(broken)
        if name not in loader.list():
            raise ValueError(f"no spider named {name!r}; spiders: {', '.join(sorted(loader.list()))}")
        parse_arguments(**spider_args)
        if not self.settings.get("REDIS_URL"):  # distributed mode never opens the database
            preflight(self.settings.get("DB_PATH") or default_db_path(), [name])
