"""``crawler store --from-redis`` (the one writer) and ``crawler schedule`` (Scrapyd nodes)."""

from __future__ import annotations

import argparse
import signal
import sqlite3
import sys
import time
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_FAILED, EXIT_OK, count, fail, parse_base_urls, parse_settings, with_db
from crawler.store.storage import Database, StorageError

if TYPE_CHECKING:
    from crawler.alerts.config import Config
    from crawler.cadence import Cadence
    from crawler.cli.common import Subcommands


def cmd_store(args: argparse.Namespace) -> int:
    """Apply the records of crawls elsewhere, from Redis, to the SQLite file."""
    from crawler.store.relay import connect, safe_url
    from crawler.store.stream_writer import Writer, WriterBusy, backlog

    if not args.from_redis:
        return fail("--from-redis URL (or $REDIS_URL) is needed: the stream the crawls send their records to")
    try:
        cadence, config = _writer_options(args)
    except ValueError as exc:
        return fail(str(exc))
    try:
        client = connect(args.from_redis)
        db = Database.open(args.db)
    except StorageError as exc:
        print(f"FAILED writer: {exc}")
        return EXIT_FAILED
    stopping: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda number, frame: stopping.append(number))
    last = [time.monotonic()]

    def after_batch(writer: Writer) -> None:
        if writer.runs_finished and config is not None:
            _notify(args.db, config)
            writer.runs_finished.clear()
        if time.monotonic() - last[0] >= args.progress:
            last[0] = time.monotonic()
            print(f"stored {writer.applied} records; {backlog(client)} waiting", file=sys.stderr, flush=True)

    try:
        writer = Writer(db, client, consumer=args.consumer, batch=args.batch, cadence=cadence)
        try:
            writer.setup()
            print(f"writer: {safe_url(args.from_redis)} -> {args.db}", file=sys.stderr, flush=True)
            applied = writer.run(until_idle=args.until_idle, stop=lambda: bool(stopping), on_batch=after_batch)
        finally:
            writer.close()
    except WriterBusy as exc:
        return fail(str(exc))
    except StorageError as exc:
        print(f"FAILED writer: {exc}")
        return EXIT_FAILED
    except sqlite3.Error as exc:  # the database refused the batch (disk full...): it is read again next time
        print(f"FAILED writer: database write failed: {exc}")
        return EXIT_FAILED
    finally:
        db.close()
    aside = f"; {writer.set_aside} set aside as bad records (rejects, kind 'record')" if writer.set_aside else ""
    print(
        f"stored {applied - writer.set_aside} records from {safe_url(args.from_redis)} into {args.db}{aside}"
        + (" (stopped)" if stopping else "")
    )
    return EXIT_OK


def _writer_options(args: argparse.Namespace) -> tuple[Cadence, Config | None]:
    """The polling policy the writer keeps the schedule by (``-s SCHEDULE_*``) and, with
    ``--notify``, the alert channels; ValueError when either is unusable."""
    from crawler.cli.sites_cli import cadence_of

    cadence = cadence_of(parse_settings(args.set or []))
    if not args.notify:
        return cadence, None
    from crawler.cli.notify_cli import read_config

    return cadence, read_config(args.config)


def _notify(db_path: str, config: Config) -> None:
    from crawler.cli.notify_cli import notify

    code, text = notify(db_path, config, None, backfill=False, dry_run=False)
    if text:
        print(text, flush=True)


def cmd_schedule(args: argparse.Namespace) -> int:
    from crawler.sites.registry import check_sites, profiles

    if args.site and args.all:
        return fail("--site and --all say different things: --site NAME schedules those sites, --all every site")
    nodes = list(dict.fromkeys(n.rstrip("/") for n in args.scrapyd))
    if not args.timeout > 0:
        return fail(f"--timeout must be above 0 seconds, got {args.timeout:g}")
    if args.status:
        return _print_status(nodes, args.project, args.timeout)
    known = sorted(profiles())
    try:
        sites = check_sites(args.site)
    except ValueError as exc:
        return fail(str(exc))
    if not args.redis:
        return fail("--redis URL (or $REDIS_URL) is needed: the jobs send their records there")
    try:
        base_urls = parse_base_urls(args.base_url or [], known)
        settings = {k: str(v) for k, v in parse_settings(args.set or []).items()}
    except ValueError as exc:
        return fail(str(exc))
    settings["REDIS_URL"] = args.redis
    spider_args: dict[str, dict[str, str]] = {site: {"base_url": url} for site, url in base_urls.items()}
    if not (args.site or args.all):  # the sites that are due, by the schedule the writer keeps in --db
        from crawler.cli.sites_cli import cadence_of, nothing_due, plan_due

        try:
            plan = plan_due(args.db, sites, cadence_of(settings), full=False)
        except StorageError as exc:
            return fail(str(exc))
        if not plan.sites:
            print(nothing_due(plan.waiting))
            return EXIT_OK
        sites = plan.sites
        for site in plan.quick:
            spider_args.setdefault(site, {})["quick"] = "1"
    return _schedule_jobs(nodes, sites, settings, spider_args=spider_args, project=args.project, timeout=args.timeout)


