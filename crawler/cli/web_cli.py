"""``crawler dashboard``: the archive in a browser (Datasette with Pantau's plugin, crawler/web).

Safe by default: it listens on 127.0.0.1 only, opens the file read-only (a crawl writing to it
goes on undisturbed), allows no arbitrary SQL (the stored queries and the dashboard need none)
and offers no download of the whole file; ``--host 0.0.0.0``, ``--allow-sql`` and
``--allow-download`` change that, each on purpose.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cli.common import count, fail, with_db

if TYPE_CHECKING:
    from crawler.cli.common import Subcommands

DEFAULT_PORT = 8001  # Datasette's own


def datasette_command(db: str, host: str, port: int, *, allow_sql: bool, allow_download: bool) -> list[str]:
    """The Datasette command line the dashboard runs (also what a user can type). A file whose
    folder cannot be written (a read-only filesystem, a backup copy) is served as immutable, as
    ``crawler search`` reads it: SQLite could not create the ``-shm`` file it reads a WAL file with."""
    where = [db] if os.access(Path(db).resolve().parent, os.W_OK) else ["-i", db]
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        *where,
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "default_allow_sql",
        "on" if allow_sql else "off",
        "--setting",
        "allow_download",
        "on" if allow_download else "off",
        "--setting",
        "sql_time_limit_ms",
        "3000",
    ]


def cmd_dashboard(args: argparse.Namespace) -> int:
    from crawler.web.archive import is_pantau_file

    path = Path(args.db)
    if not path.is_file():  # never create a database to show it
        return fail(f"no such database: {args.db} (crawl first: crawler crawl, or ./run.sh demo)")
    if not is_pantau_file(str(path)):
        return fail(f"{args.db} is not a Pantau database (no articles and crawl_runs tables)")
    if busy := _port_taken(args.host, args.port):
        return fail(f"cannot listen on {args.host}:{args.port}: {busy} (another server? choose --port N)")
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    name = path.stem
    print(
        f"Pantau dashboard: http://{shown}:{args.port}/-/pantau?db={name}  (the archive: "
        f"http://{shown}:{args.port}/{name}; Ctrl-C to stop)",
        flush=True,
    )
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: listening on {args.host}: anyone who can reach this machine can read the archive",
            file=sys.stderr,
            flush=True,
        )
    command = datasette_command(
        str(path), args.host, args.port, allow_sql=args.allow_sql, allow_download=args.allow_download
    )
    os.execv(command[0], command)  # Datasette takes over this process (Ctrl-C stops it)
    return 0  # not reached


def _port_taken(host: str, port: int) -> str | None:
    """Why Datasette could not listen on ``host:port`` (None when it can): said before the URL is
    printed, which would otherwise show whatever server holds the port."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def add_parsers(sub: Subcommands) -> None:
    p = with_db(sub.add_parser("dashboard", help="the archive in a browser: charts, search, crawl health (Datasette)"))
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=count(1, 65535), default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--allow-sql", action="store_true", help="let visitors run their own (read-only) SQL")
    p.add_argument("--allow-download", action="store_true", help="let visitors download the whole database file")
    p.set_defaults(func=cmd_dashboard)
