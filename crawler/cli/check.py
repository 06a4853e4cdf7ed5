"""``crawler check SITE``: does Pantau work on this site today? A diagnostic that changes nothing.

It runs the site's real spider (discovery, politeness, extraction) on the live site or a mirror,
with the store pipeline replaced by a collector and at most ``sample`` article pages fetched, then
reports: each entry point (status, article URLs found, newest date), each field of the sampled
articles (share found, which extraction layer gave it, an example), the profile selectors that
matched nothing on any sampled page, and a verdict per field.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from parsel import Selector
from scrapy import signals

from crawler.extraction.decode import decode_html
from crawler.extraction.selecting import query
from crawler.items import Article, Reject
from crawler.sites.profile import SELECTOR_FIELDS, SiteProfile

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

    from crawler.fetch.spider import NewsSpider

FIELDS = ("title", "published", "authors", "editor", "location", "body", "image", "tags", "category")
CORE = ("title", "published", "body")
OK_SHARE = 0.8


class CollectPipeline:
    """Keeps the articles and rejects of a check in memory; writes nothing."""

    def __init__(self) -> None:
        self.articles: list[Article] = []
        self.rejects: list[Reject] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CollectPipeline:
        pipeline = cls()
        vars(crawler)["check_collector"] = pipeline  # read back by run_check
        return pipeline

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Article):
            self.articles.append(item)
        elif isinstance(item, Reject) and item.kind == "article":
            self.rejects.append(item)
        return item


def run_check(site: str, base_url: str | None, sample: int, *, settings_overrides: dict[str, Any]) -> dict[str, Any]:
    """Crawl ``sample`` article pages of ``site`` and return the report (see :func:`report`)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    with tempfile.TemporaryDirectory(prefix="pantau-check-") as scratch:
        overrides = {
            "DB_PATH": os.path.join(scratch, "none.db"),  # never created: every article counts as new
            "ITEM_PIPELINES": {
                "crawler.store.pipelines.ValidatePipeline": 100,
                "crawler.cli.check.CollectPipeline": 900,
            },
            "EXTRACT_WORKERS": 0,
            "LOG_LEVEL": "CRITICAL",
            "PROGRESS_INTERVAL": 0,
            "PAGE_ARCHIVE": False,
            **settings_overrides,
        }
        for key, value in overrides.items():
            settings.set(key, value, priority="cmdline")
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(site)
        pages: dict[str, bytes] = {}

        def keep(response: Response, request: Request, spider: NewsSpider) -> None:
            if not request.meta.get("entry") and len(pages) < sample:
                pages[spider.urls.public_url(response.url)] = response.body

        crawler.signals.connect(keep, signal=signals.response_received)
        arguments = {"max_items": str(sample), "refresh": "1", **({"base_url": base_url} if base_url else {})}
        process.crawl(crawler, **arguments)
        process.start()
    spider = cast("NewsSpider", crawler.spider)
    collector: CollectPipeline = vars(crawler)["check_collector"]  # set by the pipeline on its crawler
    return report(
        site,
        spider.profile,
        spider.entry_points,
        articles=collector.articles,
        rejects=collector.rejects,
        pages=pages,
    )


def report(
    site: str,
    profile: SiteProfile,
    entry_points: dict[str, dict[str, Any]],
    *,
    articles: list[Article],
    rejects: list[Reject],
    pages: dict[str, bytes],
) -> dict[str, Any]:
    sampled = len(articles) + len(rejects)
    unmatched = unmatched_selectors(profile, list(pages.values()))
    fields = {}
    for name in FIELDS:
        values = [(a, _value(a, name)) for a in articles]
        found = [(a, v) for a, v in values if v]
        layers = Counter(a.extracted_by.get(name, "-") for a, _ in found)
        share = len(found) / sampled if sampled else 0.0
        fields[name] = {
            "share": round(share, 3),
            "layers": dict(layers.most_common()),
            "example": _shorten(found[0][1]) if found else None,
            "ok": share >= OK_SHARE,
        }
    return {
        "site": site,
        "entry_points": [{"url": url, **info} for url, info in entry_points.items()],
        "sampled": sampled,
        "dropped": dict(Counter(r.reason for r in rejects)),
        "fields": fields,
        "unmatched_selectors": unmatched,
        # fields for which no profile selector matched on any page: the profile's layer failed for
        # them (a changed layout), even where another layer still found the field
        "profile_failed": [name for name, none in unmatched.items() if len(none) == len(getattr(profile, name))],
        "reachable": bool(pages) or any(_answered(e["status"]) for e in entry_points.values()),
        "ok": sampled > 0 and all(fields[name]["ok"] for name in CORE),
    }


