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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlite_utils

from crawler.items import Article, Reject, RunId, Seen
from crawler.store.schema import MIGRATIONS, SCHEMA_VERSION, now_iso, repair
from crawler.store.writes import ArticleWriter
from crawler.urls import canonical_url

logger = logging.getLogger(__name__)

DEFAULT_DB = "data/pantau.db"
BUSY_TIMEOUT_MS = 30_000


class StorageError(RuntimeError):
    """The database cannot be used; the message says why and what to do."""


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
        self.repairs: list[str] = []  # what opening the file recreated (see crawler.store.schema.repair)
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
        conn, version = _connect(path, readonly, writer_thread)
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
            logger.warning("%s: upgrading from schema version %d to %d, once (on a large archive this can take "
                           "minutes)", self.path, version, SCHEMA_VERSION)  # fmt: skip
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

    # ------------------------------------------------------------------------- runs

    def start_run(self, site: str, base_url: str | None = None, host: str | None = None, pid: int | None = None,
                  started_at: str | None = None) -> int:  # fmt: skip
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
                if died(run_pid, run_host, here, started):
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
            self.conn.execute(
                f"UPDATE crawl_runs SET {assignments} WHERE id = ?", (*fields.values(), run_id)
            )

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

    def store_rejects(self, rejects: Iterable[Reject], run_id: RunId | None = None,
                      max_detail: int | None = 2000) -> None:  # fmt: skip
        """``max_detail``: the detail is cut to this many characters (None: kept whole, as a stream
        record set aside must be, to be applied again)."""
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO rejects (run_id, site, url, reason, detail, seen_at, kind) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(run_id, r.site, r.url, r.reason, r.detail[:max_detail], now_iso(), r.kind) for r in rejects],
            )


def known_articles(db: Database, site: str) -> dict[str, str | None]:
    """url_key (and alias URL) -> sitemap lastmod recorded at the last fetch, for incremental crawls."""
    rows = db.conn.execute(
        "SELECT url_key, COALESCE(sitemap_lastmod, fetched_at) FROM articles WHERE site = ?", (site,)
    )
    keys = {key: lastmod for key, lastmod in rows}
    rows = db.conn.execute(
        "SELECT a.url, COALESCE(ar.sitemap_lastmod, ar.fetched_at) FROM article_aliases a "
        "JOIN articles ar ON ar.id = a.article_id WHERE ar.site = ?",
        (site,),
    )
    for url, lastmod in rows:
        keys.setdefault(url, lastmod)
    # pages that turned out not to be articles (static pages with article-like URLs) are not
    # fetched again; "~" sorts after every date, so no lastmod makes them look changed
    rows = db.conn.execute("SELECT DISTINCT url FROM rejects WHERE site = ? AND reason = 'not-article'", (site,))
    for (url,) in rows:
        keys.setdefault(canonical_url(url), "~")
    return keys


# Opening a file checks it whole (PRAGMA quick_check) up to this size. The check reads every page
# (inside one SQLite instruction, so it cannot be cut short): on a large archive it would make
# every crawl, search and report start by reading gigabytes. A larger file is checked where it is
# read: SQLite reports a damaged page when it meets one ("database disk image is malformed"),
# which stops a crawl loudly (FAILED site: database write failed) like any refused write.
QUICK_CHECK_MAX_BYTES = 256 * 2**20


def _quick_check(conn: sqlite3.Connection, size: int) -> str:
    if size > QUICK_CHECK_MAX_BYTES:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the header and schema page
        return "ok"
    return str(conn.execute("PRAGMA quick_check").fetchone()[0])


class KnownArticles:
    """What an incremental crawl asks of a site's stored articles, one URL at a time: ``get(key)``
    gives the lastmod recorded for an article key or alias URL; ``in`` follows from it."""

    def get(self, key: str, default: Any = None) -> Any:
        raise NotImplementedError

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _ABSENT) is not _ABSENT

    def close(self) -> None:
        """Release the connection the answers come from."""


_ABSENT = object()


