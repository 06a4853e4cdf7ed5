"""The questions users ask the database: search and exports (reports: :mod:`crawler.store.report`).
Read-only, parameterised SQL."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime
from typing import Any

from crawler.arguments import since_moment
from crawler.store.schema import FTS_PREFIX
from crawler.store.storage import Database


class QueryError(ValueError):
    """A search the user typed cannot be run; the message says why and how to write it."""


def parse_since(value: str | None, option: str = "--since") -> str | None:
    """``7d``, ``12h``, ``2w`` or ``YYYY-MM-DD`` -> an ISO timestamp (UTC) or date to compare with."""
    if not value:
        return None
    moment = since_moment(value, option)
    return moment.isoformat(timespec="seconds") if isinstance(moment, datetime) else moment.isoformat()


def rows_of(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    """Every row of a cursor as a dict keyed by column name."""
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


MIN_PREFIX = min(int(n) for n in FTS_PREFIX.split())  # the shortest prefix FTS5 indexes
_OPERATORS = frozenset({"AND", "OR", "NOT"})
_TOKEN = re.compile(r'"[^"]*"|NEAR\([^)]*\)|\S+')
WORDS = re.compile(r"\w+")
MAX_TERMS = 64  # a query of thousands of words runs for minutes inside SQLite, where it cannot be stopped


def fts_query(text: str) -> str:
    """What the user typed as an FTS5 query. Plain words are searched as words, each quoted
    (``anak-anak``, ``se-Kota``, ``Pemilu 2024:``, ``judul:x`` are words, not syntax); ``AND``,
    ``OR``, ``NOT``, ``"phrases"``, ``prefix*``, ``NEAR(...)`` and parentheses keep their meaning.
    Raises :class:`QueryError` for what cannot be a query."""
    if text.count('"') % 2:
        raise QueryError('the query has an unbalanced " ; close the phrase ("netralitas ASN") or drop the quote')
    tokens = _TOKEN.findall(text)
    terms = sum(len(WORDS.findall(token)) for token in tokens)
    if terms > MAX_TERMS:
        raise QueryError(
            f"the query has {terms} words; at most {MAX_TERMS} can be searched at once "
            "(each word costs SQLite a pass over its matches)"
        )
    parts = []
    for token in tokens:
        if token.startswith(('"', "NEAR(")):
            if re.search(r"\w", token):
                parts.append(token)
            continue
        core = token.strip("()")
        opening, closing = "(" * (len(token) - len(token.lstrip("("))), ")" * (len(token) - len(token.rstrip(")")))
        if core in _OPERATORS:
            parts.append(opening + core + closing)
        elif re.search(r"\w", core):
            star = "*" if core.endswith("*") and re.search(r"\w", core.rstrip("*")) else ""
            word = core.rstrip("*") if star else core
            if star and len(word) < MIN_PREFIX:
                raise QueryError(
                    f"the prefix {core!r} is too short: give at least {MIN_PREFIX} letters before * "
                    "(a shorter one matches most of the archive)"
                )
            parts.append(opening + '"' + word.replace('"', '""') + '"' + star + closing)
        elif opening or closing:
            parts.append(opening + closing)
    if not any(re.search(r"\w", p) for p in parts):
        raise QueryError(f"nothing to search for in {text!r}; give at least one word")
    return " ".join(parts)


# Ranking by relevance (bm25) scores every match, about 4 µs each here: a query matching more
# articles than this is listed newest first instead, which FTS5 answers at once (bench/run.py).
BROAD_MATCHES = 10_000


_PHRASE = re.compile(r'"((?:[^"]|"")*)"')


def _words_of_phrases(match: str) -> str:
    """The query with each phrase loosened to its words, all required: what a phrase search must
    read through (its words' common articles), whatever it finally matches."""
    return _PHRASE.sub(lambda m: " ".join(f'"{w}"' for w in m.group(1).split()) or '""', match)


def is_broad(db: Database, match: str) -> bool:
    """Whether an FTS5 query reads more than :data:`BROAD_MATCHES` articles to rank (for a phrase:
    the articles holding all its words), found by reading at most that many, newest first: the
    cost stays the same as the archive grows."""
    row = db.conn.execute(
        "SELECT COUNT(*) FROM (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?)",
        (_words_of_phrases(match), BROAD_MATCHES + 1),
    ).fetchone()
    return row[0] > BROAD_MATCHES


def search(
    db: Database,
    query: str,
    site: str | None = None,
    *,
    since: str | None = None,
    topic: str | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Full-text search (FTS5) with highlighted snippets, ranked by relevance (bm25); a query
    matching more than :data:`BROAD_MATCHES` articles is listed newest first (each row says which,
    in ``order``). Raises :class:`QueryError` when the query is not valid search syntax."""
    match = fts_query(query)
    try:
        broad = is_broad(db, match)
    except sqlite3.OperationalError:  # invalid syntax: reported below, where the search runs
        broad = False
    where, params = _search_filters(match, site=site, since=since, topic=topic)
    order = "articles_fts.rowid DESC" if broad else "articles_fts.rank"
    sql = (
        "SELECT a.site, a.published_date, a.published_at, a.title, a.location, a.url, "
        "snippet(articles_fts, 1, '[', ']', '…', 24) AS snippet, "
        f"{'NULL' if broad else 'articles_fts.rank'} AS rank, '{'newest' if broad else 'relevance'}' AS [order] "
        "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
        f"WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
    )
    try:
        return rows_of(db.conn.execute(sql, (*params, limit)))
    except sqlite3.OperationalError as exc:
        if any(k in str(exc) for k in ("locked", "disk", "I/O", "no such table", "malformed")):
            raise  # the database, not the query
        raise QueryError(
            f"invalid search syntax ({exc}); AND, OR and NOT go between words ('pilkada NOT netralitas'), "
            "put words in double quotes to search them as written"
        ) from exc


def _search_filters(match: str, *, site: str | None, since: str | None, topic: str | None) -> tuple[list[str], list]:
    where, params = ["articles_fts MATCH ?"], [match]
    if site:
        where.append("a.site = ?")
        params.append(site)
    if since:
        where.append("COALESCE(a.published_date, a.first_seen_at) >= ?")
        params.append(since[:10])
    if topic:
        where.append("a.id IN (SELECT article_id FROM article_topics WHERE topic = ?)")
        params.append(topic)
    return where, params


def search_total(
    db: Database,
    query: str,
    site: str | None = None,
    *,
    since: str | None = None,
    topic: str | None = None,
    cap: int = BROAD_MATCHES,
) -> int:
    """How many articles a search matches, counted up to ``cap + 1`` (more than ``cap`` is "more
    than ``cap``": counting every match of a broad search would read the archive)."""
    where, params = _search_filters(fts_query(query), site=site, since=since, topic=topic)
    sql = (
        f"SELECT COUNT(*) FROM (SELECT 1 FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
        f"WHERE {' AND '.join(where)} LIMIT ?)"
    )
    return int(db.conn.execute(sql, (*params, cap + 1)).fetchone()[0])


EXPORT_COLUMNS = (
    "id",
    "url",
    "site",
    "title",
    "published_at",
    "published_date",
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
    "views",
    "content_hash",
    "story_id",
    "places",
    "officials",
    "first_seen_at",
    "last_seen_at",
    "fetched_at",
)


JSON_COLUMNS = ("authors", "tags", "places", "officials")


def export_rows(db: Database, published_since: str | None = None, seen_since: str | None = None):
    """Every article (optionally published / first seen since a time), one dict at a time; the
    JSON columns (authors, tags, places, officials) as lists."""
    sql = f"SELECT {', '.join(EXPORT_COLUMNS)} FROM articles"
    where, params = [], []
    if published_since:
        where.append("published_date >= ?")
        params.append(published_since[:10])
    if seen_since:
        where.append("first_seen_at >= ?")
        params.append(seen_since)
    if where:
        sql += " WHERE " + " AND ".join(where)
    cursor = db.conn.execute(sql + " ORDER BY published_date DESC, id", params)
    for row in cursor:
        record = dict(zip(EXPORT_COLUMNS, row, strict=True))
        for column in JSON_COLUMNS:
            record[column] = decoded(record[column])
        yield record


def decoded(value: Any) -> Any:
    """A JSON text column as its value (a list or object); other values as they are."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
