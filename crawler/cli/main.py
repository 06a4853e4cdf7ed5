"""The ``crawler`` command: crawl, extract, demo, runs. ``crawler COMMAND --help`` for details."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import stat
import sys
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from crawler import __version__
from crawler.outputs import open_output
from crawler.profile import ProfileError, SiteProfile
from crawler.safetext import safe_text
from crawler.store.queries import decoded
from crawler.store.storage import Database, StorageError, default_db_path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
LOG_LEVELS = ("DEBUG", "INFO", "PROGRESS", "WARNING", "ERROR", "CRITICAL")  # PROGRESS: crawler.fetch.progress
PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_SITES = PROJECT_ROOT / "fixtures" / "sites"


def fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"crawler: error: {one_line(message)}", file=sys.stderr)
    return code


def one_line(text: str) -> str:
    return " ".join(str(text).split())


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line (and exit code 2), like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")


def count(low: int, high: int) -> Any:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range ({low} to {high})")
        return value

    return parse


terminal_safe = safe_text  # text from a web page as it may reach a terminal


# ----------------------------------------------------------------------------- extract


def cmd_extract(args: argparse.Namespace) -> int:
    """One page's record, as a crawl would store it (extraction, then topics, places, officials)."""
    from crawler import settings
    from crawler.enrichment.enrich import enrich
    from crawler.enrichment.topics import load_topics
    from crawler.extraction.extract import ExtractionError, extract_article
    from crawler.items import unusable
    from crawler.sites import check_sites, profile_for_url, profiles

    source: str = args.source
    content_type = None
    try:
        if source.startswith(("http://", "https://")):
            data, content_type = _download(source, args.timeout)
            url = args.url or source
        else:
            data = _read_page_file(source)
            url = args.url or _declared_url(data) or Path(source).resolve().as_uri()
    except ValueError as exc:
        return fail(str(exc))
    profile: SiteProfile | None
    if args.site:
        try:
            profile = profiles()[check_sites([args.site])[0]]
        except ValueError as exc:
            return fail(str(exc))
    else:
        profile = profile_for_url(url)  # None: a site with no profile, read by the generic layers
    try:
        article = enrich(extract_article(data, url, profile, content_type=content_type), load_topics())
    except ExtractionError as exc:
        return fail(f"{source}: {exc}")
    if problem := unusable(article, settings.ARTICLE_MIN_WORDS):  # what a crawl would not store either
        return fail(f"{source}: no article found: {problem[0]}: {problem[1]}")
    record = article.to_dict()
    for internal in ("source_url", "source_key", "sitemap_lastmod", "sketch"):
        record.pop(internal, None)
    print(json.dumps(record, ensure_ascii=False, indent=2))
    return EXIT_OK


def _declared_url(data: bytes) -> str | None:
    """The page's own URL, from its canonical link or ``og:url`` (a saved page knows where it lives)."""
    from parsel import Selector

    from crawler.extraction.extract import ExtractionError, decode_html
    from crawler.extraction.structured import meta_candidates

    try:
        url = meta_candidates(Selector(text=decode_html(data))).canonical
    except (ExtractionError, ValueError):
        return None
    return url.strip() if url and url.strip().startswith(("http://", "https://")) else None


def _max_page_bytes() -> int:
    from crawler import settings

    return settings.DOWNLOAD_MAXSIZE


def _read_page_file(source: str) -> bytes:
    """A saved page: a regular file of at most ``DOWNLOAD_MAXSIZE`` bytes (not /dev/zero, a FIFO...)."""
    limit = _max_page_bytes()
    try:
        info = os.stat(source)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{source} is not a regular file")
        if info.st_size > limit:
            raise ValueError(f"{source} is {info.st_size} bytes, over the {limit}-byte page limit (DOWNLOAD_MAXSIZE)")
        with open(source, "rb") as f:
            return f.read(limit + 1)[:limit]
    except OSError as exc:
        raise ValueError(f"cannot read {source}: {exc.strerror or exc}") from exc


def _download(url: str, total_seconds: float = 30.0) -> tuple[bytes, str | None]:
    """One page over HTTP, bounded like a crawl's: at most ``DOWNLOAD_MAXSIZE`` bytes and
    ``total_seconds`` for the whole exchange, headers included (a server that sends a byte now
    and then, before or after its headers, cannot keep it open). The exchange runs in a helper
    thread that is abandoned when the time is up: the command ends, and the thread with it."""
    outcome: list[Any] = []
    worker = threading.Thread(target=lambda: outcome.append(_fetch(url, total_seconds)), daemon=True)
    worker.start()
    worker.join(total_seconds)
    if not outcome:
        raise ValueError(f"cannot fetch {url}: no complete answer within {total_seconds:g} s (--timeout)")
    if isinstance(outcome[0], ValueError):
        raise outcome[0]
    return outcome[0]


