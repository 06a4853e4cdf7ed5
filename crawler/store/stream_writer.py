"""The writer's side of distributed mode (``crawler store --from-redis URL``): one :class:`Writer`
beside the SQLite file reads the stream with a consumer group and applies its records with the code a local crawl
uses, exactly once (the batch and the stream position it reached commit in one transaction; Redis is
acknowledged after). A record that cannot be applied is set aside in rejects, acknowledged and
counted; the writer goes on. One writer per database file: a lock beside it refuses a second. The
spiders' side is :mod:`crawler.store.relay`."""

from __future__ import annotations

import fcntl
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any, cast

import redis

from crawler.cadence import Cadence
from crawler.items import Article, Reject, Seen
from crawler.store.known import known_articles
from crawler.store.polling import PollResult, Validator, load_validators, record_run_poll
from crawler.store.relay import GROUP, OUTCOMES, STREAM, publish_state, publish_validators
from crawler.store.schema import now_iso
from crawler.store.storage import Database, StorageError
from crawler.store.stream_records import (
    BAD_RECORD,
    RUN_END,
    RUN_START,
    BadRecord,
    built,
    checked,
    decoded,
    groups,
    run_end_fields,
    set_aside,
)
from crawler.urls import canonical_url

logger = logging.getLogger(__name__)
# what XREADGROUP answers (decode_responses: text): per stream, its entries as (id, fields)
StreamReply = list[tuple[str, list[tuple[str, dict[str, str]]]]]


class WriterBusy(StorageError):
    """Another writer holds the database."""


