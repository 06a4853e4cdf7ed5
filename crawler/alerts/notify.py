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

This module runs those steps; each has its own: :mod:`~crawler.alerts.queue` (queue, claim,
record), :mod:`~crawler.alerts.health` (which warnings are active), :mod:`~crawler.alerts.messages`
(what a message says), :mod:`~crawler.alerts.transport` (Apprise).
"""

from __future__ import annotations

import functools
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from crawler.alerts.atom import topic_feed
from crawler.alerts.config import HEALTH, Channel, Config, NotifySettings
from crawler.alerts.health import health_warnings
from crawler.alerts.messages import Message, compose, matches_of
from crawler.alerts.queue import claim, due_rows, queue_health, queue_matches, record, release, stamp, takeable
from crawler.alerts.transport import send_apprise
from crawler.deadline import DeadlineExceeded, within
from crawler.outputs import write_whole
from crawler.store.storage import Database


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


# ----------------------------------------------------------------------------- queue


# ----------------------------------------------------------------------------- health


# ----------------------------------------------------------------------------- claim, send, record


Sender = Callable[[Channel, str, str, str], str | None]


# ----------------------------------------------------------------------------- a run


def notify_channel(
    db: Database,
    channel: Channel,
    settings: NotifySettings,
    *,
    now: datetime | None = None,
    backfill: bool = False,
    dry_run: bool = False,
    health: dict[str, str] | None = None,
    sender: Sender = send_apprise,
) -> ChannelResult:
    """Queue, claim, send and record for one channel (or write its feed)."""
    now = now or datetime.now(UTC)
    result = ChannelResult(channel.name)
    if channel.feed:
        watched = None if channel.topics is None else tuple(t for t in channel.topics if t != HEALTH)
        problems = None
        if channel.wants(HEALTH):
            problems = health if health is not None else health_warnings(db, settings, now)
        data = topic_feed(db, watched, health=problems)
        if not dry_run:
            write_whole(channel.feed, data)
        result.feed_entries = data.count(b"<entry>")
        return result
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        if channel.topics is None or any(t != HEALTH for t in channel.topics):
            queue_matches(db, channel, settings, now=now, backfill=backfill)
        if channel.wants(HEALTH):
            queue_health(db, channel, health if health is not None else health_warnings(db, settings, now), now=now)
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    if dry_run:
        rows = [r for r in due_rows(db, channel.name) if takeable(r, stamp(now), socket.gethostname())]
        result.previews = [(title, body) for _, _, title, body in compose(channel, rows, matches_of(db, rows))]
        db.conn.execute("ROLLBACK")
        return result
    db.conn.execute("COMMIT")
    rows = claim(db, channel.name, now)
    facts = matches_of(db, rows)
    _send_all(db, channel, settings, now=now, composed=compose(channel, rows, facts), sender=sender, result=result)
    orphans = [r for r in rows if r["kind"] != "health" and r["id"] not in facts]  # article gone (repair, deletion)
    if orphans:
        record(
            db, orphans, "the article is no longer in the database", settings=NotifySettings(max_attempts=1), now=now
        )
    result.waiting = db.conn.execute(
        "SELECT COUNT(*) FROM deliveries WHERE channel = ? AND status = 'retry'", (channel.name,)
    ).fetchone()[0]
    return result


def _send_all(
    db: Database,
    channel: Channel,
    settings: NotifySettings,
    *,
    now: datetime,
    composed: list[Message],
    sender: Sender,
    result: ChannelResult,
) -> None:
    """Send the messages within the channel's ``time_limit``, a total deadline that holds even
    while one message is being sent (a peer that trickles its answer is given up on). What is not
    sent (the time is up, or the run is stopped: Ctrl-C, SIGTERM) goes back to ``retry`` for the
    next run, never left ``sending``; a message cut off mid-send counts as a failed attempt (the
    peer may have it: its idempotency key tells)."""
    limit = settings.time_limit.total_seconds()
    deadline = time.monotonic() + limit
    unsent = list(composed)
    try:
        while unsent:
            left = deadline - time.monotonic()
            if left <= 0:
                late = (
                    f"time limit reached ({limit:g} s, [notify] time_limit): "
                    f"{sum(len(group) for group, *_ in unsent)} left for the next run"
                )
                result.error = f"{result.error}; {late}" if result.error else late
                return
            group, key, title, body = unsent[0]
            try:
                error = within(left, functools.partial(sender, channel, key, title, body), f"channel {channel.name}")
            except DeadlineExceeded:
                error = f"no answer within the time limit ({limit:g} s, [notify] time_limit)"
            result.given_up += record(db, group, error, settings=settings, now=now)
            unsent.pop(0)
            if error is None:
                result.sent += len(group)
                result.messages += 1
            else:
                result.failed += len(group)
                result.error = result.error or error
    finally:
        release(db, [r for group, *_ in unsent for r in group])


def run_notify(
    db: Database,
    config: Config,
    names: list[str] | None = None,
    *,
    backfill: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
    sender: Sender = send_apprise,
) -> list[ChannelResult]:
    """Every channel (or those ``names``d), one after another; a channel that fails does not stop
    the others."""
    now = now or datetime.now(UTC)
    chosen = [config.channels[n] for n in names] if names else list(config.channels.values())
    health = health_warnings(db, config.notify, now) if any(c.wants(HEALTH) for c in chosen) else {}
    results = []
    for channel in chosen:
        try:
            results.append(
                notify_channel(
                    db,
                    channel,
                    config.notify,
                    now=now,
                    backfill=backfill,
                    dry_run=dry_run,
                    health=health,
                    sender=sender,
                )
            )
        except OSError as exc:  # a feed that cannot be written
            results.append(ChannelResult(channel.name, error=channel.mask(f"{exc.strerror or exc}: {exc.filename}")))
    return results
