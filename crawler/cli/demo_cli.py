"""The bundled site copies (reconstructions, never live pages): ``demo`` crawls them into a database
of its own, ``serve-copy`` serves one on 127.0.0.1 for ``scrapy crawl SITE -a base_url=``."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_FAILED, EXIT_OK, FIXTURE_SITES, count, fail, with_log_level
from crawler.cli.summary import format_summary
from crawler.fetch.runner import run_crawl
from crawler.store.storage import Database, StorageError

if TYPE_CHECKING:
    from crawler.cli.common import Subcommands

DEMO_DB = "data/demo.db"


def cmd_demo(args: argparse.Namespace) -> int:
    """Serve the bundled copies of the sites on 127.0.0.1 and crawl them into a database of their
    own: the copies are reconstructions, and must never mix with live crawls."""
    from contextlib import ExitStack

    from crawler.cli.localserver import LocalSite
    from crawler.sites.registry import profiles

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
        return fail(
            f"{args.db} holds live crawls; the demo's reconstructed pages go to a database of their own "
            f"(default {DEMO_DB})"
        )
    with ExitStack() as stack:
        servers = {s: stack.enter_context(LocalSite(FIXTURE_SITES / s)) for s in sites}
        for site, server in servers.items():
            print(f"serving {site} on {server.url}", file=sys.stderr)
        outcomes = run_crawl(
            sites,
            args.db,
            base_urls={s: srv.url for s, srv in servers.items()},
            settings_overrides={"LOG_LEVEL": args.log_level, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0},
        )
    print(format_summary([o.row() for o in outcomes]))
    db_arg = f" --db {args.db}"
    print(
        f"\nDemo database: {args.db} (bundled reconstructions of the sites, not live pages). Try:\n"
        f"  crawler search netralitas{db_arg}\n"
        f"  crawler report{db_arg}\n"
        f"  crawler runs{db_arg}\n"
        f"  sqlite3 {args.db} 'select site, published_date, title from articles'\n"
        f"  crawler dashboard{db_arg}   # charts, search and crawl health in a browser"
    )
    return EXIT_FAILED if any(o.failed for o in outcomes) else EXIT_OK


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
        print(
            f"  scrapy crawl {args.site} -a base_url={site.url}\n"
            f"  crawler crawl --site {args.site} --base-url {args.site}={site.url} --db data/demo.db",
            flush=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return EXIT_OK


def add_parsers(sub: Subcommands) -> None:
    """The demo and the served copies."""
    p = sub.add_parser("demo", help="crawl the bundled site copies, served on 127.0.0.1, into data/demo.db")
    p.add_argument("--db", default=DEMO_DB, help=f"the demo's own SQLite file (default {DEMO_DB})")
    with_log_level(p, "WARNING", "DEBUG, INFO, PROGRESS, WARNING (default), ERROR")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "serve-copy",
        help="serve a bundled site copy on 127.0.0.1 (for -a base_url=); the archive itself: crawler dashboard",
    )
    p.add_argument("site", help="editorialkaltim, infopublik or suarakalbar")
    p.add_argument("--port", type=count(0, 65535), default=8000, help="port (default 8000; 0: any free port)")
    p.set_defaults(func=cmd_serve)
