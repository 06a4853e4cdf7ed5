"""Today's extraction over the pages kept as fetched (:mod:`crawler.fetch.page_archive`), without
fetching anything again: when a profile is fixed after the first live run, every article already
crawled is corrected.

For each stored article, the newest kept page of it is extracted and enriched as a crawl would;
each extracted field is compared with the stored one, and an article that differs keeps its
previous content as a version (``article_versions``, ``reason = 're-extracted'``, the changed
fields in ``changed_fields``) and gets the new values. A page that today gives no article (no title,
too short) never overwrites a stored record. Topic matches that appear are dated at the article's
first sight, so that re-extraction never sends alerts for old articles. Batches are transactions:
killed midway, a run loses nothing, and running it again finishes the work without versioning an
article twice.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from crawler.enrichment.enrich import page_record
from crawler.enrichment.topics import Topic
from crawler.items import Article, Reject
from crawler.sites.profile import SiteProfile
from crawler.store.kept_pages import KeptPage
from crawler.store.schema import now_iso
from crawler.store.storage import Database
from crawler.store.writes import article_id, row_values

logger = logging.getLogger(__name__)

# The columns extraction and enrichment give; the rest (identity, bookkeeping, views) stays.
REEXTRACTED = (
    "title",
    "published_at",
    "published_date",
    "published_raw",
    "modified_at",
    "authors",
    "editor",
    "source",
    "location",
    "category",
    "tags",
    "image_url",
    "image_caption",
    "description",
    "body",
    "word_count",
    "language",
    "content_hash",
    "extracted_by",
    "simhash",
    "sketch",
    "places",
    "officials",
)
INTERNAL = frozenset({"published_raw", "word_count", "content_hash", "extracted_by", "simhash", "sketch"})


@dataclass
class Outcome:
    pages: int = 0
    changed: int = 0
    unchanged: int = 0
    not_stored: int = 0  # a kept page of no stored article (dropped at the time, or stored elsewhere)
    no_article: int = 0  # today's extraction gives no article: the stored record is kept
    errors: int = 0
    fields: Counter[str] = field(default_factory=Counter)  # field -> articles where it changed


def reextract(
    db: Database,
    pages: Iterable[KeptPage],
    profiles: dict[str, SiteProfile],
    *,
    topics: tuple[Topic, ...],
    min_words: int,
    batch: int = 50,
    progress: Callable[[Outcome], None] | None = None,
) -> Outcome:
    """Re-extract ``pages`` into ``db``, ``batch`` pages per transaction."""
    out = Outcome()
    group: list[KeptPage] = []
    for page in pages:
        group.append(page)
        if len(group) >= batch:
            _apply(db, group, profiles, topics=topics, min_words=min_words, out=out)
            group = []
            if progress:
                progress(out)
    if group:
        _apply(db, group, profiles, topics=topics, min_words=min_words, out=out)
    return out


def _apply(
    db: Database,
    group: list[KeptPage],
    profiles: dict[str, SiteProfile],
    *,
    topics: tuple[Topic, ...],
    min_words: int,
    out: Outcome,
) -> None:
    """One batch: extracted first (no write lock held meanwhile), then compared and stored at once."""
    articles = [_extracted(page, profiles.get(page.site), topics, min_words=min_words, out=out) for page in group]
    with db.transaction() as conn:
        for article in articles:
            if article is not None:
                _compare_and_store(conn, article, out)
    out.pages += len(group)


def _extracted(
    page: KeptPage, profile: SiteProfile | None, topics: tuple[Topic, ...], *, min_words: int, out: Outcome
) -> Article | None:
    """The page's record as a crawl would make it today, or None (counted) when it gives none."""
    if profile is None:
        logger.warning("%s: kept for site %s, which Pantau no longer has", page.url, page.site)
        out.errors += 1
        return None
    record = page_record(
        page.body,
        page.content_type,
        page.url,
        profile=profile,
        topics=topics,
        min_words=min_words,
        fetched_at=page.fetched_at,
    )
    if isinstance(record, Reject):
        logger.info("%s: no article today (%s: %s)", page.url, record.reason, record.detail)
        if record.reason.startswith("extraction-"):
            out.errors += 1
        else:
            out.no_article += 1
        return None
    record.source_url = page.url
    return record


def _compare_and_store(conn: sqlite3.Connection, a: Article, out: Outcome) -> None:
    key = a.url_key or a.url
    aid = article_id(key)
    cur = conn.execute("SELECT * FROM articles WHERE id = ?", (aid,))
    found = cur.fetchone()
    if found is None:
        out.not_stored += 1
        return
    row = dict(zip([d[0] for d in cur.description], found, strict=True))
    new = row_values(a, aid, key, run_id=row["run_id"], seen=row["last_seen_at"])
    changed = [f for f in REEXTRACTED if new[f] != row[f]]
    topics_changed = _replace_topics(conn, aid, a, first_seen=row["first_seen_at"])
    if not changed and not topics_changed:
        out.unchanged += 1
        return
    conn.execute(
        "INSERT INTO article_versions (article_id, title, body, published_at, published_date, modified_at, "
        "content_hash, seen_at, replaced_at, reason, changed_fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            aid,
            row["title"],
            row["body"],
            row["published_at"],
            row["published_date"],
            row["modified_at"],
            row["content_hash"],
            row["last_seen_at"],
            now_iso(),
            "re-extracted",
            json.dumps(changed + (["topics"] if topics_changed else [])),
        ),
    )
    if changed:
        assignments = ", ".join(f"[{f}] = ?" for f in changed)
        conn.execute(f"UPDATE articles SET {assignments} WHERE id = ?", (*(new[f] for f in changed), aid))
    out.changed += 1
    out.fields.update(f for f in changed if f not in INTERNAL)
    if topics_changed:
        out.fields["topics"] += 1


def _replace_topics(conn: sqlite3.Connection, aid: str, a: Article, *, first_seen: str | None) -> bool:
    """The article's topic matches as today's extraction finds them; True when they changed. A match
    kept keeps its date; a new one is dated at the article's first sight (no alert for old news)."""
    stored = {
        t: (terms, snippet, at)
        for t, terms, snippet, at in conn.execute(
            "SELECT topic, terms, snippet, matched_at FROM article_topics WHERE article_id = ?", (aid,)
        )
    }
    found = {t.topic: (json.dumps(t.terms, ensure_ascii=False), t.snippet) for t in a.topics}
    if {t: v[:2] for t, v in stored.items()} == found:
        return False
    conn.execute("DELETE FROM article_topics WHERE article_id = ?", (aid,))
    conn.executemany(
        "INSERT INTO article_topics (article_id, topic, terms, snippet, matched_at) VALUES (?, ?, ?, ?, ?)",
        [
            (aid, t, terms, snippet, stored[t][2] if t in stored else first_seen or now_iso())
            for t, (terms, snippet) in found.items()
        ],
    )
    return True
