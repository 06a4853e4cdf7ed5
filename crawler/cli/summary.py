"""The crawl summary as a table: one row per site run, as ``crawl`` and ``runs`` print it."""

from __future__ import annotations

import json
from typing import Any

from crawler.store.queries import decoded

RUN_JSON_COLUMNS = ("dropped_reasons", "entry_failures", "refused", "coverage", "warnings")


COUNT_COLUMNS = ("requests", "new", "updated", "unchanged", "skipped", "dropped", "errors")


def format_summary(rows: list[dict[str, Any]], with_runs: bool = False) -> str:
    """The table of crawl runs; ``with_runs`` adds each run's id, start time and duration. A row
    another tool wrote badly (no site, text where a count belongs, counts that are not JSON) is
    shown as it is, with one note under the table, never an error."""
    header = f"{'site':<16} {'status':<12} {'requests':>8} {'new':>5} {'updated':>7} {'unchanged':>9} {'skipped':>7} {'dropped':>7} {'errors':>6}"  # noqa: E501
    if with_runs:
        header = f"{'run':>5} {'started (UTC)':<19} {'took':>7} " + header
    lines = [header, "-" * len(header)]
    odd = 0
    for r in rows:
        counts = {c: _count(r.get(c)) for c in COUNT_COLUMNS}
        line = (
            f"{_text(r.get('site')):<16} {_text(r.get('status')):<12} {counts['requests']:>8} "
            f"{counts['new']:>5} {counts['updated']:>7} {counts['unchanged']:>9} "
            f"{counts['skipped']:>7} {counts['dropped']:>7} {counts['errors']:>6}"
        )
        if with_runs:
            started = _text(r.get("started_at"), "")[:19].replace("T", " ")
            line = f"{_text(r.get('id'), ''):>5} {started:<19} {took(r):>7} " + line
        lines.append(line)
        bad = not isinstance(r.get("site"), str) or any(isinstance(v, str) for v in counts.values())
        for column, label in (
            ("dropped_reasons", "dropped"),
            ("entry_failures", "entry points failed"),
            ("refused", "URLs not fetched as articles"),
        ):
            found = decoded(r.get(column))
            if isinstance(found, dict) and found:
                lines.append(f"    {label}: " + ", ".join(f"{k} {v}" for k, v in sorted(found.items(), key=str)))
            elif found:
                lines.append(f"    {label}: {str(found)[:200]}")
                bad = True
        odd += bad
        if r.get("mode") == "quick" or r.get("not_modified"):
            kind = "a quick poll" if r.get("mode") == "quick" else "a full walk"
            lines.append(
                f"    {kind}; entry points unchanged since the last run (304 or the same body): "
                f"{_count(r.get('not_modified'))}"
            )
        coverage = decoded(r.get("coverage")) if with_runs else None
        layers = coverage.get("layers") if isinstance(coverage, dict) else None
        if isinstance(layers, dict) and all(isinstance(v, dict) for v in layers.values()):
            lines.append(
                "    fields came from: "
                + "; ".join(
                    f"{field} " + ", ".join(f"{layer} {_share(share)}" for layer, share in shares.items())
                    for field, shares in layers.items()
                )
            )
    for r in rows:
        if r.get("status") == "failed":
            lines.append(f"FAILED {_text(r.get('site'))}: {r.get('error') or 'no page could be fetched'}")
    if odd:
        lines.append(f"note: {odd} run row(s) hold values not written by Pantau (shown as they are)")
    return "\n".join(lines)


def _text(value: Any, missing: str = "?") -> str:
    return missing if value is None else str(value)


def _count(value: Any) -> int | str:
    """A count as stored; text where a count belongs is shown as text, a missing one as 0."""
    if value is None:
        return 0
    return value if isinstance(value, int) else str(value)[:12]


def _share(value: Any) -> str:
    return f"{value:.0%}" if isinstance(value, int | float) else str(value)


def took(run: dict[str, Any]) -> str:
    from datetime import datetime

    try:
        took = datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["started_at"])
        seconds = took.total_seconds()
    except (KeyError, TypeError, ValueError):
        return "-"
    return f"{seconds:.0f}s" if seconds < 600 else f"{seconds / 60:.0f}m"


def print_crawl(fmt: str, rows: list[dict[str, Any]], warnings: list[str], *, distributed: bool) -> None:
    if fmt == "json":
        print(json.dumps({"runs": rows, "warnings": warnings}, ensure_ascii=False, indent=2, default=str))
        return
    print(format_summary(rows))
    if distributed:
        print("Records were sent to Redis (the 'new' column): `crawler store --from-redis URL` stores them")
    for warning in warnings:
        print(f"WARNING {warning}")
    if rows and all(r.get("status") == "failed" and " dns " in f" {r.get('error') or ''} " for r in rows):
        print("No site's name resolves: no network? `./run.sh demo` runs the whole pipeline on the bundled site copies")
