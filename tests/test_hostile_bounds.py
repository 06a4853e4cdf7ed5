"""A crawl of a hostile site always ends, within bounds that are settings; bad pages get
the right reason. Each case is a local misbehaving server crawled with `crawler crawl`."""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
import time

import pytest

from testkit.pages_site import PagesSite, StreamedBody, article, listing, text
from tests.conftest import FAST, ROOT, cli_crawl, query

INDEX = "<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{}</sitemapindex>"


def _index(*children: str) -> tuple[int, str, bytes]:
    return (
        200,
        "application/xml",
        INDEX.format("".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)).encode(),
    )


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


@pytest.mark.slow
def test_a_sitemap_index_fanning_out_is_cut_at_the_document_limit(tmp_path):
    db = tmp_path / "p.db"
    site = PagesSite({"/": listing([])})
    site.route = lambda path: (
        _index(*(f"{site.url}/fan{m.group(1)}-{i}.xml" for i in range(50)))
        if (m := re.fullmatch(r"/fan([-\d]*)\.xml", path))
        else None
    )
    site.pages["/sitemap_index.xml"] = _index(f"{site.url}/fan.xml")
    with site:
        result, peak_mb = measured_crawl(db, site.url, "-s", "SITEMAP_MAX_DOCUMENTS=80")
    assert result.returncode == 0, result.stderr[-2000:]
    sitemaps = [p for p in site.requests if p.endswith(".xml")]
    assert len(sitemaps) <= 80, len(sitemaps)
    assert query(db, "select count(*) from rejects where reason = 'too-many'") == [(1,)]
    assert "sitemap too-many 1" in result.stdout
    assert peak_mb < 400


# Runs a command and reports the peak resident size of it and its helpers alone: this test process's
# own RUSAGE_CHILDREN would also count every earlier child of the worker (a browser, a Datasette).
_MEASURED = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(f'peak-rss-kb {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr); "
    "sys.exit(code)"
)


