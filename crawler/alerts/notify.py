"""Alerts: every new watchlist match, and every crawl-health warning, reaches each channel that
wants it exactly once.

A run does, per channel: *queue* (a ``deliveries`` row per match not yet queued for the channel;
an edited article whose matched text changed gets an ``update`` row), *claim* the rows that are
due (one write transaction, so overlapping runs never claim the same row), *send* through Apprise,
and *record* the outcome. A process killed between send and record leaves its rows ``sending``
under its pid; the next run takes them over and sends them again with the same idempotency key
(``X-Pantau-Key`` header, ``pantau_key`` in JSON webhooks, ``Kunci``/``Key`` line in the text), so
at most one duplicate reaches a receiver and it can tell. A failed send is retried on later runs
after a doubling wait, and marked ``failed`` after ``max_attempts``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import apprise

from crawler.alerts import messages
from crawler.alerts.atom import topic_feed
from crawler.alerts.config import HEALTH, Channel, Config, NotifySettings
from crawler.alerts.messages import Match, listed
from crawler.fetch.cadence import duration_text
from crawler.outputs import write_whole
from crawler.safetext import safe_text
from crawler.store.queries import rows_of
from crawler.store.storage import Database, died

# Matches committed late by a long crawl transaction are still found: the watermark of what a
# channel has looked at moves back by this much on every run.
LOOKBACK = timedelta(hours=6)
DUE = ("pending", "retry")


@dataclass
class ChannelResult:
    name: str
    sent: int = 0  # deliveries sent in this run
    messages: int = 0  # messages sent (a digest is one message for many deliveries)
    failed: int = 0  # deliveries whose send failed in this run
    waiting: int = 0  # deliveries waiting for a retry later
    given_up: int = 0  # deliveries marked failed in this run
    error: str | None = None  # why this channel failed, secrets masked
    feed_entries: int | None = None
    previews: list[tuple[str, str]] = field(default_factory=list)  # --dry-run: (title, body)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def delivery_key(channel: str, topic: str, subject: str, version: str) -> str:
    return hashlib.sha256(f"{channel}\0{topic}\0{subject}\0{version}".encode()).hexdigest()[:24]


def _version(terms: str | None, snippet: str | None) -> str:
    """What a match says: a new version means the matched text changed."""
    return hashlib.sha256(f"{terms}\0{snippet}".encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------- queue


def _first_run(db: Database, channel: Channel, now: datetime) -> str:
    db.conn.execute("INSERT OR IGNORE INTO channels (name, first_run_at) VALUES (?, ?)", (channel.name, stamp(now)))
    return db.conn.execute("SELECT first_run_at FROM channels WHERE name = ?", (channel.name,)).fetchone()[0]


def queue_matches(db: Database, channel: Channel, settings: NotifySettings, now: datetime, backfill: bool) -> int:
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
        added += _queue_one(db, channel.name, topic, article, _version(terms, snippet), earlier, now)
    return added


def _queue_one(
    db: Database, channel: str, topic: str, article: str, version: str, earlier: list[tuple[str, str, int]],
    now: datetime,
) -> int:  # fmt: skip
    if any(v == version for v, _, _ in earlier):
        return 0
    waiting = [row_id for _, status, row_id in earlier if status in DUE]
    key = delivery_key(channel, topic, article, version)
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


# ----------------------------------------------------------------------------- health


def health_warnings(db: Database, settings: NotifySettings, now: datetime) -> dict[str, str]:
    """The crawl-health problems present now, by a key that stays the same while a problem lasts:
    the last run of a site failed, warned (coverage, layout, a move), had errors above
    ``error_share`` of its requests; or no new article from a site for ``silent_after``."""
    active: dict[str, str] = {}
    latest = db.conn.execute(
        "SELECT site, status, error, requests, errors, warnings FROM crawl_runs WHERE id IN "
        "(SELECT MAX(id) FROM crawl_runs WHERE status != 'running' GROUP BY site)"
    ).fetchall()
    polls = {r["site"]: r for r in rows_of(db.conn.execute("SELECT site, interval_s, stretched FROM site_schedule"))}
    for site, status, error, requests, errors, warnings in latest:
        for warning in listed(warnings):
            active[f"warning:{site}:{_shape(warning)}"] = f"{site}: {warning}"
        if status == "failed":
            poll = polls.get(site) or {}
            slower = f" (polled less often now: every {duration_text(poll['interval_s'])}, after {poll['stretched']})" \
                if poll.get("stretched") and poll.get("interval_s") else ""  # fmt: skip
            active[f"failed:{site}"] = f"{site}: crawl failed: {error or 'no page could be fetched'}{slower}"
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


def queue_health(db: Database, channel: Channel, active: dict[str, str], now: datetime) -> int:
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
            (channel.name, HEALTH, subject, text, stamp(now), delivery_key(channel.name, HEALTH, subject, stamp(now))),
        )
        added += 1
    return added


# ----------------------------------------------------------------------------- claim, send, record


def _takeable(row: dict[str, Any], now: str, host: str) -> bool:
    if row["status"] in DUE:
        return not row["next_attempt_at"] or row["next_attempt_at"] <= now
    # "sending": taken by a run that died between send and record (or hung for a day)
    return died(row["claimed_pid"], row["claimed_host"], host, row["claimed_at"])


def claim(db: Database, channel: str, now: datetime) -> list[dict[str, Any]]:
    """Mark the channel's due deliveries as being sent by this process; returns them."""
    host, now_text = socket.gethostname(), stamp(now)
    with db.transaction():
        rows = [r for r in _due(db, channel) if _takeable(r, now_text, host)]
        db.conn.executemany(
            "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, claimed_pid = ?, claimed_host = ?, "
            "claimed_at = ? WHERE id = ?",
            [(os.getpid(), host, now_text, r["id"]) for r in rows],
        )
    return rows


