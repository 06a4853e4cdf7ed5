"""Crawls on many machines, one SQLite file: records travel through a Redis stream.

In distributed mode (``REDIS_URL`` set, or ``--redis URL``) a spider does not open the database:
:class:`RedisStore` stands where :class:`~crawler.store.storage.Database` stands in the store pipeline
and appends every record it would have written (run start and end, articles, rejects, articles
met again, listing state) to the stream ``pantau:records``. One
:class:`~crawler.store.stream_writer.Writer` beside the SQLite file (``crawler store --from-redis
URL``) reads the stream with a consumer group and applies the
records with the same code a local crawl uses, so dedup, stories, versions, topics and health are
the same. What a spider needs to crawl incrementally (the articles already stored, listing state,
the entry points' validators, so that a quick poll on any machine asks conditionally) the writer
publishes back into Redis hashes. A run's end record carries what its site's schedule learns
(whether the site answered 429 or 503; the validators a finished run saw): the writer keeps it.

Exactly once: the writer commits a batch of records together with the stream position it reached
(table ``relay_state``) in one SQLite transaction, and acknowledges the batch to Redis only after
that commit. A writer killed mid-batch loses nothing (the records stay pending and are read again)
and doubles nothing (records at or before the committed position are acknowledged unapplied).
One writer per database: a lock file beside it refuses a second. This module is the spiders' side
(and the stream's names); :mod:`crawler.store.stream_writer` is the writer's.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import redis

from crawler.deadline import DeadlineExceeded, within
from crawler.items import Article, Reject, RunId, Seen
from crawler.store.known import KnownArticles
from crawler.store.polling import PollResult, Validator
from crawler.store.schema import now_iso
from crawler.store.storage import StorageError, WriteFailed

logger = logging.getLogger(__name__)
STREAM = "pantau:records"
GROUP = "pantau-writer"
KNOWN = "pantau:known:{site}"
LISTINGS = "pantau:listings:{site}"
VALIDATORS = "pantau:validators:{site}"
OUTCOMES = ("new", "updated", "unchanged", "duplicate")


def safe_url(url: str) -> str:
    """The Redis URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def refusal(exc: redis.RedisError) -> str:
    """One line for a failed Redis command: refused by a server that answered (full: maxmemory;
    read-only...), or unreachable. Never the command itself (it holds a whole article)."""
    if isinstance(exc, redis.ResponseError):
        reason = str(exc).rpartition("caused error: ")[2] or str(exc)
        return f"redis refused the records: {reason.strip()[:300]}"
    return f"redis unreachable: {str(exc)[:300]}"


PING_DEADLINE = 10.0  # seconds a PING may take in all (a healthy Redis answers in a millisecond)
SEND_DEADLINE = 60.0  # seconds a batch of records may take in all to be taken


def connect(url: str) -> redis.Redis:
    """A client that answered PING within :data:`PING_DEADLINE` in all (each read is bounded by
    ``socket_timeout``; a server that trickles its answer is bounded here); :class:`StorageError`
    (``redis unreachable``) otherwise."""
    try:
        client = redis.Redis.from_url(url, socket_timeout=15, socket_connect_timeout=5, decode_responses=True)
        within(PING_DEADLINE, client.ping, "redis")
    except DeadlineExceeded as exc:
        why = f"no answer to PING within {PING_DEADLINE:g} s"
        raise StorageError(f"redis unreachable at {safe_url(url)}: {why}") from exc
    except (redis.RedisError, ValueError, OSError) as exc:
        raise StorageError(f"redis unreachable at {safe_url(url)}: {exc}") from exc
    return client


# ----------------------------------------------------------------------------- the spider's side


