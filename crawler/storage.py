"""The SQLite file: opening it safely, and the few writes the crawler makes.

One database per deployment, WAL mode, short transactions, so that readers (sqlite3, Datasette)
and several crawls can share it. Its shape (migrations, check and repair) is in
:mod:`crawler.schema`; a file from a newer Pantau is refused, never modified.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlite_utils

from crawler.items import Article, Reject, Seen
from crawler.neardup import (
    candidates_among,
    confirmed,
    near_identical,
    parse_sketch,
    same_title,
    shingles,
    sketch_shares_enough,
)
from crawler.schema import MIGRATIONS, SCHEMA_VERSION, now_iso, repair
from crawler.urls import canonical_url, clean_url

logger = logging.getLogger(__name__)

DEFAULT_DB = "data/pantau.db"
BUSY_TIMEOUT_MS = 30_000

# Columns of ``articles`` that a user sees as "the content": a change in one makes a new version.
VERSIONED = ("title", "body", "published_at", "published_date", "modified_at")
NEAR_DUP_DAYS = 2  # a copy of a story is looked for among articles published this many days around it


class StorageError(RuntimeError):
    """The database cannot be used; the message says why and what to do."""


def default_db_path() -> str:
    return os.environ.get("PANTAU_DB") or DEFAULT_DB


def _days_around(day: str, spread: int) -> list[str]:
    try:
        center = date.fromisoformat(day)
    except ValueError:
        return []
    return [(center + timedelta(days=d)).isoformat() for d in range(-spread, spread + 1)]


def article_id(url_key: str) -> str:
    """Primary key of an article: a short stable hash of its identity (canonical URL or site id)."""
    return hashlib.sha1(url_key.encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------- the database


class WriteFailed(RuntimeError):
    """The store refused a write (twice, for SQLite; Redis unreachable): the crawl of this site
    stops, the run is ``failed``."""


class Database:
    """The Pantau SQLite file. Open with :meth:`open`; it checks before it writes anything."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self.db = sqlite_utils.Database(conn)
        self.repairs: list[str] = []  # what opening the file recreated (see crawler.schema.repair)
        # fingerprints of stored articles per publication day, valid while no other connection
        # has committed (PRAGMA data_version): concurrent crawls see each other's stories
        self._days: dict[str, _Day] = {}
        self._data_version: int | None = None
        self._savepoints = 0

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, *, readonly: bool = False, writer_thread: bool = False
    ) -> Database:
        """Open (and create or migrate) the database. Raises :class:`StorageError` with a clear
        message for a corrupt, read-only or newer-schema file, leaving the file untouched.
        ``writer_thread``: the connection may be handed to another thread (one at a time)."""
        path = str(path or default_db_path())
        if path == ":memory:" or path.startswith("file:"):
            raise StorageError(f"--db wants the path of a file, got {path!r}: the database is kept between runs")
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

    def finish_run(self, run_id: int, **fields: Any) -> None:
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
        return self.db["crawl_runs"].get(run_id)

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
        ``article_versions``; a re-post of a stored article of the same site (same title, nearly
        the same body) becomes an alias of it; any other copy of a story joins its ``story_id``."""
        outcomes: list[str] = []
        with self.transaction():
            self._refresh_days()
            for article in articles:
                outcomes.append(self._store(article, run_id))
        return outcomes

    def _store(self, a: Article, run_id: int | None) -> str:
        """One article, in order: its identity, then a new row (or a same-site duplicate) or a
        new version of the stored one, then its aliases and topics."""
        aid, key, row = self._identity(a)
        seen = now_iso()
        values = _row_values(a, aid, key, run_id, seen)
        if row is None:
            outcome = self._insert(a, aid, values, seen)
            if outcome == "duplicate":
                return outcome
        else:
            outcome = self._update(a, aid, row, values, seen)
        self._alias(aid, a, seen)
        if outcome != "unchanged":
            self._topics(aid, a, seen, replace=outcome == "updated")
        return outcome

    def _identity(self, a: Article) -> tuple[str, str, tuple | None]:
        """(article id, key, the stored row or None). A stored row that holds another page moves
        to the URL it was fetched at; a canonical link pointing at another stored article is not
        believed (the page is an article of its own)."""
        key = a.url_key or a.url
        aid = article_id(key)
        row = self._current(aid)
        if row is not None and self._holds_another_page(a, key, row):
            self._move(aid, row[8], row[9])  # to the URL it was fetched at: this page owns the URL
            return aid, key, None
        if row is not None and self._moved_by_wrong_canonical(a, aid, row):
            a.url, a.url_key = clean_url(a.source_url or a.url), a.source_key
            key = a.source_key or a.url
            aid = article_id(key)
            row = self._current(aid)
        return aid, key, row

    def _insert(self, a: Article, aid: str, values: dict[str, Any], seen: str) -> str:
        """A new article in its story (``new``), or an alias of the same article re-posted on the
        same site under a second URL (``duplicate``)."""
        twin = self._near_duplicate(a, aid)
        if twin is not None and twin.site == a.site and twin.same_article:
            self._alias(twin.id, a, seen)
            self.conn.execute("UPDATE articles SET last_seen_at = ? WHERE id = ?", (seen, twin.id))
            return "duplicate"
        values["story_id"] = twin.story_id if twin else aid
        values["first_seen_at"] = seen
        columns, marks = ", ".join(values), ", ".join("?" for _ in values)
        cur = self.conn.execute(f"INSERT INTO articles ({columns}) VALUES ({marks})", tuple(values.values()))
        self.conn.execute(
            "INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)", (cur.lastrowid, a.title, a.body)
        )
        if a.published_date and (day := self._days.get(a.published_date)) is not None:
            day.add(aid, a.site, values["story_id"], a.simhash, a.sketch)
        return "new"

    def _update(self, a: Article, aid: str, row: tuple, values: dict[str, Any], seen: str) -> str:
        """A changed article keeps its previous content in ``article_versions`` (``updated``);
        an unchanged one is only seen again (``unchanged``)."""
        old = dict(zip(VERSIONED, row[:5], strict=True))
        if all(old[k] == values[k] for k in VERSIONED):
            self.conn.execute(
                "UPDATE articles SET last_seen_at = ?, fetched_at = ?, sitemap_lastmod = "
                "COALESCE(?, sitemap_lastmod), views = COALESCE(?, views) WHERE id = ?",
                (seen, a.fetched_at, a.sitemap_lastmod, a.views, aid),
            )
            return "unchanged"
        self.conn.execute(
            "INSERT INTO article_versions (article_id, title, body, published_at, "
            "published_date, modified_at, content_hash, seen_at, replaced_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (aid, *row[:6], row[6], seen),
        )
        del values["id"]
        assignments = ", ".join(f"{k} = ?" for k in values)
        self.conn.execute(f"UPDATE articles SET {assignments} WHERE id = ?", (*values.values(), aid))
        return "updated"

    def _topics(self, aid: str, a: Article, seen: str, replace: bool) -> None:
        if replace:
            self.conn.execute("DELETE FROM article_topics WHERE article_id = ?", (aid,))
        self.conn.executemany(
            "INSERT INTO article_topics (article_id, topic, terms, snippet, matched_at) VALUES (?, ?, ?, ?, ?)",
            [(aid, t["topic"], json.dumps(t["terms"], ensure_ascii=False), t["snippet"], seen) for t in a.topics],
        )

    def _current(self, aid: str) -> tuple | None:
        return self.conn.execute(
            "SELECT title, body, published_at, published_date, modified_at, content_hash, last_seen_at, url, "
            "fetched_url, fetched_key FROM articles WHERE id = ?",
            (aid,),
        ).fetchone()

    def _moved_by_wrong_canonical(self, a: Article, aid: str, row: tuple) -> bool:
        """The page was fetched at a URL of its own, declares the stored article ``aid`` as its
        canonical, and is another article (another title): the canonical link is wrong."""
        if not a.source_key or a.source_key == (a.url_key or a.url) or same_title(a.title, row[0]):
            return False
        alias = self.conn.execute(
            "SELECT 1 FROM article_aliases WHERE url = ? AND article_id = ?", (canonical_url(a.source_url or ""), aid)
        ).fetchone()
        return alias is None  # a known alias of it with a new title is a revision, not another article

    @staticmethod
    def _holds_another_page(a: Article, key: str, row: tuple) -> bool:
        """This page was fetched at its own URL, but the row stored under that URL came from
        another page that declared it as canonical, and is another article (another title)."""
        fetched_key = row[9]
        own = not a.source_key or a.source_key == key
        return own and fetched_key is not None and fetched_key != key and not same_title(a.title, row[0])

    def _move(self, old: str, fetched_url: str, fetched_key: str) -> None:
        """Give a stored article the identity of the URL it was fetched at (with its aliases,
        versions, topics and story), freeing the identity its wrong canonical link claimed."""
        new = article_id(fetched_key)
        if self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (new,)).fetchone():
            self.conn.execute("DELETE FROM article_aliases WHERE article_id = ?", (old,))
            return
        self.conn.execute("PRAGMA defer_foreign_keys = ON")  # children follow within the transaction
        claimed = self.conn.execute("SELECT url FROM articles WHERE id = ?", (old,)).fetchone()[0]
        self.conn.execute(
            "UPDATE articles SET id = ?, url = ?, url_key = ? WHERE id = ?", (new, fetched_url, fetched_key, old)
        )
        self.conn.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", (new, old))
        for table in ("article_aliases", "article_versions", "article_topics"):
            self.conn.execute(f"UPDATE {table} SET article_id = ? WHERE article_id = ?", (new, old))
        self.conn.execute("DELETE FROM article_aliases WHERE url = ? AND article_id = ?", (canonical_url(claimed), new))
        self._days.clear()

    def _alias(self, aid: str, a: Article, seen: str) -> None:
        """Every URL of the article, in the canonical form the crawler looks URLs up in."""
        for url in {a.url, a.source_url or a.url}:
            self.conn.execute(
                "INSERT OR IGNORE INTO article_aliases (url, article_id, first_seen_at) VALUES (?, ?, ?)",
                (canonical_url(url), aid, seen),
            )

    def _near_duplicate(self, a: Article, aid: str) -> _Twin | None:
        """A stored article with (nearly) the same body, if any: preferably the same article
        (same site, same title, near-identical body), else the first copy of the story.

        Candidates: the same exact content hash (indexed), or articles published within
        ``NEAR_DUP_DAYS`` days whose SimHash is close or whose sketch overlaps; only those have
        their body compared."""
        if not a.body:
            return None
        exact = self.conn.execute(
            "SELECT id, site, story_id, title FROM articles WHERE content_hash = ? AND id != ? "
            "ORDER BY first_seen_at LIMIT 1",
            (a.content_hash, aid),
        ).fetchone()
        if exact:
            return _Twin(*exact[:3], same_article=same_title(a.title, exact[3]))
        if not a.published_date:
            return None
        mine_hash = int(a.simhash, 16) if a.simhash else None
        mine_sketch = parse_sketch(a.sketch)
        mine: set[str] | None = None  # the new body's 3-shingles, computed once for all candidates
        found: _Twin | None = None
        for day in _days_around(a.published_date, NEAR_DUP_DAYS):
            for other_id, site, story in self._day(day).candidates(mine_hash, mine_sketch):
                if other_id == aid:
                    continue
                title, body = self.conn.execute("SELECT title, body FROM articles WHERE id = ?", (other_id,)).fetchone()
                mine = mine if mine is not None else shingles(a.body)
                theirs = shingles(body or "")
                if not confirmed(mine, theirs):
                    continue
                twin = _Twin(other_id, site, story, site == a.site and same_title(a.title, title)
                             and near_identical(mine, theirs))  # fmt: skip
                if twin.same_article:
                    return twin
                found = found or twin
        return found

    def _refresh_days(self) -> None:
        """Forget cached fingerprints when another connection (another site's crawl, another
        process) has committed since they were read."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._days.clear()
            self._data_version = version

    def _day(self, day: str) -> _Day:
        cached = self._days.get(day)
        if cached is None:
            cached = self._days[day] = _Day()
            rows = self.conn.execute(
                "SELECT id, site, story_id, simhash, sketch FROM articles WHERE published_date = ?", (day,)
            )
            for row in rows:
                cached.add(*row)
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
                "INSERT INTO rejects (run_id, site, url, reason, detail, seen_at, kind) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(run_id, r.site, r.url, r.reason, r.detail[:2000], now_iso(), r.kind) for r in rejects],
            )


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


