"""Opening an SQLite file the way every part of Pantau does: refusing what is not a database file,
read-only without creating anything, WAL and a busy timeout for writers, and a quick integrity check
of a small file; and the whole-file check of any size that ``crawler db check`` runs (:func:`damage`)."""

from __future__ import annotations

# Opening a file checks it whole (PRAGMA quick_check) up to this size. The check reads every page
# (inside one SQLite instruction, so it cannot be cut short): on a large archive it would make
# every crawl, search and report start by reading gigabytes. A larger file is checked where it is
# read: SQLite reports a damaged page when it meets one ("database disk image is malformed"),
# which stops a crawl loudly (FAILED site: database write failed) like any refused write.
import logging
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from crawler.store.migrations import SCHEMA_VERSION

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000


class StorageError(RuntimeError):
    """The database cannot be used; the message says why and what to do."""


QUICK_CHECK_MAX_BYTES = 256 * 2**20


def _quick_check(conn: sqlite3.Connection, size: int) -> str:
    if size > QUICK_CHECK_MAX_BYTES:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the header and schema page
        return "ok"
    return str(conn.execute("PRAGMA quick_check").fetchone()[0])


def damage(path: str, max_problems: int = 100) -> list[str]:
    """Every page of the file read, as ``PRAGMA integrity_check`` reads them (each table's and
    index's tree, indexes against their tables, free pages): the problems found, none when the file
    is sound. Read-only. On a large archive it reads gigabytes (minutes), which is why opening a
    file checks only a small one whole (:data:`QUICK_CHECK_MAX_BYTES`)."""
    try:
        conn = connect_readonly(Path(path))
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    try:
        found = _integrity(conn, f"integrity_check({max_problems})")
        if found and found[0].startswith("malformed:"):  # the check itself stopped: which table is it?
            tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            found = [
                f"table {name}: {problem}"
                for name in tables
                for problem in _integrity(conn, f'integrity_check("{name}")')
            ] or found
            found += _damaged_indexes(conn)
    except sqlite3.DatabaseError as exc:  # not a database at all, or a schema SQLite cannot read
        return [str(exc)]
    finally:
        conn.close()
    return found


def _damaged_indexes(conn: sqlite3.Connection) -> list[str]:
    """Indexes that cannot be read whole (each walked in its own order): where only an index is
    damaged, the rows are whole in its table, and ``.dump`` copies them all."""
    found = []
    indexes = conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    for name, table in indexes.fetchall():
        column = next((c for _, _, c in conn.execute(f'PRAGMA index_info("{name}")') if c), None)
        if column is None:  # an index on expressions: checked with its table above
            continue
        try:
            for _ in conn.execute(f'SELECT 1 FROM "{table}" INDEXED BY "{name}" ORDER BY "{column}"'):
                pass
        except sqlite3.DatabaseError:
            found.append(f"index {name} of {table} cannot be read (an index: the rows themselves are in {table})")
    return found


def _integrity(conn: sqlite3.Connection, pragma: str) -> list[str]:
    """What ``PRAGMA <pragma>`` finds wrong (none: sound); a check that stops on a damaged page is
    one problem, ``malformed: ...``."""
    try:
        found = [str(row[0]) for row in conn.execute(f"PRAGMA {pragma}")]
    except sqlite3.DatabaseError as exc:
        return [f"malformed: {exc}"]
    return [] if found == ["ok"] else found


def open_connection(path: str, readonly: bool, writer_thread: bool) -> tuple[sqlite3.Connection, int]:
    """A checked connection to ``path`` and its schema version; :class:`StorageError` saying what
    is wrong with the path or the file (which is left untouched)."""
    target = Path(path)
    exists = _check_path(target, readonly)
    try:
        if readonly:
            conn = connect_readonly(target)
        else:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=not writer_thread)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if exists and (check := _quick_check(conn, target.stat().st_size)) != "ok":
            raise sqlite3.DatabaseError(check)
    except sqlite3.DatabaseError as exc:
        if "readonly" in str(exc) or "read-only" in str(exc):
            raise StorageError(
                f"{path} is read-only here (its file or directory cannot be written): searching and "
                "reports work; a crawl needs write access to both"
            ) from exc
        if not exists:  # nothing to restore: the file could not be made here
            raise StorageError(f"cannot create a database at {path} ({exc}); choose another --db PATH") from exc
        raise StorageError(
            f"{path} is not a usable SQLite database ({exc}); it was left untouched. "
            "Restore it from a backup or choose another --db PATH"
        ) from exc
    if version > SCHEMA_VERSION:
        conn.close()
        raise StorageError(
            f"{path} has schema version {version}, newer than this Pantau understands "
            f"({SCHEMA_VERSION}); upgrade Pantau. The file was left untouched"
        )
    return conn, version


def _check_path(target: Path, readonly: bool) -> bool:
    """Whether the file exists; :class:`StorageError` when it cannot be opened as asked."""
    path, exists = str(target), target.exists()
    if path == ":memory:" or path.startswith("file:"):
        raise StorageError(f"--db wants the path of a file, got {path!r}: the database is kept between runs")
    if exists and target.is_dir():
        raise StorageError(f"{path} is a directory, not a database file")
    if readonly and not exists:
        raise StorageError(f"{path} does not exist; run a crawl first (crawler crawl --db {path})")
    if exists and not readonly and not os.access(path, os.W_OK):
        raise StorageError(f"{path} is read-only; give write permission or choose --db PATH")
    if not exists:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the directory for {path}: {exc}") from exc
    return exists


class TolerantText:
    """A connection's ``text_factory`` for readers: TEXT read as UTF-8, and a value another tool
    wrote with invalid UTF-8 shown with replacement characters (said once per connection) instead
    of failing the whole search, report, export or feed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.replaced = 0

    def __call__(self, data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.replaced += 1
            if self.replaced == 1:
                logger.warning(
                    "%s holds text that is not valid UTF-8 (written by another tool?); "
                    "shown with replacement characters",
                    self.path,
                )
            return data.decode("utf-8", "replace")


def connect_readonly(target: Path) -> sqlite3.Connection:
    """A read-only connection (text read with :class:`TolerantText`). Reading a WAL database needs
    its ``-shm`` file; where it cannot be created (a directory the user may not write), the file is
    opened as immutable: it is read as it is on disk (a crawl writing at that moment is not seen,
    and the file is never changed)."""
    uri = "file:" + quote(str(target.resolve()))
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30)
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=30)
    conn.text_factory = TolerantText(target)
    return conn