class RedisStore:
    """What a spider writes to in distributed mode: the store pipeline's interface, as records."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = connect(url)

    def _add(self, records: Iterable[tuple[str, dict[str, Any]]]) -> None:
        batch = [(kind, json.dumps(data, ensure_ascii=False)) for kind, data in records]

        def send() -> None:
            with self.client.pipeline(transaction=False) as pipe:
                for kind, data in batch:
                    pipe.xadd(STREAM, {"type": kind, "data": data})
                pipe.execute()

        try:
            within(SEND_DEADLINE, send, "redis")
        except DeadlineExceeded as exc:
            raise WriteFailed(f"redis did not take the records within {SEND_DEADLINE:g} s") from exc
        except redis.RedisError as exc:
            raise WriteFailed(refusal(exc)) from exc

    def start_run(self, site: str, base_url: str | None = None) -> str:
        token = uuid.uuid4().hex
        self._add(
            [
                (
                    "run-start",
                    {
                        "run": token,
                        "site": site,
                        "base_url": base_url,
                        "host": socket.gethostname(),
                        "pid": os.getpid(),
                        "started_at": now_iso(),
                    },
                )
            ]
        )
        return token

    def store_articles(self, articles: Iterable[Article], run_id: RunId | None = None) -> list[str]:
        batch = list(articles)
        self._add(("article", {"run": run_id, "article": a.to_dict()}) for a in batch)
        return ["queued"] * len(batch)

    def store_rejects(self, rejects: Iterable[Reject], run_id: RunId | None = None) -> None:
        self._add(("reject", {"run": run_id, "reject": asdict(r)}) for r in rejects)

    def mark_seen(self, seen: Iterable[Seen]) -> None:
        self._add(("seen", asdict(s)) for s in seen)

    def save_listings(self, site: str, walked: dict[str, str | None]) -> None:
        self._add([("listings", {"site": site, "walked": walked})])

    def finish_run(self, run_id: RunId, poll: PollResult | None = None, **fields: Any) -> None:
        """The run's end, with what its site's schedule learns from it (kept by the writer)."""
        record: dict[str, Any] = {"run": run_id, "fields": fields}
        if poll is not None:
            record |= {"slowed": poll.slowed, "validators": {u: asdict(v) for u, v in poll.validators.items()}}
        self._add([("run-end", record)])

    def close(self) -> None:
        self.client.close()


class PublishedArticles(KnownArticles):
    """What the writer published of a site's stored articles (key or alias URL -> lastmod), asked
    of Redis as the crawl meets URLs (``HGET``), not loaded at start: the same answers, at the same
    cost per URL whatever the archive's size, as :class:`~crawler.store.storage.StoredArticles`.
    Redis failing mid-crawl makes a URL look new (it is fetched again; the run fails where its
    records cannot be sent). Each ``HGET`` is bounded per read (``socket_timeout``), not by a total
    deadline as PING and the records are: a thread per URL would cost more than the risk."""

    def __init__(self, client: redis.Redis, site: str) -> None:
        self.client, self.name = client, KNOWN.format(site=site)
        self.failed = False

    def get(self, key: str, default: Any = None) -> Any:
        try:
            value = self.client.hget(self.name, key)
        except redis.RedisError as exc:
            if not self.failed:
                logger.warning("redis unreachable (%s): stored articles are fetched again", exc)
                self.failed = True
            return default
        return default if value is None else (value or None)

    def close(self) -> None:
        self.client.close()


# ----------------------------------------------------------------------------- the published state


def publish_state(
    client: redis.Redis,
    site: str,
    known: dict[str, str | None],
    *,
    listings: dict[str, tuple[bool, str | None]],
    replace: bool = False,
) -> None:
    """The writer's side: ``site``'s stored articles (key or alias URL -> lastmod) and listing
    state, added to what was published (``replace``: instead of it)."""
    with client.pipeline(transaction=replace) as pipe:
        if replace:
            pipe.delete(KNOWN.format(site=site), LISTINGS.format(site=site))
        items = list(known.items())
        for start in range(0, len(items), 10_000):
            pipe.hset(KNOWN.format(site=site), mapping={k: v or "" for k, v in items[start : start + 10_000]})
        if listings:
            pipe.hset(
                LISTINGS.format(site=site),
                mapping={u: json.dumps(None if done else resume) for u, (done, resume) in listings.items()},
            )
        pipe.execute()


def publish_validators(client: redis.Redis, site: str, kept: dict[str, Validator]) -> None:
    """The writer's side: ``site``'s entry-point validators as the database keeps them, replacing
    what was published."""
    with client.pipeline(transaction=True) as pipe:
        pipe.delete(VALIDATORS.format(site=site))
        if kept:
            pipe.hset(VALIDATORS.format(site=site), mapping={u: json.dumps(asdict(v)) for u, v in kept.items()})
        pipe.execute()


@dataclass
class PublishedState:
    """What the writer published of a site for its next crawl: stored articles (asked as the crawl
    goes; the caller closes them), the listing state and the entry points' validators (read at
    once: a few rows per site)."""

    known: PublishedArticles
    listings: dict[str, tuple[bool, str | None]]
    validators: dict[str, Validator]


def load_state(url: str, site: str) -> PublishedState:
    """What the writer published of ``site``; :class:`StorageError` naming the key when Redis
    cannot be asked, or a key Pantau owns holds what Pantau did not write there (another type,
    values that are not its JSON)."""
    client = connect(url)
    try:
        listings = {u: (v is None, v) for u, v in _published(client, LISTINGS.format(site=site), _resume).items()}
        validators = _published(client, VALIDATORS.format(site=site), _validator)
        kind = cast("str", client.type(KNOWN.format(site=site)))  # decode_responses: text
        if kind not in ("hash", "none"):
            raise StorageError(f"redis key {KNOWN.format(site=site)} is a {kind}, not a hash: not written by Pantau?")
    except redis.ResponseError as exc:
        client.close()
        raise StorageError(f"redis at {safe_url(url)} refused to give what was published of {site}: {exc}") from exc
    except redis.RedisError as exc:
        client.close()
        raise StorageError(f"redis unreachable at {safe_url(url)}: {exc}") from exc
    except StorageError:
        client.close()
        raise
    return PublishedState(PublishedArticles(client, site), listings, validators)


T = TypeVar("T")


def _published(client: redis.Redis, key: str, read: Callable[[Any], T]) -> dict[str, T]:
    """A hash the writer published, each value read by ``read`` from its JSON."""
    kind = cast("str", client.type(key))  # decode_responses: text
    if kind == "none":
        return {}
    if kind != "hash":
        raise StorageError(
            f"redis key {key} is a {kind}, not a hash: not written by Pantau? "
            "(delete it; the writer publishes it again)"
        )
    found = {}
    for field, raw in cast("dict[str, str]", client.hgetall(key)).items():  # decode_responses: text
        try:
            found[field] = read(json.loads(raw))
        except (ValueError, TypeError) as exc:
            raise StorageError(
                f"redis key {key} holds what Pantau did not write for {field}: {raw[:60]!r} "
                "(delete the key; the writer publishes it again)"
            ) from exc
    return found


def _resume(value: Any) -> str | None:
    """A listing's resume point: a URL, or None (walked to its end)."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"a resume point is a URL or null, not {type(value).__name__}")
    return value


def _validator(value: Any) -> Validator:
    if not isinstance(value, dict) or not all(isinstance(v, str | None) for v in value.values()):
        raise TypeError("a validator is an object of texts")
    return Validator(**value)
