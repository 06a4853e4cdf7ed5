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
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.enrichment.enrich import page_record
from crawler.enrichment.topics import Topic
from crawler.items import Article, Reject
from crawler.sites.profile import SiteProfile
from crawler.store.polling import parse_time
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


@dataclass(frozen=True)
class KeptPage:
    site: str
    url: str  # on the live site
    fetched_at: datetime
    body: bytes
    content_type: str | None
    fetched_from: str = ""  # the address it was fetched from: a mirror's in mirror mode


@dataclass(frozen=True)
class DamagedFile:
    """A page-archive file that could not be read whole: the pages read from it before the damage
    are used, the rest is skipped."""

    path: Path
    pages: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}; {self.pages} page(s) read from it, the rest skipped"


# what reading a damaged WARC file raises: not a WARC, bad gzip, bad headers, cut short
DAMAGE = (ArchiveLoadFailed, OSError, EOFError, ValueError, zlib.error)


@dataclass
class Outcome:
    pages: int = 0
    changed: int = 0
    unchanged: int = 0
    not_stored: int = 0  # a kept page of no stored article (dropped at the time, or stored elsewhere)
    no_article: int = 0  # today's extraction gives no article: the stored record is kept
    errors: int = 0
    fields: Counter[str] = field(default_factory=Counter)  # field -> articles where it changed


def kept_pages(
    folder: Path, sites: Iterable[str], since: datetime | None = None, damaged: list[DamagedFile] | None = None
) -> Iterator[KeptPage]:
    """The newest kept page of each URL of ``sites`` (fetched since ``since``), site by site. A
    file that cannot be read whole is added to ``damaged`` and what could be read of it is used."""
    found = damaged if damaged is not None else []
    for site in sites:
        for url, (path, offset) in _newest(folder, site, since, found).items():
            try:
                yield _read(site, url, path, offset)
            except DAMAGE as exc:
                found.append(DamagedFile(path, 0, f"the page of {url} cannot be read: {_problem(exc)}"))


def kept_page(folder: Path, site: str, url: str) -> KeptPage | None:
    """The newest kept page of ``url``, or None when none was kept (or none can be read)."""
    damaged: list[DamagedFile] = []
    found = _newest(folder, site, None, damaged, url).get(url)
    for damage in damaged:
        logger.warning("%s", damage)
    try:
        return _read(site, url, *found) if found else None
    except DAMAGE as exc:
        logger.warning("%s: the kept page of %s cannot be read: %s", found[0] if found else folder, url, _problem(exc))
        return None


def _newest(
    folder: Path, site: str, since: datetime | None, damaged: list[DamagedFile], url: str | None = None
) -> dict[str, tuple[Path, int]]:
    """Where the newest kept response of each URL (or of ``url`` alone) lies: file and offset."""
    since = since or datetime.min.replace(tzinfo=UTC)
    newest: dict[str, tuple[Path, int]] = {}
    for path in sorted((folder / site).glob("*.warc.gz")):  # named by start time: oldest first
        read = 0
        last: tuple[str, int] | None = None
        try:
            with open(path, "rb") as f:
                records = ArchiveIterator(f)
                for record in records:
                    kept = record.rec_headers.get_header("WARC-Pantau-URL")
                    if record.rec_type != "response" or not kept:
                        continue
                    read += 1
                    last = (kept, records.get_record_offset())
                    if (url is None or kept == url) and _fetched(record) >= since:
                        newest[kept] = (path, last[1])
                cut = _cut_short(records, path)
            if cut:
                if last is not None:  # the record cut in half is not a page
                    read -= 1
                    if newest.get(last[0]) == (path, last[1]):
                        del newest[last[0]]
                damaged.append(DamagedFile(path, read, cut))
        except DAMAGE as exc:
            damaged.append(DamagedFile(path, read, _problem(exc)))
    return newest


def _cut_short(records: ArchiveIterator, path: Path) -> str:
    """Why ``path`` ends before its last record does ('' when it does not): warcio stops silently
    at a gzip member cut short (a file truncated by a full disk or a killed copy), so the last
    member is decompressed again to see that it ends."""
    member = getattr(records, "member_info", None)
    if not member:
        return ""
    offset, length = member
    size = path.stat().st_size
    if offset + length < size:
        return f"cut short: {size - offset - length} byte(s) after the last whole record"
    with open(path, "rb") as f:
        f.seek(offset)
        inflate = zlib.decompressobj(wbits=31)
        inflate.decompress(f.read(length))
    return "" if inflate.eof else "cut short: its last record ends mid-way"


def _problem(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:120]  # one line, and never the binary a garbled file holds in full
    return f"{type(exc).__name__}: {text.encode('ascii', 'backslashreplace').decode()}"


def _read(site: str, url: str, path: Path, offset: int) -> KeptPage:
    with open(path, "rb") as f:
        f.seek(offset)
        record = next(iter(ArchiveIterator(f)))
        body = record.content_stream().read()
        content_type = record.http_headers.get_header("Content-Type") if record.http_headers else None
        fetched_from = record.rec_headers.get_header("WARC-Target-URI") or ""
        return KeptPage(site, url, _fetched(record), body, content_type, fetched_from)


def _fetched(record: Any) -> datetime:
    """When a kept page was fetched (its WARC-Date); the earliest time when that cannot be read."""
    return parse_time(record.rec_headers.get_header("WARC-Date")) or datetime.min.replace(tzinfo=UTC)


def reextract(
    db: Database,
    pages: Iterable[KeptPage],
    profiles: dict[str, SiteProfile],
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
            _apply(db, group, profiles, topics, min_words, out)
            group = []
            if progress:
                progress(out)
    if group:
        _apply(db, group, profiles, topics, min_words, out)
    return out


def _apply(
    db: Database,
    group: list[KeptPage],
    profiles: dict[str, SiteProfile],
    topics: tuple[Topic, ...],
    min_words: int,
    out: Outcome,
) -> None:
    """One batch: extracted first (no write lock held meanwhile), then compared and stored at once."""
    articles = [_extracted(page, profiles.get(page.site), topics, min_words, out) for page in group]
    with db.transaction() as conn:
        for article in articles:
            if article is not None:
                _compare_and_store(conn, article, out)
    out.pages += len(group)


def _extracted(
    page: KeptPage, profile: SiteProfile | None, topics: tuple[Topic, ...], min_words: int, out: Outcome
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
    new = row_values(a, aid, key, row["run_id"], row["last_seen_at"])
    changed = [f for f in REEXTRACTED if new[f] != row[f]]
    topics_changed = _replace_topics(conn, aid, a, row["first_seen_at"])
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


def _replace_topics(conn: sqlite3.Connection, aid: str, a: Article, first_seen: str | None) -> bool:
    """The article's topic matches as today's extraction finds them; True when they changed. A match
    kept keeps its date; a new one is dated at the article's first sight (no alert for old news)."""
    stored = {
        t: (terms, snippet, at)
        for t, terms, snippet, at in conn.execute(
            "SELECT topic, terms, snippet, matched_at FROM article_topics WHERE article_id = ?", (aid,)
        )
    }
    found = {t["topic"]: (json.dumps(t["terms"], ensure_ascii=False), t["snippet"]) for t in a.topics}
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
