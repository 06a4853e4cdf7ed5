"""``crawler reextract``: today's extraction over the pages kept as fetched (the work is
:mod:`crawler.store.reextract`), e.g. after a site profile was fixed."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_FAILED, EXIT_OK, count, fail, project_settings, with_db
from crawler.store.storage import Database, StorageError

if TYPE_CHECKING:
    from crawler.cli.common import Subcommands


def cmd_reextract(args: argparse.Namespace) -> int:
    from crawler.arguments import since_moment
    from crawler.enrichment.topics import load_topics
    from crawler.fetch.page_archive import archive_dir
    from crawler.sites.registry import check_sites, profiles
    from crawler.store.kept_pages import DamagedFile, kept_pages
    from crawler.store.reextract import Outcome, reextract

    if not Path(args.db).exists():
        return fail(f"no such database: {args.db}")
    try:
        sites = check_sites(args.site)
        since = since_moment(args.since, "--since") if args.since else None
    except ValueError as exc:
        return fail(str(exc))
    settings = project_settings({"DB_PATH": args.db})
    folder = Path(args.pages) if args.pages else archive_dir(settings)
    if not any((folder / site).is_dir() for site in sites):
        return fail(f"no kept pages under {folder} for {', '.join(sites)} (PAGE_ARCHIVE; --pages DIR)")
    moment = since if since is None or isinstance(since, datetime) else datetime.combine(since, time.min, tzinfo=UTC)

    def progress(out: Outcome) -> None:
        print(f"... {out.pages} pages, {out.changed} articles changed", file=sys.stderr, flush=True)

    try:
        db = Database.open(args.db)
    except StorageError as exc:
        return fail(str(exc))
    damaged: list[DamagedFile] = []
    pages = kept_pages(folder, sites, moment, damaged=damaged)
    try:
        min_words = settings.getint("ARTICLE_MIN_WORDS", 40)
        out = reextract(
            db, pages, profiles(), topics=load_topics(), min_words=min_words, batch=args.batch, progress=progress
        )
    except (sqlite3.Error, StorageError) as exc:
        print(f"FAILED reextract: the database refused the changes: {exc} (what was done before is kept)")
        return EXIT_FAILED
    finally:
        db.close()
    print(
        f"re-extracted {out.pages} kept page(s) of {', '.join(sites)}: {out.changed} article(s) changed, "
        f"{out.unchanged} unchanged, {out.not_stored} not stored, {out.no_article} no article today, "
        f"{out.errors + len(damaged)} error(s)"
    )
    for damage in damaged:
        print(f"DAMAGED {damage}")
    if out.fields:
        print(f"{'field':<16} {'articles changed':>16}")
        for name, n in sorted(out.fields.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"{name:<16} {n:>16}")
    return EXIT_OK if not (out.errors or damaged) else EXIT_FAILED


def add_parsers(sub: Subcommands) -> None:
    p = with_db(sub.add_parser("reextract", help="run today's extraction over the kept pages (no re-crawl)"))
    p.add_argument("--site", action="append", help="one site (repeatable; default: all)")
    p.add_argument("--since", metavar="WHEN", help="only pages fetched since: YYYY-MM-DD, 7d, 24h, 2w")
    p.add_argument(
        "--pages", metavar="DIR", help="where the pages are kept (default: PAGE_ARCHIVE_DIR, beside the database)"
    )
    p.add_argument("--batch", type=count(1, 10_000), default=50, help="pages per transaction (default 50)")
    p.set_defaults(func=cmd_reextract)
