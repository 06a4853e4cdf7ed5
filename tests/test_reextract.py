"""Every fetched article page is kept as fetched (WARC, readable by warcio and by
FastWARC), and `crawler reextract` runs today's extraction over the kept pages: a profile fixed
after a crawl corrects the stored articles, as versions with the reason `re-extracted`, without a
request; killed midway it loses nothing and a second run finishes without versioning twice."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from fastwarc.warc import ArchiveIterator as FastIterator
from fastwarc.warc import WarcRecordType
from warcio.archiveiterator import ArchiveIterator

from crawler.cli.localserver import LocalSite
from testkit.generated_site import GeneratedSite
from tests.conftest import ROOT, cli, cli_crawl, query
from tests.test_site_files import PATHS, crawl_with_sites, wordpress_site

COPY = ROOT / "fixtures" / "sites" / "suarakalbar"


def _records(folder: Path) -> list[tuple[str, str, bytes]]:
    """(target URI, Pantau's live URL, body) of every response record, read by warcio."""
    found = []
    for path in sorted(folder.glob("*.warc.gz")):
        with open(path, "rb") as f:
            for record in ArchiveIterator(f):
                if record.rec_type == "response":
                    found.append(
                        (
                            record.rec_headers.get_header("WARC-Target-URI"),
                            record.rec_headers.get_header("WARC-Pantau-URL"),
                            record.content_stream().read(),
                        )
                    )
    return found


def test_every_article_page_is_kept_in_warc_files_two_readers_can_read(tmp_path):
    db = tmp_path / "p.db"
    with LocalSite(COPY) as site:
        done = cli_crawl(db, {"suarakalbar": site.url})
        fetched = [p for p in site.requests if p.startswith(("/2023/", "/2024/"))]
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    folder = tmp_path / "p-pages" / "suarakalbar"
    records = _records(folder)
    stored = {url for (url,) in query(db, "SELECT url FROM articles")}
    assert len(records) == len(fetched) == len(stored) == 7  # one record per article page fetched, no other
    assert {public for _, public, _ in records} == stored
    assert all(target.startswith(site.url) for target, _, _ in records)  # where it was fetched: the mirror
    page = (COPY / "2023" / "12" / "pj-wali-kota-singkawang-tegaskan-pns-harus-netral" / "index.html").read_bytes()
    assert page in [body for _, _, body in records]  # kept as fetched, byte for byte
    fast = []
    for path in sorted(folder.glob("*.warc.gz")):
        with open(path, "rb") as f:
            for record in FastIterator(f, record_types=WarcRecordType.response):  # it parses the HTTP head
                assert record.http_headers.status_code == 200
                fast.append((record.headers["WARC-Target-URI"], record.reader.read()))
    assert [(t, b) for t, _, b in records] == fast


def test_a_fixed_profile_corrects_the_stored_articles_without_a_request(tmp_path):
    folder = tmp_path / "sites"
    folder.mkdir()
    site_file = folder / "contohpost.toml"
    head = 'domains = ["contohpost.example"]\nhome = "https://contohpost.example/"\n'
    site_file.write_text(head, encoding="utf-8")
    db = tmp_path / "p.db"
    with wordpress_site() as site:
        for path in PATHS:  # the byline sits where the generic profile does not look
            site.pages[path] = site.pages[path].replace("</h1>", "</h1><span class='penulis'>Rina Wati</span>")
        done = crawl_with_sites(db, folder, site)
        assert done.returncode == 0, done.stdout + done.stderr[-2000:]
        assert {a for (a,) in query(db, "SELECT authors FROM articles")} == {"[]"}
        site_file.write_text(head + '[selectors]\nauthors = ["span.penulis::text"]\n', encoding="utf-8")
        before = len(site.requests)
        redone = cli("reextract", "--db", str(db), "--site", "contohpost", env={"PANTAU_SITES": str(folder)})
        assert len(site.requests) == before  # nothing fetched again
    assert redone.returncode == 0, redone.stdout + redone.stderr[-2000:]
    assert f"{len(PATHS)} article(s) changed" in redone.stdout
    assert any(line.split() == ["authors", str(len(PATHS))] for line in redone.stdout.splitlines())
    assert {a for (a,) in query(db, "SELECT authors FROM articles")} == {'["Rina Wati"]'}
    versions = query(db, "SELECT reason, changed_fields FROM article_versions")
    assert len(versions) == len(PATHS) and all(r == "re-extracted" and "authors" in json.loads(c) for r, c in versions)
    again = cli("reextract", "--db", str(db), "--site", "contohpost", env={"PANTAU_SITES": str(folder)})
    assert "0 article(s) changed" in again.stdout and query(db, "SELECT COUNT(*) FROM article_versions")[0][0] == 6


@pytest.mark.slow
def test_sigkill_during_reextract_loses_nothing_and_a_second_run_finishes(tmp_path):
    db = tmp_path / "p.db"
    with GeneratedSite(300) as site:
        done = cli_crawl(db, {"suarakalbar": site.url}, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    total = query(db, "SELECT COUNT(*) FROM articles")[0][0]
    assert total == 300
    conn = __import__("sqlite3").connect(db)
    with conn:
        conn.execute("UPDATE articles SET title = 'judul yang salah'")  # what an older extractor stored
    conn.close()
    cmd = [sys.executable, "-m", "crawler.cli.main", "reextract", "--db", str(db), "--batch", "5"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not query(db, "SELECT COUNT(*) FROM article_versions")[0][0]:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    versions = query(db, "SELECT COUNT(*) FROM article_versions")[0][0]
    wrong = query(db, "SELECT COUNT(*) FROM articles WHERE title = 'judul yang salah'")[0][0]
    assert 0 < versions < total and versions + wrong == total  # each batch whole: fixed and versioned, or not
    finish = cli("reextract", "--db", str(db))
    assert finish.returncode == 0, finish.stdout + finish.stderr[-2000:]
    assert query(db, "SELECT COUNT(*) FROM articles WHERE title = 'judul yang salah'")[0][0] == 0
    assert query(db, "SELECT COUNT(*) FROM article_versions")[0][0] == total  # none versioned twice
    assert query(db, "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'salah'")[0][0] == 0  # index in step


@pytest.mark.slow
def test_a_damaged_or_truncated_archive_file_is_reported_and_the_others_are_read(tmp_path):
    """Two crawls keep two files; one is cut short (a full disk, a killed copy), and a file of 20
    garbage bytes lies beside them: each is named with what was read of it, every page that can be
    read is re-extracted, and the command exits 1."""
    db = tmp_path / "p.db"
    with GeneratedSite(40) as site:
        assert cli_crawl(db, {"suarakalbar": site.url}, "--max-items", "20").returncode == 0
        assert cli_crawl(db, {"suarakalbar": site.url}).returncode == 0
    folder = tmp_path / "p-pages" / "suarakalbar"
    first, second = sorted(folder.glob("*.warc.gz"))
    whole = len(_records(folder))
    data = second.read_bytes()
    second.write_bytes(data[: int(len(data) * 0.6)])
    (folder / "00000000-garbage.warc.gz").write_bytes(bytes(range(200, 220)))
    conn = __import__("sqlite3").connect(db)
    with conn:
        conn.execute("UPDATE articles SET title = 'judul yang salah'")
    conn.close()
    done = cli("reextract", "--db", str(db))
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    damaged = [line for line in done.stdout.splitlines() if line.startswith("DAMAGED ")]
    assert len(damaged) == 2, done.stdout
    assert any("garbage.warc.gz" in d and "0 page(s) read" in d for d in damaged), damaged
    cut = next(d for d in damaged if second.name in d)
    read = int(cut.split("; ")[1].split()[0])
    assert "cut short" in cut and 0 < read < 20, cut
    assert all(c.isprintable() and c.isascii() for c in done.stdout.replace("\n", "")), done.stdout  # no raw binary
    fixed = query(db, "SELECT COUNT(*) FROM articles WHERE title != 'judul yang salah'")[0][0]
    assert fixed == 20 + read and whole == 40, (fixed, whole)  # the first file whole, the second up to the cut
    assert "2 error(s)" in done.stdout


def test_reextract_refuses_a_missing_database_or_archive(tmp_path):
    missing = cli("reextract", "--db", str(tmp_path / "typo.db"))
    assert missing.returncode == 2 and "no such database" in missing.stderr
    assert not (tmp_path / "typo.db").exists()
    (tmp_path / "empty.db").write_bytes(b"")
    nothing = cli("reextract", "--db", str(tmp_path / "empty.db"))
    assert nothing.returncode == 2 and "no kept pages under" in nothing.stderr


def test_capture_takes_the_page_a_crawl_kept_without_a_request(tmp_path):
    """`crawler capture URL` reads the page from the crawl's kept pages: the site's mirror is closed
    by then, and the URL is the live site's, which a test never asks (so `--fetch` is not run here).
    The crawl fetched it from a served copy, so the capture is allowed as one and marked."""
    db = tmp_path / "p.db"
    with LocalSite(COPY) as site:
        assert cli_crawl(db, {"suarakalbar": site.url}).returncode == 0
    (url,) = query(db, "SELECT url FROM articles WHERE url LIKE '%singkawang%'")[0]
    captures = tmp_path / "captures"
    done = cli("capture", url, "--db", str(db), "--dir", str(captures), "--allow-copy")
    assert done.returncode == 0, done.stderr
    assert "the page kept by the crawl of" in done.stderr
    (saved,) = (captures / "suarakalbar" / "captured").glob("*.html.gz")
    page = (COPY / "2023" / "12" / "pj-wali-kota-singkawang-tegaskan-pns-harus-netral" / "index.html").read_bytes()
    assert gzip.decompress(saved.read_bytes()) == page
    record = json.loads(saved.with_name(saved.name.removesuffix(".html.gz") + ".json").read_text())
    assert record["url"] == url and "netral" in record["expected"]["title"].casefold()
    (crawled,) = query(db, "SELECT fetched_at FROM articles WHERE url = ?", url)[0]
    kept_at, fetched = datetime.fromisoformat(record["fetched_at"]), datetime.fromisoformat(crawled)
    assert abs((kept_at - fetched).total_seconds()) < 5  # when the crawl fetched it, not now


def test_kept_pages_never_take_the_room_the_database_needs(tmp_path):
    """With less free than PAGE_ARCHIVE_MIN_FREE_MB on the archive's disk, a run keeps no pages (one
    warning) and stores every article: a real disk, with the margin set above what it has free."""
    import shutil

    db = tmp_path / "p.db"
    free_mb = shutil.disk_usage(tmp_path).free / 1e6
    with LocalSite(COPY) as site:
        done = cli_crawl(db, {"suarakalbar": site.url}, "-s", f"PAGE_ARCHIVE_MIN_FREE_MB={free_mb * 2:.0f}")
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert query(db, "SELECT COUNT(*) FROM articles")[0][0] == 7
    assert not _records(tmp_path / "p-pages" / "suarakalbar")
    assert "pages are no longer kept" in done.stderr and "the database needs the room first" in done.stderr
