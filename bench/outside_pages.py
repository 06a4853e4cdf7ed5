"""Field accuracy on real pages that are not in this repository, beside trafilatura's in the same
run: the rules of the generic layers were written from the pages in ``tests/data``; these pages
say whether they hold on pages nobody here has read.

Two sets ship in other projects' source releases on PyPI (the one network this project's machines
reach), fetched once by ``pip download`` into ``PANTAU_BENCH_CACHE`` (default
``~/.cache/pantau-bench``):

- htmldate 1.4.0's ``tests/cache/``: pages of German, French and English news sites, blogs and
  institutions; the expected dates are htmldate's evaluation data (``outside/htmldate_eval.tsv``).
  htmldate, and so trafilatura, was tuned on them: a lead there is hard to get.
- newspaper4k 0.9.6's ``tests/data/``: news pages in eight languages with the title,
  publication date and text its tests check (the text is newspaper's own output, checked by its
  tests; its author lists hold share buttons' and sections' names, so authors are not scored).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

from bench.real_pages import mean_score, pantau_record, trafilatura_record
from crawler.extraction.metrics import body_pr, f1
from testkit.real_pages import fold_title, postlight_day

RELEASES = {"htmldate": "1.4.0", "newspaper4k": "0.9.6"}
HTMLDATE_TRUTH = Path(__file__).resolve().parent / "outside" / "htmldate_eval.tsv"
# htmldate's tests name each cached page's URL in one dict: ``"https://...": "file.html",``
_MOCK_PAGE = re.compile(r'^\s*"(https?://[^"]+)":\s*"([^"]+)",?\s*$', re.M)


def cache_dir() -> Path:
    return Path(os.environ.get("PANTAU_BENCH_CACHE") or Path.home() / ".cache" / "pantau-bench")


def release(name: str) -> Path:
    """The unpacked source release of ``name`` (:data:`RELEASES`), fetched from PyPI the first time."""
    version = RELEASES[name]
    unpacked = cache_dir() / f"{name}-{version}"
    if unpacked.is_dir():
        return unpacked
    cache_dir().mkdir(parents=True, exist_ok=True)
    fetched = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
        + [f"{name}=={version}", "--dest", str(cache_dir())],
        capture_output=True,
        text=True,
        check=False,
    )
    archive = cache_dir() / f"{name}-{version}.tar.gz"
    if fetched.returncode != 0 or not archive.exists():
        raise RuntimeError(f"could not fetch {name} {version} from PyPI: {fetched.stderr.strip()[-300:]}")
    with tarfile.open(archive) as tar:
        tests = [m for m in tar.getmembers() if "/tests/" in m.name]
        # the "data" filter (no links out of the folder, no devices) where this Python has it (3.11.4+)
        tar.extractall(cache_dir(), members=tests, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    return unpacked


def htmldate_pages() -> list[tuple[bytes, dict[str, Any]]]:
    tests = release("htmldate") / "tests"
    urls = {file: url for url, file in _MOCK_PAGE.findall((tests / "unit_tests.py").read_text(encoding="utf-8"))}
    pages = []
    for line in HTMLDATE_TRUTH.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            file, day = line.split("\t")
            expected = {"url": urls[file], "date": day, "title": None, "body": None}
            pages.append(((tests / "cache" / file).read_bytes(), expected))
    return pages


def newspaper4k_pages() -> list[tuple[bytes, dict[str, Any]]]:
    data = release("newspaper4k") / "tests" / "data"
    pages = []
    for meta in sorted((data / "metadata").glob("*.json")):
        expected = json.loads(meta.read_text(encoding="utf-8"))
        html = (data / "html" / f"{meta.stem}.html").read_bytes()
        url = expected.get("url") or expected.get("canonical_link") or f"https://example.com/{meta.stem}"
        text = data / "txt" / f"{meta.stem}.txt"
        body = text.read_text(encoding="utf-8") if text.exists() else expected.get("text")
        fields = {"url": url, "date": expected.get("publish_date"), "title": expected.get("title"), "body": body}
        pages.append((html, fields))
    return pages


def score(pages: list[tuple[bytes, dict[str, Any]]]) -> dict[str, dict[str, float | int]]:
    """Per extractor: the title, the publication's calendar day and the body (shingle F1, as on the
    pages in the repository), each where the page's expected values have it."""
    result = {}
    for name, extract in (("pantau", pantau_record), ("trafilatura", trafilatura_record)):
        title, day, precision, recall = [], [], [], []
        for html, expected in pages:
            got = extract(html, expected["url"])
            if expected["title"]:
                title.append(fold_title(got["title"]) == fold_title(expected["title"]))
            if expected["date"]:
                day.append(postlight_day(str(expected["date"]), got["published_at"], got["published_date"]))
            if expected["body"] and expected["body"].strip():
                p, r = body_pr(expected["body"], got["body"])
                precision.append(p)
                recall.append(r)
        result[name] = {"date_same_day": mean_score(day), "date_pages": len(day), "pages": len(pages)}
        if title:
            result[name] |= {"title": mean_score(title), "title_pages": len(title)}
        if precision:
            p, r = statistics.fmean(precision), statistics.fmean(recall)
            result[name] |= {"body_f1": round(f1(p, r), 3), "body_pages": len(precision)}
    return result


def bench_outside_pages() -> dict[str, Any]:
    htmldate = score(htmldate_pages())
    newspaper = score(newspaper4k_pages())
    sets = (htmldate, newspaper)
    return {
        "outside_pages_htmldate": htmldate,
        "outside_pages_newspaper4k": newspaper,
        "outside_date_lead_min": round(
            min(s["pantau"]["date_same_day"] - s["trafilatura"]["date_same_day"] for s in sets), 3
        ),
        "outside_title_lead": round(newspaper["pantau"]["title"] - newspaper["trafilatura"]["title"], 3),
        "outside_body_lead": round(newspaper["pantau"]["body_f1"] - newspaper["trafilatura"]["body_f1"], 3),
    }