def _schedule_jobs(
    nodes: list[str],
    sites: list[str],
    settings: dict[str, str],
    *,
    spider_args: dict[str, dict[str, str]],
    project: str,
    timeout: float,
) -> int:
    from crawler.cli.schedule import schedule

    rows = schedule(nodes, sites, settings, spider_args=spider_args, project=project, timeout=timeout)
    print(f"{'site':<16} {'node':<28} {'status':<10} job")
    for r in rows:
        print(
            f"{r['site']:<16} {r['node']:<28} {r['status']:<10} {r.get('job') or ''}"
            + (f"  ({r['error']})" if r["status"] == "skipped" else "")
        )
    for r in rows:
        if r["status"] == "failed":
            print(f"FAILED {r['site']}: {r['error']}")
    return EXIT_FAILED if any(r["status"] == "failed" for r in rows) else EXIT_OK


def _print_status(nodes: list[str], project: str, timeout: float) -> int:
    """Jobs per Scrapyd node: running and pending, with their sites."""
    from crawler.cli.schedule import ScrapydError, jobs, public

    code = EXIT_OK
    for node in nodes:
        try:
            listed = jobs(node, project, timeout)
        except ScrapydError as exc:
            print(f"FAILED {exc}")
            code = EXIT_FAILED
            continue
        print(f"{public(node)}: " + ", ".join(f"{len(v)} {k}" for k, v in listed.items()))
        for state in ("running", "pending"):
            for job in listed[state]:
                print(f"    {state:<8} {job['spider']:<16} {job['id']} {job.get('start_time') or ''}")
    return code


def add_parsers(sub: Subcommands) -> None:
    import os

    p = with_db(sub.add_parser("store", help="the one writer: store records that crawls sent to Redis"))
    env_redis = os.environ.get("REDIS_URL")
    p.add_argument("--from-redis", metavar="URL", default=env_redis, help="redis://HOST:PORT/DB (default: $REDIS_URL)")
    p.add_argument("--until-idle", action="store_true", help="stop when the stream has nothing new (for cron)")
    p.add_argument("--batch", type=count(1, 10_000), default=200, help="records per transaction (default 200)")
    p.add_argument("--consumer", default="writer", help="this writer's name in the consumer group")
    p.add_argument("--progress", type=count(1, 86_400), default=30, help="seconds between progress lines")
    p.add_argument("--notify", action="store_true", help="send alerts (pantau.toml) after each finished crawl run")
    p.add_argument("--config", help="with --notify: the configuration file")
    p.add_argument(
        "-s",
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="a setting of the polling policy the schedule is kept by (SCHEDULE_MIN_INTERVAL...)",
    )
    p.set_defaults(func=cmd_store)

    p = with_db(sub.add_parser("schedule", help="start crawls of the due sites on Scrapyd nodes, a site on its node"))
    p.add_argument("--scrapyd", action="append", required=True, metavar="URL", help="a Scrapyd node (repeatable)")
    p.add_argument(
        "--redis",
        default=os.environ.get("REDIS_URL"),
        metavar="URL",
        help="where the jobs send their records (default: $REDIS_URL)",
    )
    p.add_argument("--site", action="append", help="a site to schedule now, due or not (repeatable)")
    p.add_argument("--all", action="store_true", help="schedule every site now, due or not")
    p.add_argument("--base-url", action="append", metavar="SITE=URL", help="crawl a mirror of SITE at URL")
    p.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="a Scrapy setting for the jobs")
    p.add_argument("--project", default="pantau", help="the Scrapyd project (default pantau)")
    p.add_argument("--status", action="store_true", help="jobs per node instead of scheduling")
    p.add_argument(
        "--timeout",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="the most a node may take to answer one call in all (default 15)",
    )
    p.set_defaults(func=cmd_schedule)
