"""Crawl health as alerts see it: the problems present now, one per site and kind, each with a key
that stays the same while it lasts (a failed or warned run, errors above a share, a silent site).
The warnings of each run are written when the run ends (:mod:`crawler.store.run_health`)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from crawler.alerts.config import NotifySettings
from crawler.alerts.messages import listed
from crawler.cadence import duration_text
from crawler.store.queries import rows_of
from crawler.store.storage import Database


def health_warnings(db: Database, settings: NotifySettings, now: datetime) -> dict[str, str]:
    """The crawl-health problems present now, by a key that stays the same while a problem lasts:
    the last run of a site failed, warned (coverage, layout, a move), had errors above
    ``error_share`` of its requests; or no new article from a site for ``silent_after``."""
    active: dict[str, str] = {}
    latest = db.conn.execute(
        "SELECT site, status, error, requests, errors, warnings FROM crawl_runs WHERE id IN "
        "(SELECT MAX(id) FROM crawl_runs WHERE status != 'running' GROUP BY site)"
    ).fetchall()
    polls = {r["site"]: r for r in rows_of(db.conn.execute("SELECT site, interval_s, failures FROM site_schedule"))}
    for site, status, error, requests, errors, warnings in latest:
        for warning in listed(warnings):
            active[f"warning:{site}:{_shape(warning)}"] = f"{site}: {warning}"
        if status == "failed":
            poll = polls.get(site) or {}
            retry = ""
            if poll.get("failures") and poll.get("interval_s"):
                retry = f" (retrying in {duration_text(poll['interval_s'])}, {poll['failures']} failed in a row)"
            active[f"failed:{site}"] = f"{site}: crawl failed: {error or 'no page could be fetched'}{retry}"
        elif requests and (errors or 0) / requests > settings.error_share:  # a failed site: one alert
            active[f"errors:{site}"] = (
                f"{site}: {errors} of {requests} requests failed ({errors / requests:.0%}, "
                f"above {settings.error_share:.0%})"
            )
    newest = dict(db.conn.execute("SELECT site, MAX(first_seen_at) FROM articles GROUP BY site").fetchall())
    for site in sorted({row[0] for row in latest}):
        silence = settings.silence_for(site)
        last = newest.get(site)
        if last is None or datetime.fromisoformat(last) < now - silence:
            hours = silence.total_seconds() / 3600
            since = f"since {last[:16].replace('T', ' ')} UTC" if last else "ever"
            active[f"silent:{site}"] = f"{site}: no new article for more than {hours:g} hours ({since})"
    return active


def _shape(text: str) -> str:
    """A warning's identity: its words without the numbers that change from run to run."""
    return hashlib.sha256(re.sub(r"\d+(?:[.,]\d+)?", "#", text).encode()).hexdigest()[:12]
