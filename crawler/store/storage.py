"""The SQLite file: opening it safely, and the few writes the crawler makes.

One database per deployment, WAL mode, short transactions, so that readers (sqlite3, Datasette)
and several crawls can share it. Its shape (migrations, check and repair) is in
:mod:`crawler.store.schema`; a file from a newer Pantau is refused, never modified.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlite_utils

from crawler.items import Article, Reject, RunId, Seen
from crawler.store.connect import StorageError, open_connection
from crawler.store.liveness import died
from crawler.store.migrations import MIGRATIONS, SCHEMA_VERSION
from crawler.store.schema import now_iso
from crawler.store.schema_check import repair
from crawler.store.writes import ArticleWriter

logger = logging.getLogger(__name__)

DEFAULT_DB = "data/pantau.db"


def default_db_path() -> str:
    return os.environ.get("PANTAU_DB") or DEFAULT_DB


# ----------------------------------------------------------------------------- the database


class WriteFailed(RuntimeError):
    """The store refused a write (twice, for SQLite; Redis unreachable): the crawl of this site
    stops, the run is ``failed``. ``outcomes``: those of the articles stored before it refused."""

    def __init__(self, message: str, outcomes: list[str] | None = None) -> None:
        super().__init__(message)
        self.outcomes = outcomes or []


class Database:
    """The Pantau SQLite file. Open with :meth:`open`; it checks before it writes anything."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self.db = sqlite_utils.Database(conn)
        self.repairs: list[str] = []  # what opening the file recreated (see crawler.store.schema_check.repair)
        self._writer = ArticleWriter(conn)
        self._savepoints = 0

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, *, readonly: bool = False, writer_thread: bool = False
    ) -> Database:
        """Open (and create or migrate) the database. Raises :class:`StorageError` with a clear
        message for a corrupt, read-only or newer-schema file, leaving the file untouched.
        ``writer_thread``: the connection may be handed to another thread (one at a time)."""
        path = str(path or default_db_path())
        conn, version = open_connection(path, readonly, writer_thread)
        self = cls(conn, path)
        if not readonly:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = ON")
                self._migrate(version)
                self.repair()
            except sqlite3.OperationalError as exc:
                conn.close()
                raise StorageError(f"cannot write to {path}: {exc}") from exc
            except ValueError as exc:
                conn.close()
                raise StorageError(f"{path} is damaged: {exc}; restore it from a backup") from exc
        return self

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def repair(self) -> list[str]:
        """Recreate missing indexes, triggers, views and the full-text index (logged, and kept in
        ``repairs``). Raises ``ValueError`` when a table holding data is missing."""
        with self.transaction():
            done = repair(self.conn)
        for line in done:
            logger.warning("%s: %s", self.path, line)
        self.repairs += done
        return done

    def _migrate(self, version: int) -> None:
        """Apply pending migrations, each in its own transaction. The version is read again under
        the write lock, so two processes opening a new file at once migrate it once."""
        if 0 < version < SCHEMA_VERSION:
            logger.warning(
                "%s: upgrading from schema version %d to %d, once (on a large archive this can take minutes)",
                self.path,
                version,
                SCHEMA_VERSION,
            )
        while version < SCHEMA_VERSION:
            with self.transaction():
                version = self.conn.execute("PRAGMA user_version").fetchone()[0]
                if version >= SCHEMA_VERSION:
                    break
                MIGRATIONS[version](self.db)
                self.conn.execute(f"PRAGMA user_version = {version + 1}")
            version += 1

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction (BEGIN IMMEDIATE, so writers queue instead of failing).
        Inside another one it is a savepoint: the outer transaction commits both, or neither
        (the Redis writer commits a batch of records with its stream position this way)."""
        if self.conn.in_transaction:
            self._savepoints += 1
            name = f"pantau_{self._savepoints}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self.conn
            except BaseException:
                self._writer.fingerprints.forget()  # cached fingerprints may name rows rolled back now
                if self.conn.in_transaction:  # SQLite may have rolled back all of it (disk full, I/O error)
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
                raise
            else:
                self.conn.execute(f"RELEASE {name}")
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self._writer.fingerprints.forget()  # cached fingerprints may name rows rolled back now
            if self.conn.in_transaction:  # SQLite may have rolled back already (disk full, I/O error)
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------- runs

    def start_run(
        self,
        site: str,
        base_url: str | None = None,
        host: str | None = None,
        *,
        pid: int | None = None,
        started_at: str | None = None,
    ) -> int:
        """A new ``running`` row for a crawl of ``site`` by this process (or by ``pid`` on
        ``host``: a crawl whose records arrive through Redis); runs left ``running`` by a process of
        this machine that no longer exists become ``interrupted``."""
        here = socket.gethostname()
        host, pid = host or here, pid or os.getpid()
        with self.transaction():
            stale = self.conn.execute(
                "SELECT id, pid, host, started_at FROM crawl_runs WHERE status = 'running'"
            ).fetchall()
            for run_id, run_pid, run_host, started in stale:
                if died(run_pid, run_host, here, started=started):
                    self.conn.execute(
                        "UPDATE crawl_runs SET status = 'interrupted', finish_reason = 'process died', "
                        "finished_at = COALESCE(finished_at, ?) WHERE id = ?",
                        (now_iso(), run_id),
                    )
            cur = self.conn.execute(
                "INSERT INTO crawl_runs (site, started_at, status, pid, host, base_url) "
                "VALUES (?, ?, 'running', ?, ?, ?)",
                (site, started_at or now_iso(), pid, host, base_url),
            )
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: RunId, **fields: Any) -> None:
        fields.setdefault("finished_at", now_iso())
        for key in ("dropped_reasons", "coverage", "refused", "entry_failures"):
            if key in fields and not isinstance(fields[key], str):
                fields[key] = json.dumps(fields[key], ensure_ascii=False, sort_keys=True)
        unknown = set(fields) - set(self.db["crawl_runs"].columns_dict)
        if unknown:
            raise ValueError(f"unknown crawl_runs columns: {sorted(unknown)}")
        assignments = ", ".join(f"[{k}] = ?" for k in fields)
        with self.transaction():
            self.conn.execute(f"UPDATE crawl_runs SET {assignments} WHERE id = ?", (*fields.values(), run_id))

    def run(self, run_id: int) -> dict[str, Any]:
        return self.db.table("crawl_runs").get(run_id)

    def listing_states(self, site: str) -> dict[str, tuple[bool, str | None]]:
        """Listing URL -> (walked to its end once, page where a backfill stopped)."""
        rows = self.conn.execute("SELECT url, complete, resume_url FROM listings WHERE site = ?", (site,))
        return {url: (bool(complete), resume) for url, complete, resume in rows}

    def save_listings(self, site: str, walked: dict[str, str | None]) -> None:
        """After a crawl that finished: listings walked to their end (None) or stopped at a page."""
        with self.transaction():
            for url, resume in walked.items():
                self.conn.execute(
                    "INSERT INTO listings (site, url, complete, resume_url, updated_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (site, url) DO UPDATE SET complete = excluded.complete, "
                    "resume_url = excluded.resume_url, updated_at = excluded.updated_at",
                    (site, url, int(resume is None), resume, now_iso()),
                )

    # ------------------------------------------------------------------------- articles

    def store_articles(self, articles: Iterable[Article], run_id: RunId | None = None) -> list[str]:
        """Insert or update articles in one transaction; returns ``new``/``updated``/``unchanged``/
        ``duplicate`` per article (what each means: :class:`crawler.store.writes.ArticleWriter`)."""
        with self.transaction():
            return self._writer.store_all(articles, run_id)

    def mark_seen(self, seen: Iterable[Seen]) -> None:
        """Articles met again in discovery: ``last_seen_at`` now, and a newer lastmod recorded."""
        now = now_iso()
        with self.transaction():
            self.conn.executemany(
                "UPDATE articles SET last_seen_at = ?, sitemap_lastmod = CASE WHEN ? > COALESCE(sitemap_lastmod, '') "
                "THEN ? ELSE sitemap_lastmod END WHERE url_key = ?",
                [(now, s.lastmod or "", s.lastmod, s.url_key) for s in seen],
            )

    def store_rejects(
        self, rejects: Iterable[Reject], run_id: RunId | None = None, max_detail: int | None = 2000
    ) -> None:
        """``max_detail``: the detail is cut to this many characters (None: kept whole, as a stream
        record set aside must be, to be applied again)."""
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO rejects (run_id, site, url, reason, detail, seen_at, kind) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(run_id, r.site, r.url, r.reason, r.detail[:max_detail], now_iso(), r.kind) for r in rejects],
            )
