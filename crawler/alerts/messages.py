"""The words of alerts: one match, a digest of matches, a crawl-health warning, in Indonesian
(default) or English. Plain text, so the same message reads well in mail, chat and webhooks."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawler.alerts.config import Channel
from crawler.safetext import safe_text
from crawler.store.queries import rows_of
from crawler.store.storage import Database
from crawler.zones import zone_name

MONTHS = {
    "id": [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
WORDS = {
    "id": {
        "new": "Berita baru",
        "update": "Pembaruan",
        "site": "Situs",
        "published": "Terbit",
        "undated": "tanpa tanggal",
        "place": "Tempat",
        "officials": "Pejabat",
        "excerpt": "Kutipan",
        "link": "Tautan",
        "also": "Juga dimuat di",
        "topic": "Topik",
        "terms": "kata",
        "key": "Kunci",
        "digest": "Ringkasan",
        "matches": "berita cocok",
        "health": "Kesehatan crawl",
        "changed": "teks yang cocok berubah",
    },
    "en": {
        "new": "New article",
        "update": "Update",
        "site": "Site",
        "published": "Published",
        "undated": "no date",
        "place": "Place",
        "officials": "Officials",
        "excerpt": "Excerpt",
        "link": "Link",
        "also": "Also carried by",
        "topic": "Topic",
        "terms": "terms",
        "key": "Key",
        "digest": "Digest",
        "matches": "matching articles",
        "health": "Crawl health",
        "changed": "the matched text changed",
    },
}


@dataclass
class Match:
    """One watchlist match as an alert tells it."""

    key: str  # the delivery's idempotency key
    kind: str  # "new" or "update"
    topic: str
    title: str
    site: str
    url: str
    published_at: str | None
    published_date: str | None
    place: str | None
    officials: list[str]
    terms: list[str]
    snippet: str
    also: list[tuple[str, str]]  # (site, url) of the same story elsewhere


def when(published_at: str | None, published_date: str | None, lang: str) -> str:
    """``18 Desember 2023 16:21 WIB``: the time in the zone the article was published in."""
    if published_at:
        try:
            moment = datetime.fromisoformat(published_at)
        except ValueError:
            return published_at
        offset = moment.utcoffset()
        zone = "" if offset is None else name if (name := zone_name(offset)).isalpha() else f"UTC{name}"
        return f"{moment.day} {MONTHS[lang][moment.month - 1]} {moment.year} {moment:%H:%M} {zone}".strip()
    if published_date:
        day = datetime.fromisoformat(published_date)
        return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"
    return WORDS[lang]["undated"]


def marked(snippet: str, terms: list[str]) -> str:
    """The snippet with every matched term in ``[brackets]`` (case and accents as written)."""
    words = sorted({t.rstrip("*") for t in terms if t.strip("*")}, key=len, reverse=True)
    if not words:
        return snippet
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")", re.I)
    return pattern.sub(lambda m: f"[{m.group(1)}]", snippet)


def match_lines(m: Match, lang: str) -> list[str]:
    w = WORDS[lang]
    lines = [m.title, f"{w['site']}: {m.site} · {w['published']}: {when(m.published_at, m.published_date, lang)}"]
    if m.place:
        lines.append(f"{w['place']}: {m.place}")
    if m.officials:
        lines.append(f"{w['officials']}: {'; '.join(m.officials)}")
    lines.append(f"{w['excerpt']}: {marked(m.snippet, m.terms)}")
    lines.append(f"{w['link']}: {m.url}")
    if m.also:
        lines.append(f"{w['also']}: " + ", ".join(f"{site} ({url})" for site, url in m.also))
    return lines


def instant(m: Match, lang: str) -> tuple[str, str]:
    """(title, body) of the message for one match."""
    w = WORDS[lang]
    label = w["update"] if m.kind == "update" else w["new"]
    body = match_lines(m, lang)
    if m.kind == "update":
        body.insert(1, f"({w['changed']})")
    body += [f"{w['topic']}: {m.topic} ({w['terms']}: {', '.join(m.terms)})", f"{w['key']}: {m.key}"]
    return f"[Pantau] {label} · {m.topic}: {m.title}", "\n".join(body)


def digest(matches: list[Match], key: str, lang: str) -> tuple[str, str]:
    """(title, body) of one message listing ``matches`` grouped by topic, then site."""
    w = WORDS[lang]
    topics = sorted({m.topic for m in matches})
    body: list[str] = []
    for topic in topics:
        body.append(f"== {w['topic']}: {topic} ==")
        in_topic = [m for m in matches if m.topic == topic]
        for site in sorted({m.site for m in in_topic}):
            body.append(f"-- {site} --")
            for m in (x for x in in_topic if x.site == site):
                label = f"[{w['update']}] " if m.kind == "update" else ""
                lines = match_lines(m, lang)
                body += [f"* {label}{lines[0]}", *(f"  {line}" for line in lines[1:])]
        body.append("")
    body.append(f"{w['key']}: {key}")
    title = f"[Pantau] {w['digest']}: {len(matches)} {w['matches']} ({', '.join(topics)})"
    return title, "\n".join(body)


def health(text: str, key: str, lang: str) -> tuple[str, str]:
    w = WORDS[lang]
    return f"[Pantau] {w['health']}: {text}", f"{text}\n{w['key']}: {key}"


def listed(value: str | None) -> list[str]:
    """A JSON list column (``officials``, ``terms``) as strings; names of ``places`` entries."""
    try:
        items = json.loads(value or "[]")
    except ValueError:
        return []
    return [i["name"] if isinstance(i, dict) and "name" in i else str(i) for i in items if i]


Message = tuple[list[dict[str, Any]], str, str, str]  # (deliveries, idempotency key, title, body)


def matches_of(db: Database, rows: list[dict[str, Any]]) -> dict[int, Match]:
    """The alert text's facts for each match delivery: the article, its match and its story."""
    out = {}
    for r in rows:
        if r["kind"] == "health":
            continue
        found = rows_of(
            db.conn.execute(
                "SELECT a.title, a.site, a.url, a.published_at, a.published_date, a.places, a.officials, a.story_id, "
                "t.terms, t.snippet FROM articles a LEFT JOIN article_topics t ON t.article_id = a.id AND t.topic = ? "
                "WHERE a.id = ?",
                (r["topic"], r["article_id"]),
            )
        )
        if not found:
            continue
        a = found[0]
        also = db.conn.execute(
            "SELECT site, url FROM articles WHERE story_id = ? AND site != ? ORDER BY first_seen_at LIMIT 10",
            (a["story_id"], a["site"]),
        ).fetchall()
        out[r["id"]] = Match(
            key=r["key"],
            kind=r["kind"],
            topic=r["topic"],
            title=a["title"] or a["url"],
            site=a["site"],
            url=a["url"],
            published_at=a["published_at"],
            published_date=a["published_date"],
            place=", ".join(listed(a["places"])) or None,
            officials=listed(a["officials"]),
            terms=listed(a["terms"]),
            snippet=a["snippet"] or "",
            also=[(s, u) for s, u in also],
        )
    return out


def compose(channel: Channel, rows: list[dict[str, Any]], facts: dict[int, Match]) -> list[Message]:
    """The messages for the claimed ``rows``: (deliveries, key, title, body) each. Health
    warnings are always one message each; matches one each, or one digest."""
    out = []
    for r in rows:
        if r["kind"] == "health":
            out.append(([r], r["key"], *health(r["detail"] or r["subject"], r["key"], channel.lang)))
    matched = [r for r in rows if r["id"] in facts]
    if channel.mode == "digest" and matched:
        key = hashlib.sha256(" ".join(r["key"] for r in matched).encode()).hexdigest()[:24]
        out.append((matched, key, *digest([facts[r["id"]] for r in matched], key, channel.lang)))
    else:
        out += [([r], r["key"], *instant(facts[r["id"]], channel.lang)) for r in matched]
    # what a page held reaches a message (or a terminal, with --dry-run) without control characters
    return [(group, key, safe_text(title), safe_text(body)) for group, key, title, body in out]