def measured_crawl(db, url: str, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    """``crawler crawl`` of the mirror as cli_crawl runs it, and the crawl's peak RSS in MB (the
    crawl process and its extraction helpers)."""
    sites = ("--site", "suarakalbar", "--base-url", f"suarakalbar={url}")
    command = [
        sys.executable,
        "-c",
        _MEASURED,
        sys.executable,
        "-m",
        "crawler.cli.main",
        "crawl",
        "--db",
        str(db),
        *sites,
        "--log-level",
        "WARNING",
        *FAST,
        *args,
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    found = re.search(r"peak-rss-kb (\d+)", result.stderr)
    assert found, result.stderr[-2000:]
    return result, int(found.group(1)) / 1024


def _endless(handler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.end_headers()
    handler.wfile.write(b"<html><body><p>")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        handler.wfile.write(b"kata " * 20000)


@pytest.mark.slow
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


def _deep(title: str, opening: str, closing: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in text(title))
    return (
        f"<html><head><title>{title}</title></head><body class='single'><h1 class='ray-main-single-title'>{title}"
        f"</h1><div class='ray-main-single-content'>{opening * 1000}{paragraphs}{closing * 1000}</div></body></html>"
    )


def test_pages_nested_a_thousand_levels_deep_extract_like_any_other(tmp_path):
    db = tmp_path / "p.db"
    pages = {
        "/2024/01/bersarang-dalam/": _deep("Berita Bersarang Seribu Tingkat", "<div>", "</div>"),
        "/2024/01/font-tak-tertutup/": _deep("Berita Dengan Seribu Font Terbuka", "<font size=2>kata ", ""),
    }
    pages["/"] = listing(["{host}" + p for p in pages])
    with PagesSite(pages) as site:
        result = cli_crawl(db, {"suarakalbar": site.url})
    assert result.returncode == 0, result.stderr[-2000:]
    rows = dict(query(db, "select title, word_count from articles"))
    assert set(rows) == {"Berita Bersarang Seribu Tingkat", "Berita Dengan Seribu Font Terbuka"}, query(
        db, "select reason, detail from rejects"
    )
    assert min(rows.values()) >= 240


QUOTED = "Kafe \u201cNetral\u201d di Pontianak \u2013 caf\u00e9"


def _charset_page(head: str, title: str, extra: bytes = b"") -> tuple[int, str, bytes]:
    body = "".join(f"<p>{p}</p>" for p in text(title)) + f"<p>{QUOTED}.</p>"
    html = (
        f"<!DOCTYPE html><html><head>{head}<title>{title}</title></head><body class='single'>"
        f"<h1 class='ray-main-single-title'>{title}</h1><div class='ray-main-single-content'>{body}</div></body></html>"
    )
    data = html.encode("utf-8")
    return 200, "text/html", data[:40] + extra + data[40:]


def test_charsets_are_decided_by_evidence_not_by_claims(tmp_path):
    db = tmp_path / "p.db"
    pages = {
        "/2024/01/klaim-utf16/": _charset_page("<meta charset='utf-16'>", "Kafe \u201cNetral\u201d Mengaku UTF-16"),
        "/2024/01/klaim-latin1/": _charset_page(
            "<meta charset='iso-8859-1'>", "Kafe \u201cNetral\u201d Mengaku Latin-1"
        ),
        "/2024/01/byte-nul/": _charset_page(
            "<meta charset='utf-8'>", "Kafe \u201cNetral\u201d Dengan Byte NUL", b"\x00"
        ),
        "/2024/01/benar-cp1252/": (
            200,
            "text/html; charset=windows-1252",
            _charset_page("", "Kafe \u201cNetral\u201d Sungguh CP1252")[2].decode().encode("cp1252"),
        ),
    }
    pages["/"] = listing(["{host}" + p for p in pages])
    with PagesSite(pages) as site:
        result = cli_crawl(db, {"suarakalbar": site.url})
    assert result.returncode == 0, result.stderr[-2000:]
    rows = dict(query(db, "select title, body from articles"))
    assert set(rows) == {
        "Kafe \u201cNetral\u201d Mengaku UTF-16",
        "Kafe \u201cNetral\u201d Mengaku Latin-1",
        "Kafe \u201cNetral\u201d Dengan Byte NUL",
        "Kafe \u201cNetral\u201d Sungguh CP1252",
    }, query(db, "select url, reason from rejects")
    for body in rows.values():
        assert QUOTED in body and "\u00e2\u20ac" not in body  # no mojibake


BOLD = (
    "<html><head><title>Halaman Dua Ratus Ribu Huruf Tebal</title></head><body class='single'><div>"
    + "<b>kata</b> " * 200_000
    + "</div></body></html>"
)  # 30 s in trafilatura as it is
HEAVY = (
    "<html><head><title>Halaman Berat Untuk Pengurai Generik</title></head><body class='single'>"
    + "<div><p>kata lain</p></div>" * 29_000
    + "</body></html>"
)  # seconds: under MAX_ELEMENTS


def _heavy_site(normal: int, heavy: str = HEAVY) -> PagesSite:
    pages: dict = {"/2024/01/halaman-berat/": heavy}
    for i in range(normal):
        pages[f"/2024/01/berita-normal-{i}/"] = article(
            f"Berita Normal Nomor {i}", "2024-01-05T10:00:00+07:00", text(f"n{i}")
        )
    pages["/"] = listing(["{host}" + p for p in pages])
    return PagesSite(pages)


@pytest.mark.slow
def test_a_page_that_stalls_extraction_loses_only_itself(tmp_path):
    db = tmp_path / "p.db"
    started = time.monotonic()
    with _heavy_site(12) as site:
        result = cli_crawl(db, {"suarakalbar": site.url}, "-s", "EXTRACT_TIMEOUT=3", timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert time.monotonic() - started < 40
    assert query(db, "select count(*) from articles") == [(12,)]
    assert query(db, "select reason from rejects where kind = 'article'") == [("extraction-timeout",)]


@pytest.mark.slow
def test_markup_known_to_slow_the_generic_layer_is_flattened_first(tmp_path):
    db = tmp_path / "p.db"
    started = time.monotonic()
    with _heavy_site(30, BOLD) as site:
        # 4 s of CPU once flattened (9 s before the date search read only what it needs), 30 s and more as it is: the
        # limit is the default's 20 s plus room for the other tests' processes on two cores
        result, peak_mb = measured_crawl(db, site.url, "-s", "EXTRACT_TIMEOUT=28")
    assert result.returncode == 0, result.stderr[-2000:]
    assert time.monotonic() - started < 60
    assert query(db, "select count(*) from articles") == [(31,)], query(db, "select reason, detail from rejects")
    assert peak_mb < 400


@pytest.mark.parametrize("command", ["crawler crawl", "scrapy crawl"])
@pytest.mark.slow
def test_sigterm_ends_a_crawl_promptly_whatever_a_helper_is_doing(tmp_path, command):
    import signal
    import subprocess
    import sys

    from tests.conftest import FAST, ROOT

    db = tmp_path / "p.db"
    with _heavy_site(0) as site:
        if command == "crawler crawl":
            args = [
                "crawler.cli.main",
                "crawl",
                "--db",
                str(db),
                "--site",
                "suarakalbar",
                "--base-url",
                f"suarakalbar={site.url}",
            ]
        else:
            args = ["scrapy", "crawl", "suarakalbar", "-s", f"DB_PATH={db}", "-a", f"base_url={site.url}"]
        proc = subprocess.Popen(
            [sys.executable, "-m", *args, *FAST, "-s", "EXTRACT_TIMEOUT=0", "-s", "DOWNLOAD_TIMEOUT=5"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while "/2024/01/halaman-berat/" not in site.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2)  # the helper is now deep in the heavy page
        proc.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        out, err = proc.communicate(timeout=60)
    assert time.monotonic() - stopped < 10, err[-2000:]  # DOWNLOAD_TIMEOUT + 5 s
    assert query(db, "select status from crawl_runs") == [("interrupted",)], out + err[-2000:]
    assert "Traceback" not in err
