"""Running a crawl of several sites in one process, outside the command line: checks before it starts,
the crawl, each site's summary and its health warnings."""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler import PROGRESS
from crawler.store.storage import Database, StorageError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


@dataclass(frozen=True)
class SiteOutcome:
    """What a crawl did for one site: whether it failed and why, and its run as stored
    (``crawl_runs`` columns by name; what the crawl counted when the row could not be written, or
    what it sent in distributed mode)."""

    site: str
    status: str
    error: str | None = None
    run: dict[str, Any] = field(default_factory=dict)
    sent_to_redis: bool = False

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def run_id(self) -> int | None:
        return self.run.get("id")

    def row(self) -> dict[str, Any]:
        """The summary row a reader sees (``crawler runs`` shows stored runs the same way)."""
        extra = {"sent_to_redis": True} if self.sent_to_redis else {}
        return {**self.run, "site": self.site, "status": self.status, "error": self.error, **extra}


def run_crawl(
    sites: list[str],
    db_path: str,
    *,
    base_urls: dict[str, str] | None = None,
    spider_args: dict[str, str] | None = None,
    settings_overrides: dict[str, Any] | None = None,
    quick: frozenset[str] = frozenset(),
) -> list[SiteOutcome]:
    """Crawl ``sites`` in one process into ``db_path``; returns what became of each site. The
    sites in ``quick`` are polled quickly (their fresh entry points, conditionally)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    from crawler.fetch.process import PantauProcess, when_crawl_fails
    from crawler.fetch.spider import offload_from_settings

    settings = get_project_settings()
    settings.set("DB_PATH", db_path, priority="cmdline")
    for key, value in (settings_overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    offload = offload_from_settings(settings)  # one set of helpers for all the sites
    process = PantauProcess(settings, offload)
    helpers = f"{offload.workers} extraction helper(s)" if offload.workers else "extraction in the crawler process"
    logging.getLogger("pantau.progress").log(
        PROGRESS, "crawling %s with %s (EXTRACT_WORKERS; %s cores here)", ", ".join(sites), helpers, os.cpu_count()
    )
    crawlers = {}
    not_started: dict[str, str] = {}  # site -> why its spider could not start
    for site in sites:
        kwargs: dict[str, Any] = dict(spider_args or {})
        if base_urls and site in base_urls:
            kwargs["base_url"] = base_urls[site]
        if site in quick:
            kwargs["quick"] = "1"
        crawler = process.create_crawler(site)
        crawlers[site] = crawler
        outcome = process.crawl(crawler, offload=offload, **kwargs)
        when_crawl_fails(outcome, functools.partial(not_started.setdefault, site))
    try:
        process.start()
    finally:
        offload.close()
    if settings.get("REDIS_URL"):
        return [_sent_outcome(site, crawler, not_started.get(site)) for site, crawler in crawlers.items()]
    with Database.open(db_path, readonly=True) as db:
        return [_outcome(db, site, crawler, not_started=not_started.get(site)) for site, crawler in crawlers.items()]


def _outcome(db: Database, site: str, crawler: Crawler, *, not_started: str | None) -> SiteOutcome:
    """A site's outcome from its run row, or what the crawl counted where the row could not be
    written; a fatal error fails it even then."""
    if not_started:
        return SiteOutcome(site, "failed", not_started)
    run_id = crawler.stats.get_value("pantau/run_id")
    row = dict(db.run(run_id)) if run_id else {"error": "the crawl did not start"}
    if row.get("status") == "running":  # the run row could not be written: what the crawl counted
        row.update(crawler.stats.get_value("pantau/record") or {})
    if fatal := crawler.stats.get_value("pantau/fatal"):
        row.update(status="failed", error=fatal)
    return SiteOutcome(site, row.get("status") or "failed", row.get("error"), row)


def _sent_outcome(site: str, crawler: Crawler, not_started: str | None) -> SiteOutcome:
    """A site's outcome in distributed mode: its records went to Redis, not to the database."""
    if not_started:
        return SiteOutcome(site, "failed", not_started, sent_to_redis=True)
    stats = crawler.stats
    row = {**(stats.get_value("pantau/record") or {}), "new": stats.get_value("pantau/queued", 0)}
    if fatal := stats.get_value("pantau/fatal"):
        row.update(status="failed", error=fatal)
    return SiteOutcome(site, row.get("status") or "failed", row.get("error"), row, sent_to_redis=True)


def preflight(db_path: str | None, sites: list[str]) -> None:
    """Fail at start, clearly, on what would otherwise fail silently during the crawl: an invalid
    selector in a site profile, a database that cannot be opened, repaired or read."""
    from crawler.sites.registry import profiles

    for site in sites:
        profiles()[site].check()
    if db_path is None:  # distributed mode: the spiders do not open the database
        return
    db = Database.open(db_path)
    try:
        for site in sites:
            try:  # what the crawl reads of the site, read cheaply (an archive may be large)
                db.conn.execute("SELECT url_key, sitemap_lastmod FROM articles WHERE site = ? LIMIT 1", (site,))
                db.listing_states(site)
            except sqlite3.Error as exc:
                raise StorageError(f"cannot read what is stored for {site} in {db_path}: {exc}") from exc
    finally:
        db.close()


def check_health(db_path: str, outcomes: list[SiteOutcome]) -> list[str]:
    """The runs' health warnings; a database that cannot be used for it (the failure that ended
    the crawl, often) is said in one warning, and the summary is still printed."""
    from crawler.store.run_health import check_run

    try:
        db = Database.open(db_path)
    except StorageError as exc:
        return [f"crawl health not checked: {exc}"]
    try:
        return [w for o in outcomes if o.run_id for w in check_run(db, o.run_id)]
    except sqlite3.Error as exc:
        return [f"crawl health not checked: {exc}"]
    finally:
        db.close()
