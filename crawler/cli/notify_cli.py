"""``crawler notify`` and ``crawler feed``: alerts to the people Pantau serves (see crawler.alerts.notify)."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import TYPE_CHECKING, Any

from crawler.alerts.config import Config, ConfigError, load_config
from crawler.cli.common import EXIT_FAILED, EXIT_OK, count, fail, with_db
from crawler.store.storage import Database, StorageError

if TYPE_CHECKING:
    from types import FrameType

    from crawler.cli.common import Subcommands


def read_config(path: str | None) -> Config:
    """The configuration, with the watchlist's topic names to check channels against."""
    from crawler.alerts.secrets import hide_in_logs
    from crawler.enrichment.topics import load_topics

    config = load_config(path, {t.name for t in load_topics()})
    hide_in_logs(secret for channel in config.channels.values() for secret in channel.secrets)
    return config


def format_results(results: list[Any], dry_run: bool = False) -> str:
    lines = []
    for r in results:
        if r.feed_entries is not None:
            lines.append(f"{r.name}: feed {'would have' if dry_run else 'written with'} {r.feed_entries} entries")
        elif dry_run:
            lines.append(f"{r.name}: {len(r.previews)} message(s) would be sent")
            for title, body in r.previews:
                lines += ["", f"  {title}", *(f"    {line}" for line in body.splitlines())]
        else:
            parts = [f"{r.sent} sent in {r.messages} message(s)"]
            if r.failed:
                parts.append(f"{r.failed} not sent")
            if r.waiting:
                parts.append(f"{r.waiting} waiting to retry")
            if r.given_up:
                parts.append(f"{r.given_up} given up (marked failed)")
            lines.append(f"{r.name}: " + ", ".join(parts))
    lines += [f"FAILED channel {r.name}: {r.error}" for r in results if r.error]
    return "\n".join(lines)


def notify(db_path: str, config: Config, names: list[str] | None, *, backfill: bool, dry_run: bool) -> tuple[int, str]:
    """Run the channels; (exit code, summary). Exit 1 when a channel could not deliver."""
    from crawler.alerts.notify import run_notify

    db = Database.open(db_path)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # stopped, it still puts back what it did not send
    try:
        results = run_notify(db, config, names, backfill=backfill, dry_run=dry_run)
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
        db.close()
    code = EXIT_FAILED if any(r.error for r in results) else EXIT_OK
    return code, format_results(results, dry_run)


def _interrupt(number: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def cmd_notify(args: argparse.Namespace) -> int:
    try:
        config = read_config(args.config)
    except (ConfigError, ValueError) as exc:
        return fail(str(exc))
    if args.status:
        return _print_status(args.db)
    if not config.channels:
        return fail("no channels: write a pantau.toml (docs/alerts.md) or give --config PATH")
    unknown = [n for n in args.channel or [] if n not in config.channels]
    if unknown:
        return fail(f"unknown channel(s) {', '.join(unknown)}; configured: {', '.join(config.channels)}")
    try:
        code, text = notify(args.db, config, args.channel, backfill=args.backfill, dry_run=args.dry_run)
    except StorageError as exc:
        return fail(str(exc))
    if text:
        print(text)
    return code


def _print_status(db_path: str) -> int:
    from crawler.alerts.queue import status

    try:
        db = Database.open(db_path, readonly=True)
    except StorageError as exc:
        return fail(str(exc))
    try:
        rows = status(db)
    finally:
        db.close()
    if not rows:
        print("no deliveries yet")
    for r in rows:
        line = (
            f"{r['channel']}: sent {r['sent'] or 0}, pending {r['pending'] or 0}, "
            f"retrying {r['retrying'] or 0}, failed {r['failed'] or 0}"
        )
        if r["next_retry"]:
            line += f", next retry {r['next_retry']}"
        print(line)
        if r["last_error"]:
            print(f"    last error: {r['last_error']}")
    return EXIT_OK


def cmd_feed(args: argparse.Namespace) -> int:
    from crawler.alerts.atom import topic_feed
    from crawler.enrichment.topics import load_topics
    from crawler.outputs import write_whole

    names = {t.name for t in load_topics()}
    if args.topic not in names:
        return fail(f"unknown topic {args.topic!r}; known: {', '.join(sorted(names))}")
    try:
        db = Database.open(args.db, readonly=True)
    except StorageError as exc:
        return fail(str(exc))
    try:
        data = topic_feed(db, (args.topic,), args.limit)
    finally:
        db.close()
    if args.output in (None, "-"):
        sys.stdout.buffer.write(data)
        return EXIT_OK
    try:
        write_whole(args.output, data)
    except OSError as exc:
        return fail(f"cannot write {args.output}: {exc.strerror or exc}", EXIT_FAILED)
    print(f"{args.output}: {data.count(b'<entry>')} entries", file=sys.stderr)
    return EXIT_OK


def add_parsers(sub: Subcommands) -> None:
    p = with_db(sub.add_parser("notify", help="send new watchlist matches and health alerts to pantau.toml channels"))
    p.add_argument("--config", help="the configuration file (default: $PANTAU_CONFIG or ./pantau.toml)")
    p.add_argument("--channel", action="append", help="only this channel (repeatable)")
    p.add_argument("--dry-run", action="store_true", help="print the messages instead of sending; change nothing")
    p.add_argument(
        "--backfill",
        action="store_true",
        help="also send matches first seen before the channel's first run (default: 24 h)",
    )
    p.add_argument("--status", action="store_true", help="deliveries per channel: sent, pending, retrying, failed")
    p.set_defaults(func=cmd_notify)

    p = with_db(sub.add_parser("feed", help="an Atom feed of the latest matches of a topic"))
    p.add_argument("--topic", required=True, help="a watchlist topic, e.g. netralitas-asn")
    p.add_argument("-o", "--output", help="file to write atomically (default: standard output)")
    p.add_argument("--limit", type=count(1, 10_000), default=50, help="entries (default 50)")
    p.set_defaults(func=cmd_feed)
