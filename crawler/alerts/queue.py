"""The delivery queue: a deliveries row per watchlist match (or health warning) not yet queued for a
channel, claimed in one write transaction so that overlapping runs never take the same row, and its
outcome recorded (retries after a doubling wait, failed after max_attempts; rows left sending by a
killed process are taken over)."""

from __future__ import annotations

import hashlib
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.alerts.config import HEALTH, Channel, NotifySettings
from crawler.store.liveness import died
from crawler.store.queries import rows_of
from crawler.store.storage import Database

# Matches committed late by a long crawl transaction are still found: the watermark of what a
# channel has looked at moves back by this much on every run.


# Matches committed late by a long crawl transaction are still found: the watermark of what a
# channel has looked at moves back by this much on every run.
LOOKBACK = timedelta(hours=6)


DUE = ("pending", "retry")


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def delivery_key(channel: str, topic: str, subject: str, *, version: str) -> str:
    return hashlib.sha256(f"{channel}\0{topic}\0{subject}\0{version}".encode()).hexdigest()[:24]


def _version(terms: str | None, snippet: str | None) -> str:
    """What a match says: a new version means the matched text changed."""
    return hashlib.sha256(f"{terms}\0{snippet}".encode()).hexdigest()[:16]


def _first_run(db: Database, channel: Channel, now: datetime) -> str:
    db.conn.execute("INSERT OR IGNORE INTO channels (name, first_run_at) VALUES (?, ?)", (channel.name, stamp(now)))
    return db.conn.execute("SELECT first_run_at FROM channels WHERE name = ?", (channel.name,)).fetchone()[0]


def queue_matches(db: Database, channel: Channel, settings: NotifySettings, *, now: datetime, backfill: bool) -> int:
    """Add a delivery for every match the channel has not had; returns how many. Inside a write
    transaction. Without ``backfill``, only matches first seen from ``first_run`` before the
    channel's first run on (a new channel does not receive the archive)."""
    first = datetime.fromisoformat(_first_run(db, channel, now))
    start = "" if backfill else stamp(first - settings.first_run)
    watermark = db.conn.execute(
        "SELECT MAX(created_at) FROM deliveries WHERE channel = ? AND kind != 'health'", (channel.name,)
    ).fetchone()[0]
    looked_from = start
    if watermark and not backfill:
        looked_from = max(start, stamp(datetime.fromisoformat(watermark) - LOOKBACK))
    topics = [t for t in (channel.topics or ()) if t != HEALTH]
    topic_sql = f" AND t.topic IN ({','.join('?' * len(topics))})" if topics else ""
    rows = db.conn.execute(
        "SELECT t.article_id, t.topic, t.terms, t.snippet, a.first_seen_at FROM article_topics t "
        f"JOIN articles a ON a.id = t.article_id WHERE t.matched_at >= ?{topic_sql}",
        (looked_from, *topics),
    ).fetchall()
    known: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
    for topic, subject, version, status, row_id in db.conn.execute(
        "SELECT topic, subject, version, status, id FROM deliveries WHERE channel = ? AND kind != 'health'",
        (channel.name,),
    ):
        known.setdefault((topic, subject), []).append((version, status, row_id))
    added = 0
    for article, topic, terms, snippet, first_seen in rows:
        if channel.topics is None and topic == HEALTH:
            continue
        earlier = known.get((topic, article), [])
        if not earlier and first_seen < start:
            continue  # an old article re-matched after an edit: never announced here, not news now
        added += _queue_one(
            db, channel.name, topic, article=article, version=_version(terms, snippet), earlier=earlier, now=now
        )
    return added


def _queue_one(
    db: Database,
    channel: str,
    topic: str,
    *,
    article: str,
    version: str,
    earlier: list[tuple[str, str, int]],
    now: datetime,
) -> int:
    if any(v == version for v, _, _ in earlier):
        return 0
    waiting = [row_id for _, status, row_id in earlier if status in DUE]
    key = delivery_key(channel, topic, article, version=version)
    if waiting:  # not sent yet: send the newer text instead
        db.conn.execute("UPDATE deliveries SET version = ?, key = ? WHERE id = ?", (version, key, waiting[0]))
        return 0
    kind = "update" if any(status in ("sent", "sending") for _, status, _ in earlier) else "new"
    db.conn.execute(
        "INSERT INTO deliveries (channel, topic, subject, article_id, version, kind, status, attempts, created_at, "
        "key) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
        (channel, topic, article, article, version, kind, stamp(now), key),
    )
    return 1


