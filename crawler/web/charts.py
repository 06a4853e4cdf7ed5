"""The dashboard's charts and its search: each one a stored query (a user can open it in
Datasette, change it, reuse it) and a Vega-Lite view of its rows (:mod:`crawler.web.specs`).

Every query takes the same filters, so that one choice carries through the page: ``site``,
``topic``, ``since`` and ``until`` (publication dates, YYYY-MM-DD) and ``province``; an empty
filter is no filter. Every chart starts from an index (``published_date``, ``story_id``,
``article_id``, the runs of a site) and reads a bounded range, so that it stays fast on a million
articles (``bench/run.py --scale`` times them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crawler.enrichment.entities import PROVINCES
from crawler.web.specs import Spec, TimeAxis, bars_per_day, ranked_bars, story_timeline

FILTERS = ("site", "topic", "since", "until", "province")

# The articles a query counts: of the site, matching the topic, in the province; a chart's also
# published in the range (the dashboard always gives one), a search's when one is given.
_OF_CHOICE = """(coalesce(:site, '') = '' OR a.site = :site)
      AND (coalesce(:topic, '') = '' OR a.id IN (SELECT t.article_id FROM article_topics t WHERE t.topic = :topic))
      AND (coalesce(:province, '') = '' OR EXISTS (SELECT 1 FROM json_each(a.places) p
                                                  WHERE json_extract(p.value, '$.province') = :province))"""
_CHOSEN = f"a.published_date BETWEEN :since AND :until AND {_OF_CHOICE}"
_ANY_DAY_CHOSEN = f"""(coalesce(:since, '') = '' OR a.published_date >= :since)
      AND (coalesce(:until, '') = '' OR a.published_date <= :until) AND {_OF_CHOICE}"""


@dataclass(frozen=True)
class Chart:
    name: str  # the stored query's name
    title: str
    sql: str
    spec: Callable[[TimeAxis], Spec] | None = None  # the view for the chosen range; None: a table
    note: str = ""

    def query(self) -> dict[str, Any]:
        return {"title": f"Dashboard: {self.title}", "sql": self.sql, "description": self.note}


def _zoned(a: str) -> str:
    """Whether the ``published_at`` of the article aliased ``a`` carries its offset."""
    return f"({a}.published_at GLOB '*[+-][0-9][0-9]:[0-9][0-9]' OR {a}.published_at GLOB '*Z')"


def _local(a: str) -> str:
    """The publication of the article aliased ``a`` as its site wrote it: ``2024-11-11 05:46 WITA``
    (a time of unknown zone, or a day without a time, says so)."""
    zone = f"""CASE WHEN {a}.published_at IS NULL THEN '(time not given)' WHEN NOT {_zoned(a)} THEN '(zone unknown)'
            ELSE CASE substr({a}.published_at, -6) WHEN '+07:00' THEN 'WIB' WHEN '+08:00' THEN 'WITA'
                 WHEN '+09:00' THEN 'WIT' ELSE 'UTC' || replace(substr({a}.published_at, -6), ':00', '') END END"""
    time = f"CASE WHEN {a}.published_at IS NULL THEN '' ELSE ' ' || substr({a}.published_at, 12, 5) END"
    return f"{a}.published_date || {time} || ' ' || {zone}"


# A copy's publication as WIB wall time (the timeline's axis): a time with an offset moved to +07:00,
# a time of unknown zone kept as written, a day without a time at its start.
_AT = f"""strftime('%Y-%m-%dT%H:%M:%SZ', coalesce(c.published_at, c.published_date),
                  CASE WHEN {_zoned("c")} THEN '+7 hours' ELSE '+0 hours' END)"""
_GAP = """CASE WHEN NOT s.timed THEN
                 CASE WHEN s.minutes < 1440 THEN 'same day' ELSE '+' || (s.minutes / 1440) || ' d' END
            WHEN s.minutes < 60 THEN '+' || s.minutes || ' min'
            WHEN s.minutes < 2880 THEN '+' || (s.minutes / 60) || ' h'
                 || CASE WHEN s.minutes % 60 THEN ' ' || (s.minutes % 60) || ' min' ELSE '' END
            ELSE '+' || (s.minutes / 1440) || ' days' END"""
# The stories with a copy among the chosen articles, each with all its copies: with a site chosen,
# the stories that site carried and where else they went.
STORY_TIMELINE = f"""WITH picked AS (SELECT DISTINCT a.story_id FROM articles a WHERE {_CHOSEN}),
     c AS (SELECT a.story_id, a.site, a.first_seen_at, a.published_at, a.published_date
           FROM articles a WHERE a.story_id IN (SELECT story_id FROM picked)),
     shared AS (SELECT story_id FROM c GROUP BY story_id HAVING COUNT(DISTINCT site) > 1
                ORDER BY MAX(published_date) DESC LIMIT 30),
     copies AS (SELECT c.story_id, c.site, {_AT} AS at,
                       {_local("c")} AS published,
                       c.published_at IS NOT NULL AS timed,
                       MIN(c.first_seen_at) OVER (PARTITION BY c.story_id, c.site) AS first_seen,
                       row_number() OVER (PARTITION BY c.story_id, c.site ORDER BY {_AT}) AS nth
                FROM c JOIN shared USING (story_id)),
     s AS (SELECT story_id, MIN(timed) AS timed,
                  CAST(round((julianday(MAX(at)) - julianday(MIN(at))) * 1440) AS INTEGER) AS minutes
           FROM copies WHERE nth = 1 GROUP BY story_id)
