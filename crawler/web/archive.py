"""Which served databases are Pantau's, and what Datasette shows of them (``archive.json``): read by
the plugin's hooks and by the dashboard page alike.

A database is Pantau's when it holds the tables Pantau writes (``articles``, ``crawl_runs``);
other databases served beside it are left as they are.
"""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from crawler.store.connect import connect_readonly

PANTAU_TABLES = frozenset({"articles", "crawl_runs", "article_topics"})


@lru_cache(maxsize=1)
def archive_metadata() -> dict[str, Any]:
    """Descriptions, facets, search and stored queries of a Pantau database (``archive.json``)."""
    return json.loads(resources.files("crawler.web").joinpath("archive.json").read_text(encoding="utf-8"))


def is_pantau_file(path: str | None) -> bool:
    """Whether the SQLite file at ``path`` holds Pantau's tables (read without writing)."""
    if not path:
        return False
    try:
        conn = connect_readonly(Path(path))  # any file name, never written (immutable where it must be)
        try:
            names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return names >= PANTAU_TABLES


def pantau_databases(datasette: Any) -> list[str]:
    """Names of the served databases that are Pantau's (checked once per database)."""
    known: dict[str, bool] = datasette.__dict__.setdefault("_pantau_databases", {})
    for name, database in datasette.databases.items():
        if name not in known:
            known[name] = is_pantau_file(getattr(database, "path", None))
    return [name for name, yes in known.items() if yes and name in datasette.databases]
