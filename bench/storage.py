"""Storage and full-text search, beside SQLite's FTS5 alone."""

from __future__ import annotations

import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.synthetic import fill, synthetic_articles

# ----------------------------------------------------------------------------- 4. storage


def fts5_alone(articles: list, batch: int, path: Path) -> float:
    """The ceiling for "with FTS in sync": rows of only title and body, each indexed by the same
    external-content FTS5 table as ``articles_fts`` (same tokenizer, same batches), nothing else."""
    import sqlite3

    from crawler.store.schema import FTS_PREFIX, FTS_TOKENIZE

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE a (title TEXT, body TEXT)")
    conn.execute(
        f"CREATE VIRTUAL TABLE a_fts USING fts5(title, body, tokenize='{FTS_TOKENIZE}', "
        f"prefix='{FTS_PREFIX}', content='a')"
    )
    start = time.perf_counter()
    for i in range(0, len(articles), batch):
        conn.execute("BEGIN")
        for a in articles[i : i + batch]:
            rowid = conn.execute("INSERT INTO a (title, body) VALUES (?, ?)", (a.title, a.body)).lastrowid
            conn.execute("INSERT INTO a_fts (rowid, title, body) VALUES (?, ?, ?)", (rowid, a.title, a.body))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return len(articles) / elapsed


def bench_storage(n: int, batch: int = 500, searched: int = 100_000) -> dict:
    """``n`` articles stored the pipeline's way (real fingerprints: computing them for 100,000
    bodies alone would take minutes), beside FTS5 alone; search latency on an archive of
    ``searched`` articles filled directly (bench/scale.py)."""
    from crawler.store.storage import Database

    tmp = Path(tempfile.mkdtemp(prefix="pantau-store-"))
    try:
        articles = list(synthetic_articles(n))
        db = Database.open(tmp / "s.db")
        start = time.perf_counter()
        for i in range(0, n, batch):
            db.store_articles(articles[i : i + batch])
        store_s = time.perf_counter() - start
        rows = db.conn.execute("select count(*) from articles").fetchone()[0]
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        size = (tmp / "s.db").stat().st_size
        ceiling = fts5_alone(articles, batch, tmp / "fts.db")
        fill(tmp / "searched.db", searched)
        import sqlite3

        conn = sqlite3.connect(tmp / "searched.db")
        fts = fts_latencies(conn)
        conn.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "storage_articles": n,
        "storage_rows": rows,
        "storage_rows_per_s": round(n / store_s),
        "fts5_alone_rows_per_s": round(ceiling),
        "storage_share_of_fts5_alone": round(n / store_s / ceiling, 2),
        "fts_queries": fts,
        "fts_median_ms": max(q["median_ms"] for q in fts),  # the slowest kind
        "db_bytes_per_article": round(size / n),
    }


def fts_queries(conn) -> dict[str, str]:
    """One query of each kind a user types, with words taken from the stored text, so that each
    has hits: a word in nearly every article, a rare word, two common words (AND), a phrase that
    occurs in a body, and a prefix."""

    counts: dict[str, int] = {}
    for (body,) in conn.execute("SELECT body FROM articles ORDER BY rowid LIMIT 2000"):
        for word in set(re.findall(r"\w+", body.casefold())):
            counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    common, second = ranked[0], ranked[1]
    rare = next(w for w in reversed(ranked) if counts[w] == 1 and len(w) > 4)
    body = conn.execute("SELECT body FROM articles ORDER BY rowid LIMIT 1 OFFSET 7").fetchone()[0]
    words = re.findall(r"\w+", body.casefold())
    phrase = " ".join(words[10:12])
    prefix = next(w for w in ranked[5:] if len(w) >= 6)[:4]
    return {
        "common": common,
        "rare": rare,
        "and": f"{common} AND {second}",
        "phrase": f'"{phrase}"',
        "prefix": f"{prefix}*",
    }


def fts_latencies(conn, rounds: int = 7) -> list[dict]:
    """Median and p95 of a top-20 search with snippets as `crawler search` runs it
    (:func:`crawler.store.queries.search`: ranked by relevance, or newest first when the words match
    more articles than are worth ranking), per query kind, with its hits and its order."""
    from crawler.store.queries import fts_query, search
    from crawler.store.storage import Database

    db = Database(conn, "bench")
    articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    result = []
    for kind, typed in fts_queries(conn).items():
        match = fts_query(typed)
        hits = conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (match,)).fetchone()[0]
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            rows = search(db, typed, limit=20)
            times.append((time.perf_counter() - t) * 1000)
        assert rows, f"the {kind} query {match!r} found nothing: not a measurement"
        times.sort()
        result.append(
            {
                "kind": kind,
                "articles": articles,
                "query": match,
                "hits": hits,
                "order": rows[0]["order"],
                "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 2),
            }
        )
    return result
