"""Extraction and date parsing, beside trafilatura and dateparser on the same pages and strings."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial

from bench.common import FIXTURES, ROOT, ROUNDS, timed
from bench.real_pages import trafilatura_record
from crawler.extraction.dates import parse_date
from crawler.extraction.extract import extract_article
from crawler.extraction.metrics import page_f1
from crawler.sites.profile import SiteProfile
from crawler.sites.registry import profile_for_url, profiles

# ----------------------------------------------------------------------------- 1. extraction

FIELDS = ("title", "published_date", "published_at", "authors", "body")


def fixture_pages() -> list[tuple[bytes, dict]]:
    pages = []
    for expected in sorted(FIXTURES.glob("*/article-*.json")):
        pages.append((expected.with_suffix(".html").read_bytes(), json.loads(expected.read_text())))
    return pages


def benchmark_pages() -> list[tuple[bytes, dict]]:
    """The real news pages of tests/data (Zyte's benchmark subset) with their ground truth: body
    and URL only (no title or date in it)."""
    import gzip

    folder = ROOT / "tests" / "data" / "article-extraction-benchmark"
    truth = json.loads((folder / "ground-truth.json").read_text())
    return [
        (
            gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()),
            {"url": t["url"], "body": t["articleBody"]},
        )
        for key, t in sorted(truth.items())
    ]


def same_moment(expected: str | None, found: str | None) -> bool:
    """One instant (offsets compared); a time without offset counts when its wall time is the
    expected local time; a date alone never equals a time of day."""
    from datetime import datetime

    if not expected or not found:
        return expected == found
    try:
        want = datetime.fromisoformat(expected)
        got = datetime.fromisoformat(found.replace("+0000", "+00:00") if found.endswith("+0000") else found)
    except ValueError:
        return False
    if len(found) <= 10 or (got.hour, got.minute, got.second) == (0, 0, 0) and "T00:00:00" not in expected:
        return False
    if got.tzinfo is None:
        return got == want.replace(tzinfo=None)
    return got == want


def learnt_profiles() -> dict[str, SiteProfile]:
    """The bundled sites' profiles as ``crawler sites add`` learns them from their served copies
    (fixtures/sites), by the bundled profile's name: what a new site gets from the command."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from crawler.cli.localserver import LocalSite
    from crawler.sites.files import profile_from_file

    homes = {name: profile.home for name, profile in profiles().items() if (FIXTURES / "sites" / name).is_dir()}
    learnt = {}
    with tempfile.TemporaryDirectory() as folder:
        for site, home in homes.items():
            with LocalSite(FIXTURES / "sites" / site) as copy:
                subprocess.run(
                    [sys.executable, "-m", "crawler.cli.main", "sites", "add", home, "--name", f"{site}-learnt"]
                    + ["--base-url", copy.url, "--sites-dir", folder, "-s", "DOWNLOAD_DELAY=0"],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                )
            learnt[site] = profile_from_file(Path(folder) / f"{site}-learnt.toml")
    return learnt


def _speed(
    pages: list[tuple[bytes, dict]], total: int, profile_of: Callable[[str], SiteProfile | None]
) -> tuple[float, float, float]:
    """(ours, trafilatura default, trafilatura fast) pages/s over ``total`` pages. The three take
    turns, one pass over the pages each, the one to start changing every turn: a slow spell of
    this shared machine falls on all three alike (timed a thousand pages apart, the ratio moved by
    10-20 % between runs), and each runs on caches warm with its own work, as in a crawl's helper
    (page by page, each engine slows the next by 0.5 ms a page). Best of ROUNDS."""
    import trafilatura

    profiles = {exp["url"]: profile_of(exp["url"]) for _, exp in pages}

    def ours() -> object:
        return [extract_article(html, exp["url"], profiles[exp["url"]]) for html, exp in pages]

    def theirs(fast: bool = False) -> object:
        return [
            trafilatura.extract(
                html.decode("utf-8", "replace"), output_format="json", with_metadata=True, url=exp["url"], fast=fast
            )
            for html, exp in pages
        ]

    engines = [ours, theirs, partial(theirs, fast=True)]
    turns = max(1, round(total / len(pages)))
    best = [float("inf")] * len(engines)
    for _ in range(ROUNDS):
        took = [0.0] * len(engines)
        for turn in range(turns):
            for i in [(turn + k) % len(engines) for k in range(len(engines))]:
                took[i] += timed(engines[i])[1]
        best = [min(b, t) for b, t in zip(best, took, strict=True)]
    done = turns * len(pages)
    return done / best[0], done / best[1], done / best[2]


def _accuracy(
    pages: list[tuple[bytes, dict]], fields: tuple[str, ...], profile_of: Callable[[str], SiteProfile | None]
) -> dict:
    score = {"pantau": dict.fromkeys(fields, 0.0), "trafilatura": dict.fromkeys(fields, 0.0)}
    for html, exp in pages:
        ours = extract_article(html, exp["url"], profile_of(exp["url"])).to_dict()
        for name, record in (("pantau", ours), ("trafilatura", trafilatura_record(html, exp["url"]))):
            for f in fields:
                if f == "body":
                    score[name][f] += page_f1(exp["body"], record[f] or "")
                elif f == "published_at":
                    score[name][f] += same_moment(exp.get(f), record.get(f))
                else:
                    score[name][f] += float(record.get(f) == exp.get(f))
    return {n: {f: round(v / len(pages), 3) for f, v in s.items()} for n, s in score.items()}


GENERIC_LAYERS = ("generic", "htmldate", "script")


def _through_learnt_selectors(html: bytes, url: str, learnt: dict[str, SiteProfile]) -> bool:
    """Whether a learnt file reads the page's title, date and body without the generic layers."""
    by = extract_article(html, url, learnt[profile_for_url(url).name]).extracted_by
    return all(by.get(field) not in GENERIC_LAYERS for field in ("title", "published", "body"))


def bench_extraction(total: int) -> dict:
    """Both paths: the fixture pages (the profile path: site profile, JSON-LD, meta) and the real
    benchmark pages (the generic path: no profile fits), each against trafilatura alone."""
    fixtures, real = fixture_pages(), benchmark_pages()
    ours, theirs, _ = _speed(fixtures, total, profile_for_url)
    ours_generic, theirs_generic, theirs_fast = _speed(real, max(len(real), total // 10), lambda url: None)
    learnt = learnt_profiles()
    ours_learnt, theirs_learnt, _ = _speed(fixtures, total, lambda url: learnt[profile_for_url(url).name])
    seen = [(html, exp) for html, exp in fixtures if _through_learnt_selectors(html, exp["url"], learnt)]
    ours_seen, theirs_seen, _ = _speed(seen, total, lambda url: learnt[profile_for_url(url).name])
    return {
        "extraction_pages": total,
        "extraction_pages_per_s": round(ours, 1),
        "trafilatura_pages_per_s": round(theirs, 1),
        "extraction_ratio": round(ours / theirs, 2),
        # the same pages through the files sites add learns from the copies, in a run of their own
        "extraction_learnt_pages_per_s": round(ours_learnt, 1),
        "extraction_ratio_learnt": round(ours_learnt / theirs_learnt, 2),
        # the pages of layouts the copies showed the learner: no field of title, date and body left
        # to the generic layers (the others are pages of older layouts the copies do not hold)
        "extraction_learnt_seen_layout_pages": len(seen),
        "extraction_learnt_seen_layout_pages_per_s": round(ours_seen, 1),
        "extraction_ratio_learnt_seen_layouts": round(ours_seen / theirs_seen, 2),
        "extraction_generic_pages": max(len(real), total // 10),
        "extraction_generic_pages_per_s": round(ours_generic, 1),
        "trafilatura_generic_pages_per_s": round(theirs_generic, 1),
        "extraction_ratio_generic": round(ours_generic / theirs_generic, 2),  # against trafilatura default
        "trafilatura_fast_generic_pages_per_s": round(theirs_fast, 1),
        # the generic path runs trafilatura's fast mode inside it: against that mode alone, what the rest costs
        "extraction_ratio_generic_vs_fast": round(ours_generic / theirs_fast, 2),
        "field_accuracy": _accuracy(fixtures, FIELDS, profile_for_url),
        "field_accuracy_learnt": _accuracy(fixtures, FIELDS, lambda url: learnt[profile_for_url(url).name]),
        "field_accuracy_real_pages": _accuracy(real, ("body",), lambda url: None),
    }


# ----------------------------------------------------------------------------- 2. dates


def fixture_date_strings() -> list[str]:
    from parsel import Selector

    found = []
    for html, exp in fixture_pages():
        sel = Selector(text=html.decode())
        found += [
            t.strip() for t in sel.css(".ray-main-single-metadata span:last-child::text, span.date::text").getall()
        ]
        byline = " ".join(sel.css(".date-detail ::text, .text-muted::text").getall()).replace("\xa0", " ")
        found += re.findall(r"\w+, \d{1,2} \w+ \d{4} \| \d{1,2}:\d{2} WIB", byline)
        found += re.findall(r"\w+ \(\d{1,2}/\d{1,2}/\d{4}\)", exp["body"])
        found += sel.xpath("//meta[@property='article:published_time']/@content").getall()
    return [f for f in found if f]


def bench_dates(rounds: int) -> dict:
    import dateparser

    strings = fixture_date_strings()
    work = strings * rounds
    ours, ours_s = timed(lambda: [parse_date(s) for s in work])
    ref = dateparser.parse  # plain, as users call it
    theirs, theirs_s = timed(lambda: [ref(s, languages=["id"]) for s in work])
    same = 0
    for a, b in zip(ours[: len(strings)], theirs[: len(strings)], strict=True):
        if a is None or b is None:
            same += a is None and b is None
            continue
        b_aware = b if b.tzinfo else b.replace(tzinfo=a.value.tzinfo)
        same += a.value.date() == b_aware.date() and (
            not a.has_time or a.value.replace(tzinfo=None) == b.replace(tzinfo=None) or a.value == b_aware
        )
    return {
        "date_strings": len(strings),
        "date_parses_per_s": round(len(work) / ours_s),
        "dateparser_parses_per_s": round(len(work) / theirs_s),
        "date_ratio": round(theirs_s / ours_s, 1),
        "date_results_identical": f"{same}/{len(strings)}",
    }
