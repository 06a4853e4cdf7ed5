"""The write path of an article: its identity, a new row or a new version, its story, aliases
and topics, in that order (:meth:`ArticleWriter.store_all`, inside the caller's transaction).

A changed article keeps its previous content in ``article_versions``; a re-post of a stored
article of the same site (same title, nearly the same body) becomes an alias of it; any other
copy of a story joins its ``story_id``. Near-duplicates are looked for among articles published
``NEAR_DUP_DAYS`` around the new one, through fingerprints cached per day.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from typing import Any, NamedTuple

from crawler.enrichment.neardup import (
    confirmed,
    near_identical,
    other_place,
    parse_sketch,
    same_title,
    shingles,
)
from crawler.items import Article, RunId

# Columns of ``articles`` that a user sees as "the content": a change in one makes a new version.
from crawler.store.day_index import NEAR_DUP_DAYS, DayFingerprints, Twin, days_around
from crawler.store.schema import now_iso
from crawler.urls import canonical_url, clean_url

VERSIONED = ("title", "body", "published_at", "published_date", "modified_at")


class StoredRow(NamedTuple):
    """What the write path reads of a stored article, by name."""

    title: str | None
    body: str | None
    published_at: str | None
    published_date: str | None
    modified_at: str | None
    content_hash: str | None
    last_seen_at: str | None
    url: str
    fetched_url: str | None
    fetched_key: str | None


def article_id(url_key: str) -> str:
    """Primary key of an article: a short stable hash of its identity (canonical URL or site id)."""
    return hashlib.sha1(url_key.encode()).hexdigest()[:16]


class ArticleWriter:
    """Stores articles on one connection. Fingerprints of stored articles are cached per
    publication day while no other connection has committed (``PRAGMA data_version``), so that
    concurrent crawls see each other's stories."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.fingerprints = DayFingerprints(conn)

    def store_all(self, articles: Iterable[Article], run_id: RunId | None = None) -> list[str]:
        """Insert or update articles (inside the caller's transaction); ``new``/``updated``/
        ``unchanged``/``duplicate`` per article."""
        self.fingerprints.refresh()
        return [self._store(article, run_id) for article in articles]

    def _store(self, a: Article, run_id: RunId | None) -> str:
        """One article, in order: its identity, then a new row (or a same-site duplicate) or a
        new version of the stored one, then its aliases and topics."""
        aid, key, row = self._identity(a)
        seen = now_iso()
        values = row_values(a, aid, key, run_id=run_id, seen=seen)
        if row is None:
            outcome = self._insert(a, aid, values, seen=seen)
            if outcome == "duplicate":
                return outcome
        else:
            outcome = self._update(a, aid, row, values=values, seen=seen)
        self._alias(aid, a, seen)
        if outcome != "unchanged":
            self._topics(aid, a, seen, replace=outcome == "updated")
        return outcome

    def _identity(self, a: Article) -> tuple[str, str, StoredRow | None]:
        """(article id, key, the stored row or None). A stored row that holds another page moves
        to the URL it was fetched at; a canonical link pointing at another stored article is not
        believed (the page is an article of its own)."""
        key = a.url_key or a.url
        aid = article_id(key)
        row = self._current(aid)
        if row is not None and row.fetched_key is not None and _holds_another_page(a, key, row):
            # to the URL it was fetched at: this page owns the URL
            self._move(aid, row.fetched_url or row.url, row.fetched_key)
            return aid, key, None
        if row is not None and self._moved_by_wrong_canonical(a, aid, row):
            a.url, a.url_key = clean_url(a.source_url or a.url), a.source_key
            key = a.source_key or a.url
            aid = article_id(key)
            row = self._current(aid)
        return aid, key, row

    def _insert(self, a: Article, aid: str, values: dict[str, Any], *, seen: str) -> str:
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
        if a.published_date and (day := self.fingerprints.cached(a.published_date)) is not None:
            day.add(aid, a.site, values["story_id"], simhash=a.simhash, sketch=a.sketch)
        return "new"

    def _update(self, a: Article, aid: str, row: StoredRow, *, values: dict[str, Any], seen: str) -> str:
        """A changed article keeps its previous content in ``article_versions`` (``updated``);
        an unchanged one is only seen again (``unchanged``)."""
        old = {k: getattr(row, k) for k in VERSIONED}
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
            (
                aid,
                row.title,
                row.body,
                row.published_at,
                row.published_date,
                row.modified_at,
                row.content_hash,
                row.last_seen_at,
                seen,
            ),
        )
        del values["id"]
        assignments = ", ".join(f"{k} = ?" for k in values)
        self.conn.execute(f"UPDATE articles SET {assignments} WHERE id = ?", (*values.values(), aid))
        return "updated"

    def _topics(self, aid: str, a: Article, seen: str, *, replace: bool) -> None:
        if replace:
            self.conn.execute("DELETE FROM article_topics WHERE article_id = ?", (aid,))
        self.conn.executemany(
            "INSERT INTO article_topics (article_id, topic, terms, snippet, matched_at) VALUES (?, ?, ?, ?, ?)",
            [(aid, t.topic, json.dumps(t.terms, ensure_ascii=False), t.snippet, seen) for t in a.topics],
        )

    def _current(self, aid: str) -> StoredRow | None:
        row = self.conn.execute(f"SELECT {', '.join(StoredRow._fields)} FROM articles WHERE id = ?", (aid,)).fetchone()
        return StoredRow(*row) if row else None

    def _moved_by_wrong_canonical(self, a: Article, aid: str, row: StoredRow) -> bool:
        """The page was fetched at a URL of its own, declares the stored article ``aid`` as its
        canonical, and is another article (another title): the canonical link is wrong."""
        if not a.source_key or a.source_key == (a.url_key or a.url) or same_title(a.title, row.title):
            return False
        alias = self.conn.execute(
            "SELECT 1 FROM article_aliases WHERE url = ? AND article_id = ?", (canonical_url(a.source_url or ""), aid)
        ).fetchone()
        return alias is None  # a known alias of it with a new title is a revision, not another article

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
        self.fingerprints.forget()

    def _alias(self, aid: str, a: Article, seen: str) -> None:
        """Every URL of the article, in the canonical form the crawler looks URLs up in."""
        for url in {a.url, a.source_url or a.url}:
            self.conn.execute(
                "INSERT OR IGNORE INTO article_aliases (url, article_id, first_seen_at) VALUES (?, ?, ?)",
                (canonical_url(url), aid, seen),
            )

    def _near_duplicate(self, a: Article, aid: str) -> Twin | None:
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
            twin_id, site, story_id, title = exact
            return Twin(twin_id, site, story_id, same_article=same_title(a.title, title))
        if not a.published_date:
            return None
        mine_hash = int(a.simhash, 16) if a.simhash else None
        mine_sketch = parse_sketch(a.sketch)
        mine: set[str] | None = None  # the new body's 3-shingles, computed once for all candidates
        found: Twin | None = None
        for day in days_around(a.published_date, NEAR_DUP_DAYS):
            for other_id, site, story in self.fingerprints.day(day).candidates(mine_hash, mine_sketch):
                if other_id == aid:
                    continue
                stored = self.conn.execute(
                    "SELECT title, body, location FROM articles WHERE id = ?", (other_id,)
                ).fetchone()
                if stored is None:  # moved since its day was cached
                    continue
                title, body, place = stored
                mine = mine if mine is not None else shingles(a.body)
                theirs = shingles(body or "")
                if not confirmed(mine, theirs) or other_place(a.location, place, body_a=mine, body_b=theirs):
                    continue
                twin = Twin(
                    other_id,
                    site,
                    story,
                    site == a.site and same_title(a.title, title) and near_identical(mine, theirs),
                )
                if twin.same_article:
                    return twin
                found = found or twin
        return found