def queue_health(db: Database, channel: Channel, active: dict[str, str], *, now: datetime) -> int:
    """A delivery for each problem the channel has not been told of; a problem gone is marked
    ``cleared``, so that it is told again if it comes back."""
    open_rows = {
        subject: row_id
        for subject, row_id in db.conn.execute(
            "SELECT subject, id FROM deliveries WHERE channel = ? AND kind = 'health' AND status != 'cleared'",
            (channel.name,),
        )
    }
    for subject, row_id in open_rows.items():
        if subject not in active:
            db.conn.execute(
                "UPDATE deliveries SET status = 'cleared', version = ? WHERE id = ?", (f"cleared {stamp(now)}", row_id)
            )
    added = 0
    for subject, text in active.items():
        if subject in open_rows:
            continue
        db.conn.execute(
            "INSERT INTO deliveries (channel, topic, subject, version, kind, detail, status, attempts, created_at, "
            "key) VALUES (?, ?, ?, '', 'health', ?, 'pending', 0, ?, ?)",
            (
                channel.name,
                HEALTH,
                subject,
                text,
                stamp(now),
                delivery_key(channel.name, HEALTH, subject, version=stamp(now)),
            ),
        )
        added += 1
    return added


def takeable(row: dict[str, Any], now: str, host: str) -> bool:
    if row["status"] in DUE:
        return not row["next_attempt_at"] or row["next_attempt_at"] <= now
    # "sending": taken by a run that died between send and record (or hung for a day)
    return died(row["claimed_pid"], row["claimed_host"], host, started=row["claimed_at"])


def claim(db: Database, channel: str, now: datetime) -> list[dict[str, Any]]:
    """Mark the channel's due deliveries as being sent by this process; returns them."""
    host, now_text = socket.gethostname(), stamp(now)
    with db.transaction():
        rows = [r for r in due_rows(db, channel) if takeable(r, now_text, host)]
        db.conn.executemany(
            "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, claimed_pid = ?, claimed_host = ?, "
            "claimed_at = ? WHERE id = ?",
            [(os.getpid(), host, now_text, r["id"]) for r in rows],
        )
    return rows


def record(
    db: Database, rows: list[dict[str, Any]], error: str | None, *, settings: NotifySettings, now: datetime
) -> int:
    """Store the outcome of sending ``rows``; returns how many were given up (marked failed)."""
    given_up = 0
    with db.transaction():
        for r in rows:
            if error is None:
                db.conn.execute(
                    "UPDATE deliveries SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
                    (stamp(now), r["id"]),
                )
                continue
            attempts = r["attempts"] + 1
            if attempts >= settings.max_attempts:
                given_up += 1
                db.conn.execute(
                    "UPDATE deliveries SET status = 'failed', last_error = ? WHERE id = ?", (error, r["id"])
                )
            else:
                wait = settings.retry_after * 2 ** (attempts - 1)
                db.conn.execute(
                    "UPDATE deliveries SET status = 'retry', last_error = ?, next_attempt_at = ? WHERE id = ?",
                    (error, stamp(now + wait), r["id"]),
                )
    return given_up


def release(db: Database, rows: list[dict[str, Any]]) -> None:
    """Claimed deliveries that were not sent: due again at once, the claim's attempt not counted."""
    if not rows:
        return
    with db.transaction():
        db.conn.executemany(
            "UPDATE deliveries SET status = 'retry', attempts = MAX(attempts - 1, 0), claimed_pid = NULL, "
            "claimed_host = NULL, claimed_at = NULL, next_attempt_at = NULL WHERE id = ? AND status = 'sending'",
            [(r["id"],) for r in rows],
        )


def due_rows(db: Database, channel: str) -> list[dict[str, Any]]:
    return rows_of(
        db.conn.execute(
            "SELECT * FROM deliveries WHERE channel = ? AND status IN ('pending', 'retry', 'sending') ORDER BY id",
            (channel,),
        )
    )


def status(db: Database) -> list[dict[str, Any]]:
    """Per channel: deliveries by status, the newest error, the next retry."""
    cur = db.conn.execute(
        "SELECT channel, SUM(status = 'sent') AS sent, SUM(status IN ('pending', 'sending')) AS pending, "
        "SUM(status = 'retry') AS retrying, SUM(status = 'failed') AS failed, MIN(CASE WHEN status = 'retry' "
        "THEN next_attempt_at END) AS next_retry, MAX(CASE WHEN status IN ('retry', 'failed') THEN created_at END) "
        "AS newest_problem FROM deliveries WHERE kind != 'health' OR status != 'cleared' "
        "GROUP BY channel ORDER BY channel"
    )
    rows = rows_of(cur)
    for row in rows:
        last = db.conn.execute(
            "SELECT last_error FROM deliveries WHERE channel = ? AND status IN ('retry', 'failed') "
            "ORDER BY COALESCE(next_attempt_at, created_at) DESC LIMIT 1",
            (row["channel"],),
        ).fetchone()
        row["last_error"] = last[0] if last else None
    return rows
