"""Rows out as JSON or CSV (cells that a spreadsheet would run as formulas guarded), to standard output
or a file written whole."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from crawler.cli.common import (
    terminal_safe,
)
from crawler.outputs import open_output


def json_array(out: IO[str], rows: Iterable[dict[str, Any]]) -> int:
    """Rows as one JSON array, written as they come (an archive need not fit in memory)."""
    out.write("[")
    written = 0
    for row in rows:
        out.write((",\n" if written else "\n") + json.dumps(row, ensure_ascii=False))
        written += 1
    out.write("\n]\n")
    return written


def write_csv(out: IO[str], columns: Sequence[str], rows: Iterable[dict[str, Any]], *, raw: bool = False) -> int:
    """Rows as CSV. Control characters are dropped and a cell starting with ``=``, ``+``, ``-``,
    ``@`` or a tab gets a leading ``'``, so that a title from a web page never runs as a
    spreadsheet formula nor drives a terminal; ``raw`` writes cells as stored."""
    import csv

    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    written = 0
    for row in rows:
        writer.writerow(row if raw else {k: _no_formula(v) for k, v in row.items()})
        written += 1
    return written


def as_cells(row: dict[str, Any]) -> dict[str, Any]:
    """Lists (authors, tags, ...) as JSON text in one CSV cell."""
    return {k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v for k, v in row.items()}


def _no_formula(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = terminal_safe(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t") else value


@contextlib.contextmanager
def output_file(path: str | None) -> Iterator[IO[str]]:
    """Standard output, or a file written whole or not at all (:mod:`crawler.outputs`)."""
    if not path:
        yield sys.stdout
        sys.stdout.flush()
        return
    with open_output(path) as out:
        yield out
