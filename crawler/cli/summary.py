"""The crawl summary as a table: one row per site run, as ``crawl`` and ``runs`` print it."""

from __future__ import annotations

import json
from typing import Any

from crawler.store.queries import decoded

RUN_JSON_COLUMNS = ("dropped_reasons", "entry_failures", "refused", "coverage", "warnings")


def format_summary(rows: list[dict[str, Any]], with_runs: bool = False) -> str:
    """The table of crawl runs; ``with_runs`` adds each run's id, start time and duration."""
    header = f"{'site':<16} {'status':<12} {'requests':>8} {'new':>5} {'updated':>7} {'unchanged':>9} {'skipped':>7} {'dropped':>7} {'errors':>6}"  # noqa: E501
    if with_runs:
        header = f"{'run':>5} {'started (UTC)':<19} {'took':>7} " + header
    lines = [header, "-" * len(header)]
    for r in rows:
        line = (
            f"{r.get('site', '?'):<16} {r.get('status', '?'):<12} {r.get('requests') or 0:>8} "
            f"{r.get('new') or 0:>5} {r.get('updated') or 0:>7} {r.get('unchanged') or 0:>9} "
            f"{r.get('skipped') or 0:>7} {r.get('dropped') or 0:>7} {r.get('errors') or 0:>6}"
        )
        if with_runs:
            started = (r.get("started_at") or "")[:19].replace("T", " ")
            line = f"{r.get('id') or '':>5} {started:<19} {took(r):>7} " + line
        lines.append(line)
        for column, label in (("dropped_reasons", "dropped"), ("entry_failures", "entry points failed"),
                              ("refused", "URLs not fetched as articles")):  # fmt: skip
            counts = decoded(r.get(column))
            if counts:
                lines.append(f"    {label}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        if r.get("mode") == "quick" or r.get("not_modified"):
            kind = "a quick poll" if r.get("mode") == "quick" else "a full walk"
            lines.append(f"    {kind}; entry points unchanged since the last run (304 or the same body): "
                         f"{r.get('not_modified') or 0}")  # fmt: skip
        layers = (decoded(r.get("coverage")) or {}).get("layers") if with_runs else None
        if layers:
            lines.append("    fields came from: " + "; ".join(
                f"{field} " + ", ".join(f"{layer} {share:.0%}" for layer, share in shares.items())
                for field, shares in layers.items()
            ))  # fmt: skip
    for r in rows:
        if r.get("status") == "failed":
            lines.append(f"FAILED {r.get('site')}: {r.get('error') or 'no page could be fetched'}")
    return "\n".join(lines)


def took(run: dict[str, Any]) -> str:
    from datetime import datetime

    try:
        took = datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["started_at"])
        seconds = took.total_seconds()
    except (KeyError, TypeError, ValueError):
        return "-"
    return f"{seconds:.0f}s" if seconds < 600 else f"{seconds / 60:.0f}m"


def print_crawl(fmt: str, rows: list[dict[str, Any]], warnings: list[str], distributed: bool) -> None:
    if fmt == "json":
        print(json.dumps({"runs": rows, "warnings": warnings}, ensure_ascii=False, indent=2, default=str))
        return
    print(format_summary(rows))
    if distributed:
        print("Records were sent to Redis (the 'new' column): `crawler store --from-redis URL` stores them")
    for warning in warnings:
        print(f"WARNING {warning}")
    if rows and all(r.get("status") == "failed" and " dns " in f" {r.get('error') or ''} " for r in rows):
        print("No site's name resolves: no network? `./run.sh demo` runs the whole pipeline on the bundled "
              "site copies")  # fmt: skip
