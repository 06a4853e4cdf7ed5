"""Atom feeds of the latest watchlist matches (and, for a channel that names the ``health`` topic,
the crawl-health problems present now): any feed reader can follow a topic from a file served by
any web server. Written atomically, so a reader never sees half a feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from crawler.alerts.messages import listed, marked
from crawler.safetext import safe_text
from crawler.store.queries import rows_of
from crawler.store.storage import Database

NS = "http://www.w3.org/2005/Atom"


def latest_matches(db: Database, topics: tuple[str, ...] | None, limit: int) -> list[dict]:
    """The newest matches of ``topics`` (None: every topic; empty: none)."""
    if topics == ():
        return []
    where, params = ("WHERE t.topic IN (" + ",".join("?" * len(topics)) + ")", list(topics)) if topics else ("", [])
    cur = db.conn.execute(
        "SELECT t.topic, t.terms, t.snippet, t.matched_at, a.id, a.site, a.url, a.title, a.published_at, "
        "a.published_date, a.places, a.first_seen_at FROM article_topics t JOIN articles a ON a.id = t.article_id "
        f"{where} ORDER BY a.first_seen_at DESC, a.id LIMIT ?",
        (*params, limit),
    )
    # what a page held reaches the feed without what XML forbids (one ESC would break the whole feed)
    return [{k: safe_text(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows_of(cur)]


def _stamp(value: str | None, fallback: str) -> str:
    """An RFC 3339 time with its offset (a date alone becomes midnight UTC)."""
    for text in (value, fallback):
        if not text:
            continue
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.isoformat(timespec="seconds")
    return datetime.now(UTC).isoformat(timespec="seconds")


def build_feed(
    rows: list[dict], title: str, feed_id: str, *, self_link: str | None = None, health: dict[str, str] | None = None
) -> bytes:
    """An Atom document of ``rows`` (from :func:`latest_matches`), one entry per article, and one
    per crawl-health problem in ``health`` (key -> text; its entry id stays while it lasts)."""
    ET.register_namespace("", NS)
    feed = ET.Element(f"{{{NS}}}feed")
    ET.SubElement(feed, f"{{{NS}}}title").text = title
    ET.SubElement(feed, f"{{{NS}}}id").text = feed_id
    updated = max((_stamp(r["matched_at"], r["first_seen_at"]) for r in rows), default=None)
    ET.SubElement(feed, f"{{{NS}}}updated").text = updated or datetime.now(UTC).isoformat(timespec="seconds")
    ET.SubElement(ET.SubElement(feed, f"{{{NS}}}author"), f"{{{NS}}}name").text = "Pantau"
    ET.SubElement(feed, f"{{{NS}}}generator").text = "Pantau"
    if self_link:
        ET.SubElement(feed, f"{{{NS}}}link", rel="self", href=self_link)
    seen: set[str] = set()
    for r in rows:
        if r["id"] in seen:  # an article matching two topics of the feed: one entry
            continue
        seen.add(r["id"])
        entry = ET.SubElement(feed, f"{{{NS}}}entry")
        ET.SubElement(entry, f"{{{NS}}}title").text = r["title"] or r["url"]
        ET.SubElement(entry, f"{{{NS}}}id").text = r["url"]
        ET.SubElement(entry, f"{{{NS}}}link", rel="alternate", href=r["url"])
        published = _stamp(r["published_at"] or r["published_date"], r["first_seen_at"])
        ET.SubElement(entry, f"{{{NS}}}published").text = published
        ET.SubElement(entry, f"{{{NS}}}updated").text = _stamp(r["matched_at"], r["first_seen_at"])
        ET.SubElement(entry, f"{{{NS}}}summary").text = marked(r["snippet"] or "", listed(r["terms"]))
        ET.SubElement(entry, f"{{{NS}}}category", term=r["site"], label=r["site"], scheme="site")
        for place in listed(r["places"]):
            ET.SubElement(entry, f"{{{NS}}}category", term=place, label=place, scheme="place")
        ET.SubElement(entry, f"{{{NS}}}category", term=r["topic"], scheme="topic")
    for key, text in sorted((health or {}).items()):
        entry = ET.SubElement(feed, f"{{{NS}}}entry")
        ET.SubElement(entry, f"{{{NS}}}title").text = safe_text(text)
        ET.SubElement(entry, f"{{{NS}}}id").text = f"urn:pantau:health:{key}"
        ET.SubElement(entry, f"{{{NS}}}updated").text = datetime.now(UTC).isoformat(timespec="seconds")
        ET.SubElement(entry, f"{{{NS}}}category", term="health", scheme="topic")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def topic_feed(
    db: Database, topics: tuple[str, ...] | None, limit: int = 50, *, health: dict[str, str] | None = None
) -> bytes:
    """The feed of the watchlist ``topics`` (None: all of them; empty: none) and, when ``health``
    is given, of those crawl-health problems."""
    named = (*(topics or ()), *(["health"] if health is not None else []))
    name = ", ".join(named) if topics is not None else "all topics"
    feed_id = "urn:pantau:topics:" + (",".join(sorted(named)) if topics is not None else "all")
    return build_feed(latest_matches(db, topics, limit), f"Pantau: {name}", feed_id, health=health)
