"""The database's numbered migrations, recorded in ``PRAGMA user_version``: what a database should
hold is what running every migration on an empty one gives (:mod:`crawler.store.schema_check`
finds a dropped index, trigger, view or full-text index and recreates it)."""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from crawler.enrichment.neardup import fingerprint, sketch
from crawler.store.schema import ARTICLE_COLUMNS, FTS_PREFIX, FTS_TOKENIZE, VIEWS, now_iso
from crawler.urls import canonical_url


def _migration_1(db: sqlite_utils.Database) -> None:
    db.table("articles").create(ARTICLE_COLUMNS, pk="id", not_null={"url", "url_key", "site"})
    db.table("articles").create_index(["url_key"], unique=True)
    db.table("articles").create_index(["site", "published_date"])
    db.table("articles").create_index(["published_date"])
    db.table("articles").create_index(["content_hash"])
    db.table("articles").enable_fts(["title", "body"], create_triggers=True, tokenize=FTS_TOKENIZE)
    db.table("article_aliases").create(
        {"url": str, "article_id": str, "first_seen_at": str},
        pk="url",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("article_aliases").create_index(["article_id"])
    db.table("article_versions").create(
        {
            "id": int,
            "article_id": str,
            "title": str,
            "body": str,
            "published_at": str,
            "published_date": str,
            "modified_at": str,
            "content_hash": str,
            "seen_at": str,
            "replaced_at": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("article_versions").create_index(["article_id"])
    db.table("crawl_runs").create(
        {
            "id": int,
            "site": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "finish_reason": str,
            "requests": int,
            "responses": int,
            "new": int,
            "updated": int,
            "unchanged": int,
            "skipped": int,
            "dropped": int,
            "errors": int,
            "dropped_reasons": str,
            "coverage": str,
            "error": str,
        },
        pk="id",
    )
    db.table("crawl_runs").create_index(["site", "started_at"])
    db.table("rejects").create(
        {"id": int, "run_id": int, "site": str, "url": str, "reason": str, "detail": str, "seen_at": str},
        pk="id",
    )
    db.table("rejects").create_index(["run_id"])
    db.table("rejects").create_index(["url"])


def _migration_2(db: sqlite_utils.Database) -> None:
    """Near-duplicate fingerprints and stories, topics, entity hints, views."""
    for column in ("simhash", "story_id", "places", "officials"):
        db.table("articles").add_column(column, str)
    for row in db.execute("SELECT id, body FROM articles").fetchall():
        db.execute("UPDATE articles SET simhash = ?, story_id = id WHERE id = ?", (fingerprint(row[1] or ""), row[0]))
    db.table("articles").create_index(["story_id"])
    db.table("article_topics").create(
        {"article_id": str, "topic": str, "terms": str, "snippet": str, "matched_at": str},
        pk=("article_id", "topic"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("article_topics").create_index(["topic"])
    db.table("crawl_runs").add_column("duplicates", int)
    db.table("crawl_runs").add_column("warnings", str)
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


def _migration_4(db: sqlite_utils.Database) -> None:
    """Entry-point failures and refusals per run, listing backfill state, containment sketches,
    aliases in the canonical form the crawler looks them up in."""
    db.table("rejects").add_column("kind", str)  # NULL on older rows: an article page
    db.table("crawl_runs").add_column("refused", str)
    db.table("crawl_runs").add_column("entry_failures", str)
    db.table("articles").add_column("sketch", str)
    db.table("articles").add_column("fetched_url", str)  # where the stored content was fetched
    db.table("articles").add_column("fetched_key", str)  # its identity, when a canonical link moved it elsewhere
    for row_id, body in db.execute("SELECT id, body FROM articles").fetchall():
        db.execute("UPDATE articles SET sketch = ? WHERE id = ?", (sketch(body or ""), row_id))
    db.table("listings").create(
        {"site": str, "url": str, "complete": int, "resume_url": str, "updated_at": str}, pk=("site", "url")
    )
    for url, article in db.execute("SELECT url, article_id FROM article_aliases").fetchall():
        if (canonical := canonical_url(url)) != url:
            db.execute("DELETE FROM article_aliases WHERE url = ?", (url,))
            db.execute(
                "INSERT OR IGNORE INTO article_aliases (url, article_id, first_seen_at) VALUES (?, ?, ?)",
                (canonical, article, now_iso()),
            )


def _migration_5(db: sqlite_utils.Database) -> None:
    """Which process runs a crawl (so that a run left ``running`` by a process that died can be
    told from one in progress), the mirror it crawled, if any; an article's source credit."""
    for column in ("host", "base_url"):
        db.table("crawl_runs").add_column(column, str)
    db.table("crawl_runs").add_column("pid", int)
    db.table("articles").add_column("source", str)  # "Sumber : Suara Ketapang" credit lines


def _migration_6(db: sqlite_utils.Database) -> None:
    """Alerts: what was delivered to which channel (exactly once, retried with backoff), and when
    each channel first ran (a new channel does not flood with the archive)."""
    db.table("deliveries").create(
        {
            "id": int,
            "channel": str,
            "topic": str,
            "subject": str,
            "article_id": str,
            "version": str,
            "kind": str,
            "detail": str,
            "status": str,
            "attempts": int,
            "last_error": str,
            "next_attempt_at": str,
            "claimed_pid": int,
            "claimed_host": str,
            "claimed_at": str,
            "sent_at": str,
            "created_at": str,
            "key": str,
        },
        pk="id",
        not_null={"channel", "topic", "subject", "version", "kind", "status", "key"},
    )
    db.table("deliveries").create_index(["channel", "topic", "subject", "version"], unique=True)
    db.table("deliveries").create_index(["channel", "status"])
    db.table("channels").create({"name": str, "first_run_at": str}, pk="name")
    db.table("article_topics").create_index(["matched_at"])


def _migration_7(db: sqlite_utils.Database) -> None:
    """Records from Redis (crawls on other machines): where the writer is in each stream, committed
    with the records it applied, and which crawl run each remote run token became."""
    db.table("relay_state").create({"stream": str, "last_id": str, "updated_at": str}, pk="stream")
    db.table("relay_runs").create({"token": str, "run_id": int}, pk="token")


def _migration_8(db: sqlite_utils.Database) -> None:
    """Indexes that keep a large archive fast: "first seen since" (reports, exports, alerts) and a
    site's known non-article pages (read at the start of every crawl)."""
    db.table("articles").create_index(["first_seen_at"])
    db.table("rejects").create_index(["site", "reason"])


def _migration_9(db: sqlite_utils.Database) -> None:
    """The full-text index with prefix indexes (:data:`FTS_PREFIX`), rebuilt from ``articles``;
    versions by the time they were replaced ("updated since", in reports)."""
    db.table("article_versions").create_index(["replaced_at"], if_not_exists=True)
    db.execute("DROP TABLE IF EXISTS articles_fts")
    db.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='articles', "
        f"tokenize='{FTS_TOKENIZE}', prefix='{FTS_PREFIX}')"
    )
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")


def _migration_10(db: sqlite_utils.Database) -> None:
    """The full-text index declared with ``content="articles"`` (double quotes): sqlite-utils finds an
    external-content index only when its SQL reads so (``sqlite-utils search FILE articles ...``
    answered "not configured for full-text search" with ``content='articles'``). SQL cannot change
    the declaration of a virtual table in place: it is rebuilt, once."""
    db.execute("DROP TABLE IF EXISTS articles_fts")
    db.execute(
        'CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content="articles", '
        f"tokenize='{FTS_TOKENIZE}', prefix='{FTS_PREFIX}')"
    )
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")


def _migration_11(db: sqlite_utils.Database) -> None:
    """A site's newest article at once (the dashboard's crawl health: hours since a site's last new
    article; health alerts' silence per site), instead of reading all of the site's articles."""
    db.table("articles").create_index(["site", "first_seen_at"], if_not_exists=True)


def _migration_12(db: sqlite_utils.Database) -> None:
    """Polling when due: each site's learnt interval and next due time (``site_schedule``); the
    validators of each entry point (``ETag``, ``Last-Modified``, a hash of the body) for conditional
    requests, with robots.txt's text kept for its cache (``entry_validators``); whether a run was a
    full walk or a quick check of the fresh entry points, and what it found unchanged."""
    db.table("site_schedule").create(
        {
            "site": str,
            "interval_s": float,
            "next_due_at": str,
            "last_run_at": str,
            "last_status": str,
            "failures": int,
            "stretched": str,
            "updated_at": str,
        },
        pk="site",
        if_not_exists=True,
    )
    db.table("entry_validators").create(
        {"url": str, "site": str, "etag": str, "last_modified": str, "body_hash": str, "body": str, "checked_at": str},
        pk="url",
        if_not_exists=True,
    )
    db.table("entry_validators").create_index(["site"], if_not_exists=True)
    for column, kind in (("mode", str), ("not_modified", int)):
        if column not in db["crawl_runs"].columns_dict:
            db.table("crawl_runs").add_column(column, kind)


def _migration_13(db: sqlite_utils.Database) -> None:
    """Why a version was replaced (``re-extracted``: by ``crawler reextract`` from the kept page, not
    by a change on the site; empty: the site changed it) and which fields changed."""
    for column in ("reason", "changed_fields"):
        if column not in db["article_versions"].columns_dict:
            db.table("article_versions").add_column(column, str)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _migration_1,
    _migration_2,
    _migration_3,
    _migration_4,
    _migration_5,
    _migration_6,
    _migration_7,
    _migration_8,
    _migration_9,
    _migration_10,
    _migration_11,
    _migration_12,
    _migration_13,
]
SCHEMA_VERSION = len(MIGRATIONS)
