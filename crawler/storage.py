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


FTS_TOKENIZE = "unicode61 remove_diacritics 2"  # accents and case do not count in search
NEAR_DUP_DAYS = 2  # a copy of a story is looked for among articles published this many days around it


def _days_around(day: str, spread: int) -> list[str]:
    from datetime import date, timedelta

    try:
        center = date.fromisoformat(day)
    except ValueError:
        return []
    return [(center + timedelta(days=d)).isoformat() for d in range(-spread, spread + 1)]


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
        ["title", "body"], create_triggers=True, tokenize=FTS_TOKENIZE
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


VIEWS = {
    "topic_matches": """
        SELECT t.topic, a.published_date, a.published_at, a.site, a.location, a.title, a.url, t.terms,
               t.snippet, a.story_id, a.id AS article_id
        FROM article_topics t JOIN articles a ON a.id = t.article_id""",
    "story_clusters": """
        SELECT story_id, COUNT(*) AS articles, COUNT(DISTINCT site) AS sites,
               GROUP_CONCAT(site, ', ') AS site_list, MIN(published_date) AS first_published,
               MIN(first_seen_at) AS first_seen_at, MAX(title) AS title
        FROM articles GROUP BY story_id HAVING COUNT(DISTINCT site) > 1""",
    "article_changes": """
        SELECT v.article_id, a.site, a.url, v.title AS previous_title, a.title AS current_title,
               v.published_at AS previous_published_at, a.published_at AS current_published_at,
               v.content_hash AS previous_hash, a.content_hash AS current_hash, v.replaced_at AS changed_at
        FROM article_versions v JOIN articles a ON a.id = v.article_id""",
    "articles_per_region_week": """
        SELECT json_extract(p.value, '$.name') AS region, json_extract(p.value, '$.province') AS province,
               strftime('%Y-W%W', a.published_date) AS week, COUNT(*) AS articles
        FROM articles a, json_each(a.places) p WHERE a.published_date IS NOT NULL
        GROUP BY region, province, week""",
    "crawl_health": """
        SELECT id, site, started_at, status, new, updated, dropped,
               json_extract(coverage, '$.title') AS title_share,
               json_extract(coverage, '$.published_date') AS date_share,
               json_extract(coverage, '$.body_80_words') AS body_share,
               json_extract(coverage, '$.authors') AS author_share, warnings
        FROM crawl_runs""",
}