class StoredArticles:
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

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _ABSENT) is not _ABSENT

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


_ABSENT = object()


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


@dataclass(slots=True)
class _Twin:
    id: str
    site: str
    story_id: str
    same_article: bool = False


@dataclass(slots=True)
class _Day:
    """Fingerprints of the articles published on one day: SimHashes and sketches, with an
    inverted index of sketch hashes so that a new article is compared with few of them."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)
    simhashes: list[int] = field(default_factory=list)
    simhash_rows: list[int] = field(default_factory=list)
    sketch_sizes: list[int] = field(default_factory=list)
    postings: dict[int, list[int]] = field(default_factory=dict)

    def add(self, aid: str, site: str, story: str, simhash: str | None, sketch: str | None) -> None:
        index = len(self.rows)
        self.rows.append((aid, site, story))
        if simhash:
            self.simhashes.append(int(simhash, 16))
            self.simhash_rows.append(index)
        hashes = parse_sketch(sketch)
        self.sketch_sizes.append(len(hashes))
        for h in hashes:
            self.postings.setdefault(h, []).append(index)

    def candidates(self, simhash: int | None, sketch: frozenset[int]) -> list[tuple[str, str, str]]:
        found = set()
        if simhash is not None:
            found.update(self.simhash_rows[i] for i in candidates_among(simhash, self.simhashes))
        # hashes shared with each article of the day, counted from the postings (no set
        # intersections)
        shared: Counter[int] = Counter()
        for h in sketch:
            if rows := self.postings.get(h):
                shared.update(rows)
        mine = len(sketch)
        found.update(i for i, common in shared.items() if sketch_shares_enough(mine, self.sketch_sizes[i], common))
        return [self.rows[i] for i in sorted(found)]


def _row_values(a: Article, aid: str, key: str, run_id: int | None, seen: str) -> dict[str, Any]:
    return {
        "id": aid, "url": a.url, "url_key": key, "site": a.site, "title": a.title,
        "published_at": a.published_at, "published_date": a.published_date,
        "published_raw": a.published_raw, "modified_at": a.modified_at,
        "authors": json.dumps(a.authors, ensure_ascii=False), "editor": a.editor, "source": a.source,
        "location": a.location, "category": a.category,
        "tags": json.dumps(a.tags, ensure_ascii=False), "image_url": a.image_url,
        "image_caption": a.image_caption, "description": a.description, "body": a.body,
        "word_count": a.word_count, "language": a.language, "views": a.views,
        "content_hash": a.content_hash, "fetched_at": a.fetched_at,
        "sitemap_lastmod": a.sitemap_lastmod,
        "extracted_by": json.dumps(a.extracted_by, sort_keys=True), "run_id": run_id,
        "simhash": a.simhash, "sketch": a.sketch, "places": json.dumps(a.places, ensure_ascii=False),
        "fetched_url": clean_url(a.source_url or a.url), "fetched_key": a.source_key or key,
        "officials": json.dumps(a.officials, ensure_ascii=False),
        "last_seen_at": seen,
    }  # fmt: skip