def _fetch(url: str, total_seconds: float) -> tuple[bytes, str | None] | ValueError:
    limit = _max_page_bytes()
    request = urllib.request.Request(url, headers={"User-Agent": _user_agent()})
    chunks, size = [], 0
    try:
        with urllib.request.urlopen(request, timeout=min(10.0, total_seconds)) as response:  # noqa: S310
            content_type = response.headers.get("Content-Type")
            while chunk := response.read1(65536):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    return ValueError(f"cannot fetch {url}: over the {limit}-byte page limit (DOWNLOAD_MAXSIZE)")
    except Exception as exc:  # noqa: BLE001 - any network failure is one line for the user
        return ValueError(f"cannot fetch {url}: {exc}")
    return b"".join(chunks), content_type


def _user_agent() -> str:
    from crawler import settings

    return settings.USER_AGENT


# ----------------------------------------------------------------------------- crawl


def _parse_base_urls(values: list[str], known: list[str]) -> dict[str, str]:
    from urllib.parse import urlsplit

    result = {}
    for value in values:
        site, sep, url = value.partition("=")
        try:
            host = urlsplit(url).hostname if sep else None
        except ValueError:
            host = None
        if not url.startswith(("http://", "https://")) or not host:
            raise ValueError(f"--base-url wants SITE=http://HOST:PORT, got {value!r}")
        if site not in known:
            raise ValueError(f"--base-url names an unknown site {site!r}; known: {', '.join(known)}")
        result[site] = url
    return result


def project_settings(overrides: dict[str, Any] | None = None) -> Any:
    """Scrapy's settings with Pantau's (``crawler.settings``) and ``overrides`` on top, without
    starting a crawl: for commands that read a setting or two."""
    from scrapy.settings import Settings

    from crawler import settings as ours

    settings = Settings()
    settings.setmodule(ours)
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


def _parse_settings(items: list[str]) -> dict[str, Any]:
    """``-s NAME=VALUE`` pairs; a value for one of Pantau's or Scrapy's numeric or yes/no settings
    must be one, and not negative, so that a typo fails now rather than mid-crawl."""
    defaults = project_settings()
    result: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"-s wants NAME=VALUE, got {item!r}")
        default = defaults.get(name)
        if isinstance(default, bool):
            if value.strip().lower() not in ("0", "1", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(f"-s {name} wants 0 or 1, got {value!r}")
        elif isinstance(default, int | float):
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"-s {name} wants a number, got {value!r}") from None
            if number < 0 or number != number or number == float("inf"):
                raise ValueError(f"-s {name} must be 0 or more, got {value!r}")
            if isinstance(default, int) and not number.is_integer():
                raise ValueError(f"-s {name} wants a whole number, got {value!r}")
        result[name] = value
    return result