class StoredArticles(KnownArticles):
    """What is stored for one site, as an incremental crawl asks it: ``get(key)`` gives the
    lastmod recorded for an article key or alias URL ("~" for a page known not to be an article).
    Asked of the database as the crawl meets URLs, not loaded at start: a site's archive may hold
    hundreds of thousands of articles (the same answers as :meth:`Database.known_articles`)."""

    _QUERY = (
        "SELECT COALESCE(sitemap_lastmod, fetched_at) FROM articles WHERE url_key = ?1 AND site = ?2 "
        "UNION ALL SELECT COALESCE(ar.sitemap_lastmod, ar.fetched_at) FROM article_aliases a "
        "JOIN articles ar ON ar.id = a.article_id WHERE a.url = ?1 AND ar.site = ?2 LIMIT 1"
    )

    def __init__(self, db: Database | None, site: str) -> None:
        self.db, self.site = db, site
        rows = db.conn.execute(
            "SELECT DISTINCT url FROM rejects WHERE site = ? AND reason = 'not-article'", (site,)
        ) if db else []
        self.not_articles = {canonical_url(url) for (url,) in rows}

    def get(self, key: str, default: Any = None) -> Any:
        if self.db is not None and (row := self.db.conn.execute(self._QUERY, (key, self.site)).fetchone()):
            return row[0]
        return "~" if key in self.not_articles else default

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def died(pid: int | None, run_host: str | None, host: str, started: str | None) -> bool:
    """Whether the process of a ``running`` run is gone: checked on this machine; a run recorded
    without a process (older Pantau, Scrapy's shell) counts as gone after a day."""
    if pid is None or run_host is None:
        return (started or "") < (datetime.now(UTC) - timedelta(days=1)).isoformat()
    if run_host != host:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        pass
    return False


def _connect(path: str, readonly: bool, writer_thread: bool) -> tuple[sqlite3.Connection, int]:
    """A checked connection to ``path`` and its schema version; :class:`StorageError` saying what
    is wrong with the path or the file (which is left untouched)."""
    target = Path(path)
    exists = _check_path(target, readonly)
    try:
        if readonly:
            conn = _connect_readonly(target)
        else:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=not writer_thread)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if exists and (check := _quick_check(conn, target.stat().st_size)) != "ok":
            raise sqlite3.DatabaseError(check)
    except sqlite3.DatabaseError as exc:
        if "readonly" in str(exc) or "read-only" in str(exc):
            raise StorageError(
                f"{path} is read-only here (its file or directory cannot be written): searching and "
                "reports work; a crawl needs write access to both"
            ) from exc
        raise StorageError(
            f"{path} is not a usable SQLite database ({exc}); it was left untouched. "
            "Restore it from a backup or choose another --db PATH"
        ) from exc
    if version > SCHEMA_VERSION:
        conn.close()
        raise StorageError(
            f"{path} has schema version {version}, newer than this Pantau understands "
            f"({SCHEMA_VERSION}); upgrade Pantau. The file was left untouched"
        )
    return conn, version


def _check_path(target: Path, readonly: bool) -> bool:
    """Whether the file exists; :class:`StorageError` when it cannot be opened as asked."""
    path, exists = str(target), target.exists()
    if path == ":memory:" or path.startswith("file:"):
        raise StorageError(f"--db wants the path of a file, got {path!r}: the database is kept between runs")
    if exists and target.is_dir():
        raise StorageError(f"{path} is a directory, not a database file")
    if readonly and not exists:
        raise StorageError(f"{path} does not exist; run a crawl first (crawler crawl --db {path})")
    if exists and not readonly and not os.access(path, os.W_OK):
        raise StorageError(f"{path} is read-only; give write permission or choose --db PATH")
    if not exists:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the directory for {path}: {exc}") from exc
    return exists


def _connect_readonly(target: Path) -> sqlite3.Connection:
    """A read-only connection. Reading a WAL database needs its ``-shm`` file; where it cannot be
    created (a directory the user may not write), the file is opened as immutable: it is read as
    it is on disk (a crawl writing at that moment is not seen, and the file is never changed)."""
    uri = "file:" + quote(str(target.resolve()))
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30)
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=30)


def stored_state(path: str | None, site: str) -> tuple[StoredArticles, dict[str, tuple[bool, str | None]]]:
    """Articles already stored for ``site`` (asked of the database as URLs come, through a
    read-only connection the caller closes) and the state of its listings. A database that does
    not exist yet knows nothing; one that cannot be read raises :class:`StorageError`, since an
    incremental crawl that silently forgot what it stored would re-fetch the whole site."""
    if not Path(path or default_db_path()).exists():
        return StoredArticles(None, site), {}
    db = Database.open(path, readonly=True)
    try:
        if db.schema_version == 0:  # created, not yet migrated
            db.close()
            return StoredArticles(None, site), {}
        return StoredArticles(db, site), db.listing_states(site)
    except sqlite3.Error as exc:
        db.close()
        raise StorageError(f"cannot read what is stored for {site} in {db.path}: {exc}") from exc