def record(db: Database, rows: list[dict[str, Any]], error: str | None, settings: NotifySettings, now: datetime) -> int:
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


def matches_of(db: Database, rows: list[dict[str, Any]]) -> dict[int, Match]:
    """The alert text's facts for each match delivery: the article, its match and its story."""
    out = {}
    for r in rows:
        if r["kind"] == "health":
            continue
        found = rows_of(db.conn.execute(
            "SELECT a.title, a.site, a.url, a.published_at, a.published_date, a.places, a.officials, a.story_id, "
            "t.terms, t.snippet FROM articles a LEFT JOIN article_topics t ON t.article_id = a.id AND t.topic = ? "
            "WHERE a.id = ?",
            (r["topic"], r["article_id"]),
        ))  # fmt: skip
        if not found:
            continue
        a = found[0]
        also = db.conn.execute(
            "SELECT site, url FROM articles WHERE story_id = ? AND site != ? ORDER BY first_seen_at LIMIT 10",
            (a["story_id"], a["site"]),
        ).fetchall()
        out[r["id"]] = Match(
            key=r["key"], kind=r["kind"], topic=r["topic"], title=a["title"] or a["url"], site=a["site"],
            url=a["url"], published_at=a["published_at"], published_date=a["published_date"],
            place=", ".join(listed(a["places"])) or None, officials=listed(a["officials"]), terms=listed(a["terms"]),
            snippet=a["snippet"] or "", also=[(s, u) for s, u in also],
        )  # fmt: skip
    return out


Message = tuple[list[dict[str, Any]], str, str, str]  # (deliveries, idempotency key, title, body)


def compose(channel: Channel, rows: list[dict[str, Any]], facts: dict[int, Match]) -> list[Message]:
    """The messages for the claimed ``rows``: (deliveries, key, title, body) each. Health
    warnings are always one message each; matches one each, or one digest."""
    out = []
    for r in rows:
        if r["kind"] == "health":
            out.append(([r], r["key"], *messages.health(r["detail"] or r["subject"], r["key"], channel.lang)))
    matched = [r for r in rows if r["id"] in facts]
    if channel.mode == "digest" and matched:
        key = hashlib.sha256(" ".join(r["key"] for r in matched).encode()).hexdigest()[:24]
        out.append((matched, key, *messages.digest([facts[r["id"]] for r in matched], key, channel.lang)))
    else:
        out += [([r], r["key"], *messages.instant(facts[r["id"]], channel.lang)) for r in matched]
    # what a page held reaches a message (or a terminal, with --dry-run) without control characters
    return [(group, key, safe_text(title), safe_text(body)) for group, key, title, body in out]


Sender = Callable[[Channel, str, str, str], str | None]


def send_apprise(channel: Channel, key: str, title: str, body: str) -> str | None:
    """Send one message; None when it went, else the reason (secrets masked)."""
    assert channel.url is not None
    joiner = "&" if "?" in channel.url else "?"
    url = f"{channel.url}{joiner}{quote('+X-Pantau-Key')}={key}&{quote(':pantau_key')}={key}"
    target = apprise.Apprise()
    if not target.add(url):
        return "not a URL Apprise can send to"
    with apprise.LogCapture(level=logging.WARNING) as log:
        ok = target.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
    if ok:
        return None
    reason = " ".join(line.split(" - ", 2)[-1] for line in log.getvalue().splitlines() if line.strip())
    return channel.mask(reason.strip() or "the service refused the message")[:500]