SELECT c.story_id, (SELECT title FROM articles WHERE id = c.story_id) AS story, c.site, c.at, c.published,
       c.first_seen, {_GAP} AS gap
FROM copies c JOIN s USING (story_id) WHERE c.nth = 1 ORDER BY c.story_id, c.at"""

CHARTS = (
    Chart(
        "articles_per_day",
        "Articles per day and site",
        f"""SELECT a.published_date AS day, a.site, COUNT(*) AS articles FROM articles a
    WHERE {_CHOSEN}
    GROUP BY a.published_date, a.site ORDER BY day""",
        lambda axis: bars_per_day(axis, "day", "articles", color="site"),
        "Articles by publication date, per site.",
    ),
    Chart(
        "topic_matches_per_day",
        "Watchlist matches per day and topic",
        f"""SELECT a.published_date AS day, t.topic, COUNT(*) AS matches
    FROM articles a JOIN article_topics t ON t.article_id = a.id
    WHERE {_CHOSEN} AND (coalesce(:topic, '') = '' OR t.topic = :topic)
    GROUP BY a.published_date, t.topic ORDER BY day""",
        lambda axis: bars_per_day(axis, "day", "matches", color="topic"),
        "Articles matching each watchlist topic (crawler/enrichment/topics.toml), by publication date.",
    ),
    Chart(
        "story_timeline",
        "Stories carried by more than one site",
        STORY_TIMELINE,
        lambda axis: story_timeline(),
        "When each site published each story (the 30 latest stories on more than one site, all their copies when "
        "a site is chosen): one line per story, "
        "a point per site at its own publication time (the axis in WIB, the tooltip in the site's zone and when "
        "Pantau first saw it), the gap between the first and the last site at the line's end.",
    ),
    Chart(
        "articles_per_place",
        "Where: articles per regency or city",
        f"""SELECT json_extract(p.value, '$.name') AS place, json_extract(p.value, '$.province') AS province,
       COUNT(*) AS articles
FROM articles a, json_each(a.places) p
WHERE {_CHOSEN} AND (coalesce(:province, '') = '' OR json_extract(p.value, '$.province') = :province)
GROUP BY place, province ORDER BY articles DESC LIMIT 25""",
        lambda axis: ranked_bars("articles", "place", "province"),
        "Places named in articles (Kalimantan regencies and cities, dateline first), ranked. A ranked chart, "
        "not a map: a map needs tiles or boundaries from the network, and the page works offline.",
    ),
    Chart(
        "officials_named",
        "Who: officials named most in matched articles",
        f"""SELECT CASE WHEN instr(o.value, ': ') > 0
            THEN substr(o.value, instr(o.value, ': ') + 2)
                 || ' (' || substr(o.value, 1, instr(o.value, ': ') - 1) || ')'
            ELSE o.value END AS official,
       COUNT(*) AS articles
