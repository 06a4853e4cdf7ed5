"""The records of the Redis stream as the writer reads them: decoded, checked field by field (each
value of the type its field declares: a run's start with ``"site": null`` is refused here, not
stored to break every later ``crawler runs``), grouped by site in stream order; a record that
cannot be applied (not JSON, an unknown field, a value of the wrong type, a run-end without its
run) is set aside in rejects with its raw text, so that one bad record never stops the writer."""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
import types
import typing
from typing import Any, TypeVar, Union

from crawler.items import Reject
from crawler.store.relay import STREAM
from crawler.store.storage import Database

logger = logging.getLogger(__name__)
T = TypeVar("T")

RUN_START = {
    "run": str,
    "site": str,
    "base_url": str | None,
    "host": str | None,
    "pid": int | None,
    "started_at": str | None,
}
RUN_END = {"run": str, "fields": dict[str, Any], "slowed": bool | None, "validators": dict[str, dict] | None}
RUN_COUNTS = (
    "requests",
    "responses",
    "new",
    "updated",
    "unchanged",
    "duplicates",
    "skipped",
    "not_modified",
    "dropped",
    "errors",
)
RUN_STATUSES = frozenset({"finished", "failed", "interrupted"})


class BadRecord(ValueError):
    """A stream record that cannot be applied: not JSON, an unknown type or field, a run's end
    without its start."""


# What a record that cannot be applied raises. The database itself refusing (OperationalError:
# disk full, I/O error) is not among them: that stops the writer, and the batch is read again.
BAD_RECORD = (
    BadRecord,
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    sqlite3.DataError,
)


def set_aside(db: Database, entry_id: str, record: dict[str, str], *, exc: BaseException) -> None:
    """A stream record that cannot be applied, kept whole in ``rejects`` (kind ``record``)."""
    reason = str(exc) if isinstance(exc, BadRecord) else f"{type(exc).__name__}: {exc}"
    raw = json.dumps(record, ensure_ascii=False)
    logger.warning(
        "stream entry %s cannot be applied (%s); set aside in rejects (kind 'record')", entry_id, reason[:200]
    )
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


def checked(
    data: dict[str, Any], spec: dict[str, Any], what: str, *, optional: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """``data`` when each field of ``spec`` holds a value of its type (a field may be absent where
    its type admits None, or it is ``optional``); :class:`BadRecord` naming the first that does
    not, or a field ``spec`` lacks."""
    if unknown := sorted(set(data) - set(spec)):
        raise BadRecord(f"{what}: unknown field(s) {', '.join(unknown)}")
    for name, hint in spec.items():
        if name not in data:
            if name in optional or _holds(None, hint):
                continue
            raise BadRecord(f"{what}: {name} is missing")
        if not _holds(data[name], hint):
            raise BadRecord(f"{what}: {name} must be {_name(hint)}, got {json.dumps(data[name])[:80]}")
    return data


def built(cls: type[T], data: Any, what: str) -> T:
    """An instance of the record dataclass ``cls`` (Article, Reject, Seen, Validator) from
    ``data``, each field checked against the type it declares (one with a default may be absent)."""
    if not isinstance(data, dict):
        raise BadRecord(f"{what}: must be a JSON object, got {json.dumps(data)[:80]}")
    defaulted = frozenset(
        f.name
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
    )
    hints = typing.get_type_hints(cls)
    return cls(
        **{
            name: _made(value, hints[name], what)
            for name, value in checked(data, hints, what, optional=defaulted).items()
        }
    )


def _made(value: Any, hint: Any, what: str) -> Any:
    """A checked value as its field declares it: a record nested in a record (an article's topic
    matches) built as its dataclass."""
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return built(hint, value, what)
    if typing.get_origin(hint) is list and isinstance(value, list):
        return [_made(v, typing.get_args(hint)[0], what) for v in value]
    return value


def run_end_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """A run-end record's ``crawl_runs`` fields, their counts and status checked."""
    for name in RUN_COUNTS:
        if not _holds(fields.get(name), int | None):
            raise BadRecord(f"run-end: fields.{name} must be a whole number, got {json.dumps(fields.get(name))[:80]}")
    if fields.get("status") not in RUN_STATUSES | {None}:
        raise BadRecord(f"run-end: fields.status must be one of {', '.join(sorted(RUN_STATUSES))}")
    return fields


def _holds(value: Any, hint: Any) -> bool:
    """Whether ``value`` (decoded JSON) is of the declared type ``hint`` (a record nested in a
    record: an object with the fields its dataclass declares)."""
    if hint is Any:
        return True
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        hints = typing.get_type_hints(hint)
        return isinstance(value, dict) and set(value) == set(hints) and all(_holds(value[k], hints[k]) for k in hints)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType):
        return any(_holds(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if origin is list or hint is list:
        return isinstance(value, list) and all(_holds(v, args[0]) for v in value) if args else isinstance(value, list)
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            return False
        return all(isinstance(k, str) and _holds(v, args[1]) for k, v in value.items()) if args else True
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _name(hint: Any) -> str:
    plain = typing.get_origin(hint) is None and hasattr(hint, "__name__")
    return hint.__name__ if plain else str(hint).replace("typing.", "")