# ----------------------------------------------------------------------------- a run


def notify_channel(
    db: Database, channel: Channel, settings: NotifySettings, *, now: datetime | None = None, backfill: bool = False,
    dry_run: bool = False, health: dict[str, str] | None = None, sender: Sender = send_apprise,
) -> ChannelResult:  # fmt: skip
    """Queue, claim, send and record for one channel (or write its feed)."""
    now = now or datetime.now(UTC)
    result = ChannelResult(channel.name)
    if channel.feed:
        data = topic_feed(db, tuple(t for t in channel.topics or () if t != HEALTH) or None)
        if not dry_run:
            write_whole(channel.feed, data)
        result.feed_entries = data.count(b"<entry>")
        return result
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        if channel.topics is None or any(t != HEALTH for t in channel.topics):
            queue_matches(db, channel, settings, now, backfill)
        if channel.wants(HEALTH):
            queue_health(db, channel, health if health is not None else health_warnings(db, settings, now), now)
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    if dry_run:
        rows = [r for r in _due(db, channel.name) if _takeable(r, stamp(now), socket.gethostname())]
        result.previews = [(title, body) for _, _, title, body in compose(channel, rows, matches_of(db, rows))]
        db.conn.execute("ROLLBACK")
        return result
    db.conn.execute("COMMIT")
    rows = claim(db, channel.name, now)
    facts = matches_of(db, rows)
    _send_all(db, channel, settings, now, compose(channel, rows, facts), sender, result)
    orphans = [r for r in rows if r["kind"] != "health" and r["id"] not in facts]  # article gone (repair, deletion)
    if orphans:
        record(db, orphans, "the article is no longer in the database", NotifySettings(max_attempts=1), now)
    result.waiting = db.conn.execute(
        "SELECT COUNT(*) FROM deliveries WHERE channel = ? AND status = 'retry'", (channel.name,)
    ).fetchone()[0]
    return result


def _send_all(db: Database, channel: Channel, settings: NotifySettings, now: datetime, composed: list[Message],
              sender: Sender, result: ChannelResult) -> None:  # fmt: skip
    """Send the messages within the channel's ``time_limit``. What is not sent (the time is up, or
    the run is stopped: Ctrl-C, SIGTERM) goes back to ``retry`` for the next run, never left
    ``sending``."""
    deadline = time.monotonic() + settings.time_limit.total_seconds()
    unsent = list(composed)
    try:
        while unsent:
            if time.monotonic() > deadline:
                late = (f"time limit reached ({settings.time_limit.total_seconds():g} s, [notify] time_limit): "
                        f"{sum(len(group) for group, *_ in unsent)} left for the next run")  # fmt: skip
                result.error = f"{result.error}; {late}" if result.error else late
                return
            group, key, title, body = unsent[0]
            error = sender(channel, key, title, body)
            result.given_up += record(db, group, error, settings, now)
            unsent.pop(0)
            if error is None:
                result.sent += len(group)
                result.messages += 1
            else:
                result.failed += len(group)
                result.error = result.error or error
    finally:
        release(db, [r for group, *_ in unsent for r in group])


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


def _due(db: Database, channel: str) -> list[dict[str, Any]]:
    return rows_of(db.conn.execute(
        "SELECT * FROM deliveries WHERE channel = ? AND status IN ('pending', 'retry', 'sending') ORDER BY id",
        (channel,),
    ))  # fmt: skip


def run_notify(
    db: Database, config: Config, names: list[str] | None = None, *, backfill: bool = False, dry_run: bool = False,
    now: datetime | None = None, sender: Sender = send_apprise,
) -> list[ChannelResult]:  # fmt: skip
    """Every channel (or those ``names``d), one after another; a channel that fails does not stop
    the others."""
    now = now or datetime.now(UTC)
    chosen = [config.channels[n] for n in names] if names else list(config.channels.values())
    health = health_warnings(db, config.notify, now) if any(c.wants(HEALTH) for c in chosen) else {}
    results = []
    for channel in chosen:
        try:
            results.append(notify_channel(db, channel, config.notify, now=now, backfill=backfill, dry_run=dry_run,
                                          health=health, sender=sender))  # fmt: skip
        except OSError as exc:  # a feed that cannot be written
            results.append(ChannelResult(channel.name, error=channel.mask(f"{exc.strerror or exc}: {exc.filename}")))
    return results


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


def summary_json(results: list[ChannelResult]) -> str:
    return json.dumps([r.__dict__ for r in results], ensure_ascii=False, indent=2)
