"""The records of the Redis stream as the writer reads them: decoded, grouped by site in stream order,
and a record that cannot be applied (not JSON, an unknown field, a run-end without its run) set
aside in rejects with its raw text, so that one bad record never stops the writer."""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

from crawler.items import Reject
from crawler.store.relay import STREAM
from crawler.store.storage import Database

logger = logging.getLogger(__name__)


class BadRecord(ValueError):
    """A stream record that cannot be applied: not JSON, an unknown type or field, a run's end
    without its start."""


# What a record that cannot be applied raises. The database itself refusing (OperationalError:
# disk full, I/O error) is not among them: that stops the writer, and the batch is read again.
BAD_RECORD = (BadRecord, KeyError, TypeError, ValueError, AttributeError, sqlite3.IntegrityError,
              sqlite3.InterfaceError, sqlite3.ProgrammingError, sqlite3.DataError)  # fmt: skip


def set_aside(db: Database, entry_id: str, record: dict[str, str], exc: BaseException) -> None:
    """A stream record that cannot be applied, kept whole in ``rejects`` (kind ``record``)."""
    reason = str(exc) if isinstance(exc, BadRecord) else f"{type(exc).__name__}: {exc}"
    raw = json.dumps(record, ensure_ascii=False)
    logger.warning("stream entry %s cannot be applied (%s); set aside in rejects (kind 'record')",
                   entry_id, reason[:200])  # fmt: skip
    aside = Reject(f"redis:{STREAM}/{entry_id}", site_of(record), "bad-record", f"{reason[:500]}\n{raw}", "record")
    db.store_rejects([aside], None, max_detail=None)  # inside the batch's transaction: a savepoint


def decoded(record: dict[str, str]) -> dict[str, Any]:
    try:
        data = json.loads(record.get("data") or "")
    except json.JSONDecodeError as exc:
        raise BadRecord(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRecord(f"not a JSON object: {type(data).__name__}")
    return data


def site_of(record: dict[str, str]) -> str:
    """The site a raw record names, if it can be read (for the rejects row)."""
    try:
        data = json.loads(record.get("data") or "")
        inner = data.get("article") or data.get("reject") or data
        return str(inner.get("site") or "")[:100]
    except (ValueError, AttributeError):
        return ""


def groups(entries: list[tuple[str, dict[str, str]]]) -> list[list[tuple[str, dict[str, str]]]]:
    """Consecutive article records together (stored in one call), every other record alone."""
    groups: list[list[tuple[str, dict[str, str]]]] = []
    for entry in entries:
        if groups and entry[1].get("type") == "article" and groups[-1][-1][1].get("type") == "article":
            groups[-1].append(entry)
        else:
            groups.append([entry])
    return groups