def _answered(status: str) -> bool:
    """The server answered (with a page or an HTTP error), as opposed to not at all."""
    return status == "ok" or status[:1].isdigit() or status.startswith(("http-", "bad-", "empty-", "too-"))


def unmatched_selectors(profile: SiteProfile, pages: list[bytes]) -> dict[str, list[str]]:
    """Profile selectors (by field) that matched nothing on any of the pages."""
    trees = []
    for body in pages:
        try:
            trees.append(Selector(text=decode_html(body)))
        except Exception:  # noqa: BLE001 - a page that does not decode matches nothing
            continue
    missing: dict[str, list[str]] = {}
    for name in SELECTOR_FIELDS:
        if name == "next_page":
            continue
        for selector in getattr(profile, name):
            if trees and not any(query(tree, selector) for tree in trees):
                missing.setdefault(name, []).append(selector)
    return missing


def _value(article: Article, name: str) -> Any:
    if name == "published":
        return article.published_at or article.published_date
    if name == "image":
        return article.image_url
    if name == "body":
        return article.body if article.word_count >= 80 else None
    return getattr(article, name)


def _shorten(value: Any, width: int = 60) -> str:
    text = ", ".join(value) if isinstance(value, list) else " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_report(data: dict[str, Any]) -> str:
    """The report as text; a site that could not be reached at all is the verdict and why alone
    (a table of 0 % would say nothing more)."""
    if not data.get("reachable", True):
        return f"{data['site']}: {verdict_of(data)}"
    lines = [f"{data['site']}: entry points"]
    lines.append(f"  {'kind':<8} {'status':<18} {'articles':>8}  {'newest':<20} url")
    for e in data["entry_points"]:
        newest = (e.get("newest") or "-")[:19]
        where = e["url"] + (f"  (fetched: {e['fetched']})" if e.get("fetched") else "")
        lines.append(f"  {e['kind']:<8} {e['status']:<18} {e['articles']:>8}  {newest:<20} {where}")
    dropped = ", ".join(f"{k} {v}" for k, v in sorted(data["dropped"].items()))
    lines += ["", f"{data['sampled']} article page(s) sampled" + (f" (dropped: {dropped})" if dropped else "")]
    lines.append(f"  {'field':<10} {'share':>6}  {'verdict':<7} {'from':<24} example")
    for name, f in data["fields"].items():
        layers = ", ".join(f"{k} {v}" for k, v in f["layers"].items()) or "-"
        verdict = "ok" if f["ok"] else "MISSING" if name in CORE else "low"
        lines.append(f"  {name:<10} {f['share']:>6.0%}  {verdict:<7} {layers:<24} {f['example'] or ''}")
    lines += _selector_lines(data)
    lines += ["", f"verdict: {verdict_of(data)}"]
    return "\n".join(lines)


def verdict_of(data: dict[str, Any]) -> str:
    if not data.get("reachable", True):
        points = data["entry_points"]
        statuses = ", ".join(f"{status} {n}" for status, n in Counter(e["status"] for e in points).most_common())
        hosts = sorted({urlsplit(e.get("fetched") or e["url"]).netloc for e in points})
        why = f"none of its {len(points)} entry points answered ({statuses}) at {', '.join(hosts)}" if points else ""
        return f"unreachable: {why or 'no page of the site could be fetched'}: network, DNS or --base-url?"
    return "title, date and body found: OK" if data["ok"] else "title, date or body missing: needs attention"


def _selector_lines(data: dict[str, Any]) -> list[str]:
    """Selectors that matched nothing: listed for a field where none of the profile's selectors
    matched (the profile's layer failed: a changed layout?); where another of them matched, they are
    fallbacks that were not needed, counted in one line."""
    failed = data.get("profile_failed", [])
    lines = ["", "Profile selectors that matched nothing on any sampled page (none of the field's matched):"]
    lines += [f"  {name}: {s}" for name in failed for s in data["unmatched_selectors"][name]]
    spare = sum(len(v) for name, v in data["unmatched_selectors"].items() if name not in failed)
    if spare:
        lines += [
            "",
            f"{spare} other selector(s) matched nothing: fallbacks, not needed where another of their "
            "field matched (--format json lists them)",
        ]
    return lines if failed else lines[2:]
