"""The report: what was first seen since a moment, per site and topic, the new topic matches and
the stories several sites carried. Read-only, parameterised SQL."""

from __future__ import annotations

from typing import Any

from crawler.store.queries import rows_of
from crawler.store.storage import Database


def _filters(topic: str | None, published_since: str | None, *, on_match: bool) -> tuple[str, list[str]]:
    """The report's filters as SQL on a topic match ``t`` of an article ``a`` (``on_match``), or on
    one article ``a`` alone (the per-site counts and the stories)."""
    clause, params = "", []
    if topic:
        clause += (
            " AND t.topic = ?"
            if on_match
            else " AND EXISTS (SELECT 1 FROM article_topics t WHERE t.article_id = a.id AND t.topic = ?)"
        )
        params.append(topic)
    if published_since:
        clause += " AND a.published_date >= ?"
        params.append(published_since[:10])
    return clause, params


def report(db: Database, since: str, *, topic: str | None = None, published_since: str | None = None) -> dict[str, Any]:
    """New and updated articles per site and topic, new topic matches, multi-site stories: what was
    first seen since ``since``; every part of the report only of articles published since
    ``published_since`` and matching ``topic``, when given."""
    topic_clause, topic_params = _filters(topic, published_since, on_match=True)
    article_clause, article_params = _filters(topic, published_since, on_match=False)
    # every query reads through an index (first_seen_at, replaced_at, story_id), the new rows
    # first (CROSS JOIN keeps SQLite from reading the archive to find them): a report over a large
    # archive reads what is new, not the archive
    new = dict(
        db.conn.execute(
            "SELECT a.site, COUNT(*) FROM articles a INDEXED BY idx_articles_first_seen_at WHERE a.first_seen_at >= ? "
            f"{article_clause} GROUP BY a.site",
            (since, *article_params),
        ).fetchall()
    )
    updated = dict(
        db.conn.execute(
            "SELECT a.site, COUNT(DISTINCT v.article_id) FROM article_versions v CROSS JOIN articles a "
            f"ON a.id = v.article_id WHERE v.replaced_at >= ? {article_clause} GROUP BY a.site",
            (since, *article_params),
        ).fetchall()
    )
    sites = [s for (s,) in db.conn.execute("SELECT DISTINCT site FROM articles ORDER BY site")]
    per_site = [{"site": s, "new": new.get(s, 0), "updated": updated.get(s, 0)} for s in sites]
    per_topic = rows_of(
        db.conn.execute(
            "SELECT t.topic, a.site, COUNT(*) AS new FROM articles a INDEXED BY idx_articles_first_seen_at "
            "CROSS JOIN article_topics t ON t.article_id = a.id "
            f"WHERE a.first_seen_at >= ? {topic_clause} GROUP BY t.topic, a.site ORDER BY t.topic, a.site",
            (since, *topic_params),
        )
    )
    matches = rows_of(
        db.conn.execute(
            "SELECT t.topic, a.published_date, a.site, a.location, a.title, a.url, t.terms, t.snippet "
            "FROM articles a INDEXED BY idx_articles_first_seen_at CROSS JOIN article_topics t ON t.article_id = a.id "
            f"WHERE a.first_seen_at >= ? {topic_clause} ORDER BY a.published_date DESC, a.site",
            (since, *topic_params),
        )
    )
    stories = rows_of(
        db.conn.execute(
            "SELECT story_id, COUNT(DISTINCT site) AS sites, GROUP_CONCAT(site, ', ') AS site_list, "
            "MIN(published_date) AS first_published, MAX(title) AS title FROM articles "
            f"WHERE story_id IN (SELECT story_id FROM articles a WHERE a.first_seen_at >= ? {article_clause}) "
            "GROUP BY story_id HAVING COUNT(DISTINCT site) > 1 ORDER BY first_published DESC",
            (since, *article_params),
        )
    )
    return {
        "seen_since": since,
        "published_since": published_since,
        "topic": topic,
        "sites": per_site,
        "topics": per_topic,
        "matches": matches,
        "stories": stories,
    }


def report_markdown(data: dict[str, Any]) -> str:
    lines = [
        f"# Pantau report: first seen since {data['seen_since']}"
        + (f", published since {data['published_since']}" if data["published_since"] else "")
        + (f" (topic {data['topic']})" if data["topic"] else ""),
        "",
    ]
    lines += ["## Articles per site", "", "| site | new | updated |", "|---|---|---|"]
    lines += [f"| {r['site']} | {r['new'] or 0} | {r['updated'] or 0} |" for r in data["sites"]]
    lines += ["", "## New articles per topic", "", "| topic | site | new |", "|---|---|---|"]
    lines += [f"| {r['topic']} | {r['site']} | {r['new']} |" for r in data["topics"]]
    lines += ["", "## New matches", ""]
    for m in data["matches"]:
        place = f", {m['location']}" if m["location"] else ""
        lines.append(
            f"- **{m['title']}** ({m['site']}, {m['published_date'] or 'no date'}{place}) [{m['topic']}] <{m['url']}>"
        )
    if not data["matches"]:
        lines.append("(none)")
    lines += ["", "## Stories on more than one site", ""]
    lines += [
        f"- {s['title']} — {s['sites']} sites: {s['site_list']} (first {s['first_published']})" for s in data["stories"]
    ]
    if not data["stories"]:
        lines.append("(none)")
    return "\n".join(lines) + "\n"
