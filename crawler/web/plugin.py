"""Pantau's Datasette plugin, loaded by Datasette through the ``datasette`` entry point whenever
Pantau is installed: ``datasette ANY-NAME.db`` shows the archive with its descriptions, facets,
full-text search and stored queries. A metadata file keyed to one database name could not: the
name is the file's, and people name their files.

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

from datasette import hookimpl

from crawler.store.connect import connect_readonly
from crawler.web.charts import chart_queries

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


@hookimpl
def get_metadata(datasette: Any, key: str, database: str | None, table: str | None) -> dict[str, Any]:
    meta = archive_metadata()
    names = pantau_databases(datasette)
    if not names:
        return {}
    shown = {"tables": meta["tables"], "description": meta["description"]}
    return {"title": meta["title"], "databases": {name: shown for name in names}}


@hookimpl
def canned_queries(datasette: Any, database: str, actor: Any) -> dict[str, Any] | None:
    if database not in pantau_databases(datasette):
        return None
    return {**archive_metadata()["queries"], **chart_queries()}


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    from crawler.web.dashboard import dashboard

    return [(r"^/-/pantau$", dashboard)]


@hookimpl
def menu_links(datasette: Any, actor: Any) -> list[dict[str, str]]:
    return [{"href": datasette.urls.path("/-/pantau"), "label": "Pantau dashboard"}]
