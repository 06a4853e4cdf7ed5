"""``crawler sites``: each site's polling schedule; and which sites a ``crawler crawl`` from cron
crawls (those that are due, :mod:`crawler.cadence`), each as a quick poll or a full walk."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.cadence import Cadence, duration_text
from crawler.cli.common import EXIT_OK, fail, project_settings, with_db
from crawler.cli.sites_add_cli import add_parser as add_site_parser
from crawler.store.polling import SiteDue, parse_time, schedule
from crawler.store.storage import Database, StorageError

if TYPE_CHECKING:
    from crawler.cli.common import Subcommands


def cadence_of(overrides: dict[str, Any]) -> Cadence:
    """The polling policy of the project's settings with ``-s`` overrides."""
    return Cadence.from_settings(project_settings(overrides))


def read_schedule(db_path: str, sites: list[str], cadence: Cadence) -> list[SiteDue]:
    """Every site's schedule; all due (and due a full walk) when the database does not exist yet."""
    if not Path(db_path).exists():
        return [SiteDue.never_crawled(s) for s in sites]
    with Database.open(db_path, readonly=True) as db:
        return schedule(db.conn, sites, cadence)


@dataclass(frozen=True)
class CrawlPlan:
    sites: list[str]  # to crawl now
    quick: frozenset[str]  # of those, polled quickly (the fresh entry points, conditionally)
    waiting: list[SiteDue]  # not due


def plan_due(db_path: str, sites: list[str], cadence: Cadence, *, full: bool) -> CrawlPlan:
    """Of ``sites``, those due now; a due site is polled quickly unless a full walk is due too
    (never one finished, or none for ``FULL_WALK_INTERVAL``) or ``full`` is asked."""
    rows = read_schedule(db_path, sites, cadence)
    due = [r for r in rows if r.due]
    quick = frozenset(r.site for r in due if not (full or r.full_walk))
    return CrawlPlan([r.site for r in due], quick, [r for r in rows if not r.due])


def quiet_tick(db_path: str, sites_dir: str | None) -> str | None:
    """The line of a run from cron where no site is due, decided without loading the spiders
    (most ticks of a schedule every few minutes are such runs, and should cost a fraction of a
    second); None when a site may be due, or its name cannot be known this cheaply: then the
    full check decides. Site names are guessed from the spider modules' and site files' names
    (a module named after its site, the convention); a guess that misses falls through."""
    names = _likely_site_names(sites_dir)
    if not names or not Path(db_path).exists():
        return None
    try:
        db = Database.open(db_path, readonly=True)
    except StorageError:
        return None
    try:
        waiting = [r for r in schedule(db.conn, sorted(names), Cadence()) if not r.due]
    finally:
        db.close()
    return nothing_due(waiting) if len(waiting) == len(names) else None


def _likely_site_names(sites_dir: str | None) -> set[str]:
    import importlib.util
    import pkgutil

    from crawler import settings as ours

    names: set[str] = set()
    for package in ours.SPIDER_MODULES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return set()
        names |= {m.name for m in pkgutil.iter_modules(spec.submodule_search_locations) if not m.name.startswith("_")}
    folder = Path(sites_dir or ours.SITES_DIR)
    return names | ({p.stem for p in folder.glob("*.toml")} if folder.is_dir() else set())


def nothing_due(waiting: list[SiteDue]) -> str:
    """The one line of a run where no site is due."""
    busy = [r.site for r in waiting if r.running]
    running = f" ({', '.join(busy)} still running)" if busy else ""
    soonest = min((r for r in waiting if not r.running), key=lambda r: r.next_due_at or "", default=None)
    if soonest is None:
        return f"no site is due{running}"
    return (
        f"no site is due{running}; next: {soonest.site} at {_clock(soonest.next_due_at)} "
        "(`--all` crawls every site now)"
    )


def _clock(moment: str | None) -> str:
    when = parse_time(moment)
    if when is None:
        return "now"
    left = (when - datetime.now(UTC)).total_seconds()
    return f"{when.strftime('%H:%M')} UTC, in {duration_text(max(left, 0))}"


def cmd_sites(args: argparse.Namespace) -> int:
    from crawler.cli.common import parse_settings
    from crawler.sites.registry import check_sites

    if not Path(args.db).exists():  # not "every site due": a typo in the path says nothing of the schedule
        return fail(f"no such database: {args.db} (nothing crawled into it yet; crawler crawl --db {args.db})")
    try:
        sites = check_sites(args.site)
        cadence = cadence_of(parse_settings(args.set or []))
        rows = read_schedule(args.db, sites, cadence)
    except (ValueError, StorageError) as exc:
        return fail(str(exc))
    if args.format == "json":
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    header = f"{'site':<16} {'interval':>9} {'last run (UTC)':<17} {'status':<11} {'next due':<28} {'next run':<10}"
    print(header)
    print("-" * len(header))
    for r in rows:
        interval = duration_text(r.interval_s) if r.interval_s else "-"
        last = (r.last_run_at or "-")[:16].replace("T", " ")
        kind = "full walk" if r.full_walk else "quick"
        status = "running" if r.running else r.last_status or "-"
        print(f"{r.site:<16} {interval:>9} {last:<17} {status:<11} {_clock(r.next_due_at):<28} {kind:<10}")
        if r.stretched:
            print(f"    {r.stretched}")
    return EXIT_OK


def add_parsers(sub: Subcommands) -> None:
    p = with_db(sub.add_parser("sites", help="each site's polling interval, last crawl and next due time"))
    p.add_argument("--site", action="append", help="one site (repeatable; default: all)")
    p.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="a setting (SCHEDULE_*)")
    p.add_argument("--format", choices=["table", "json"], default="table", help="output format")
    p.set_defaults(func=cmd_sites)
    add_site_parser(p.add_subparsers(dest="sites_command", metavar="{add}"))
