"""The dashboard's charts: each one a stored query (a user can open it in Datasette, change it,
reuse it) and a Vega-Lite view of its rows.

Every chart takes the same filters, so that one choice carries through the page: ``site``,
``topic``, ``since`` and ``until`` (publication dates, YYYY-MM-DD) and ``province``; an empty
filter is no filter. Every query starts from an index (``published_date``, ``story_id``,
``article_id``, the runs of a site) and reads a bounded range, so that a chart stays fast on a
million articles (``bench/run.py --scale`` times them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FILTERS = ("site", "topic", "since", "until", "province")

# The articles a chart counts: published in the range, of the site, matching the topic, in the province.
_CHOSEN = """a.published_date BETWEEN :since AND :until
      AND (coalesce(:site, '') = '' OR a.site = :site)
      AND (coalesce(:topic, '') = '' OR a.id IN (SELECT t.article_id FROM article_topics t WHERE t.topic = :topic))
      AND (coalesce(:province, '') = '' OR EXISTS (SELECT 1 FROM json_each(a.places) p
                                                  WHERE json_extract(p.value, '$.province') = :province))"""


@dataclass(frozen=True)
class Chart:
    name: str  # the stored query's name
    title: str
    sql: str
    spec: dict[str, Any] = field(default_factory=dict)  # Vega-Lite, without data; empty: a table
    note: str = ""

    def query(self) -> dict[str, Any]:
        return {"title": f"Dashboard: {self.title}", "sql": self.sql, "description": self.note}


def _bars(x: str, y: str, color: str | None = None, horizontal: bool = False) -> dict[str, Any]:
    """Bars per day (stacked by ``color``), or ranked horizontal bars."""
    day = {"field": x, "type": "temporal", "timeUnit": "yearmonthdate", "title": "day"}
    encoding: dict[str, Any] = {
        "x": {"field": x, "type": "quantitative"} if horizontal else day,
        "y": {"field": y, "type": "nominal", "sort": "-x", "title": None} if horizontal
        else {"field": y, "type": "quantitative"},
        "tooltip": [{"field": x}, {"field": y}] + ([{"field": color}] if color else []),
    }  # fmt: skip
    if color:
        encoding["color"] = {"field": color, "type": "nominal"}
    return {"mark": {"type": "bar", "tooltip": True}, "encoding": encoding}


_FIRST_SEEN = {"field": "first_seen", "type": "temporal", "axis": {"format": "%d %b %H:%M", "labelAngle": -30}}
CHARTS = (
    Chart(
        "articles_per_day", "Articles per day and site",
        f"""SELECT a.published_date AS day, a.site, COUNT(*) AS articles FROM articles a
    WHERE {_CHOSEN}
    GROUP BY a.published_date, a.site ORDER BY day""",
        _bars("day", "articles", "site"),
        "Articles by publication date, per site.",
    ),
    Chart(
        "topic_matches_per_day", "Watchlist matches per day and topic",
        f"""SELECT a.published_date AS day, t.topic, COUNT(*) AS matches
    FROM articles a JOIN article_topics t ON t.article_id = a.id
    WHERE {_CHOSEN}
    GROUP BY a.published_date, t.topic ORDER BY day""",
        _bars("day", "matches", "topic"),
        "Articles matching each watchlist topic (crawler/enrichment/topics.toml), by publication date.",
    ),
    Chart(
        "story_timeline", "Stories carried by more than one site",
        f"""WITH chosen AS (SELECT a.story_id, a.site, a.first_seen_at, a.published_date, a.title FROM articles a
                    WHERE {_CHOSEN}),
     shared AS (SELECT story_id FROM chosen GROUP BY story_id HAVING COUNT(DISTINCT site) > 1
                ORDER BY MAX(published_date) DESC LIMIT 30)
SELECT c.story_id, (SELECT title FROM articles WHERE id = c.story_id) AS story, c.site,
       MIN(c.first_seen_at) AS first_seen, MIN(c.published_date) AS published
