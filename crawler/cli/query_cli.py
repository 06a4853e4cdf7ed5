"""Reading the archive: ``search``, ``report``, ``export``, ``runs``; and ``db`` maintenance."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    Parser,
    check_names,
    count,
    fail,
    one_line,
    open_readonly,
    terminal_safe,
    with_db,
)
from crawler.cli.summary import RUN_JSON_COLUMNS, format_summary
from crawler.cli.writers import as_cells, json_array, output_file, write_csv
from crawler.store.queries import decoded
from crawler.store.storage import Database, StorageError

if TYPE_CHECKING:
    from crawler.cli.common import Subcommands


def cmd_search(args: argparse.Namespace) -> int:
    from crawler.store.queries import BROAD_MATCHES, parse_since, search, search_total

    try:
        db = open_readonly(args.db)
    except StorageError as exc:
        return fail(str(exc))
    try:
        check_names(db, args.site, args.topic)
        since = parse_since(args.since)
        rows = search(db, args.query, args.site, since=since, topic=args.topic, limit=args.limit)
        total = (
            search_total(db, args.query, args.site, since=since, topic=args.topic)
            if len(rows) == args.limit
            else len(rows)
        )
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
        of = (
            ""
            if total == len(rows)
            else (f" of more than {BROAD_MATCHES:,}" if total > BROAD_MATCHES else f" of {total}")
        )
        print(
            f"{len(rows)}{of} result(s)"
            + (
                ", newest first: the words match too many articles to rank (add a rarer word to rank by relevance)"
                if newest
                else ""
            ),
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from crawler.store.queries import parse_since
    from crawler.store.report import report, report_markdown

    try:
        with open_readonly(args.db) as db:
            check_names(db, topic=args.topic)
            since = parse_since(args.since)
            data = report(
                db, parse_since(args.seen_since, "--seen-since") or "0000", topic=args.topic, published_since=since
            )
    except (StorageError, ValueError) as exc:
        return fail(str(exc))
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        write_csv(sys.stdout, ["site", "new", "updated"], data["sites"], raw=args.raw)
        print()  # a second table: the matches
        columns = ["topic", "published_date", "site", "location", "title", "url", "terms", "snippet"]
        write_csv(sys.stdout, columns, data["matches"], raw=args.raw)
    else:
        print(terminal_safe(report_markdown(data)), end="")
    return EXIT_OK


EXTENSIONS = {".json": "json", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def export_format(given: str | None, output: str | None) -> str:
    """The format an export is written in: the one given, else the output file's extension's, else
    JSON lines; ValueError when the two disagree (``-o out.json --format csv``)."""
    implied = EXTENSIONS.get(Path(output).suffix.lower()) if output else None
    if given and implied and given != implied:
        raise ValueError(f"--format {given} does not match {output} (a {implied} file); give one or the other")
    return given or implied or "jsonl"


def cmd_export(args: argparse.Namespace) -> int:
    from crawler.store.queries import EXPORT_COLUMNS, export_rows, parse_since

    try:
        args.format = export_format(args.format, args.output)
    except ValueError as exc:
        return fail(str(exc))

    try:
        db = open_readonly(args.db)
    except StorageError as exc:
        return fail(str(exc))
    try:
        rows = export_rows(db, parse_since(args.since), parse_since(args.seen_since, "--seen-since"))
        with output_file(args.output) as out:
            if args.format == "csv":
                written = write_csv(out, EXPORT_COLUMNS, (as_cells(r) for r in rows), raw=args.raw)
            elif args.format == "json":
                written = json_array(out, rows)
            else:
                written = 0
                for row in rows:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                    written += 1
    except ValueError as exc:
        return fail(str(exc))
    except OSError as exc:
        if isinstance(exc, BrokenPipeError) and not args.output:
            raise  # standard output's reader went away (`| head`): a quiet stop
        return fail(
            f"cannot write {args.output or 'the output'}: {exc.strerror or exc}; nothing was left half-written",
            EXIT_FAILED,
        )
    finally:
        db.close()
    print(f"exported {written} article(s)", file=sys.stderr)
    return EXIT_OK


def cmd_runs(args: argparse.Namespace) -> int:
    try:
        db = Database.open(args.db, readonly=True)
    except StorageError as exc:
        return fail(str(exc))
    from crawler.store.queries import rows_of

    rows = rows_of(db.conn.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?", (args.limit,)))
    from crawler.alerts.queue import status

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
                print(
                    terminal_safe(
                        f"deliveries to {d['channel']}: {d['retrying'] or 0} waiting to retry, "
                        f"{d['failed'] or 0} failed; last error: {d['last_error']}"
                    )
                )
    return EXIT_OK


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


def cmd_db_check(args: argparse.Namespace) -> int:
    """Read every page of the file (changing nothing): exit 0 when it is sound, 1 with the
    problems when it is damaged. For a weekly cron line: opening a large file does not check it whole."""
    import time

    from crawler.store.connect import damage

    path = Path(args.db)
    if not path.is_file():  # checking never creates a database
        return fail(f"no such database: {args.db}")
    size = path.stat().st_size
    shown = f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{max(size / 2**10, 1):,.0f} KB"
    print(f"{args.db}: reading all {shown} (a minute per few GB)...", file=sys.stderr, flush=True)
    started = time.monotonic()
    problems = damage(args.db)
    took = time.monotonic() - started
    if not problems:
        print(f"{args.db}: ok, every page read in {took:.1f} s")
        return EXIT_OK
    for line in problems:
        print(f"  {terminal_safe(line)}")
    print(
        f"FAILED {args.db}: damaged ({len(problems)} problem(s) above); the file was left untouched. Restore it "
        f"from a backup, or copy what can be read to a new file: sqlite3 {args.db} .dump | sqlite3 recovered.db "
        "(where a table itself is damaged, .recover instead of .dump)"
    )
    return EXIT_FAILED


def add_parsers(sub: Subcommands) -> None:
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
    p.add_argument(
        "--format",
        choices=["csv", "jsonl", "json"],
        help="jsonl (one article per line), json (one array), csv; default: the extension of -o, else jsonl",
    )
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
    p = with_db(db_sub.add_parser("check", help="read every page of the file: is it sound? (changes nothing)"))
    p.set_defaults(func=cmd_db_check)
    p = with_db(db_sub.add_parser("init", help="create an empty database (an existing one is upgraded)"))
    p.set_defaults(func=cmd_db_init)
