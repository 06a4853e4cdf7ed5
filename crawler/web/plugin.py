"""Pantau's Datasette plugin, loaded by Datasette through the ``datasette`` entry point whenever
Pantau is installed: ``datasette ANY-NAME.db`` shows the archive with its descriptions, facets,
full-text search and stored queries. A metadata file keyed to one database name could not: the
name is the file's, and people name their files.
Which databases are Pantau's: :mod:`crawler.web.archive`.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl

from crawler.web.archive import archive_metadata, pantau_databases
from crawler.web.charts import chart_queries
from crawler.web.dashboard import dashboard


@hookimpl
def get_metadata(datasette: Any, key: str, database: str | None, table: str | None) -> dict[str, Any]:  # noqa: PLR0917 - Datasette's get_metadata hook
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
    return [(r"^/-/pantau$", dashboard)]


@hookimpl
def menu_links(datasette: Any, actor: Any) -> list[dict[str, str]]:
    return [{"href": datasette.urls.path("/-/pantau"), "label": "Pantau dashboard"}]
