"""The ``crawler`` command: crawl, extract, demo, runs. ``crawler COMMAND --help`` for details."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import urllib.request
from pathlib import Path
from typing import Any

from crawler import __version__
from crawler.storage import Database, StorageError, default_db_path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURE_SITES = PROJECT_ROOT / "fixtures" / "sites"


def fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"crawler: error: {message}", file=sys.stderr)
    return code


# ----------------------------------------------------------------------------- extract


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extract import ExtractionError, extract_article
    from crawler.sites import profile_for_url, profiles

    source: str = args.source
    content_type = None
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": _user_agent()})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (user's URL)
                data = response.read(8 * 1024 * 1024)
                content_type = response.headers.get("Content-Type")
        except Exception as exc:
            return fail(f"cannot fetch {source}: {exc}")
        url = args.url or source
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            return fail(f"cannot read {source}: {exc.strerror or exc}")
        url = args.url or Path(source).resolve().as_uri()
    if args.site:
        profile = profiles().get(args.site)
        if profile is None:
            return fail(f"unknown site {args.site!r}; known: {', '.join(sorted(profiles()))}")
    else:
        profile = profile_for_url(url)
    try:
        article = extract_article(data, url, profile, content_type=content_type)
    except ExtractionError as exc:
        return fail(f"{source}: {exc}")
    record = article.to_dict()
    for internal in ("source_url", "sitemap_lastmod"):
        record.pop(internal, None)
    print(json.dumps(record, ensure_ascii=False, indent=2))
    return EXIT_OK


def _user_agent() -> str:
    from crawler import settings

    return settings.USER_AGENT


# ----------------------------------------------------------------------------- crawl


def _parse_base_urls(values: list[str]) -> dict[str, str]:
    result = {}
    for value in values:
        site, sep, url = value.partition("=")
        if not sep or not url.startswith(("http://", "https://")):
            raise ValueError(f"--base-url wants SITE=http://HOST:PORT, got {value!r}")
        result[site] = url
    return result


def run_crawl(
    sites: list[str],
    db_path: str,
    base_urls: dict[str, str] | None = None,
    spider_args: dict[str, str] | None = None,
    settings_overrides: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Crawl ``sites`` in one process into ``db_path``; returns one summary dict per site."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    from crawler.process import PantauProcess
    from crawler.spider import offload_from_settings

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
        crawler = process.create_crawler(site)
        crawlers[site] = crawler
        process.crawl(crawler, offload=offload, **kwargs)
    try:
        process.start()
    finally:
        offload.close()
    summaries = []
    db = Database.open(db_path, readonly=True)
    try:
        for site, crawler in crawlers.items():
            run_id = crawler.stats.get_value("pantau/run_id")
            row = dict(db.run(run_id)) if run_id else {"site": site, "error": "the crawl did not start"}
            if fatal := crawler.stats.get_value("pantau/fatal"):  # even when the run row could not be written
                row.update(status="failed", error=fatal)
            row.setdefault("status", "failed")
            summaries.append(row)
    finally:
        db.close()
    return summaries


def format_summary(rows: list[dict[str, Any]]) -> str:
    header = f"{'site':<16} {'status':<12} {'requests':>8} {'new':>5} {'updated':>7} {'unchanged':>9} {'skipped':>7} {'dropped':>7} {'errors':>6}"  # noqa: E501
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.get('site', '?'):<16} {r.get('status', '?'):<12} {r.get('requests') or 0:>8} "
            f"{r.get('new') or 0:>5} {r.get('updated') or 0:>7} {r.get('unchanged') or 0:>9} "
            f"{r.get('skipped') or 0:>7} {r.get('dropped') or 0:>7} {r.get('errors') or 0:>6}"
        )
        for column, label in (("dropped_reasons", "dropped"), ("entry_failures", "entry points failed"),
                              ("refused", "URLs not fetched as articles")):  # fmt: skip
            counts = r.get(column)
            counts = json.loads(counts) if isinstance(counts, str) else counts
            if counts:
                lines.append(f"    {label}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for r in rows:
        if r.get("status") == "failed":
            lines.append(f"FAILED {r.get('site')}: {r.get('error') or 'no page could be fetched'}")
    return "\n".join(lines)


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.sites import profiles

    known = sorted(profiles())
    sites = args.site or known
    unknown = [s for s in sites if s not in known]
    if unknown:
        return fail(f"unknown site(s): {', '.join(unknown)}; known: {', '.join(known)}")
    try:
        base_urls = _parse_base_urls(args.base_url or [])
        preflight(args.db, sites)
    except (ValueError, StorageError) as exc:
        return fail(str(exc))
    spider_args = {}
    if args.refresh:
        spider_args["refresh"] = "1"
    if args.since:
        spider_args["since"] = args.since
    if args.max_items:
        spider_args["max_items"] = str(args.max_items)
    overrides: dict[str, Any] = {"LOG_LEVEL": args.log_level}
    for item in args.set or []:
        key, _, value = item.partition("=")
        overrides[key] = value
    rows = run_crawl(sites, args.db, base_urls, spider_args, overrides)
    warnings = check_health(args.db, rows)
    if args.format == "json":
        print(json.dumps({"runs": rows, "warnings": warnings}, ensure_ascii=False, indent=2, default=str))
    else:
        print(format_summary(rows))
        for warning in warnings:
            print(f"WARNING {warning}")
    if any(r.get("status") == "failed" for r in rows):
        return EXIT_FAILED
    return EXIT_FAILED if warnings and args.strict else EXIT_OK


def preflight(db_path: str, sites: list[str]) -> None:
    """Fail at start, clearly, on what would otherwise fail silently during the crawl: an invalid
    selector in a site profile, a database that cannot be opened, repaired or read."""
    from crawler.sites import profiles

    for site in sites:
        profiles()[site].check()
    db = Database.open(db_path)
    try:
        for site in sites:
            try:
                db.known_articles(site)
                db.listing_states(site)
            except sqlite3.Error as exc:
                raise StorageError(f"cannot read what is stored for {site} in {db_path}: {exc}") from exc
    finally:
        db.close()


def check_health(db_path: str, rows: list[dict[str, Any]]) -> list[str]:
    from crawler.health import check_run

    db = Database.open(db_path)
    try:
        return [w for r in rows if r.get("id") for w in check_run(db, r["id"])]
    finally:
        db.close()


# ----------------------------------------------------------------------------- demo


def cmd_demo(args: argparse.Namespace) -> int:
    """Serve the bundled fixture copies of the sites on 127.0.0.1 and crawl them."""
    from contextlib import ExitStack

    from crawler.localserver import LocalSite
    from crawler.sites import profiles

    if not FIXTURE_SITES.is_dir():
        return fail(f"the fixture sites are missing ({FIXTURE_SITES})")
    sites = [s for s in sorted(profiles()) if (FIXTURE_SITES / s).is_dir()]
    try:
        Database.open(args.db).close()
    except StorageError as exc:
        return fail(str(exc))
    with ExitStack() as stack:
        servers = {s: stack.enter_context(LocalSite(FIXTURE_SITES / s)) for s in sites}
        for site, server in servers.items():
            print(f"serving {site} on {server.url}", file=sys.stderr)
        rows = run_crawl(
            sites, args.db, {s: srv.url for s, srv in servers.items()}, {},
            {"LOG_LEVEL": args.log_level, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0},
        )  # fmt: skip
    print(format_summary(rows))
    print(f"\nDatabase: {args.db}. Try:\n  sqlite3 {args.db} 'select site, published_date, title from articles'")
    return EXIT_FAILED if any(r.get("status") == "failed" for r in rows) else EXIT_OK


# ----------------------------------------------------------------------------- queries


def _open_readonly(path: str) -> Database:
    return Database.open(path, readonly=True)


def cmd_search(args: argparse.Namespace) -> int:
    from crawler.queries import parse_since, search

    try:
        db = _open_readonly(args.db)
        rows = search(db, args.query, args.site, parse_since(args.since), args.topic, args.limit)
    except (StorageError, ValueError) as exc:
        return fail(str(exc))
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            day = r["published_date"] or "----------"
            print(f"{day}  {r['site']:<16} {r['title']}\n    {r['url']}\n    {r['snippet']}\n")
        print(f"{len(rows)} result(s)", file=sys.stderr)
    db.close()
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from crawler.queries import parse_since, report, report_markdown

    try:
        db = _open_readonly(args.db)
        data = report(db, parse_since(args.since) or "0000", args.topic)
    except (StorageError, ValueError) as exc:
        return fail(str(exc))
    db.close()
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        import csv

        columns = ["topic", "published_date", "site", "location", "title", "url", "terms", "snippet"]
        writer = csv.DictWriter(sys.stdout, columns)
        writer.writeheader()
        writer.writerows(data["matches"])
    else:
        print(report_markdown(data), end="")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    import csv

    from crawler.queries import EXPORT_COLUMNS, export_rows, parse_since

    try:
        db = _open_readonly(args.db)
        rows = export_rows(db, parse_since(args.since))
        out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
    except (StorageError, ValueError, OSError) as exc:
        return fail(str(exc))
    count = 0
    try:
        if args.format == "csv":
            writer = csv.DictWriter(out, EXPORT_COLUMNS)
            writer.writeheader()
            for row in rows:
                writer.writerow(row)
                count += 1
        else:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
    finally:
        if out is not sys.stdout:
            out.close()
        db.close()
    print(f"exported {count} article(s)", file=sys.stderr)
    return EXIT_OK


# ----------------------------------------------------------------------------- runs


def cmd_runs(args: argparse.Namespace) -> int:
    try:
        db = Database.open(args.db, readonly=True)
    except StorageError as exc:
        return fail(str(exc))
    from crawler.queries import rows_of

    rows = rows_of(db.conn.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?", (args.limit,)))
    db.close()
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(format_summary(rows))
    return EXIT_OK


# ----------------------------------------------------------------------------- db


def cmd_db_repair(args: argparse.Namespace) -> int:
    """Open the database for writing, which recreates what is missing, and say what was done."""
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crawler", description="Pantau: monitoring crawler for Indonesian regional news."
    )
    parser.add_argument("--version", action="version", version=f"pantau {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", default=default_db_path(), help="SQLite file (default: $PANTAU_DB or data/pantau.db)")
        return p

    p = sub.add_parser("extract", help="print the article record of one page as JSON")
    p.add_argument("source", help="an HTML file or an http(s) URL")
    p.add_argument("--url", help="the page's URL (to pick the site profile and resolve links)")
    p.add_argument("--site", help="use this site's profile instead of inferring it from the URL")
    p.set_defaults(func=cmd_extract)

    p = with_db(sub.add_parser("crawl", help="crawl sites into the database (for cron)"))
    p.add_argument("--site", action="append", help="a site to crawl (repeatable; default: all)")
    p.add_argument("--base-url", action="append", metavar="SITE=URL", help="crawl a mirror of SITE at URL")
    p.add_argument("--refresh", action="store_true", help="re-fetch articles already stored")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="ignore articles older than this")
    p.add_argument("--max-items", type=int, metavar="N", help="at most N article pages per site")
    p.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="a Scrapy setting")
    p.add_argument("--log-level", default="INFO", help="Scrapy log level (default INFO)")
    p.add_argument("--strict", action="store_true", help="exit 1 when crawl health warns (field coverage dropped)")
    p.add_argument("--format", choices=["table", "json"], default="table", help="summary format")
    p.set_defaults(func=cmd_crawl)

    p = with_db(sub.add_parser("search", help="full-text search with highlighted snippets"))
    p.add_argument("query", help="words, or FTS5 syntax: netralitas AND (pilkada OR pemilu)")
    p.add_argument("--site")
    p.add_argument("--since", help="7d, 24h, 2w or YYYY-MM-DD (publication date)")
    p.add_argument("--topic", help="only articles matching this watchlist topic")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_search)

    p = with_db(sub.add_parser("report", help="new and updated articles, topic matches, multi-site stories"))
    p.add_argument("--since", default="7d", help="7d (default), 24h, 2w or YYYY-MM-DD (first seen)")
    p.add_argument("--topic")
    p.add_argument("--format", choices=["md", "json", "csv"], default="md")
    p.set_defaults(func=cmd_report)

    p = with_db(sub.add_parser("export", help="all articles as CSV or JSON lines"))
    p.add_argument("--format", choices=["csv", "jsonl"], default="jsonl")
    p.add_argument("--since", help="only articles first seen since: 7d, 24h, 2w or YYYY-MM-DD")
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_export)

    p = with_db(sub.add_parser("demo", help="crawl the bundled fixture sites served on 127.0.0.1"))
    p.add_argument("--log-level", default="WARNING")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("db", help="database maintenance")
    db_sub = p.add_subparsers(dest="db_command", required=True)
    p = with_db(db_sub.add_parser("repair", help="recreate missing indexes, triggers, views and the search index"))
    p.set_defaults(func=cmd_db_repair)

    p = with_db(sub.add_parser("runs", help="recent crawl runs"))
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_runs)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return fail("interrupted", 130)


if __name__ == "__main__":
    sys.exit(main())
