"""What one crawl of a site did, counted as items pass the store pipeline, and the ``crawl_runs``
row made of it: outcomes, drops per reason, failed entry points, field coverage, and which
extraction layer gave each field (a layout change shows there first). Plain Python, no I/O."""

from __future__ import annotations

from collections import Counter
from typing import Any

from crawler.items import Article, Reject

# Why a fetched article page gave no article: with the stored ones, the pages that coverage counts.
PAGE_FAILURES = frozenset(
    {"no-title", "short-body", "no-article", "empty", "not-html", "extraction-error", "extraction-crash", "store-error"}
)
PROVENANCE_FIELDS = ("title", "published", "body", "authors")


class RunTally:
    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()  # new / updated / unchanged / duplicate
        self.dropped: Counter[str] = Counter()
        self.entry_failures: Counter[str] = Counter()
        self.coverage: Counter[str] = Counter()
        self.layers: Counter[str] = Counter()  # "body:profile" -> stored items whose body came from it

    def article(self, item: Article) -> None:
        """An article on its way to storage: which fields it has, and where each came from."""
        for name in ("title", "published_date", "authors"):
            if getattr(item, name):
                self.coverage[name] += 1
        if item.word_count >= 80:
            self.coverage["body_80_words"] += 1
        for field in PROVENANCE_FIELDS:
            if layer := item.extracted_by.get(field):
                self.layers[f"{field}:{layer}"] += 1
        self.coverage["items"] += 1
        self.coverage["pages"] += 1

    def reject(self, reject: Reject) -> None:
        if reject.kind == "article":
            self.dropped[reject.reason] += 1
            if reject.reason in PAGE_FAILURES:
                self.coverage["pages"] += 1
        else:
            self.entry_failures[f"{reject.kind} {reject.reason}"] += 1

    def stored(self, outcomes: list[str]) -> None:
        """What storage made of a batch (``store-error``: an article the database refused)."""
        for outcome in outcomes:
            if outcome == "store-error":
                self.coverage["items"] -= 1  # counted as a stored item when it arrived
                self.dropped[outcome] += 1
            else:
                self.outcomes[outcome] += 1

    def record(self, reason: str, stats: dict[str, Any], failure: str | None) -> dict[str, Any]:
        """The ``crawl_runs`` fields of the run, from this tally and Scrapy's stats."""
        # imported here: the extraction's field table costs 0.7 s to import, which a command that
        # crawls nothing ("no site is due") should not pay at start-up
        from crawler.extraction.fields import layer_order

        pages = self.coverage.get("pages", 0)
        coverage = {k: round(v / pages, 3) for k, v in self.coverage.items() if k not in ("items", "pages") and pages}
        status = _status(reason, stats.get("response_received_count", 0), stats.get("pantau/entry_ok", 0))
        if failure:
            status = "failed"
        refused = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("pantau/refused/")}
        items = max(self.coverage.get("items", 0), 0)
        return dict(
            status=status,
            finish_reason=reason,
            requests=stats.get("downloader/request_count", 0),
            responses=stats.get("response_received_count", 0),
            new=self.outcomes["new"],
            updated=self.outcomes["updated"],
            unchanged=self.outcomes["unchanged"],
            duplicates=self.outcomes["duplicate"],
            skipped=stats.get("pantau/skipped_known", 0),
            not_modified=stats.get("pantau/not_modified", 0) + stats.get("pantau/unchanged_body", 0),
            dropped=sum(self.dropped.values()),
            errors=failed_requests(stats),
            dropped_reasons=dict(self.dropped),
            entry_failures=dict(self.entry_failures),
            refused=refused,
            coverage=coverage
            | {
                "items": items,
                "pages": pages,
                "layers": _layer_shares(self.layers, items),
                "layer_order": layer_order(),
            },
            error=(failure or stats.get("pantau/site_error")) if status == "failed" else None,
        )


def failed_requests(stats: dict[str, Any]) -> int:
    """Requests of this crawler that got no answer (timeouts, refused, reset, DNS) or a server
    error (5xx, 429), retries included as the request count includes them. Read from the
    crawler's own downloader stats, never from the log: in a process crawling several sites,
    Scrapy counts every site's ERROR lines in every crawler's ``log_count/ERROR``. Each request
    ends in one answer or one exception, so this is never more than the request count."""
    answered_badly = sum(
        count
        for key, count in stats.items()
        if key.startswith("downloader/response_status_count/") and _server_error(key.rsplit("/", 1)[1])
    )
    return stats.get("downloader/exception_count", 0) + answered_badly


def _server_error(code: str) -> bool:
    return code.isdigit() and (int(code) >= 500 or int(code) == 429)


def _layer_shares(layers: Counter[str], items: int) -> dict[str, dict[str, float]]:
    """{"body": {"profile": 0.9, "generic": 0.1}, ...}: each field's share of stored items per layer."""
    shares: dict[str, dict[str, float]] = {}
    for key, n in sorted(layers.items()):
        field, _, layer = key.partition(":")
        shares.setdefault(field, {})[layer] = round(n / items, 3) if items else 0.0
    return shares


def _status(finish_reason: str, responses: int, entry_points_read: int) -> str:
    if finish_reason in ("shutdown", "cancelled"):
        return "interrupted"
    if responses == 0 or entry_points_read == 0:
        return "failed"
    return "finished"
