"""The database's shape as data: the full-text index's settings, the first columns of ``articles``
and the views people query. The numbered migrations that build it are :mod:`crawler.store.migrations`;
the check and repair of what they create, :mod:`crawler.store.schema_check`.
"""

from __future__ import annotations

from datetime import UTC, datetime

FTS_TOKENIZE = "unicode61 remove_diacritics 2"  # accents and case do not count in search
# Prefix lengths FTS5 indexes: a short prefix (``pem*``) expands to thousands of words, and without
# its own index FTS5 merges all their lists (159 ms at 1M articles for a 4-letter prefix); longer
# prefixes expand to few words. Costs index size and write time (bench/run.py measures both).
FTS_PREFIX = "3 4"
# Columns of ``articles`` created by the first migration.
ARTICLE_COLUMNS: dict[str, type] = {
    "id": str,
    "url": str,
    "url_key": str,
    "site": str,
    "title": str,
    "published_at": str,
    "published_date": str,
    "published_raw": str,
    "modified_at": str,
    "authors": str,
    "editor": str,
    "location": str,
    "category": str,
    "tags": str,
    "image_url": str,
    "image_caption": str,
    "description": str,
    "body": str,
    "word_count": int,
    "language": str,
    "views": int,
    "content_hash": str,
    "first_seen_at": str,
    "last_seen_at": str,
    "fetched_at": str,
    "sitemap_lastmod": str,
    "extracted_by": str,
    "run_id": int,
}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


VIEWS = {
    "topic_matches": """
        SELECT t.topic, a.published_date, a.published_at, a.site, a.location, a.title, a.url, t.terms,
               t.snippet, a.story_id, a.id AS article_id
        FROM article_topics t JOIN articles a ON a.id = t.article_id""",
    "story_clusters": """
        SELECT story_id, COUNT(*) AS articles, COUNT(DISTINCT site) AS sites,
               GROUP_CONCAT(site, ', ') AS site_list, MIN(published_date) AS first_published,
               MIN(first_seen_at) AS first_seen_at, MAX(title) AS title
        FROM articles GROUP BY story_id HAVING COUNT(DISTINCT site) > 1""",
    "article_changes": """
        SELECT v.article_id, a.site, a.url, v.title AS previous_title, a.title AS current_title,
               v.published_at AS previous_published_at, a.published_at AS current_published_at,
               v.content_hash AS previous_hash, a.content_hash AS current_hash, v.replaced_at AS changed_at
        FROM article_versions v JOIN articles a ON a.id = v.article_id""",
    "articles_per_region_week": """
        SELECT json_extract(p.value, '$.name') AS region, json_extract(p.value, '$.province') AS province,
               strftime('%Y-W%W', a.published_date) AS week, COUNT(*) AS articles
        FROM articles a, json_each(a.places) p WHERE a.published_date IS NOT NULL
        GROUP BY region, province, week""",
    "crawl_health": """
        SELECT id, site, started_at, status, new, updated, dropped,
               json_extract(coverage, '$.title') AS title_share,
               json_extract(coverage, '$.published_date') AS date_share,
               json_extract(coverage, '$.body_80_words') AS body_share,
               json_extract(coverage, '$.authors') AS author_share, warnings
        FROM crawl_runs""",
}