FROM chosen c JOIN shared s ON s.story_id = c.story_id
GROUP BY c.story_id, c.site ORDER BY c.story_id, first_seen""",
        {
            "layer": [
                {"mark": "rule", "encoding": {
                    "y": {"field": "story", "type": "nominal", "title": None, "axis": {"labelLimit": 320}},
                    "x": {**_FIRST_SEEN, "aggregate": "min", "title": "first seen by Pantau"},
                    "x2": {"aggregate": "max", "field": "first_seen"}}},
                {"mark": {"type": "point", "filled": True, "size": 90, "tooltip": True}, "encoding": {
                    "y": {"field": "story", "type": "nominal"},
                    "x": _FIRST_SEEN,
                    "color": {"field": "site", "type": "nominal"},
                    "tooltip": [{"field": f} for f in ("story", "site", "first_seen", "published")]}},
            ]
        },  # fmt: skip
        "When each site first carried each story (the 30 latest stories seen on more than one site): a press "
        "release travelling shows as one line with a point per site.",
    ),
    Chart(
        "articles_per_place", "Where: articles per regency or city",
        f"""SELECT json_extract(p.value, '$.name') AS place, json_extract(p.value, '$.province') AS province,
       COUNT(*) AS articles
FROM articles a, json_each(a.places) p
WHERE {_CHOSEN}
GROUP BY place, province ORDER BY articles DESC LIMIT 25""",
        _bars("articles", "place", "province", horizontal=True),
        "Places named in articles (Kalimantan regencies and cities, dateline first), ranked. A ranked chart, "
        "not a map: a map needs tiles or boundaries from the network, and the page works offline.",
    ),
    Chart(
        "officials_named", "Who: officials named most in matched articles",
        f"""SELECT o.value AS official, COUNT(*) AS articles
FROM articles a, json_each(a.officials) o
WHERE {_CHOSEN} AND EXISTS (SELECT 1 FROM article_topics t WHERE t.article_id = a.id)
GROUP BY official ORDER BY articles DESC LIMIT 20""",
        _bars("articles", "official", horizontal=True),
        "Officials (title: name) named in articles that match a watchlist topic.",
    ),
    Chart(
        "crawl_health_now", "Crawl health per site",
        """SELECT r.site, r.id AS last_run, r.started_at, r.status, r.new, r.updated, r.dropped,
       json_extract(r.coverage, '$.title') AS title_share, json_extract(r.coverage, '$.published_date') AS date_share,
       json_extract(r.coverage, '$.body_80_words') AS body_share,
       round((julianday('now') - julianday((SELECT MAX(first_seen_at) FROM articles x WHERE x.site = r.site))) * 24, 1)
         AS hours_since_new_article,
       coalesce(json_array_length(r.warnings), 0) AS warnings, r.error
FROM crawl_runs r
WHERE r.id IN (SELECT MAX(id) FROM crawl_runs GROUP BY site) AND (coalesce(:site, '') = '' OR r.site = :site)
ORDER BY r.site""",
        note="Each site's last crawl: its status, what it stored, field coverage, and hours since its last new "
        "article.",
    ),
    Chart(
        "alert_deliveries", "Alerts not delivered",
        """SELECT channel, status, COUNT(*) AS deliveries, MAX(last_error) AS last_error FROM deliveries
WHERE status IN ('pending', 'retry', 'sending', 'failed') GROUP BY channel, status ORDER BY channel, status""",
        note="Alert deliveries failed or waiting, per channel (crawler notify --status).",
    ),
)


def chart_queries() -> dict[str, dict[str, Any]]:
    return {chart.name: chart.query() for chart in CHARTS}


FILTER_CHOICES = {
    "sites": "SELECT DISTINCT site FROM crawl_runs ORDER BY site",
    "topics": "SELECT DISTINCT topic FROM article_topics ORDER BY topic",
    "provinces": "SELECT DISTINCT json_extract(p.value, '$.province') AS province FROM "
    "(SELECT places FROM articles ORDER BY rowid DESC LIMIT 5000), json_each(places) p ORDER BY province",
    "newest": "SELECT MAX(published_date) FROM articles",
}