def _holds_another_page(a: Article, key: str, row: StoredRow) -> bool:
    """This page was fetched at its own URL, but the row stored under that URL came from
    another page that declared it as canonical, and is another article (another title)."""
    fetched_key = row.fetched_key
    own = not a.source_key or a.source_key == key
    return own and fetched_key is not None and fetched_key != key and not same_title(a.title, row.title)


def row_values(a: Article, aid: str, key: str, *, run_id: RunId | None, seen: str) -> dict[str, Any]:
    return {
        "id": aid,
        "url": a.url,
        "url_key": key,
        "site": a.site,
        "title": a.title,
        "published_at": a.published_at,
        "published_date": a.published_date,
        "published_raw": a.published_raw,
        "modified_at": a.modified_at,
        "authors": json.dumps(a.authors, ensure_ascii=False),
        "editor": a.editor,
        "source": a.source,
        "location": a.location,
        "category": a.category,
        "tags": json.dumps(a.tags, ensure_ascii=False),
        "image_url": a.image_url,
        "image_caption": a.image_caption,
        "description": a.description,
        "body": a.body,
        "word_count": a.word_count,
        "language": a.language,
        "views": a.views,
        "content_hash": a.content_hash,
        "fetched_at": a.fetched_at,
        "sitemap_lastmod": a.sitemap_lastmod,
        "extracted_by": json.dumps(a.extracted_by, sort_keys=True),
        "run_id": run_id,
        "simhash": a.simhash,
        "sketch": a.sketch,
        "places": json.dumps(a.places, ensure_ascii=False),
        "fetched_url": clean_url(a.source_url or a.url),
        "fetched_key": a.source_key or key,
        "officials": json.dumps(a.officials, ensure_ascii=False),
        "last_seen_at": seen,
    }
