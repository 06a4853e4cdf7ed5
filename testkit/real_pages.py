"""Real news pages with their ground truth, and how a field found on them is compared with it: what
the tests (which hold the generic layers at their measured levels) and the benchmark (which sets
Pantau beside trafilatura on them) both read.

- ``tests/data/fundus-pages/``: 131 pages of 91 publishers in 31 countries with the fields Fundus's
  hand-written parsers give (title, authors, publication time, body);
- ``tests/data/article-extraction-benchmark/``: 91 pages with their hand-made body;
- ``tests/data/postlight-pages/``: 70 article pages of 70 mostly US and Japanese sites with the
  title, authors, date and body opening that the Postlight parser's per-site tests check (only the
  fields a page's test checks are scored; its 5 pages that are no article are left out).

Scored as the data's READMEs say: title equal after case and whitespace folding (zero-width
characters, which one expected title ends with, count as none; a curly quote is a straight one); the date the same day in the page's
offset, and the same instant (within 60 s) on the pages whose expected date has a time; authors as
the F1 of the case-folded name sets; the body with the article-extraction benchmark's metric
(4-token shingles of ``\\w+`` tokens as multisets; precision and recall per page, averaged over
pages; F1 of the averages). Both sides of every comparison are in Unicode's composed form (NFC):
a page written decomposed is the same text.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNDUS = ROOT / "tests" / "data" / "fundus-pages"
BENCHMARK = ROOT / "tests" / "data" / "article-extraction-benchmark"
POSTLIGHT = ROOT / "tests" / "data" / "postlight-pages"
POSTLIGHT_FIELDS = ("title", "authors", "date", "body_prefix")  # scored where a page's test checks them


def fundus_pages() -> list[tuple[bytes, dict[str, Any]]]:
    """(page, expected) for every page: a publisher's pages and its parser versions, both in time
    order, pair up one to one."""
    found = []
    for country in sorted(p for p in FUNDUS.iterdir() if p.is_dir()):
        meta = json.loads((country / "meta.info").read_text(encoding="utf-8"))
        for expected_file in sorted(country.glob("*.json")):
            publisher = expected_file.stem
            versions = list(json.loads(expected_file.read_text(encoding="utf-8")).values())
            pages = sorted(name for name in meta if name.rsplit("_", 3)[0] == publisher)
            for name, expected in zip(pages, versions, strict=False):
                found.append((gzip.decompress((country / name).read_bytes()), {**expected, "url": meta[name]["url"]}))
    return found


def benchmark_pages() -> list[tuple[bytes, dict[str, Any]]]:
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text())
    return [
        (
            gzip.decompress((BENCHMARK / "html" / f"{key}.html.gz").read_bytes()),
            {"url": t["url"], "body": t["articleBody"]},
        )
        for key, t in sorted(truth.items())
    ]


# The Postlight copies were saved after the parser had rewritten every meta tag's ``content`` as
# ``value`` (its own normalisation, which no browser or other extractor reads): they are read as the
# sites served them, ``content`` put back. Read as saved, no extractor sees og:title, the
# article:published_time or the author tags: titles scored as if pages had no social headline.
_REWRITTEN_META = re.compile(rb"(<meta\b[^>]*?\s)value=", re.I)


def postlight_pages() -> list[tuple[bytes, dict[str, Any]]]:
    """(page, expected) for every article page, as served (:data:`_REWRITTEN_META`), with only the
    fields its test checks."""
    found = []
    for line in (POSTLIGHT / "expected.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["kind"] != "article":
            continue
        checked = set(row["annotated"])
        expected = {"url": row["url"]}
        expected |= {field: row[field] if field in checked else None for field in POSTLIGHT_FIELDS}
        found.append((_REWRITTEN_META.sub(rb"\1content=", (POSTLIGHT / row["file"]).read_bytes()), expected))
    return found


def postlight_day(expected: str, found_at: str | None, found_day: str | None) -> bool:
    """The same calendar day: the expected value is a UTC instant from the parser's own zone
    handling (or a bare day), so a found time matches when its day in UTC or its day as the page
    wrote it is the expected day (the data's README: compare the calendar day)."""
    want = expected[:10]
    got = _moment(found_at)
    days = {(found_day or "")[:10], (found_at or "")[:10]}
    if got is not None and got.tzinfo is not None:
        days.add(got.astimezone(UTC).date().isoformat())
    return want in days


def postlight_instant(expected: str, found_at: str | None) -> bool | None:
    """Within 60 s of the expected instant (None where it is a day, not an instant)."""
    want, got = _moment(expected.replace("Z", "+00:00")), _moment(found_at)
    if want is None or want.tzinfo is None:
        return None
    return got is not None and got.tzinfo is not None and abs((got - want).total_seconds()) <= 60


def prefix_score(expected: str, body: str) -> bool:
    """The body opens with the expected words (case, whitespace and punctuation folded)."""
    want = _words(expected)
    return bool(want) and _words(body)[: len(want)] == want


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold())


def fundus_body(expected: dict[str, Any]) -> str:
    body = expected.get("body") or {}
    parts = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    return "\n".join(parts)


# zero-width spaces and joiners are no characters; curly quotes are straight ones typeset
_FOLDED = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"", "\u200b\u200c\u200d\u2060\ufeff")


def fold_title(text: str | None) -> str:
    """A title as compared: case, whitespace, quote shapes, invisible characters and Unicode's
    composition folded."""
    return " ".join(unicodedata.normalize("NFC", text or "").translate(_FOLDED).casefold().split())


def authors_f1(expected: list[str], got: list[str]) -> float:
    want, have = {fold_title(a) for a in expected if a.strip()}, {fold_title(a) for a in got if a.strip()}
    if not want and not have:
        return 1.0
    hit = len(want & have)
    return 0.0 if not hit else 2 * hit / (len(want) + len(have))


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    text = text.strip()
    if re.fullmatch(r".*[+-]\d{4}", text):
        text = text[:-2] + ":" + text[-2:]
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def date_scores(expected: str | None, found_at: str | None, found_day: str | None) -> tuple[bool, bool | None]:
    """(the same day in the page's offset, the same instant within 60 s; None where the expected
    date names no instant: it has no offset, so it is a bare day or a local time in an unknown zone,
    and only its day is compared, with the day of the found time in its own offset)."""
    want = _moment(expected)
    if want is None:
        return False, None
    if want.tzinfo is None:
        got = _moment(found_at)
        day = got.date().isoformat() if got is not None else (found_day or "")[:10]
        return day == want.date().isoformat(), None
    got = _moment(found_at)
    if got is not None and got.tzinfo is not None and want.tzinfo is not None:
        same_day = got.astimezone(want.tzinfo).date() == want.date()
        return same_day, abs((got - want).total_seconds()) <= 60
    day = (found_at or found_day or "")[:10]
    return day == want.date().isoformat(), False
