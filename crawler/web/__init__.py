"""Reading the archive in a browser: Pantau's Datasette plugin (table descriptions, facets,
full-text search, stored queries, the dashboard) for any file that holds Pantau's tables,
whatever it is called.

Datasette loads this package by its ``datasette`` entry point; the hooks live in
:mod:`crawler.web.plugin` and are named here, where Datasette looks for them (and for the
package's ``templates/``).
"""

from crawler.web.plugin import canned_queries, get_metadata, menu_links, register_routes

__all__ = ["canned_queries", "get_metadata", "menu_links", "register_routes"]
