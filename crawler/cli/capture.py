"""Real pages as tests: ``crawler capture`` saves a live page exactly as served, with a draft of
the record the current code extracts; a reviewer corrects the draft and marks it reviewed; the test
suite then checks every capture on every change (tests/test_captures.py).

A capture is two files under ``fixtures/<site>/captured/``: ``<name>.html.gz`` (the bytes as served,
gzip-compressed) and ``<name>.json``::

    {"url": final URL, "fetched_at": ..., "headers": {...}, "reviewed": false,
     "expected": {"title": ..., "published_at": ..., "body": ..., ...}}

A page of the demo or of a served site copy is a reconstruction, not the live site: it is refused
unless ``--allow-copy``, and then its record says where it came from (``"copy": ...``).
"""

from __future__ import annotations

import gzip
import hashlib
import ipaddress
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler import settings
from crawler.enrichment.enrich import page_record
from crawler.enrichment.topics import load_topics
from crawler.extraction.metrics import page_f1
from crawler.items import Reject
from crawler.sites.profile import SiteProfile

FIELDS = (
    "title",
    "published_at",
    "published_date",
    "authors",
    "editor",
    "source",
    "location",
    "category",
    "tags",
    "image_url",
    "body",
)
BODY_F1_MIN = 0.95
MIN_WORDS = 80


def copy_origin(fetched_from: str, bundled: Path) -> str | None:
    """Why a page is a copy and not the live site's, or None. The demo and ``crawler serve-copy``
    serve the bundled reconstructions on this machine, so a page fetched from a loopback address
    (or kept by a crawl that fetched it there) is one; so is a file of the bundled copies."""
    if fetched_from.startswith(("http://", "https://")):
        host = urlsplit(fetched_from).hostname or ""
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if loopback:
            return f"fetched from {fetched_from}, a copy served on this machine (the demo or serve-copy)"
        return None
    if Path(fetched_from).resolve().is_relative_to(bundled.resolve()):
        return f"a file of the bundled site copies ({bundled})"
    return None


def capture_name(url: str) -> str:
    """A file name for a capture: the URL's last path segment, and a short hash of the whole URL."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    slug = re.sub(r"[^a-z0-9-]+", "-", (parts[-1] if parts else "home").lower()).strip("-")[:60] or "page"
    return f"{slug}-{hashlib.sha1(url.encode()).hexdigest()[:8]}"


class CaptureReviewed(ValueError):
    """The page is already captured and its record reviewed: replacing it needs ``--force``."""


def save_capture(
    directory: Path,
    url: str,
    body: bytes,
    *,
    headers: dict[str, str],
    profile: SiteProfile | None,
    force: bool = False,
    fetched_at: datetime | None = None,
    copy: str | None = None,
) -> Path:
    """Write the page and its draft record; returns the record's path. A reviewed capture of the
    same URL is refused (:class:`CaptureReviewed`) unless ``force``; then its page and reviewed
    record are kept beside the new ones (``.previous``), never lost."""
    directory.mkdir(parents=True, exist_ok=True)
    name = capture_name(url)
    path, page = directory / f"{name}.json", directory / f"{name}.html.gz"
    if path.exists() and _reviewed(path):
        if not force:
            raise CaptureReviewed(
                f"{path} is already captured and reviewed; --force captures it again "
                f"(the reviewed record is kept as {path.name}.previous)"
            )
        for old in (path, page):
            if old.exists():
                old.replace(old.with_name(old.name + ".previous"))
    page.write_bytes(gzip.compress(body, mtime=0))
    record = {
        "url": url,
        "fetched_at": (fetched_at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
        "headers": headers,
        "reviewed": False,
        **({"copy": copy} if copy else {}),
        "expected": extracted(body, url, headers.get("Content-Type"), profile=profile),
    }
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _reviewed(path: Path) -> bool:
    """Whether a capture record is marked reviewed (a record that cannot be read counts as
    reviewed: it is not replaced without --force)."""
    try:
        return bool(json.loads(path.read_text(encoding="utf-8")).get("reviewed", True))
    except (OSError, ValueError, AttributeError):
        return True


def extracted(body: bytes, url: str, content_type: str | None, *, profile: SiteProfile | None) -> dict[str, Any]:
    """The fields the current code extracts from a page (an ``error`` key when it extracts nothing)."""
    article = page_record(
        body, content_type, url, profile=profile, topics=load_topics(), min_words=settings.ARTICLE_MIN_WORDS
    )
    if isinstance(article, Reject):  # what a crawl would not store either
        return {"error": f"{article.reason}: {article.detail}"}
    record = article.to_dict()
    return {name: record[name] for name in FIELDS}


def recheck(record_path: Path, profile: SiteProfile | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(expected, what the current code extracts now) for one capture."""
    record = json.loads(record_path.read_text(encoding="utf-8"))
    body = gzip.decompress(record_path.with_name(record_path.name.removesuffix(".json") + ".html.gz").read_bytes())
    return record, extracted(body, record["url"], record.get("headers", {}).get("Content-Type"), profile=profile)


def problems(record: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What is wrong with today's extraction of a capture: for a reviewed one, every field differing
    from the reviewed record (the body by shingle F1, :mod:`crawler.extraction.metrics`); for a
    draft, no error, a title, a date and a body of 80+ words."""
    if "error" in now:
        return [f"extraction failed: {now['error']}"]
    if not record.get("reviewed"):
        found = [f for f in ("title", "published_date") if not now.get(f)]
        words = len(re.findall(r"\w+", now.get("body") or ""))
        return [f"no {f}" for f in found] + ([f"body of {words} words"] if words < MIN_WORDS else [])
    expected = record["expected"]
    issues = []
    for name in FIELDS:
        if name not in expected:
            continue
        if name == "body":
            score = page_f1(expected["body"], now.get("body"))
            if score < BODY_F1_MIN:
                issues.append(f"body: F1 {score:.3f} < {BODY_F1_MIN}")
        elif expected[name] != now.get(name):
            issues.append(f"{name}: expected {expected[name]!r}, got {now.get(name)!r}")
    return issues


def all_captures(fixtures: Path) -> list[Path]:
    return sorted(fixtures.glob("*/captured/*.json"))
