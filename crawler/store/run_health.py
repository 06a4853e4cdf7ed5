"""The health of one crawl run: notice the day a site's layout change breaks extraction.

Each run stores, per site, the share of the article pages it fetched (stored, or dropped as not
extractable: no title, short body, ...) that gave a title, a date, a body of 80+ words and an
author, and the share that was stored (``crawl_runs.coverage``). A run that fetched
``MIN_PAGES`` or more article pages and stored none, or whose share of any field falls far
below the same site's recent runs, gets a warning, written to ``crawl_runs.warnings`` when the
run ends; alerts deliver them (:mod:`crawler.alerts.health`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from statistics import median

from crawler.store.storage import Database
from crawler.urls import host_of

FIELDS = {
    "stored": "could be stored",
    "title": "have a title",
    "published_date": "have a date",
    "body_80_words": "have a body of 80+ words",
    "authors": "have an author",
}
MIN_PAGES = 5  # runs that fetched fewer article pages say too little to judge
DROP_RATIO = 0.6  # warn when a share falls below 60 % of its recent median
STORED_RATIO = 0.5  # ... or, for the share of pages stored, below half of it
HISTORY = 10
LAYER_SHIFT = 0.3  # a field's share from one extraction layer dropping by more than this is a layout change


def _pages(coverage: dict) -> int:
    """Article pages fetched in a run (older runs counted stored items only)."""
    return coverage.get("pages", coverage.get("items", 0))


def shares(coverage: dict) -> dict[str, float]:
    """Each field's share of the article pages fetched, and the share stored."""
    pages = _pages(coverage)
    result = {k: coverage.get(k, 0.0) for k in FIELDS if k != "stored"}
    result["stored"] = coverage.get("items", 0) / pages if pages else 0.0
    return result


def check_run(db: Database, run_id: int) -> list[str]:
    """Warnings for one run (also written to ``crawl_runs.warnings``)."""
    run = db.run(run_id)
    coverage = json.loads(run.get("coverage") or "{}")
    pages = _pages(coverage)
    warnings = _moved_away(db, run)
    history = _history(db, run) if pages >= MIN_PAGES else []
    if pages >= MIN_PAGES and coverage.get("items", 0) == 0:
        warnings.append(
            f"{run['site']}: none of the {pages} article pages fetched could be stored "
            f"(dropped: {_reasons(run)}); has the site's layout changed?"
        )
    elif pages >= MIN_PAGES:
        usual_shares = [shares(c) for c in history]
        now = shares(coverage)
        for key, label in FIELDS.items():
            if not usual_shares:
                break
            usual = median(h[key] for h in usual_shares)
            ratio = STORED_RATIO if key == "stored" else DROP_RATIO
            if usual >= 0.3 and now[key] < usual * ratio:
                warnings.append(
                    f"{run['site']}: only {now[key]:.0%} of the article pages fetched {label} "
                    f"(usually {usual:.0%}); has the site's layout changed?"
                )
    if pages >= MIN_PAGES and coverage.get("items", 0):
        warnings += _layer_changes(run, coverage, history)
    db.finish_run(
        run_id, warnings=json.dumps(warnings, ensure_ascii=False) if warnings else None, finished_at=run["finished_at"]
    )
    return warnings


def _moved_away(db: Database, run: dict) -> list[str]:
    """Article pages redirecting to another host: the site may be moving (InfoPublik's role is
    passing to indonesia.go.id). Recorded as ``offsite`` rejects; said loudly here."""
    hosts: Counter[str] = Counter()
    for (detail,) in db.conn.execute(
        "SELECT detail FROM rejects WHERE run_id = ? AND reason = 'offsite' AND COALESCE(kind, 'article') = 'article'",
        (run["id"],),
    ):
        if m := re.search(r"redirect to (\S+)", detail or ""):
            hosts[host_of(m.group(1))] += 1
    return [
        f"{run['site']}: {n} article page(s) now redirect to another host, {host}: has the site moved? "
        "(add the host to the site profile's domains if it is the site's new home)"
        for host, n in hosts.most_common()
    ]


def _history(db: Database, run: dict) -> list[dict]:
    """Coverage of the site's recent finished runs that fetched enough pages to compare with."""
    rows = db.conn.execute(
        "SELECT coverage FROM crawl_runs WHERE site = ? AND id < ? AND status = 'finished' "
        "AND coverage IS NOT NULL ORDER BY id DESC LIMIT ?",
        (run["site"], run["id"], HISTORY),
    ).fetchall()
    return [c for (text,) in rows if _pages(c := json.loads(text)) >= MIN_PAGES]


def _reasons(run: dict) -> str:
    reasons = json.loads(run.get("dropped_reasons") or "{}")
    return ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "nothing recorded"


def _layer_changes(run: dict, coverage: dict, recent: list[dict]) -> list[str]:
    """A field that now comes from another extraction layer than usual (the body from the generic
    layer instead of the site profile, the date no longer from JSON-LD): the site's layout has
    changed, even when every field is still found. Compared only with runs whose layers were in
    the same order: a release that moves a layer changes the shares, not the site."""
    history = [
        c["layers"]
        for c in recent
        if c.get("layers") and c.get("items", 0) >= MIN_PAGES and c.get("layer_order") == coverage.get("layer_order")
    ]
    layers: dict[str, dict[str, float]] = coverage.get("layers") or {}
    if not history:
        return []
    warnings = []
    for field in sorted({f for h in history for f in h} | set(layers)):
        for layer in sorted({la for h in history for la in h.get(field, {})} | set(layers.get(field, {}))):
            usual = median(h.get(field, {}).get(layer, 0.0) for h in history)
            now = layers.get(field, {}).get(layer, 0.0)
            if usual - now > LAYER_SHIFT:
                moved = ", ".join(f"{la} {v:.0%}" for la, v in sorted(layers.get(field, {}).items())) or "nothing"
                warnings.append(
                    f"{run['site']}: the {field} came from the {layer} layer for {now:.0%} of articles (usually "
                    f"{usual:.0%}); now: {moved}. The site's layout has probably changed"
                )
    return warnings
