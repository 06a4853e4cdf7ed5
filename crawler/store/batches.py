"""Writing a crawl's records, a batch at a time, on the store pipeline's writer thread: a batch
of articles in one transaction (retried once); when the database refuses it, article by article,
so that one article it refuses (``store-error`` in ``rejects``) does not lose the others."""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from crawler.items import Article, Reject, RunId, Seen
from crawler.store.storage import Database, WriteFailed

if TYPE_CHECKING:
    from crawler.store.relay import RedisStore

logger = logging.getLogger(__name__)
ROW_FAILURES_FATAL = 5  # this many articles in a row refused by the database: the database is the problem


def write_batch(  # noqa: PLR0917 - run through Executor.submit
    db: Database | RedisStore, run_id: RunId | None, batch: list[Article], rejects: list[Reject], seen: list[Seen]
) -> list[str]:
    """Runs on the writer thread. Returns the outcome of each article; raises
    :class:`WriteFailed` when the database refuses the writes (after one retry)."""
    outcomes = _store(db, run_id, batch) if batch else []
    if rejects:
        twice(lambda: db.store_rejects(rejects, run_id))
    if seen:
        twice(lambda: db.mark_seen(seen))
    return outcomes


def _store(db: Database | RedisStore, run_id: RunId | None, batch: list[Article]) -> list[str]:
    """The batch in one transaction, retried once; then article by article, so that one
    article the database refuses (``store-error`` in rejects) does not lose the others."""
    try:
        return twice(lambda: db.store_articles(batch, run_id))
    except WriteFailed as exc:
        logger.warning("%s; storing the batch article by article", exc)
    outcomes, refused_in_a_row = [], 0
    for article in batch:
        try:
            outcomes += db.store_articles([article], run_id)
            refused_in_a_row = 0
        except (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.DataError) as exc:
            refused_in_a_row += 1
            if refused_in_a_row >= min(ROW_FAILURES_FATAL, len(batch)) and len(batch) > 1:
                raise WriteFailed(f"database write failed: {exc}", outcomes) from exc
            outcomes.append("store-error")
            reject = Reject(article.source_url or article.url, article.site, "store-error", str(exc)[:500])
            twice(lambda r=reject: db.store_rejects([r], run_id))
        except sqlite3.Error as exc:
            raise WriteFailed(f"database write failed: {exc}", outcomes) from exc
    return outcomes


def twice(write: Any) -> Any:
    """Run a write; once more if the database refuses it; then :class:`WriteFailed`."""
    try:
        return write()
    except sqlite3.Error as first:
        logger.warning("database write failed (%s); trying once more", first)
    try:
        return write()
    except sqlite3.Error as exc:
        raise WriteFailed(f"database write failed: {exc}") from exc
