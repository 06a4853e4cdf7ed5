"""Issue 11: a crawl of a hostile site always ends, within bounds that are settings; bad pages get
the right reason. Each case is a local misbehaving server crawled with `crawler crawl`."""

from __future__ import annotations

import gzip
import re
import time

from tests.conftest import cli_crawl, query
from tests.pages_site import PagesSite, StreamedBody, article, listing, text

INDEX = "<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{}</sitemapindex>"


def _index(*children: str) -> tuple[int, str, bytes]:
    return 200, "application/xml", INDEX.format("".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)).encode()


def test_a_sitemap_index_chain_that_never_ends_is_cut_at_the_depth_limit(tmp_path):
    db = tmp_path / "p.db"
    site = PagesSite({"/": listing([])})
    site.route = lambda path: (
        _index(f"{site.url}/idx-{int(m.group(1)) + 1}.xml") if (m := re.fullmatch(r"/idx-(\d+)\.xml", path)) else None
    )
    site.pages["/sitemap_index.xml"] = _index(f"{site.url}/idx-1.xml")
    started = time.monotonic()
    with site:
        result = cli_crawl(db, {"suarakalbar": site.url}, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert time.monotonic() - started < 60
    assert len([p for p in site.requests if p.startswith("/idx-")]) == 3  # depths 1-3 under the index
    assert query(db, "select reason, url from rejects where kind = 'sitemap' and reason = 'too-deep'") == [
        ("too-deep", "https://www.suarakalbar.co.id/idx-3.xml")
    ]
    assert "sitemap too-deep 1" in result.stdout


def test_a_sitemap_index_fanning_out_is_cut_at_the_document_limit(tmp_path):
    db = tmp_path / "p.db"
    site = PagesSite({"/": listing([])})
    site.route = lambda path: (
        _index(*(f"{site.url}/fan{m.group(1)}-{i}.xml" for i in range(50))) if (m := re.fullmatch(r"/fan([-\d]*)\.xml", path)) else None
    )
    site.pages["/sitemap_index.xml"] = _index(f"{site.url}/fan.xml")
    with site:
        result = cli_crawl(db, {"suarakalbar": site.url}, "-s", "SITEMAP_MAX_DOCUMENTS=80", timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    sitemaps = [p for p in site.requests if p.endswith(".xml")]
    assert len(sitemaps) <= 80, len(sitemaps)
    assert query(db, "select count(*) from rejects where reason = 'too-many'") == [(1,)]
    assert "sitemap too-many 1" in result.stdout


def _endless(handler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.end_headers()
    handler.wfile.write(b"<html><body><p>")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        handler.wfile.write(b"kata " * 20000)


def test_gzip_bombs_and_endless_bodies_are_too_large(tmp_path):
    db = tmp_path / "p.db"
    bomb = gzip.compress(b"<html><body><p>" + b"a" * (30 * 1024 * 1024))
    pages = {
        "/2024/01/bom-gzip/": StreamedBody(lambda h: _send(h, bomb, {"Content-Encoding": "gzip"})),
        "/2024/01/tanpa-akhir/": StreamedBody(_endless),
        "/2024/01/berita-biasa/": article("Berita Biasa di Pontianak", "2024-01-05T10:00:00+07:00", text("biasa")),
    }
    pages["/"] = listing(["{host}" + p for p in pages])
    with PagesSite(pages) as site:
        result = cli_crawl(db, {"suarakalbar": site.url}, "-s", "DOWNLOAD_MAXSIZE=2000000", timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    reasons = dict(query(db, "select url, reason from rejects where kind = 'article'"))
    base = "https://www.suarakalbar.co.id/2024/01/"
    assert reasons == {base + "bom-gzip/": "too-large", base + "tanpa-akhir/": "too-large"}
    assert query(db, "select count(*) from articles") == [(1,)]


def _send(handler, body: bytes, headers: dict) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    for k, v in headers.items():
        handler.send_header(k, v)
    handler.end_headers()
    handler.wfile.write(body)