def _migration_2(db: sqlite_utils.Database) -> None:
    """Near-duplicate fingerprints and stories, topics, entity hints, views."""
    from crawler.neardup import fingerprint

    for column in ("simhash", "story_id", "places", "officials"):
        db["articles"].add_column(column, str)
    for row in db.execute("SELECT id, body FROM articles").fetchall():
        db.execute("UPDATE articles SET simhash = ?, story_id = id WHERE id = ?", (fingerprint(row[1] or ""), row[0]))
    db["articles"].create_index(["story_id"])
    db["article_topics"].create(
        {"article_id": str, "topic": str, "terms": str, "snippet": str, "matched_at": str},
        pk=("article_id", "topic"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_topics"].create_index(["topic"])
    db["crawl_runs"].add_column("duplicates", int)
    db["crawl_runs"].add_column("warnings", str)
    for name, sql in VIEWS.items():
        db.create_view(name, sql, replace=True)


def _migration_3(db: sqlite_utils.Database) -> None:
    """Full-text index writes that scale. New articles are indexed by :meth:`Database._store` in
    the same transaction, not by an insert trigger: FTS5 flushes its pending terms at every
    statement savepoint, and a trigger makes one per row (measured: half the insert rate). An
    article is re-indexed only when its title or body change, so refreshing ``last_seen_at``
    (every re-crawl touches every known article) no longer rewrites the index."""
    db.execute("DROP TRIGGER IF EXISTS articles_ai")
    db.execute("DROP TRIGGER IF EXISTS articles_au")
    db.execute(
        "CREATE TRIGGER articles_au AFTER UPDATE OF title, body ON articles BEGIN "
        "INSERT INTO articles_fts (articles_fts, rowid, title, body) "
        "VALUES ('delete', old.rowid, old.title, old.body); "
        "INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body); END"
    )


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_migration_1, _migration_2, _migration_3]
SCHEMA_VERSION = len(MIGRATIONS)


# ----------------------------------------------------------------------------- the database


class Database:
    """The Pantau SQLite file. Open with :meth:`open`; it checks before it writes anything."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self.db = sqlite_utils.Database(conn)
        self._fingerprint_cache: dict[str, tuple[list[int], list[tuple[str, str, str]]]] = {}

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, *, readonly: bool = False, writer_thread: bool = False
    ) -> Database:
        """Open (and create or migrate) the database. Raises :class:`StorageError` with a clear
        message for a corrupt, read-only or newer-schema file, leaving the file untouched.
        ``writer_thread``: the connection may be handed to another thread (one at a time)."""
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
                conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=not writer_thread)
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
        """Apply pending migrations, each in its own transaction. The version is read again under
        the write lock, so two processes opening a new file at once migrate it once."""
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
        """Insert or update articles in one transaction; returns ``new``/``updated``/``unchanged``/
        ``duplicate`` per article. A changed article keeps its previous content in
        ``article_versions``; a near-copy of a stored article of the same site becomes an alias of
        it, and one of another site joins its ``story_id``."""
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
            "simhash": a.simhash, "places": json.dumps(a.places, ensure_ascii=False),
            "officials": json.dumps(a.officials, ensure_ascii=False),
            "last_seen_at": seen,
        }  # fmt: skip
        if row is None:
            twin = self._near_duplicate(a, aid)
            if twin is not None and twin[1] == a.site:
                # the same story re-posted on the same site under a second URL: one article
                self._alias(twin[0], a, seen)
                self.conn.execute("UPDATE articles SET last_seen_at = ? WHERE id = ?", (seen, twin[0]))
                return "duplicate"
            values["story_id"] = twin[2] if twin else aid
            values["first_seen_at"] = seen
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            cur = self.conn.execute(f"INSERT INTO articles ({columns}) VALUES ({marks})", tuple(values.values()))
            self.conn.execute(
                "INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)", (cur.lastrowid, a.title, a.body)
            )
            if a.simhash and a.published_date and a.published_date in self._fingerprint_cache:
                hashes, rows = self._fingerprint_cache[a.published_date]
                hashes.append(int(a.simhash, 16))
                rows.append((aid, a.site, values["story_id"]))
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
        self._alias(aid, a, seen)
        if outcome == "updated":
            self.conn.execute("DELETE FROM article_topics WHERE article_id = ?", (aid,))
        if outcome != "unchanged":
            self.conn.executemany(
                "INSERT INTO article_topics (article_id, topic, terms, snippet, matched_at) VALUES (?, ?, ?, ?, ?)",
                [(aid, t["topic"], json.dumps(t["terms"], ensure_ascii=False), t["snippet"], seen) for t in a.topics],
            )
        return outcome

    def _alias(self, aid: str, a: Article, seen: str) -> None:
        fetched = canonical_url(a.source_url) if a.source_url and a.source_url != a.url else a.url
        for alias in {a.url, fetched}:
            self.conn.execute(
                "INSERT OR IGNORE INTO article_aliases (url, article_id, first_seen_at) VALUES (?, ?, ?)",
                (alias, aid, seen),
            )

    def _near_duplicate(self, a: Article, aid: str) -> tuple[str, str, str] | None:
        """(id, site, story_id) of a stored article with (nearly) the same body, if any.

        Candidates: the same exact content hash (indexed), or articles published within
        ``NEAR_DUP_DAYS`` days whose SimHash is close; only those have their body compared."""
        from crawler.neardup import candidates_among, confirmed

        if not a.body:
            return None
        exact = self.conn.execute(
            "SELECT id, site, story_id FROM articles WHERE content_hash = ? AND id != ? ORDER BY first_seen_at LIMIT 1",
            (a.content_hash, aid),
        ).fetchone()
        if exact:
            return exact
        if not a.simhash or not a.published_date:
            return None
        mine = int(a.simhash, 16)
        for day in _days_around(a.published_date, NEAR_DUP_DAYS):
            hashes, rows = self._fingerprints_of(day)
            for i in candidates_among(mine, hashes):
                other_id, site, story = rows[i]
                if other_id != aid:
                    body = self.conn.execute("SELECT body FROM articles WHERE id = ?", (other_id,)).fetchone()
                    if body and confirmed(a.body, body[0] or ""):
                        return other_id, site, story
        return None

    def _fingerprints_of(self, day: str) -> tuple[list[int], list[tuple[str, str, str]]]:
        """SimHashes of the articles published on ``day`` and their (id, site, story_id), cached
        for this connection."""
        cached = self._fingerprint_cache.get(day)
        if cached is None:
            rows = self.conn.execute(
                "SELECT simhash, id, site, story_id FROM articles WHERE published_date = ? AND simhash IS NOT NULL",
                (day,),
            ).fetchall()
            cached = self._fingerprint_cache[day] = ([int(r[0], 16) for r in rows], [r[1:] for r in rows])
        return cached

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
