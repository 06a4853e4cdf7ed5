"""A database file checked against the schema the migrations build: tables, columns, indexes, triggers,
views and the search index that are missing are found (the start-up check) and recreated (crawler db
repair), the data tables never touched."""

from __future__ import annotations

import sqlite3
from functools import lru_cache

import sqlite_utils

from crawler.store.migrations import MIGRATIONS

# Tables whose loss is loss of data: reported, never silently recreated empty.
DATA_TABLES = frozenset(
    {
        "articles",
        "article_aliases",
        "article_versions",
        "crawl_runs",
        "rejects",
        "article_topics",
        "deliveries",
        "relay_state",
        "relay_runs",
    }
)


def _current_database() -> sqlite3.Connection:
    """An empty database in memory with every migration applied: what a file should look like."""
    conn = sqlite3.connect(":memory:")
    db = sqlite_utils.Database(conn)
    for migration in MIGRATIONS:
        migration(db)
    return conn


@lru_cache(maxsize=1)
def reference_schema() -> dict[str, tuple[str, str]]:
    """name -> (type, SQL) of every table, index, trigger and view a current database has."""
    conn = _current_database()
    rows = conn.execute("SELECT name, type, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
    conn.close()
    return {name: (kind, sql) for name, kind, sql in rows if not _internal(name)}


def _internal(name: str) -> bool:
    return name.startswith(("sqlite_", "articles_fts_"))


@lru_cache(maxsize=1)
def reference_columns() -> dict[str, tuple[str, ...]]:
    """table -> its columns, in a current database (full-text tables excluded)."""
    conn = _current_database()
    tables = [name for name, (kind, sql) in reference_schema().items() if kind == "table" and "VIRTUAL" not in sql]
    columns = {t: tuple(row[1] for row in conn.execute(f"PRAGMA table_info([{t}])")) for t in tables}
    conn.close()
    return columns


def missing_columns(conn: sqlite3.Connection) -> list[str]:
    """``table.column`` of the columns a current database has and this one lacks (dropped or
    renamed outside Pantau): every write that names them would fail mid-crawl."""
    lacking = []
    for table, wanted in reference_columns().items():
        present = {row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")}
        if present:  # a missing table is missing_objects' business
            lacking += [f"{table}.{column}" for column in wanted if column not in present]
    return lacking


def missing_objects(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(type, name) of what a current database should have and this one lacks."""
    present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    return [(kind, name) for name, (kind, _) in reference_schema().items() if name not in present]


def repair(conn: sqlite3.Connection) -> list[str]:
    """Recreate what can be recreated without losing data (indexes, triggers, views, the full-text
    index rebuilt from ``articles``, the listing state); returns what was done. Raises
    ``ValueError`` naming a missing data table, which only a backup can bring back. Run inside
    a write transaction."""
    missing = missing_objects(conn)
    lost = sorted(name for kind, name in missing if kind == "table" and name in DATA_TABLES)
    if lost:
        raise ValueError(f"table(s) {', '.join(lost)} missing: the data they held is gone")
    if lacking := missing_columns(conn):
        raise ValueError(f"column(s) {', '.join(lacking)} missing (dropped or renamed outside Pantau)")
    done = []
    order = {"table": 0, "index": 1, "view": 2, "trigger": 3}
    for kind, name in sorted(missing, key=lambda m: order.get(m[0], 9)):
        conn.execute(reference_schema()[name][1])
        if name == "articles_fts":
            conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
            done.append("recreated the full-text index articles_fts and re-indexed every article")
        else:
            done.append(f"recreated {kind} {name}")
    return done
