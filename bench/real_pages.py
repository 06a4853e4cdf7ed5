"""Field accuracy of the generic path on real pages of publishers Pantau has no profile for, beside
trafilatura's on the same pages in the same run (the pages and how each field is compared:
:mod:`testkit.real_pages`)."""

from __future__ import annotations

import json
import statistics
from typing import Any

from crawler.extraction.metrics import body_pr, f1
from testkit.real_pages import (
    authors_f1,
    benchmark_pages,
    date_scores,
    fold_title,
    fundus_body,
    fundus_pages,
    postlight_day,
    postlight_instant,
    postlight_pages,
    prefix_score,
)


def pantau_record(html: bytes, url: str) -> dict[str, Any]:
    from crawler.extraction.decode import ExtractionError
    from crawler.extraction.extract import extract_article

    try:
        a = extract_article(html, url, None)
    except ExtractionError:
        return {"title": None, "authors": [], "published_at": None, "published_date": None, "body": ""}
    return {
        "title": a.title,
        "authors": a.authors,
        "published_at": a.published_at,
        "published_date": a.published_date,
        "body": a.body,
    }


def trafilatura_record(html: bytes, url: str) -> dict[str, Any]:
    """trafilatura's own output with its metadata (default mode), nothing hard-coded."""
    import trafilatura

    found = json.loads(
        trafilatura.extract(
            html.decode("utf-8", "replace"),
            output_format="json",
            with_metadata=True,
            url=url,
            date_extraction_params={"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True},
        )
        or "{}"
    )
    moment = found.get("date") or None
    return {
        "title": found.get("title"),
        "authors": [a.strip() for a in (found.get("author") or "").split(";") if a.strip()],
        "published_at": moment,
        "published_date": moment[:10] if moment else None,
        "body": found.get("text") or "",
    }


def score_postlight(pages: list[tuple[bytes, dict[str, Any]]]) -> dict[str, dict[str, float | int]]:
    result = {}
    for name, extract in (("pantau", pantau_record), ("trafilatura", trafilatura_record)):
        title, day, instant, authors, prefix = [], [], [], [], []
        for html, exp in pages:
            got = extract(html, exp["url"])
            if exp["title"]:
                title.append(fold_title(got["title"]) == fold_title(exp["title"]))
            if exp["authors"] is not None:
                authors.append(authors_f1(exp["authors"], got["authors"]))
            if exp["date"]:
                day.append(postlight_day(exp["date"], got["published_at"], got["published_date"]))
                if (same := postlight_instant(exp["date"], got["published_at"])) is not None:
                    instant.append(same)
            if exp["body_prefix"]:
                prefix.append(prefix_score(exp["body_prefix"], got["body"]))
        result[name] = {
            "title": mean_score(title),
            "authors_f1": mean_score(authors),
            "date_same_day": mean_score(day),
            "date_same_instant": mean_score(instant),
            "body_prefix": mean_score(prefix),
            "pages": len(pages),
            "date_pages": len(day),
            "instant_pages": len(instant),
        }
    return result


def score(pages: list[tuple[bytes, dict[str, Any]]], fundus: bool) -> dict[str, dict[str, float | int]]:
    """Per extractor: each field's score and the number of pages it was scored on."""
    result = {}
    for name, extract in (("pantau", pantau_record), ("trafilatura", trafilatura_record)):
        title, day, instant, authors, precision, recall = [], [], [], [], [], []
        for html, exp in pages:
            got = extract(html, exp["url"])
            p, r = body_pr(fundus_body(exp) if fundus else exp["body"], got["body"])
            precision.append(p)
            recall.append(r)
            if not fundus:
                continue
            if exp.get("title"):
                title.append(fold_title(got["title"]) == fold_title(exp["title"]))
            if exp.get("authors") is not None:
                authors.append(authors_f1(exp["authors"], got["authors"]))
            if exp.get("publishing_date"):
                same_day, same_instant = date_scores(exp["publishing_date"], got["published_at"], got["published_date"])
                day.append(same_day)
                if same_instant is not None:
                    instant.append(same_instant)
        p, r = statistics.fmean(precision), statistics.fmean(recall)
        fields: dict[str, float | int] = {
            "body_f1": round(f1(p, r), 3),
            "body_precision": round(p, 3),
            "body_recall": round(r, 3),
            "pages": len(pages),
        }
        if fundus:
            fields |= {
                "title": mean_score(title),
                "date_same_day": mean_score(day),
                "date_same_instant": mean_score(instant),
                "authors_f1": mean_score(authors),
                "title_pages": len(title),
                "date_pages": len(day),
                "instant_pages": len(instant),
            }
        result[name] = fields
    return result


def mean_score(values: list[Any]) -> float:
    """The mean of per-page scores (True counts 1), to three places; 0.0 for none."""
    return round(statistics.fmean(float(v) for v in values), 3) if values else 0.0


def bench_real_pages() -> dict[str, Any]:
    fundus = score(fundus_pages(), fundus=True)
    benchmark = score(benchmark_pages(), fundus=False)
    postlight = score_postlight(postlight_pages())
    sets = (fundus, postlight)  # the sets with titles and dates
    return {
        "real_pages_fundus": fundus,
        "real_pages_benchmark": benchmark,
        "real_pages_postlight": postlight,
        "real_body_f1": min(fundus["pantau"]["body_f1"], benchmark["pantau"]["body_f1"]),
        "real_body_f1_trafilatura": min(fundus["trafilatura"]["body_f1"], benchmark["trafilatura"]["body_f1"]),
        "real_title": fundus["pantau"]["title"],
        "real_authors_f1": fundus["pantau"]["authors_f1"],
        "real_date_same_day": fundus["pantau"]["date_same_day"],
        "real_date_same_instant": fundus["pantau"]["date_same_instant"],
        "real_date_same_day_postlight": postlight["pantau"]["date_same_day"],
        # Pantau's lead over trafilatura on its worst set (negative: trafilatura leads there)
        "real_date_lead_min": round(
            min(s["pantau"]["date_same_day"] - s["trafilatura"]["date_same_day"] for s in sets), 3
        ),
        "real_title_lead_min": round(min(s["pantau"]["title"] - s["trafilatura"]["title"] for s in sets), 3),
        "real_authors_lead_min": round(
            min(s["pantau"]["authors_f1"] - s["trafilatura"]["authors_f1"] for s in sets), 3
        ),
    }


if __name__ == "__main__":
    print(json.dumps(bench_real_pages(), indent=2))