def run_crawl(
    sites: list[str],
    db_path: str,
    base_urls: dict[str, str] | None = None,
    spider_args: dict[str, str] | None = None,
    settings_overrides: dict[str, Any] | None = None,
    quick: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Crawl ``sites`` in one process into ``db_path``; returns one summary dict per site. The
    sites in ``quick`` are polled quickly (their fresh entry points, conditionally)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    from crawler.fetch.process import PantauProcess
    from crawler.fetch.spider import offload_from_settings

    settings = get_project_settings()
    settings.set("DB_PATH", db_path, priority="cmdline")
    for key, value in (settings_overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    offload = offload_from_settings(settings)  # one set of helpers for all the sites
    process = PantauProcess(settings, offload)
    crawlers = {}
    for site in sites:
        kwargs: dict[str, Any] = dict(spider_args or {})
        if base_urls and site in base_urls:
            kwargs["base_url"] = base_urls[site]
        if site in quick:
            kwargs["quick"] = "1"
        crawler = process.create_crawler(site)
        crawlers[site] = crawler
        process.crawl(crawler, offload=offload, **kwargs)
    try:
        process.start()
    finally:
        offload.close()
    if settings.get("REDIS_URL"):
        return [_sent_summary(site, crawler) for site, crawler in crawlers.items()]
    summaries = []
    db = Database.open(db_path, readonly=True)
    try:
        for site, crawler in crawlers.items():
            run_id = crawler.stats.get_value("pantau/run_id")
            row = dict(db.run(run_id)) if run_id else {"site": site, "error": "the crawl did not start"}
            if row.get("status") == "running":  # the run row could not be written: what the crawl counted
                row.update(crawler.stats.get_value("pantau/record") or {})
            if fatal := crawler.stats.get_value("pantau/fatal"):  # even when the run row could not be written
                row.update(status="failed", error=fatal)
            row.setdefault("status", "failed")
            summaries.append(row)
    finally:
        db.close()
    return summaries


def _sent_summary(site: str, crawler: Any) -> dict[str, Any]:
    """A site's summary in distributed mode: its records went to Redis, not to the database."""
    stats = crawler.stats
    row = {"site": site, **(stats.get_value("pantau/record") or {}), "new": stats.get_value("pantau/queued", 0),
           "sent_to_redis": True}  # fmt: skip
    if fatal := stats.get_value("pantau/fatal"):
        row.update(status="failed", error=fatal)
    row.setdefault("status", "failed")
    return row


RUN_JSON_COLUMNS = ("dropped_reasons", "entry_failures", "refused", "coverage", "warnings")


def format_summary(rows: list[dict[str, Any]], with_runs: bool = False) -> str:
    """The table of crawl runs; ``with_runs`` adds each run's id, start time and duration."""
    header = f"{'site':<16} {'status':<12} {'requests':>8} {'new':>5} {'updated':>7} {'unchanged':>9} {'skipped':>7} {'dropped':>7} {'errors':>6}"  # noqa: E501
    if with_runs:
        header = f"{'run':>5} {'started (UTC)':<19} {'took':>7} " + header
    lines = [header, "-" * len(header)]
    for r in rows:
        line = (
            f"{r.get('site', '?'):<16} {r.get('status', '?'):<12} {r.get('requests') or 0:>8} "
            f"{r.get('new') or 0:>5} {r.get('updated') or 0:>7} {r.get('unchanged') or 0:>9} "
            f"{r.get('skipped') or 0:>7} {r.get('dropped') or 0:>7} {r.get('errors') or 0:>6}"
        )
        if with_runs:
            started = (r.get("started_at") or "")[:19].replace("T", " ")
            line = f"{r.get('id') or '':>5} {started:<19} {_took(r):>7} " + line
        lines.append(line)
        for column, label in (("dropped_reasons", "dropped"), ("entry_failures", "entry points failed"),
                              ("refused", "URLs not fetched as articles")):  # fmt: skip
            counts = decoded(r.get(column))
            if counts:
                lines.append(f"    {label}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        if r.get("mode") == "quick" or r.get("not_modified"):
            kind = "a quick poll" if r.get("mode") == "quick" else "a full walk"
            lines.append(f"    {kind}; entry points unchanged since the last run (304 or the same body): "
                         f"{r.get('not_modified') or 0}")  # fmt: skip
        layers = (decoded(r.get("coverage")) or {}).get("layers") if with_runs else None
        if layers:
            lines.append("    fields came from: " + "; ".join(
                f"{field} " + ", ".join(f"{layer} {share:.0%}" for layer, share in shares.items())
                for field, shares in layers.items()
            ))  # fmt: skip
    for r in rows:
        if r.get("status") == "failed":
            lines.append(f"FAILED {r.get('site')}: {r.get('error') or 'no page could be fetched'}")
    return "\n".join(lines)


def _took(run: dict[str, Any]) -> str:
    from datetime import datetime

    try:
        took = datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["started_at"])
        seconds = took.total_seconds()
    except (KeyError, TypeError, ValueError):
        return "-"
    return f"{seconds:.0f}s" if seconds < 600 else f"{seconds / 60:.0f}m"


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.cli.sites_cli import cadence_of, nothing_due, plan_due, quiet_tick

    if not (args.site or args.all or args.redis or os.environ.get("REDIS_URL")) and args.format == "table":
        sites_dir = next((s.partition("=")[2] for s in args.set or [] if s.startswith("SITES_DIR=")), None)
        if line := quiet_tick(args.db, sites_dir):  # from cron, nothing due: said without loading Scrapy
            print(line)
            return EXIT_OK
    from crawler.sites import check_sites, profiles

    known = sorted(profiles())
    try:
        sites = check_sites(args.site)
    except ValueError as exc:
        return fail(str(exc))
    redis_url = args.redis or os.environ.get("REDIS_URL")  # passed to the crawl as a setting (below)
    quick: frozenset[str] = frozenset()
    try:  # everything that can be wrong is found before the crawl starts, not after
        config = _notify_config(args, redis_url)
        base_urls = _parse_base_urls(args.base_url or [], known)
        overrides: dict[str, Any] = {"LOG_LEVEL": args.log_level, **_parse_settings(args.set or [])}
        spider_args = _spider_args(args)
        if not (args.site or args.all or redis_url):  # from cron: the sites that are due
            plan = plan_due(args.db, sites, cadence_of(overrides), full=bool(args.full or spider_args))
            if not plan.sites:
                print(json.dumps({"runs": [], "warnings": [], "due": []}) if args.format == "json"
                      else nothing_due(plan.waiting))  # fmt: skip
                return EXIT_OK
            sites, quick = plan.sites, plan.quick
        preflight(None if redis_url else args.db, sites)
        if redis_url:
            from crawler.store.relay import connect

            connect(redis_url).close()
            overrides["REDIS_URL"] = redis_url
    except (ValueError, StorageError) as exc:
        return fail(str(exc))
    rows = run_crawl(sites, args.db, base_urls, spider_args, overrides, quick)
    warnings = [] if redis_url else check_health(args.db, rows)
    _print_crawl(args.format, rows, warnings, distributed=bool(redis_url))
    code = EXIT_OK
    if config is not None:
        from crawler.cli.notify_cli import notify

        code, text = notify(args.db, config, None, backfill=False, dry_run=False)
        if text:
            print(text)
    if any(r.get("status") == "failed" for r in rows):
        return EXIT_FAILED
    return EXIT_FAILED if warnings and args.strict else code


def _notify_config(args: argparse.Namespace, redis_url: str | None) -> Any:
    """The alert channels of ``crawl --notify`` (None without it); ValueError when unusable."""
    if not args.notify:
        return None
    if redis_url:
        raise ValueError("--notify: in distributed mode the writer sends alerts "
                         "(crawler store --from-redis URL --notify)")  # fmt: skip
    from crawler.cli.notify_cli import read_config

    config = read_config(args.config)
    if not config.channels:
        raise ValueError("--notify: no channels; write a pantau.toml (README, 'Alerts and feeds') "
                         "or give --config PATH")  # fmt: skip
    return config


def _spider_args(args: argparse.Namespace) -> dict[str, str]:
    """The ``-a`` arguments every site's spider gets from ``crawler crawl`` options."""
    from crawler.arguments import since_day

    spider_args = {}
    if args.refresh:
        spider_args["refresh"] = "1"
    if args.since:
        spider_args["since"] = since_day(args.since, "--since").isoformat()
    if args.max_items:
        spider_args["max_items"] = str(args.max_items)
    return spider_args


def _print_crawl(fmt: str, rows: list[dict[str, Any]], warnings: list[str], distributed: bool) -> None:
    if fmt == "json":
        print(json.dumps({"runs": rows, "warnings": warnings}, ensure_ascii=False, indent=2, default=str))
        return
    print(format_summary(rows))
    if distributed:
        print("Records were sent to Redis (the 'new' column): `crawler store --from-redis URL` stores them")
    for warning in warnings:
        print(f"WARNING {warning}")
    if rows and all(r.get("status") == "failed" and " dns " in f" {r.get('error') or ''} " for r in rows):
        print("No site's name resolves: no network? `./run.sh demo` runs the whole pipeline on the bundled "
              "site copies")  # fmt: skip


def preflight(db_path: str | None, sites: list[str]) -> None:
    """Fail at start, clearly, on what would otherwise fail silently during the crawl: an invalid
    selector in a site profile, a database that cannot be opened, repaired or read."""
    from crawler.sites import profiles

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


def check_health(db_path: str, rows: list[dict[str, Any]]) -> list[str]:
    """The runs' health warnings; a database that cannot be used for it (the failure that ended
    the crawl, often) is said in one warning, and the summary is still printed."""
    from crawler.alerts.health import check_run

    try:
        db = Database.open(db_path)
    except StorageError as exc:
        return [f"crawl health not checked: {exc}"]
    try:
        return [w for r in rows if r.get("id") for w in check_run(db, r["id"])]
    except sqlite3.Error as exc:
        return [f"crawl health not checked: {exc}"]
    finally:
        db.close()


# ----------------------------------------------------------------------------- demo


DEMO_DB = "data/demo.db"


def cmd_demo(args: argparse.Namespace) -> int:
    """Serve the bundled copies of the sites on 127.0.0.1 and crawl them into a database of their
    own: the copies are reconstructions, and must never mix with live crawls."""
    from contextlib import ExitStack

    from crawler.cli.localserver import LocalSite
    from crawler.sites import profiles

    if not FIXTURE_SITES.is_dir():
        return fail(f"the fixture sites are missing ({FIXTURE_SITES})")
    sites = [s for s in sorted(profiles()) if (FIXTURE_SITES / s).is_dir()]
    try:
        db = Database.open(args.db)
        live = db.conn.execute("SELECT COUNT(*) FROM crawl_runs WHERE base_url IS NULL").fetchone()[0]
        db.close()
    except StorageError as exc:
        return fail(str(exc))
    if live:
        return fail(f"{args.db} holds live crawls; the demo's reconstructed pages go to a database of their own "
                    f"(default {DEMO_DB})")  # fmt: skip
    with ExitStack() as stack:
        servers = {s: stack.enter_context(LocalSite(FIXTURE_SITES / s)) for s in sites}
        for site, server in servers.items():
            print(f"serving {site} on {server.url}", file=sys.stderr)
        rows = run_crawl(
            sites, args.db, {s: srv.url for s, srv in servers.items()}, {},
            {"LOG_LEVEL": args.log_level, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0},
        )  # fmt: skip
    print(format_summary(rows))
    db_arg = f" --db {args.db}"
    print(f"\nDemo database: {args.db} (bundled reconstructions of the sites, not live pages). Try:\n"
          f"  crawler search netralitas{db_arg}\n"
          f"  crawler report{db_arg}\n"
          f"  crawler runs{db_arg}\n"
          f"  sqlite3 {args.db} 'select site, published_date, title from articles'\n"
          f"  crawler dashboard{db_arg}   # charts, search and crawl health in a browser")  # fmt: skip
    return EXIT_FAILED if any(r.get("status") == "failed" for r in rows) else EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve a bundled site copy on 127.0.0.1, for ``scrapy crawl SITE -a base_url=...``."""
    from crawler.cli.localserver import LocalSite

    known = sorted(p.name for p in FIXTURE_SITES.iterdir() if p.is_dir()) if FIXTURE_SITES.is_dir() else []
    if args.site not in known:  # a name, never a path: only the bundled copies are served
        return fail(f"no bundled copy of {args.site!r}; there are: {', '.join(known) or 'none'}")
    root = FIXTURE_SITES / args.site
    try:
        site = LocalSite(root, port=args.port)
    except OSError as exc:
        return fail(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}")
    with site:
        print(f"serving the bundled copy of {args.site} on {site.url} (Ctrl-C to stop); crawl it with:", flush=True)
        print(f"  scrapy crawl {args.site} -a base_url={site.url}\n"
              f"  crawler crawl --site {args.site} --base-url {args.site}={site.url} --db data/demo.db", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return EXIT_OK


# ----------------------------------------------------------------------------- queries


def _open_readonly(path: str) -> Database:
    return Database.open(path, readonly=True)


def check_names(db: Database, site: str | None = None, topic: str | None = None) -> None:
    """A site or topic a command filters on must exist (a typo answers "unknown", with the names
    that exist, not "0 results"): the sites of the profiles and of the archive's runs, the topics
    of the watchlist and of the archive's matches. :class:`ValueError` otherwise."""
    from crawler.enrichment.topics import load_topics
    from crawler.sites import profiles

    if site:
        sites = set(profiles()) | {row[0] for row in db.conn.execute("SELECT DISTINCT site FROM crawl_runs")}
        if site not in sites:
            raise ValueError(f"unknown site {site!r}; known: {', '.join(sorted(sites))}")
    if topic:
        topics = {t.name for t in load_topics()} | {
            row[0] for row in db.conn.execute("SELECT DISTINCT topic FROM article_topics")}  # fmt: skip
        if topic not in topics:
            raise ValueError(f"unknown topic {topic!r}; known: {', '.join(sorted(topics))}")


def cmd_search(args: argparse.Namespace) -> int:
    from crawler.store.queries import BROAD_MATCHES, parse_since, search, search_total

    try:
        db = _open_readonly(args.db)
    except StorageError as exc:
        return fail(str(exc))
    try:
        check_names(db, args.site, args.topic)
        since = parse_since(args.since)
        rows = search(db, args.query, args.site, since, args.topic, args.limit)
        total = search_total(db, args.query, args.site, since, args.topic) if len(rows) == args.limit else len(rows)
    except ValueError as exc:
        return fail(str(exc))
    except sqlite3.Error as exc:
        return fail(f"{args.db}: the search index cannot be read ({exc}); try crawler db repair --db {args.db}")
    finally:
        db.close()
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            day = r["published_date"] or "----------"
            title, url, snippet = (one_line(terminal_safe(r[k])) for k in ("title", "url", "snippet"))
            print(f"{day}  {terminal_safe(r['site']):<16} {title}\n    {url}\n    {snippet}\n")
        newest = rows and rows[0].get("order") == "newest"
        of = "" if total == len(rows) else (f" of more than {BROAD_MATCHES:,}" if total > BROAD_MATCHES
                                            else f" of {total}")  # fmt: skip
        print(f"{len(rows)}{of} result(s)" + (", newest first: the words match too many articles to rank "
                                           "(add a rarer word to rank by relevance)" if newest else ""),
              file=sys.stderr)  # fmt: skip
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from crawler.store.queries import parse_since, report, report_markdown

    try:
        db = _open_readonly(args.db)
    except StorageError as exc:
        return fail(str(exc))
    try:
        check_names(db, topic=args.topic)
        data = report(db, parse_since(args.seen_since, "--seen-since") or "0000", args.topic, parse_since(args.since))
    except ValueError as exc:
        return fail(str(exc))
    finally:
        db.close()
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        write_csv(sys.stdout, ["site", "new", "updated"], data["sites"], args.raw)
        print()  # a second table: the matches
        columns = ["topic", "published_date", "site", "location", "title", "url", "terms", "snippet"]
        write_csv(sys.stdout, columns, data["matches"], args.raw)
    else:
        print(terminal_safe(report_markdown(data)), end="")
    return EXIT_OK


def _json_array(out: Any, rows: Any) -> int:
    """Rows as one JSON array, written as they come (an archive need not fit in memory)."""
    out.write("[")
    written = 0
    for row in rows:
        out.write((",\n" if written else "\n") + json.dumps(row, ensure_ascii=False))
        written += 1
    out.write("\n]\n")
    return written


def write_csv(out: Any, columns: list[str] | tuple[str, ...], rows: Any, raw: bool = False) -> int:
    """Rows as CSV. Control characters are dropped and a cell starting with ``=``, ``+``, ``-``,
    ``@`` or a tab gets a leading ``'``, so that a title from a web page never runs as a
    spreadsheet formula nor drives a terminal; ``raw`` writes cells as stored."""
    import csv

    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    written = 0
    for row in rows:
        writer.writerow(row if raw else {k: _no_formula(v) for k, v in row.items()})
        written += 1
    return written


def _as_cells(row: dict[str, Any]) -> dict[str, Any]:
    """Lists (authors, tags, ...) as JSON text in one CSV cell."""
    return {k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v for k, v in row.items()}


def _no_formula(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = terminal_safe(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t") else value


def cmd_export(args: argparse.Namespace) -> int:
    from crawler.store.queries import EXPORT_COLUMNS, export_rows, parse_since

    try:
        db = _open_readonly(args.db)
    except StorageError as exc:
        return fail(str(exc))
    try:
        rows = export_rows(db, parse_since(args.since), parse_since(args.seen_since, "--seen-since"))
        with _output(args.output) as out:
            if args.format == "csv":
                written = write_csv(out, EXPORT_COLUMNS, (_as_cells(r) for r in rows), args.raw)
            elif args.format == "json":
                written = _json_array(out, rows)
            else:
                written = 0
                for row in rows:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                    written += 1
    except ValueError as exc:
        return fail(str(exc))
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        return fail(f"cannot write {args.output or 'the output'}: {exc.strerror or exc}; nothing was left half-written",
                    EXIT_FAILED)  # fmt: skip
    finally:
        db.close()
    print(f"exported {written} article(s)", file=sys.stderr)
    return EXIT_OK


@contextlib.contextmanager
def _output(path: str | None) -> Any:
    """Standard output, or a file written whole or not at all (:mod:`crawler.outputs`)."""
    if not path:
        yield sys.stdout
        sys.stdout.flush()
        return
    with open_output(path) as out:
        yield out


# ----------------------------------------------------------------------------- runs


def cmd_runs(args: argparse.Namespace) -> int:
    try:
        db = Database.open(args.db, readonly=True)
    except StorageError as exc:
        return fail(str(exc))
    from crawler.store.queries import rows_of

    rows = rows_of(db.conn.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?", (args.limit,)))
    from crawler.alerts.notify import status

    try:
        deliveries = status(db)
    except sqlite3.OperationalError:  # a read-only copy of an older file: no deliveries table yet
        deliveries = []
    db.close()
    for row in rows:
        for column in RUN_JSON_COLUMNS:
            row[column] = decoded(row.get(column))
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))  # a list, as scripts read it
    else:
        print(terminal_safe(format_summary(rows, with_runs=True)))
        for d in deliveries:
            if d["retrying"] or d["failed"]:
                print(terminal_safe(f"deliveries to {d['channel']}: {d['retrying'] or 0} waiting to retry, "
                                    f"{d['failed'] or 0} failed; last error: {d['last_error']}"))  # fmt: skip
    return EXIT_OK


# ----------------------------------------------------------------------------- check


def cmd_check(args: argparse.Namespace) -> int:
    """Whether Pantau works on a site today: exit 0 when title, date and body are found on at
    least 80 % of the sampled article pages, 1 otherwise; nothing is written to any database."""
    from crawler.cli.check import format_report, run_check
    from crawler.sites import check_sites, profiles

    known = sorted(profiles())
    try:
        check_sites([args.site])
        if args.base_url:
            _parse_base_urls([f"{args.site}={args.base_url}"], known)
        profiles()[args.site].check()
        settings = _parse_settings(args.set or [])
    except ValueError as exc:
        return fail(str(exc))
    data = run_check(args.site, args.base_url, args.sample, settings)
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(terminal_safe(format_report(data)))
    return EXIT_OK if data["ok"] else EXIT_FAILED


def cmd_capture(args: argparse.Namespace) -> int:
    """Save live pages as test cases with a draft record, or (``--refresh``) show what the current
    code extracts differently from every capture's record."""
    from crawler.cli.capture import save_capture
    from crawler.sites import check_sites, profile_for_url, profiles

    if args.site:
        try:
            check_sites([args.site])
        except ValueError as exc:
            return fail(str(exc))
    root = Path(args.dir) if args.dir else PROJECT_ROOT / "fixtures"
    if args.refresh:
        return _refresh_captures(root)
    if not args.sources:
        return fail("give URLs (or saved .html files with --url) to capture, or --refresh")
    for source in args.sources:
        try:
            if source.startswith(("http://", "https://")):
                body, content_type, fetched_at = _kept_or_downloaded(source, args)
                url = args.url or source
            else:
                if not args.url:
                    return fail(f"{source}: a saved page needs --url, the address it was saved from")
                body, content_type, url, fetched_at = _read_page_file(source), None, args.url, None
            profile = profiles().get(args.site) if args.site else profile_for_url(url)
            if profile is None:
                return fail(f"{url} is not on a known site; name it with --site")
            headers = {"Content-Type": content_type} if content_type else {}
            path = save_capture(root / profile.name / "captured", url, body, headers, profile, force=args.force,
                                fetched_at=fetched_at)
        except ValueError as exc:  # CaptureReviewed too: a reviewed record is not replaced without --force
            return fail(str(exc))
        print(f"saved {path} (draft: review the expected record, then set \"reviewed\": true)")
    return EXIT_OK


def _kept_or_downloaded(url: str, args: argparse.Namespace) -> tuple[bytes, str | None, datetime | None]:
    """The page as a crawl kept it (PAGE_ARCHIVE), else downloaded now; ``--fetch`` downloads."""
    from crawler.fetch.page_archive import archive_dir
    from crawler.sites import profile_for_url, profiles
    from crawler.store.reextract import kept_page

    profile = profiles().get(args.site) if args.site else profile_for_url(url)
    if profile is not None and not args.fetch:
        folder = Path(args.pages) if args.pages else archive_dir(project_settings({"DB_PATH": args.db}))
        if page := kept_page(folder, profile.name, url):
            print(f"{url}: the page kept by the crawl of {page.fetched_at:%Y-%m-%d %H:%M} UTC (--fetch: download it)",
                  file=sys.stderr)  # fmt: skip
            return page.body, page.content_type, page.fetched_at
    return (*_download(url, args.timeout), None)


def _refresh_captures(root: Path) -> int:
    """Re-extract every capture; print what the current code extracts differently."""
    from crawler.cli.capture import all_captures, problems, recheck
    from crawler.sites import profiles

    changed = 0
    for path in all_captures(root):
        record, now = recheck(path, profiles().get(path.parent.parent.name))
        for line in problems(record, now):
            print(f"{path.relative_to(root)}: {line}")
            changed += 1
    print(f"{len(all_captures(root))} capture(s) re-extracted, {changed} difference(s)", file=sys.stderr)
    return EXIT_FAILED if changed else EXIT_OK


# ----------------------------------------------------------------------------- db


def cmd_db_init(args: argparse.Namespace) -> int:
    """Create a database with the current schema (an existing one is upgraded, never emptied)."""
    existed = Path(args.db).exists()
    try:
        db = Database.open(args.db)
    except StorageError as exc:
        return fail(str(exc))
    version = db.schema_version
    db.close()
    print(f"{args.db}: {'already there' if existed else 'created'}, schema version {version}")
    return EXIT_OK


def cmd_db_repair(args: argparse.Namespace) -> int:
    """Open the database for writing, which recreates what is missing, and say what was done."""
    if not Path(args.db).is_file():  # repairing never creates a database
        return fail(f"no such database: {args.db} (crawler db init --db {args.db} creates an empty one)")
    try:
        db = Database.open(args.db)
    except StorageError as exc:
        return fail(str(exc))
    db.close()
    for line in db.repairs:
        print(line)
    print(f"{args.db}: schema complete" + (f" ({len(db.repairs)} repair(s))" if db.repairs else ", nothing to repair"))
    return EXIT_OK


# ----------------------------------------------------------------------------- main


def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """A sub-command that reads or writes the database (``--db``)."""
    p.add_argument("--db", default=default_db_path(), help="SQLite file (default: $PANTAU_DB or data/pantau.db)")
    return p


def build_parser() -> argparse.ArgumentParser:
    from crawler.cli import notify_cli, reextract_cli, scale_cli, sites_cli, web_cli

    parser = Parser(prog="crawler", description="Pantau: monitoring crawler for Indonesian regional news.")
    parser.add_argument("--version", action="version", version=f"pantau {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    _add_crawl_parser(sub)
    _add_query_parsers(sub)
    _add_site_parsers(sub)
    notify_cli.add_parsers(sub)
    scale_cli.add_parsers(sub)
    web_cli.add_parsers(sub)
    sites_cli.add_parsers(sub)
    reextract_cli.add_parsers(sub)
    return parser


def _add_crawl_parser(sub: Any) -> None:
    p = with_db(sub.add_parser("crawl", help="crawl the sites that are due into the database (for cron)"))
    p.add_argument("--site", action="append", help="a site to crawl now, due or not (repeatable; a full walk)")
    p.add_argument("--all", action="store_true", help="crawl every site now, due or not (a full walk)")
    p.add_argument("--full", action="store_true", help="a due site gets a full walk, not a quick poll")
    p.add_argument("--base-url", action="append", metavar="SITE=URL", help="crawl a mirror of SITE at URL")
    p.add_argument("--refresh", action="store_true", help="re-fetch articles already stored")
    p.add_argument("--since", metavar="WHEN", help="ignore articles older than this: YYYY-MM-DD, 7d, 24h, 2w")
    p.add_argument("--max-items", type=count(1, 10**9), metavar="N", help="at most N article pages per site")
    p.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="a Scrapy setting")
    p.add_argument("--log-level", default="PROGRESS", type=str.upper, choices=LOG_LEVELS, metavar="LEVEL",
                   help="PROGRESS (default: progress lines, warnings, errors), DEBUG, INFO, WARNING, ERROR")
    p.add_argument("--strict", action="store_true", help="exit 1 when crawl health warns (field coverage dropped)")
    p.add_argument("--format", choices=["table", "json"], default="table", help="summary format")
    p.add_argument("--notify", action="store_true", help="then send new matches to the channels of pantau.toml")
    p.add_argument("--config", help="with --notify: the configuration file (default: $PANTAU_CONFIG or ./pantau.toml)")
    p.add_argument("--redis", metavar="URL", help="distributed mode: send records to this Redis (default: $REDIS_URL) "
                   "instead of the database; `crawler store --from-redis URL` stores them")
    p.set_defaults(func=cmd_crawl)


def _add_query_parsers(sub: Any) -> None:
    """What users ask the database: search, report, export, runs; and its maintenance."""
    p = with_db(sub.add_parser("search", help="full-text search with highlighted snippets"))
    p.add_argument("query", help="words, or FTS5 syntax: netralitas AND (pilkada OR pemilu)")
    p.add_argument("--site")
    p.add_argument("--since", help="7d, 24h, 2w or YYYY-MM-DD (publication date)")
    p.add_argument("--topic", help="only articles matching this watchlist topic")
    p.add_argument("--limit", type=count(1, 100_000), default=20)
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_search)

    p = with_db(sub.add_parser("report", help="new and updated articles, topic matches, multi-site stories"))
    p.add_argument("--seen-since", default="7d", help="first seen since: 7d (default), 24h, 2w or YYYY-MM-DD")
    p.add_argument("--since", help="matches published since: 7d, 24h, 2w or YYYY-MM-DD")
    p.add_argument("--topic")
    p.add_argument("--format", choices=["md", "json", "csv"], default="md")
    p.add_argument("--raw", action="store_true", help="CSV cells exactly as stored (no formula guard)")
    p.set_defaults(func=cmd_report)

    p = with_db(sub.add_parser("export", help="all articles as CSV, JSON lines or a JSON array"))
    p.add_argument("--format", choices=["csv", "jsonl", "json"], default="jsonl",
                   help="jsonl (default: one article per line), json (one array), csv")
    p.add_argument("--since", help="only articles published since: 7d, 24h, 2w or YYYY-MM-DD")
    p.add_argument("--seen-since", help="only articles first seen since: 7d, 24h, 2w or YYYY-MM-DD")
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.add_argument("--raw", action="store_true", help="CSV cells exactly as stored (no formula guard)")
    p.set_defaults(func=cmd_export)

    p = with_db(sub.add_parser("runs", help="recent crawl runs"))
    p.add_argument("--limit", type=count(1, 100_000), default=20)
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_runs)
    p = sub.add_parser("db", help="database maintenance")
    db_sub = p.add_subparsers(dest="db_command", required=True, parser_class=Parser)
    p = with_db(db_sub.add_parser("repair", help="recreate missing indexes, triggers, views and the search index"))
    p.set_defaults(func=cmd_db_repair)
    p = with_db(db_sub.add_parser("init", help="create an empty database (an existing one is upgraded)"))
    p.set_defaults(func=cmd_db_init)


def _add_site_parsers(sub: Any) -> None:
    """Working on one site: extract a page, check a site, capture pages as tests, serve a copy."""
    p = sub.add_parser("extract", help="print the article record of one page as JSON")
    p.add_argument("source", help="an HTML file or an http(s) URL")
    p.add_argument("--url", help="the page's URL (to pick the site profile and resolve links)")
    p.add_argument("--site", help="use this site's profile instead of inferring it from the URL")
    p.add_argument("--timeout", type=count(1, 3600), default=30, help="seconds for the whole download (default 30)")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("demo", help="crawl the bundled site copies, served on 127.0.0.1, into data/demo.db")
    p.add_argument("--db", default=DEMO_DB, help=f"the demo's own SQLite file (default {DEMO_DB})")
    p.add_argument("--log-level", default="WARNING", type=str.upper, choices=LOG_LEVELS, metavar="LEVEL",
                   help="DEBUG, INFO, PROGRESS, WARNING (default), ERROR")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("check", help="does Pantau work on a site today? (changes nothing)")
    p.add_argument("site")
    p.add_argument("--base-url", metavar="URL", help="check a mirror of the site at URL")
    p.add_argument("--sample", type=count(1, 200), default=10, help="article pages to fetch (default 10)")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="a Scrapy setting")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("capture", help="save live pages as tests, with a draft expected record")
    p.add_argument("sources", nargs="*", metavar="URL", help="pages to capture (or saved .html files with --url)")
    p.add_argument("--site", help="the site, when the URL does not say")
    p.add_argument("--url", help="the address a saved .html file came from")
    p.add_argument("--refresh", action="store_true", help="re-extract every capture and show what differs")
    p.add_argument("--force", action="store_true", help="capture again a page whose record was reviewed "
                   "(the reviewed record is kept as NAME.json.previous)")
    p.add_argument("--dir", help="where captures live (default: fixtures/)")
    p.add_argument("--timeout", type=count(1, 3600), default=30, help="seconds per download (default 30)")
    p.add_argument("--pages", metavar="DIR", help="where crawls keep pages (default: beside --db); a page kept "
                   "there is captured as it was fetched")  # fmt: skip
    p.add_argument("--fetch", action="store_true", help="download the page even when a crawl kept it")
    with_db(p)
    p.set_defaults(func=cmd_capture)

    p = sub.add_parser("serve-copy", help="serve a bundled site copy on 127.0.0.1 (for -a base_url=); "
                       "the archive itself: crawler dashboard")
    p.add_argument("site", help="editorialkaltim, infopublik or suarakalbar")
    p.add_argument("--port", type=count(0, 65535), default=8000, help="port (default 8000; 0: any free port)")
    p.set_defaults(func=cmd_serve)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # inside the try: a reader that went away is noticed here, not at exit
        return code
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except ProfileError as exc:  # a site file (SITES_DIR) or profile that cannot be used
        return fail(str(exc))
    except BrokenPipeError:
        # the reader went away (`crawler export | head -1`): stop quietly
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
