"""``crawler crawl``: the sites that are due (or named), one process, a summary."""

from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING, Any

from crawler.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    count,
    fail,
    parse_base_urls,
    parse_settings,
    with_db,
    with_log_level,
)
from crawler.cli.summary import print_crawl
from crawler.fetch.runner import check_health, preflight, run_crawl
from crawler.store.storage import StorageError

if TYPE_CHECKING:
    from crawler.alerts.config import Config
    from crawler.cli.common import Subcommands


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.cli.sites_cli import cadence_of, nothing_due, plan_due, quiet_tick

    if args.site and args.all:
        return fail("--site and --all say different things: --site NAME crawls those sites, --all every site")
    if not (args.site or args.all or args.redis or os.environ.get("REDIS_URL")) and args.format == "table":
        sites_dir = next((s.partition("=")[2] for s in args.set or [] if s.startswith("SITES_DIR=")), None)
        if line := quiet_tick(args.db, sites_dir):  # from cron, nothing due: said without loading Scrapy
            print(line)
            return EXIT_OK
    from crawler.sites.registry import check_sites, profiles

    known = sorted(profiles())
    try:
        sites = check_sites(args.site)
    except ValueError as exc:
        return fail(str(exc))
    redis_url = args.redis or os.environ.get("REDIS_URL")  # passed to the crawl as a setting (below)
    quick: frozenset[str] = frozenset()
    try:  # everything that can be wrong is found before the crawl starts, not after
        config = _notify_config(args, redis_url)
        base_urls = parse_base_urls(args.base_url or [], known)
        overrides: dict[str, Any] = {"LOG_LEVEL": args.log_level, **parse_settings(args.set or [])}
        spider_args = _spider_args(args)
        if not (args.site or args.all or redis_url):  # from cron: the sites that are due
            plan = plan_due(args.db, sites, cadence_of(overrides), full=bool(args.full or spider_args))
            if not plan.sites:
                print(
                    json.dumps({"runs": [], "warnings": [], "due": []})
                    if args.format == "json"
                    else nothing_due(plan.waiting)
                )
                return EXIT_OK
            sites, quick = plan.sites, plan.quick
        preflight(None if redis_url else args.db, sites)
        if redis_url:
            from crawler.store.relay import connect

            connect(redis_url).close()
            overrides["REDIS_URL"] = redis_url
    except (ValueError, StorageError) as exc:
        return fail(str(exc))
    outcomes = run_crawl(
        sites, args.db, base_urls=base_urls, spider_args=spider_args, settings_overrides=overrides, quick=quick
    )
    warnings = [] if redis_url else check_health(args.db, outcomes)
    print_crawl(args.format, [o.row() for o in outcomes], warnings, distributed=bool(redis_url))
    code = EXIT_OK
    if config is not None:
        from crawler.cli.notify_cli import notify

        code, text = notify(args.db, config, None, backfill=False, dry_run=False)
        if text:
            print(text)
    if any(o.failed for o in outcomes):
        return EXIT_FAILED
    return EXIT_FAILED if warnings and args.strict else code


def _notify_config(args: argparse.Namespace, redis_url: str | None) -> Config | None:
    """The alert channels of ``crawl --notify`` (None without it); ValueError when unusable."""
    if not args.notify:
        return None
    if redis_url:
        raise ValueError(
            "--notify: in distributed mode the writer sends alerts (crawler store --from-redis URL --notify)"
        )
    from crawler.cli.notify_cli import read_config

    config = read_config(args.config)
    if not config.channels:
        raise ValueError("--notify: no channels; write a pantau.toml (docs/alerts.md) or give --config PATH")
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


def add_parsers(sub: Subcommands) -> None:
    p = with_db(sub.add_parser("crawl", help="crawl the sites that are due into the database (for cron)"))
    p.add_argument("--site", action="append", help="a site to crawl now, due or not (repeatable; a full walk)")
    p.add_argument("--all", action="store_true", help="crawl every site now, due or not (a full walk)")
    p.add_argument("--full", action="store_true", help="a due site gets a full walk, not a quick poll")
    p.add_argument("--base-url", action="append", metavar="SITE=URL", help="crawl a mirror of SITE at URL")
    p.add_argument("--refresh", action="store_true", help="re-fetch articles already stored")
    p.add_argument("--since", metavar="WHEN", help="ignore articles older than this: YYYY-MM-DD, 7d, 24h, 2w")
    p.add_argument("--max-items", type=count(1, 10**9), metavar="N", help="at most N article pages per site")
    p.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="a Scrapy setting")
    with_log_level(p, "PROGRESS", "PROGRESS (default: progress lines, warnings, errors), DEBUG, INFO, WARNING, ERROR")
    p.add_argument("--strict", action="store_true", help="exit 1 when crawl health warns (field coverage dropped)")
    p.add_argument("--format", choices=["table", "json"], default="table", help="summary format")
    p.add_argument("--notify", action="store_true", help="then send new matches to the channels of pantau.toml")
    p.add_argument("--config", help="with --notify: the configuration file (default: $PANTAU_CONFIG or ./pantau.toml)")
    p.add_argument(
        "--redis",
        metavar="URL",
        help="distributed mode: send records to this Redis (default: $REDIS_URL) "
        "instead of the database; `crawler store --from-redis URL` stores them",
    )
    p.set_defaults(func=cmd_crawl)
