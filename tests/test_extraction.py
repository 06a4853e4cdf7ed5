"""Extraction on fixture pages shaped like the real sites, field by field, and the generic layer."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from crawler.extraction.decode import ExtractionError
from crawler.extraction.extract import extract_article
from crawler.extraction.generic import generic_paragraphs, strip_site_name
from crawler.sites import profile_for_url, profiles
from tests.conftest import FIXTURES, article_fixtures, load_expected

# A public subset of Zyte's article-extraction-benchmark (MIT, see its LICENSE), copied from ../shared/data.
BENCHMARK = Path(__file__).parent / "data" / "article-extraction-benchmark"


@pytest.mark.parametrize("expected_path", article_fixtures(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_record_matches_expected(expected_path: Path) -> None:
    expected = load_expected(expected_path)
    html = expected_path.with_suffix(".html").read_bytes()
    record = extract_article(html, expected["url"], profile_for_url(expected["url"])).to_dict()
    for field, value in expected.items():
        assert record[field] == value, f"{field}: {record[field]!r} != {value!r}"
    assert record["word_count"] == len(re.findall(r"\w+", expected["body"]))
    assert record["content_hash"]


BOILERPLATE = [
    "Baca Juga", "GOOGLE NEWS", "Join channel", "Bagikan", "Komentar", "Related Articles", "Tinggalkan Balasan",
    "Back to top", "Berita Terkait", "Anda dapat menyiarkan ulang", "Dapatkan update", "Iklan", "Postingan Terbaru",
    "Kali\n",
]


@pytest.mark.parametrize("expected_path", article_fixtures(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_boilerplate_in_body(expected_path: Path) -> None:
    expected = load_expected(expected_path)
    record = extract_article(expected_path.with_suffix(".html").read_bytes(), expected["url"], profile_for_url(expected["url"]))
    for phrase in BOILERPLATE:
        assert phrase.lower() not in record.body.lower(), phrase
    assert not re.search(r"(?m)^Baca\b", record.body)


def test_generic_layer_alone_on_unknown_layout() -> None:
    """A site page with its profile removed (a layout nobody described) still gives title, date, body."""
    expected = load_expected(FIXTURES / "suarakalbar" / "article-001-bare.json")
    html = (FIXTURES / "suarakalbar" / "article-001-bare.html").read_text(encoding="utf-8")
    # strip every ray-* class: the site profile's selectors no longer match anything
    html = re.sub(r'class="ray-[^"]*"', 'class="x"', html)
    record = extract_article(html, expected["url"], profile_for_url(expected["url"]))
    assert record.extracted_by["body"] == "generic"
    assert record.title == expected["title"]
    assert record.published_date == expected["published_date"]
    body = record.body
    for paragraph in expected["body"].split("\n\n"):
        assert paragraph in body
    assert "GOOGLE NEWS" not in body


def test_unknown_site_without_profile() -> None:
    expected = load_expected(FIXTURES / "editorialkaltim" / "article-004.json")
    html = (FIXTURES / "editorialkaltim" / "article-004.html").read_bytes()
    record = extract_article(html, "https://example.org/berita/1", None)
    assert record.title == expected["title"]
    assert record.published_at == expected["published_at"]
    assert record.site == "example.org"
    assert "netralitas ASN" in record.body


def test_strip_site_name() -> None:
    assert strip_site_name("Judul Berita Penting - Suara Kalbar", ("Suara Kalbar",)) == "Judul Berita Penting"
    assert strip_site_name("Judul | InfoPublik", ("InfoPublik",)) == "Judul"
    assert strip_site_name("Jelang Pilkada, ASN diminta Tetap Fokus - Editorial Kaltim") == "Jelang Pilkada, ASN diminta Tetap Fokus"


@pytest.mark.parametrize(
    "data, reason",
    [(b"", "empty"), (b"%PDF-1.4 binary", "not-html"), (b"\x89PNG\r\n\x1a\n\x00\x00", "not-html"),
     (b"just some words without markup", "not-html"), (b"<html><body><div></div></body></html>", "no-article")],
)  # fmt: skip
def test_bad_input_raises_clear_error(data: bytes, reason: str) -> None:
    with pytest.raises(ExtractionError) as info:
        extract_article(data, "https://example.org/x", None)
    assert info.value.reason == reason


def test_windows_1252_page_is_decoded() -> None:
    html = '<html><head><meta charset="windows-1252"><title>Caf\xe9 ASN</title></head><body><h1>Caf\xe9 ASN netral</h1><p>{}</p></body></html>'
    data = html.format("Kata " * 60 + "\u201cnetral\u201d").encode("cp1252")
    record = extract_article(data, "https://example.org/x", None)
    assert record.title == "Café ASN netral"
    assert "“netral”" in record.body


def test_invalid_jsonld_is_ignored() -> None:
    expected = load_expected(FIXTURES / "editorialkaltim" / "article-004.json")
    html = (FIXTURES / "editorialkaltim" / "article-004.html").read_text(encoding="utf-8")
    html = re.sub(r'(<script type="application/ld\+json"[^>]*>){', r'\1{{broken', html)
    record = extract_article(html, expected["url"], profile_for_url(expected["url"]))
    assert record.title == expected["title"]
    assert record.extracted_by["title"] != "jsonld"


def test_every_spider_has_a_profile() -> None:
    assert sorted(profiles()) == ["editorialkaltim", "infopublik", "suarakalbar"]


# --- the public article-extraction benchmark: generic layer alone, body F1 >= 0.95


def _shingles(text: str) -> Counter:
    tokens = re.findall(r"\w+", text or "")
    if len(tokens) < 4:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def body_f1(pages: dict[str, str], truth: dict[str, str]) -> float:
    """The benchmark's metric: per-page normalised shingle TP/FP/FN, P and R averaged over pages."""
    precisions, recalls = [], []
    for key, expected in truth.items():
        got, want = _shingles(pages.get(key, "")), _shingles(expected)
        tp, fp, fn = sum((got & want).values()), sum((got - want).values()), sum((want - got).values())
        total = (tp + fp + fn) or 1
        tp, fp, fn = tp / total, fp / total, fn / total
        precisions.append(tp / (tp + fp) if tp + fp else 0.0)
        recalls.append(tp / (tp + fn) if tp + fn else 0.0)
    p, r = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    return 2 * p * r / (p + r) if p + r else 0.0


def test_metric_is_honest() -> None:
    assert body_f1({"a": "one two three four five"}, {"a": "one two three four five"}) == 1.0
    assert body_f1({"a": "nothing in common here at all"}, {"a": "one two three four five"}) == 0.0


def test_generic_body_f1_on_benchmark() -> None:
    from parsel import Selector

    from crawler.extraction.cleanup import body_text, clean_paragraphs

    truth = {k: v["articleBody"] for k, v in json.loads((BENCHMARK / "ground-truth.json").read_text()).items()}
    pages = {}
    for key in truth:
        html = gzip.decompress((BENCHMARK / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        pages[key] = body_text(clean_paragraphs(generic_paragraphs(Selector(text=html))))
    f1 = body_f1(pages, truth)
    print(f"generic layer body F1 on {len(truth)} benchmark pages: {f1:.4f}")
    assert f1 >= 0.95
