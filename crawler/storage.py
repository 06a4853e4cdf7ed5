"""The SQLite file: schema, migrations, and the few writes the crawler makes.

One database per deployment, WAL mode, short transactions, so that readers (sqlite3, Datasette)
and several crawls can share it. Schema changes are numbered migrations recorded in
``PRAGMA user_version``; a file from a newer Pantau is refused, never modified.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.items import Article, Reject, Seen
from crawler.urls import canonical_url

DEFAULT_DB = "data/pantau.db"
BUSY_TIMEOUT_MS = 30_000

# Columns of ``articles`` that a user sees as "the content": a change in one makes a new version.
VERSIONED = ("title", "body", "published_at", "published_date", "modified_at")
ARTICLE_COLUMNS: dict[str, type] = {
    "id": str, "url": str, "url_key": str, "site": str, "title": str,
    "published_at": str, "published_date": str, "published_raw": str, "modified_at": str,
    "authors": str, "editor": str, "location": str, "category": str, "tags": str,
    "image_url": str, "image_caption": str, "description": str, "body": str,
    "word_count": int, "language": str, "views": int, "content_hash": str,
    "first_seen_at": str, "last_seen_at": str, "fetched_at": str,
    "sitemap_lastmod": str, "extracted_by": str, "run_id": int,
}  # fmt: skip


class StorageError(RuntimeError):
    """The database cannot be used; the message says why and what to do."""


def default_db_path() -> str:
    return os.environ.get("PANTAU_DB") or DEFAULT_DB


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def article_id(url_key: str) -> str:
    """Primary key of an article: a short stable hash of its identity (canonical URL or site id)."""
    return hashlib.sha1(url_key.encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------- migrations


def _migration_1(db: sqlite_utils.Database) -> None:
    db["articles"].create(ARTICLE_COLUMNS, pk="id", not_null={"url", "url_key", "site"})
    db["articles"].create_index(["url_key"], unique=True)
    db["articles"].create_index(["site", "published_date"])
    db["articles"].create_index(["published_date"])
    db["articles"].create_index(["content_hash"])
    db["articles"].enable_fts(
        ["title", "body"], create_triggers=True, tokenize="unicode61 remove_diacritics 2"
    )
    db["article_aliases"].create(
        {"url": str, "article_id": str, "first_seen_at": str},
        pk="url",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_aliases"].create_index(["article_id"])
    db["article_versions"].create(
        {
            "id": int, "article_id": str, "title": str, "body": str, "published_at": str,
            "published_date": str, "modified_at": str, "content_hash": str, "seen_at": str,
            "replaced_at": str,
        },  # fmt: skip
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_versions"].create_index(["article_id"])
    db["crawl_runs"].create(
        {
            "id": int, "site": str, "started_at": str, "finished_at": str, "status": str,
            "finish_reason": str, "requests": int, "responses": int, "new": int, "updated": int,
            "unchanged": int, "skipped": int, "dropped": int, "errors": int,
            "dropped_reasons": str, "coverage": str, "error": str,
        },  # fmt: skip
        pk="id",
    )
    db["crawl_runs"].create_index(["site", "started_at"])
    db["rejects"].create(
        {"id": int, "run_id": int, "site": str, "url": str, "reason": str, "detail": str,
         "seen_at": str},  # fmt: skip
        pk="id",
    )
    db["rejects"].create_index(["run_id"])
    db["rejects"].create_index(["url"])


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_migration_1]
SCHEMA_VERSION = len(MIGRATIONS)


# ----------------------------------------------------------------------------- the database


class Database:
    """The Pantau SQLite file. Open with :meth:`open`; it checks before it writes anything."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self.db = sqlite_utils.Database(conn)

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, readonly: bool = False) -> Database:
        """Open (and create or migrate) the database. Raises :class:`StorageError` with a clear
        message for a corrupt, read-only or newer-schema file, leaving the file untouched."""
        path = str(path or default_db_path())
        target = Path(path)
        exists = target.exists()
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
        try:
            if readonly:
                conn = sqlite3.connect(f"file:{target.resolve()}?mode=ro", uri=True, timeout=30)
            else:
                conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if exists:
                check = conn.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    raise sqlite3.DatabaseError(check)
        except sqlite3.DatabaseError as exc:
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
        self = cls(conn, path)
        if not readonly:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = ON")
                self._migrate(version)
            except sqlite3.OperationalError as exc:
                conn.close()
                raise StorageError(f"cannot write to {path}: {exc}") from exc
        return self

    def _migrate(self, version: int) -> None:
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                MIGRATIONS[number](self.db)
                self.conn.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction (BEGIN IMMEDIATE, so writers queue instead of failing)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    # ------------------------------------------------------------------------- runs

    def start_run(self, site: str) -> int:
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO crawl_runs (site, started_at, status) VALUES (?, ?, 'running')",
                (site, now_iso()),
            )
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, **fields: Any) -> None:
        fields.setdefault("finished_at", now_iso())
        for key in ("dropped_reasons", "coverage"):
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
        return self.db["crawl_runs"].get(run_id)

    # ------------------------------------------------------------------------- articles

    def known_articles(self, site: str) -> dict[str, str | None]:
        """url_key (and alias URL) -> sitemap lastmod recorded at the last fetch, for incremental crawls."""
        rows = self.conn.execute(
            "SELECT url_key, COALESCE(sitemap_lastmod, fetched_at) FROM articles WHERE site = ?", (site,)
        )
        keys = {key: lastmod for key, lastmod in rows}
        rows = self.conn.execute(
            "SELECT a.url, COALESCE(ar.sitemap_lastmod, ar.fetched_at) FROM article_aliases a "
            "JOIN articles ar ON ar.id = a.article_id WHERE ar.site = ?",
            (site,),
        )
        for url, lastmod in rows:
            keys.setdefault(url, lastmod)
        # pages that turned out not to be articles (static pages with article-like URLs) are not
        # fetched again; "~" sorts after every date, so no lastmod makes them look changed
        rows = self.conn.execute("SELECT DISTINCT url FROM rejects WHERE site = ? AND reason = 'not-article'", (site,))
        for (url,) in rows:
            keys.setdefault(canonical_url(url), "~")
        return keys

    def store_articles(self, articles: Iterable[Article], run_id: int | None = None) -> list[str]:
        """Insert or update articles in one transaction; returns ``new``/``updated``/``unchanged``
        per article. A changed article keeps its previous content in ``article_versions``."""
        outcomes: list[str] = []
        with self.transaction():
            for article in articles:
                outcomes.append(self._store(article, run_id))
        return outcomes

    def _store(self, a: Article, run_id: int | None) -> str:
        key = a.url_key or a.url
        aid = article_id(key)
        seen = now_iso()
        row = self.conn.execute(
            "SELECT title, body, published_at, published_date, modified_at, content_hash, "
            "last_seen_at FROM articles WHERE id = ?",
            (aid,),
        ).fetchone()
        values = {
            "id": aid, "url": a.url, "url_key": key, "site": a.site, "title": a.title,
            "published_at": a.published_at, "published_date": a.published_date,
            "published_raw": a.published_raw, "modified_at": a.modified_at,
            "authors": json.dumps(a.authors, ensure_ascii=False), "editor": a.editor,
            "location": a.location, "category": a.category,
            "tags": json.dumps(a.tags, ensure_ascii=False), "image_url": a.image_url,
            "image_caption": a.image_caption, "description": a.description, "body": a.body,
            "word_count": a.word_count, "language": a.language, "views": a.views,
            "content_hash": a.content_hash, "fetched_at": a.fetched_at,
            "sitemap_lastmod": a.sitemap_lastmod,
            "extracted_by": json.dumps(a.extracted_by, sort_keys=True), "run_id": run_id,
            "last_seen_at": seen,
        }  # fmt: skip
        if row is None:
            values["first_seen_at"] = seen
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            self.conn.execute(f"INSERT INTO articles ({columns}) VALUES ({marks})", tuple(values.values()))
            outcome = "new"
        else:
            old = dict(zip(VERSIONED, row[:5], strict=True))
            changed = any(old[k] != values[k] for k in VERSIONED)
            if changed:
                self.conn.execute(
                    "INSERT INTO article_versions (article_id, title, body, published_at, "
                    "published_date, modified_at, content_hash, seen_at, replaced_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (aid, *row[:6], row[6], seen),
                )
                del values["id"]
                assignments = ", ".join(f"{k} = ?" for k in values)
                self.conn.execute(
                    f"UPDATE articles SET {assignments} WHERE id = ?", (*values.values(), aid)
                )
                outcome = "updated"
            else:
                self.conn.execute(
                    "UPDATE articles SET last_seen_at = ?, fetched_at = ?, sitemap_lastmod = "
                    "COALESCE(?, sitemap_lastmod), views = COALESCE(?, views) WHERE id = ?",
                    (seen, a.fetched_at, a.sitemap_lastmod, a.views, aid),
                )
                outcome = "unchanged"
        for alias in {a.url, canonical_url(a.source_url) if a.source_url else a.url}:
            self.conn.execute(
                "INSERT OR IGNORE INTO article_aliases (url, article_id, first_seen_at) VALUES (?, ?, ?)",
                (alias, aid, seen),
            )
        return outcome

    def mark_seen(self, seen: Iterable[Seen]) -> None:
        """Articles met again in discovery: ``last_seen_at`` now, and a newer lastmod recorded."""
        now = now_iso()
        with self.transaction():
            self.conn.executemany(
                "UPDATE articles SET last_seen_at = ?, sitemap_lastmod = CASE WHEN ? > COALESCE(sitemap_lastmod, '') "
                "THEN ? ELSE sitemap_lastmod END WHERE url_key = ?",
                [(now, s.lastmod or "", s.lastmod, s.url_key) for s in seen],
            )

    def store_rejects(self, rejects: Iterable[Reject], run_id: int | None = None) -> None:
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO rejects (run_id, site, url, reason, detail, seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, r.site, r.url, r.reason, r.detail[:2000], now_iso()) for r in rejects],
            )
