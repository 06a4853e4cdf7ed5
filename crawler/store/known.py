"""What a crawl knows is already stored: every stored article of a site by URL key (the Redis writer
publishes it whole), or asked one URL at a time as the crawl goes (StoredArticles); and a site's
state read at the start of a crawl."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from crawler.store.connect import StorageError
from crawler.store.storage import Database, default_db_path
from crawler.urls import canonical_url


def known_articles(db: Database, site: str) -> dict[str, str | None]:
    """url_key (and alias URL) -> sitemap lastmod recorded at the last fetch, for incremental crawls."""
    rows = db.conn.execute(
        "SELECT url_key, COALESCE(sitemap_lastmod, fetched_at) FROM articles WHERE site = ?", (site,)
    )
    keys = {key: lastmod for key, lastmod in rows}
    rows = db.conn.execute(
        "SELECT a.url, COALESCE(ar.sitemap_lastmod, ar.fetched_at) FROM article_aliases a "
        "JOIN articles ar ON ar.id = a.article_id WHERE ar.site = ?",
        (site,),
    )
    for url, lastmod in rows:
        keys.setdefault(url, lastmod)
    # pages that turned out not to be articles (static pages with article-like URLs) are not
    # fetched again; "~" sorts after every date, so no lastmod makes them look changed
    rows = db.conn.execute("SELECT DISTINCT url FROM rejects WHERE site = ? AND reason = 'not-article'", (site,))
    for (url,) in rows:
        keys.setdefault(canonical_url(url), "~")
    return keys


class KnownArticles:
    """What an incremental crawl asks of a site's stored articles, one URL at a time: ``get(key)``
    gives the lastmod recorded for an article key or alias URL; ``in`` follows from it."""

    def get(self, key: str, default: Any = None) -> Any:
        raise NotImplementedError

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _ABSENT) is not _ABSENT

    def close(self) -> None:
        """Release the connection the answers come from."""


_ABSENT = object()


class NothingKnown(KnownArticles):
    """No article is known (a crawl that cannot read what is stored, and will not run)."""

    def get(self, key: str, default: Any = None) -> Any:
        return default


class StoredArticles(KnownArticles):
    """What is stored for one site, as an incremental crawl asks it: ``get(key)`` gives the
    lastmod recorded for an article key or alias URL ("~" for a page known not to be an article).
    Asked of the database as the crawl meets URLs, not loaded at start: a site's archive may hold
    hundreds of thousands of articles (the same answers as :meth:`Database.known_articles`)."""

    _QUERY = (
        "SELECT COALESCE(sitemap_lastmod, fetched_at) FROM articles WHERE url_key = ?1 AND site = ?2 "
        "UNION ALL SELECT COALESCE(ar.sitemap_lastmod, ar.fetched_at) FROM article_aliases a "
        "JOIN articles ar ON ar.id = a.article_id WHERE a.url = ?1 AND ar.site = ?2 LIMIT 1"
    )

    def __init__(self, db: Database | None, site: str) -> None:
        self.db, self.site = db, site
        rows = (
            db.conn.execute("SELECT DISTINCT url FROM rejects WHERE site = ? AND reason = 'not-article'", (site,))
            if db
            else []
        )
        self.not_articles = {canonical_url(url) for (url,) in rows}

    def get(self, key: str, default: Any = None) -> Any:
        if self.db is not None and (row := self.db.conn.execute(self._QUERY, (key, self.site)).fetchone()):
            return row[0]
        return "~" if key in self.not_articles else default

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def stored_state(path: str | None, site: str) -> tuple[StoredArticles, dict[str, tuple[bool, str | None]]]:
    """Articles already stored for ``site`` (asked of the database as URLs come, through a
    read-only connection the caller closes) and the state of its listings. A database that does
    not exist yet knows nothing; one that cannot be read raises :class:`StorageError`, since an
    incremental crawl that silently forgot what it stored would re-fetch the whole site."""
    if not Path(path or default_db_path()).exists():
        return StoredArticles(None, site), {}
    db = Database.open(path, readonly=True)
    try:
        if db.schema_version == 0:  # created, not yet migrated
            db.close()
            return StoredArticles(None, site), {}
        return StoredArticles(db, site), db.listing_states(site)
    except sqlite3.Error as exc:
        db.close()
        raise StorageError(f"cannot read what is stored for {site} in {db.path}: {exc}") from exc