def _position(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


class Writer:
    """Applies the stream's records to the database; see the module's docstring."""

    def __init__(
        self,
        db: Database,
        client: redis.Redis,
        consumer: str = "writer",
        *,
        batch: int = 200,
        cadence: Cadence | None = None,
    ) -> None:
        self.db, self.client, self.consumer, self.batch = db, client, consumer, batch
        self.cadence = cadence or Cadence()  # the polling policy the schedule is kept by
        self.applied = 0
        self.set_aside = 0  # records that could not be applied (rows in rejects, kind 'record')
        self.runs_finished: list[int] = []
        self._polled: set[str] = set()  # sites whose validators changed in the batch being applied
        self._lock = self._single_writer(db.path)

    @staticmethod
    def _single_writer(path: str) -> Any:
        """A lock on the database file itself, so that the same file reached by another path (a
        symlink, a hard link, a bind mount) has one writer too. flock locks are separate from the
        POSIX locks SQLite takes, and are held by this open file until the writer closes it."""
        handle = open(path, "rb")  # noqa: SIM115 - held for the writer's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise WriterBusy(f"another writer is storing into {path}; one writer per database") from None
        return handle

    def close(self) -> None:
        self._lock.close()

    def setup(self) -> None:
        """The consumer group (created when missing) and the state spiders read, published whole."""
        try:
            self.client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        sites = [
            s
            for (s,) in self.db.conn.execute(
                "SELECT DISTINCT site FROM articles UNION SELECT DISTINCT site FROM listings"
            )
        ]
        for site in sites:
            publish_state(
                self.client, site, known_articles(self.db, site), listings=self.db.listing_states(site), replace=True
            )
        for (site,) in self.db.conn.execute("SELECT DISTINCT site FROM entry_validators").fetchall():
            publish_validators(self.client, site, load_validators(self.db.conn, site))

    def read(self, block_ms: int) -> list[tuple[str, dict[str, str]]]:
        """Records delivered to this writer and not acknowledged (after a crash), else new ones."""
        for start in ("0", ">"):
            reply = cast(
                StreamReply,
                self.client.xreadgroup(
                    GROUP, self.consumer, {STREAM: start}, count=self.batch, block=None if start == "0" else block_ms
                ),
            )
            entries = reply[0][1] if reply else []
            if entries:
                return entries
        return []

    def apply(self, entries: list[tuple[str, dict[str, str]]]) -> int:
        """Apply ``entries`` in one transaction with the stream position, then acknowledge them.
        A record that cannot be applied is set aside in ``rejects`` (kind ``record``, reason
        ``bad-record``, the raw record in ``detail``) in the same transaction: one bad record
        never stops the writer, and is never lost."""
        row = self.db.conn.execute("SELECT last_id FROM relay_state WHERE stream = ?", (STREAM,)).fetchone()
        done = _position(row[0]) if row else (-1, -1)
        todo = [(i, r) for i, r in entries if _position(i) > done]
        published: dict[str, dict[str, str | None]] = {}
        listings: dict[str, dict[str, tuple[bool, str | None]]] = {}
        self._polled.clear()  # (what a batch that failed left)
        with self.db.transaction():
            for group in groups(todo):  # consecutive article records are stored in one call
                self._apply_group(group, published, listings)
            if entries:
                self.db.conn.execute(
                    "INSERT INTO relay_state (stream, last_id, updated_at) VALUES (?, ?, ?) ON CONFLICT (stream) "
                    "DO UPDATE SET last_id = excluded.last_id, updated_at = excluded.updated_at",
                    (STREAM, entries[-1][0], now_iso()),
                )
        for site in set(published) | set(listings):
            publish_state(self.client, site, published.get(site, {}), listings=listings.get(site, {}))
        for site in self._polled:
            publish_validators(self.client, site, load_validators(self.db.conn, site))
        if entries:
            self.client.xack(STREAM, GROUP, *[i for i, _ in entries])
        self.applied += len(todo)
        return len(todo)

    def _apply_group(self, group: list[tuple[str, dict[str, str]]], published: dict, listings: dict) -> None:
        """A group in a savepoint; when it cannot be applied, each of its records in its own, and
        those that still cannot be applied are set aside."""
        try:
            with self.db.transaction():
                self._apply_records(group, published, listings)
            return
        except BAD_RECORD as exc:
            if len(group) == 1:
                set_aside(self.db, *group[0], exc=exc)
                self.set_aside += 1
                return
        for entry in group:
            try:
                with self.db.transaction():
                    self._apply_records([entry], published, listings)
            except BAD_RECORD as exc:
                set_aside(self.db, *entry, exc=exc)
                self.set_aside += 1

    def _apply_records(self, group: list[tuple[str, dict[str, str]]], published: dict, listings: dict) -> None:
        kind = group[0][1].get("type")
        records = [decoded(record) for _, record in group]
        if kind == "article":
            self._articles(records, published)
            return
        handler = _HANDLERS.get(kind or "")
        if handler is None:
            raise BadRecord(f"unknown record type {kind!r}")
        handler(self, records[0], published, listings)

    def _run_id(self, token: str | None) -> int | None:
        row = self.db.conn.execute("SELECT run_id FROM relay_runs WHERE token = ?", (token,)).fetchone()
        return row[0] if row else None

    def _run_start(self, data: dict, published: dict, listings: dict) -> None:
        checked(data, RUN_START, "run-start")
        if not data["site"].strip():
            raise BadRecord("run-start: site is empty")
        if self._run_id(data["run"]) is not None:
            return
        run_id = self.db.start_run(
            data["site"], data.get("base_url"), data.get("host"), pid=data.get("pid"), started_at=data.get("started_at")
        )
        self.db.conn.execute("INSERT INTO relay_runs (token, run_id) VALUES (?, ?)", (data["run"], run_id))

    def _articles(self, records: list[dict], published: dict) -> None:
        """Store article records (of one or more runs, in order); count their outcomes on each run."""
        for token in dict.fromkeys(r.get("run") for r in records):
            batch = [built(Article, r.get("article"), "article") for r in records if r.get("run") == token]
            run_id = self._run_id(token)
            counts = Counter(self.db.store_articles(batch, run_id))
            for outcome in OUTCOMES:
                column = "duplicates" if outcome == "duplicate" else outcome
                if run_id is not None and counts[outcome]:
                    self.db.conn.execute(
                        f"UPDATE crawl_runs SET {column} = COALESCE({column}, 0) + ? WHERE id = ?",
                        (counts[outcome], run_id),
                    )
            for article in batch:
                known = published.setdefault(article.site, {})
                for key in {article.url_key or article.url, article.source_key} - {None}:
                    known[key] = article.sitemap_lastmod or article.fetched_at

    def _reject(self, data: dict, published: dict, listings: dict) -> None:
        reject = built(Reject, data.get("reject"), "reject")
        self.db.store_rejects([reject], self._run_id(data.get("run")))
        if reject.reason == "not-article":
            published.setdefault(reject.site, {})[canonical_url(reject.url)] = "~"

    def _seen(self, data: dict, published: dict, listings: dict) -> None:
        self.db.mark_seen([built(Seen, data, "seen")])

    def _listings(self, data: dict, published: dict, listings: dict) -> None:
        checked(data, {"site": str, "walked": dict[str, str | None]}, "listings")
        self.db.save_listings(data["site"], data["walked"])
        listings.setdefault(data["site"], {}).update(
            {u: (resume is None, resume) for u, resume in data["walked"].items()}
        )

    def _run_end(self, data: dict, published: dict, listings: dict) -> None:
        from crawler.store.run_health import check_run

        checked(data, RUN_END, "run-end")
        counted = ("new", "updated", "unchanged", "duplicates")  # counted here, as the articles are stored
        fields = {k: v for k, v in run_end_fields(data["fields"]).items() if k not in counted}
        run_id = self._run_id(data["run"])
        if run_id is None:
            raise BadRecord(f"the end of run {data['run']!r} arrived without its start")
        kept = data.get("validators") or {}
        validators = {url: built(Validator, v, "run-end validator") for url, v in kept.items()}
        poll = PollResult(bool(data.get("slowed")), validators)
        self.db.finish_run(run_id, **fields)
        with self.db.transaction() as conn:  # when the site is due again (crawler schedule asks)
            site = conn.execute("SELECT site FROM crawl_runs WHERE id = ?", (run_id,)).fetchone()[0]
            record_run_poll(conn, site, fields.get("status") or "failed", poll=poll, cadence=self.cadence)
        if poll.validators:
            self._polled.add(site)
        check_run(self.db, run_id)
        self.runs_finished.append(run_id)

    def run(
        self,
        until_idle: bool = False,
        block_ms: int = 2000,
        stop: Callable[[], bool] = lambda: False,
        *,
        on_batch: Callable[[Writer], None] | None = None,
    ) -> int:
        """Apply records as they come; with ``until_idle``, return once the stream has nothing new."""
        while not stop():
            try:
                entries = self.read(200 if until_idle else block_ms)
            except redis.RedisError as exc:
                raise StorageError(f"redis unreachable: {exc}") from exc
            if not entries:
                if until_idle:
                    break
                continue
            try:
                self.apply(entries)
            except redis.RedisError as exc:  # after the commit: the records are stored, and known as such
                raise StorageError(f"redis unreachable: {exc}") from exc
            if on_batch:
                on_batch(self)
        return self.applied


_HANDLERS: dict[str, Callable[[Writer, dict, dict, dict], None]] = {
    "run-start": Writer._run_start,
    "reject": Writer._reject,
    "seen": Writer._seen,
    "listings": Writer._listings,
    "run-end": Writer._run_end,
}


def backlog(client: redis.Redis) -> int:
    """Records not yet applied: pending for the writer, plus never read."""
    try:
        groups = {g["name"]: g for g in client.xinfo_groups(STREAM)}
    except redis.ResponseError:
        return int(client.xlen(STREAM)) if client.exists(STREAM) else 0
    group = groups.get(GROUP)
    if group is None:
        return int(client.xlen(STREAM))
    lag = group.get("lag")
    return int(group.get("pending", 0)) + (int(lag) if lag is not None else 0)