FROM articles a, json_each(a.officials) o
WHERE {_CHOSEN} AND EXISTS (SELECT 1 FROM article_topics t WHERE t.article_id = a.id)
GROUP BY o.value ORDER BY articles DESC LIMIT 20""",
        lambda axis: ranked_bars("articles", "official"),
        "Officials named in articles that match a watchlist topic: the name first, the office after.",
    ),
    Chart(
        "crawl_health_now",
        "Crawl health per site",
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
        "article. Follows the site filter (topic, place and dates describe articles, not crawls).",
    ),
    Chart(
        "alert_deliveries",
        "Alerts not delivered",
        """SELECT d.channel, d.status, COUNT(*) AS deliveries, MAX(d.last_error) AS last_error FROM deliveries d
WHERE d.status IN ('pending', 'retry', 'sending', 'failed')
  AND (coalesce(:topic, '') = '' OR d.topic = :topic)
  AND (coalesce(:site, '') = '' OR d.article_id IN (SELECT id FROM articles WHERE site = :site)
       OR (d.kind = 'health' AND (d.subject LIKE '%:' || :site OR d.subject LIKE '%:' || :site || ':%')))
GROUP BY d.channel, d.status ORDER BY d.channel, d.status""",
        note="Alert deliveries failed or waiting, per channel (crawler notify --status). Follows the site and topic "
        "filters.",
    ),
)

# Every word typed is searched as a word (quotes and operators are plain text; a NUL ends the text);
# more than 64 words is one row saying so.
_WORDS = "(length(trim(:q)) - length(replace(trim(:q), ' ', '')) + 1)"
_ASKED = f"""SELECT '"' || replace(replace(trim(coalesce(cast(substr(cast(:q AS blob), 1,
              coalesce(nullif(instr(cast(:q AS blob), x'00'), 0) - 1, length(cast(:q AS blob)))) AS text), '')),
              '"', ''), ' ', '" "') || '"' WHERE {_WORDS} <= 64"""
SEARCH = Chart(
    "search",
    "Full-text search",
    f"""WITH asked(m) AS ({_ASKED})
SELECT title, url, site, published_date, published, snippet FROM (
  SELECT a.title, a.url, a.site, a.published_date, {_local("a")} AS published,
         snippet(articles_fts, 1, '[', ']', '…', 24) AS snippet, articles_fts.rank AS r
  FROM asked JOIN articles_fts ON articles_fts MATCH asked.m JOIN articles a ON a.rowid = articles_fts.rowid
  WHERE {_ANY_DAY_CHOSEN}
  UNION ALL
  SELECT 'At most 64 words can be searched at once; this search has ' || {_WORDS} || '.', NULL, NULL, NULL, NULL,
         NULL, 0 WHERE {_WORDS} > 64)
ORDER BY r LIMIT 50""",
    note="Every word you type must appear (each is searched as a word; quotes and operators are taken as plain "
    "text), at most 64 words, as in crawler search; the dashboard's filters apply (empty: none). For AND/OR/NOT, "
    "phrases and prefix* use crawler search.",
)


def chart_queries() -> dict[str, dict[str, Any]]:
    return {chart.name: chart.query() for chart in (*CHARTS, SEARCH)}


FILTER_CHOICES = {
    "sites": "SELECT DISTINCT site FROM crawl_runs ORDER BY site",
    "topics": "SELECT DISTINCT topic FROM article_topics ORDER BY topic",
    "newest": "SELECT MAX(published_date) FROM articles",
}
PROVINCE_CHOICES = tuple(sorted(PROVINCES))  # every province the place finder knows
