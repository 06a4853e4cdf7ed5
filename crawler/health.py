"""Crawl health: notice the day a site's layout change breaks extraction.

Each run stores, per site, the share of stored items with a title, a date, a body of 80+ words and
an author (``crawl_runs.coverage``). A share far below the same site's recent runs is a warning.
"""

from __future__ import annotations

import json
from statistics import median

from crawler.storage import Database

FIELDS = {"title": "title", "published_date": "date", "body_80_words": "body of 80+ words", "authors": "author"}
MIN_ITEMS = 3  # runs with fewer stored items say too little to compare
DROP_RATIO = 0.6  # warn when a share falls below 60 % of its recent median
HISTORY = 10


def check_run(db: Database, run_id: int) -> list[str]:
    """Warnings for one run (also written to ``crawl_runs.warnings``)."""
    run = db.run(run_id)
    coverage = json.loads(run.get("coverage") or "{}")
    if coverage.get("items", 0) < MIN_ITEMS:
        return []
    previous = db.conn.execute(
        "SELECT coverage FROM crawl_runs WHERE site = ? AND id < ? AND status = 'finished' AND coverage IS NOT NULL "
        "ORDER BY id DESC LIMIT ?",
        (run["site"], run_id, HISTORY),
    ).fetchall()
    history = [c for (text,) in previous if (c := json.loads(text)).get("items", 0) >= MIN_ITEMS]
    warnings = []
    if history:
        for key, label in FIELDS.items():
            usual = median(c.get(key, 0.0) for c in history)
            now = coverage.get(key, 0.0)
            if usual >= 0.3 and now < usual * DROP_RATIO:
                warnings.append(
                    f"{run['site']}: only {now:.0%} of items have a {label} (usually {usual:.0%}); "
                    "has the site's layout changed?"
                )
    db.finish_run(run_id, warnings=json.dumps(warnings, ensure_ascii=False) if warnings else None,
                  finished_at=run["finished_at"])  # fmt: skip
    return warnings
