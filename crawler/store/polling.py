"""What polling remembers between runs: each site's schedule (``site_schedule``) and each entry
point's validators (``entry_validators``). The policy is :mod:`crawler.cadence`; this module
reads the history it learns from and writes what it decided, after a run and in one transaction
(a crawl killed before that leaves the site due, as it was)."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.cadence import Cadence, duration_text, learnt_interval, next_interval
from crawler.store.schema import now_iso

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

    from crawler.store.storage import Database

logger = logging.getLogger(__name__)

HISTORY_ROWS = 5000  # the newest articles of a site the interval is learnt from


@dataclass(frozen=True)
class Validator:
    """What the last run learnt of one entry point: its validators, a hash of its body, and (for a
    robots.txt only) the body itself."""

    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    body: str | None = None
    checked_at: str | None = None


@dataclass(frozen=True)
class SiteDue:
    site: str
    due: bool
    next_due_at: str | None  # None: never crawled, due now
    interval_s: float | None
    last_run_at: str | None
    last_status: str | None
    failures: int
    stretched: str
    full_walk: bool  # the next run walks every entry point (no full walk finished lately)
    running: bool = False  # a crawl of the site is running now (then it is not due)

    @classmethod
    def never_crawled(cls, site: str) -> SiteDue:
        """A site with no history: due now, and due a full walk of its entry points."""
        return cls(
            site=site,
            due=True,
            next_due_at=None,
            interval_s=None,
            last_run_at=None,
            last_status=None,
            failures=0,
            stretched="",
            full_walk=True,
        )


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def appearances(conn: sqlite3.Connection, site: str, since: datetime) -> list[datetime]:
    """When the site's new articles appeared: the publication time when the page gave one, else the
    time it was first seen. An article published long before it was first seen (the backlog of a
    first crawl) counts at its publication, or not at all when only its day is known, so a first
    crawl does not look like a burst of news."""
    rows = conn.execute(
        "SELECT first_seen_at, published_at, published_date FROM articles WHERE site = ? AND first_seen_at >= ? "
        "ORDER BY first_seen_at DESC LIMIT ?",
        (site, since.isoformat(timespec="seconds"), HISTORY_ROWS),
    )
    times = []
    for first_seen, published_at, published_date in rows:
        seen = parse_time(first_seen)
        if seen is None:
            continue
        published = parse_time(published_at)
        if published is not None and published <= seen:
            times.append(published)
        elif published_date and published_date < seen.date().isoformat():
            continue  # a day only, and an earlier one: backlog, with no time to place it at
        else:
            times.append(seen)
    return times


def last_full_walk(conn: sqlite3.Connection, site: str) -> datetime | None:
    row = conn.execute(
        "SELECT MAX(finished_at) FROM crawl_runs WHERE site = ? AND status = 'finished' "
        "AND COALESCE(mode, 'full') = 'full'",
        (site,),
    ).fetchone()
    return parse_time(row[0]) if row else None


def schedule(
    conn: sqlite3.Connection, sites: list[str], cadence: Cadence, *, now: datetime | None = None
) -> list[SiteDue]:
    """Each of ``sites`` with its schedule: due now or not, next due time, interval, last run."""
    now = now or datetime.now(UTC)
    rows = {r["site"]: r for r in _rows(conn)}
    running = _running(conn)
    result = []
    for site in sites:
        row = rows.get(site) or {}
        next_due = row.get("next_due_at")
        full = last_full_walk(conn, site)
        result.append(
            SiteDue(
                site=site,
                due=site not in running and (next_due is None or (parse_time(next_due) or now) <= now),
                next_due_at=next_due,
                interval_s=row.get("interval_s"),
                last_run_at=row.get("last_run_at"),
                last_status=row.get("last_status"),
                failures=row.get("failures") or 0,
                stretched=row.get("stretched") or "",
                full_walk=full is None or (now - full).total_seconds() >= cadence.full_walk,
                running=site in running,
            )
        )
    return result


def _running(conn: sqlite3.Connection) -> set[str]:
    """Sites with a crawl running now (a run row ``running`` whose process lives): a long full walk
    is not started a second time by the next tick of cron."""
    import socket

    from crawler.store.liveness import died

    here = socket.gethostname()
    rows = conn.execute("SELECT site, pid, host, started_at FROM crawl_runs WHERE status = 'running'").fetchall()
    return {site for site, pid, host, started in rows if not died(pid, host, here, started=started)}


def _rows(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    try:
        cur = conn.execute("SELECT * FROM site_schedule")
    except sqlite3.OperationalError:  # a file of an older schema, opened read-only: nothing scheduled yet
        return []
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def record_poll(
    conn: sqlite3.Connection, site: str, status: str, *, slowed: bool, cadence: Cadence, now: datetime | None = None
) -> tuple[float, str]:
    """After a run of ``site`` ended with ``status``: learn its interval again and set when it is
    due next (inside the caller's transaction). Returns the interval and why it was stretched."""
    now = now or datetime.now(UTC)
    row = conn.execute("SELECT failures FROM site_schedule WHERE site = ?", (site,)).fetchone()
    before = (row[0] or 0) if row else 0
    if status == "finished":
        failures = 0
    elif status == "interrupted":  # stopped by the user, not the site's fault: due again at once
        failures = before
    else:
        failures = before + 1
    learnt = learnt_interval(appearances(conn, site, now - timedelta(days=cadence.window_days)), now, cadence)
    interval, stretched = next_interval(learnt, failures, slowed, cadence=cadence)
    due = now if status == "interrupted" else now + timedelta(seconds=interval)
    conn.execute(
        "INSERT INTO site_schedule (site, interval_s, next_due_at, last_run_at, last_status, failures, stretched, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (site) DO UPDATE SET interval_s = excluded.interval_s, "
        "next_due_at = excluded.next_due_at, last_run_at = excluded.last_run_at, last_status = excluded.last_status, "
        "failures = excluded.failures, stretched = excluded.stretched, updated_at = excluded.updated_at",
        (
            site,
            round(interval, 1),
            due.isoformat(timespec="seconds"),
            now.isoformat(timespec="seconds"),
            status,
            failures,
            stretched,
            now_iso(),
        ),
    )
    return interval, stretched


@dataclass(frozen=True)
class PollResult:
    """What a run tells its site's schedule: whether the site asked to be polled less often
    (it answered 429 or 503), and the validators of the entry points read (only from a run that
    finished: a run cut short never vouches for entry points it did not read)."""

    slowed: bool
    validators: dict[str, Validator]

    @classmethod
    def of(cls, spider: Spider, status: str, crawler: Crawler) -> PollResult:
        stats = crawler.stats
        slowed = any(stats.get_value(f"downloader/response_status_count/{code}") for code in (429, 503))
        book = getattr(spider, "validators", None)
        return cls(slowed, dict(book.seen) if book is not None and status == "finished" else {})


def record_run_poll(
    conn: sqlite3.Connection, site: str, status: str, *, poll: PollResult, cadence: Cadence
) -> tuple[float, str]:
    """Inside the caller's transaction: the run's validators kept, and the site's next poll."""
    save_validators(conn, site, poll.validators)
    return record_poll(conn, site, status, slowed=poll.slowed, cadence=cadence)


def schedule_next(db: Database, site: str, status: str, poll: PollResult, crawler: Crawler) -> None:  # noqa: PLR0917 - run through Executor.submit
    """After a run of ``site`` (in the store pipeline's writer thread), in one transaction: when
    the site is due again, learnt from its history and stretched after a failure or a 429/503;
    and the validators of the entry points a run that finished read."""
    with db.transaction() as conn:
        interval, stretched = record_run_poll(
            conn, site, status, poll=poll, cadence=Cadence.from_settings(crawler.settings)
        )
    crawler.stats.set_value("pantau/next_poll_s", round(interval))
    level = logging.WARNING if stretched and status == "finished" else logging.INFO
    why = f" ({stretched})" if stretched else ""
    logger.log(level, "%s: next poll in %s%s", site, duration_text(interval), why)


def load_validators(conn: sqlite3.Connection, site: str) -> dict[str, Validator]:
    """Entry URL -> what the last finished run learnt of it."""
    try:
        rows = conn.execute(
            "SELECT url, etag, last_modified, body_hash, body, checked_at FROM entry_validators WHERE site = ?",
            (site,),
        ).fetchall()
    except sqlite3.OperationalError:  # an older schema, opened read-only
        return {}
    return {url: Validator(*rest) for url, *rest in rows}


def stored_validators(path: str | None, site: str) -> dict[str, Validator]:
    """:func:`load_validators` of the database at ``path`` (none when it does not exist yet)."""
    from crawler.store.storage import Database, StorageError, default_db_path

    if not Path(path or default_db_path()).exists():
        return {}
    db = Database.open(path, readonly=True)
    try:
        return load_validators(db.conn, site)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot read the entry points kept for {site} in {db.path}: {exc}") from exc
    finally:
        db.close()


def save_validators(conn: sqlite3.Connection, site: str, validators: dict[str, Validator]) -> None:
    """Inside the caller's transaction: the validators this run saw replace those stored."""
    conn.executemany(
        "INSERT INTO entry_validators (url, site, etag, last_modified, body_hash, body, checked_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET site = excluded.site, etag = excluded.etag, "
        "last_modified = excluded.last_modified, body_hash = excluded.body_hash, body = excluded.body, "
        "checked_at = excluded.checked_at",
        [
            (url, site, v.etag, v.last_modified, v.body_hash, v.body, v.checked_at or now_iso())
            for url, v in validators.items()
        ],
    )
