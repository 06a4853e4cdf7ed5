"""Every command line ends with its documented exit code and at most one line on
stderr, never a traceback; output from web pages cannot be used against its reader."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest

from crawler.cli.localserver import LocalSite
from testkit.pages_site import PagesSite, StreamedBody
from tests.conftest import ROOT, SITES, cli, cli_crawl, crawled_copy

HOSTILE_TITLE = "\x1b[2J\x1b]0;pwned\x07Netralitas ASN di Layar"
FORMULA_TITLE = '=HYPERLINK("http://evil.example","klik") Netralitas ASN'


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = crawled_copy(tmp_path_factory, tmp_path_factory.mktemp("cli") / "p.db")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE articles SET title = ? WHERE rowid = (SELECT MIN(rowid) FROM articles)", (HOSTILE_TITLE,))
    conn.execute("UPDATE articles SET title = ? WHERE rowid = (SELECT MAX(rowid) FROM articles)", (FORMULA_TITLE,))
    conn.commit()
    conn.close()
    return path


CASES = [
    (["search", '"unbalanced'], 2, "unbalanced"),
    (["search", "*"], 2, "nothing to search for"),
    (["search", "ne*"], 2, "at least 3 letters"),
    (["search", "NOT netralitas"], 2, "invalid search syntax"),
    (["search", "netralitas", "--since", "99999999999d"], 2, "100 years"),
    (["search", "netralitas", "--limit", "99999999999999999999"], 2, "out of range"),
    (["search", "netralitas", "--limit", "0"], 2, "out of range"),
    (["report", "--since", "yesterday"], 2, "--since"),
    (["crawl", "--since", "2024-13-45"], 2, "--since wants YYYY-MM-DD"),
    (["crawl", "--since", "yesterday"], 2, "--since wants YYYY-MM-DD"),
    (["crawl", "--base-url", "suarakalbar=http://"], 2, "--base-url"),
    (["crawl", "--base-url", "nowhere=http://127.0.0.1:1"], 2, "unknown site"),
    (["crawl", "-s", "DOWNLOAD_DELAY=abc"], 2, "DOWNLOAD_DELAY wants a number"),
    (["crawl", "-s", "EXTRACT_WORKERS=-1"], 2, "EXTRACT_WORKERS must be 0 or more"),
    (["crawl", "-s", "STORE_BATCH_SIZE=2.5"], 2, "whole number"),
    (["crawl", "--max-items", "0"], 2, "out of range"),
    (["crawl", "--site", "nowhere"], 2, "unknown site"),
    (["export", "-o", "/dev/full"], 1, "No space left on device"),
    (["export", "--format", "json", "--format", "csv"], 2, "--format is given twice"),
    (["crawl", "--site", "suarakalbar", "--all"], 2, "--site and --all say different things"),
    (["schedule", "--scrapyd", "http://127.0.0.1:1", "--site", "suarakalbar", "--all"], 2, "--site and --all"),
    (["extract", "/dev/zero"], 2, "not a regular file"),
    (["nonsense"], 2, "invalid choice"),
]


@pytest.mark.parametrize(("args", "code", "says"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_command_lines_get_one_line_and_their_exit_code(db, args, code, says):
    with_db = [*args, "--db", str(db)] if args[0] not in ("extract", "nonsense") else args
    result = cli(*with_db, timeout=60)
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and says in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["sites", "--db", "no/such/pantau.db"], "no such database: no/such/pantau.db"),
        (["crawl", "--site", "suarakalbar", "--db", "/proc/pantau.db"], "cannot create a database at /proc/pantau.db"),
    ],
    ids=["sites-nosuch", "crawl-proc"],
)
def test_a_database_path_that_cannot_be_one_is_one_line_and_exit_2(args, says):
    result = cli(*args, timeout=60)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert says in result.stderr and "Restore it from a backup" not in result.stderr, result.stderr


def test_crawl_refuses_an_in_memory_database():
    result = cli("crawl", "--db", ":memory:")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "path of a file" in result.stderr


@pytest.mark.parametrize(
    "words",
    [
        "anak-anak",
        "se-Kota Singkawang",
        "Pj-Wali",
        "Pemilu 2024:",
        "foo:bar",
        "judul:x",
        "netral*",
        '"netralitas ASN"',
        "netralitas AND (pilkada OR pemilu)",
    ],
)
def test_everyday_indonesian_is_searched_as_words(db, words):
    result = cli("search", words, "--db", str(db), "--format", "json")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert isinstance(json.loads(result.stdout), list)


def test_a_site_named_twice_is_crawled_once(tmp_path):
    with LocalSite(SITES / "infopublik") as site:
        result = cli_crawl(tmp_path / "p.db", {"infopublik": site.url}, "--site", "infopublik")
    assert result.returncode == 0, result.stderr[-2000:]
    assert len([line for line in result.stdout.splitlines() if line.startswith("infopublik ")]) == 1


def test_titles_cannot_drive_the_terminal_or_a_spreadsheet(db):
    shown = cli("search", "netralitas", "--db", str(db))
    assert shown.returncode == 0 and "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    assert "Netralitas ASN di Layar" in shown.stdout
    assert "\x1b" not in cli("report", "--since", "3650d", "--db", str(db)).stdout
    rows = list(csv.DictReader(io.StringIO(cli("export", "--format", "csv", "--db", str(db)).stdout)))
    hostile = next(r for r in rows if "HYPERLINK" in r["title"])
    assert hostile["title"] == "'" + FORMULA_TITLE  # neutralised; the stored title is kept as it was
    assert "\x1b" not in next(r for r in rows if "Layar" in r["title"])["title"]
    raw = list(csv.DictReader(io.StringIO(cli("export", "--format", "csv", "--raw", "--db", str(db)).stdout)))
    assert next(r for r in raw if "HYPERLINK" in r["title"])["title"] == FORMULA_TITLE


def test_export_into_a_closed_pipe_stops_quietly(db, tmp_path):
    big = tmp_path / "big.db"
    shutil.copy(db, big)
    conn = sqlite3.connect(big)
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
        "INSERT INTO articles (id, url, url_key, site, title, body) "
        "SELECT a.id || i, a.url || i, a.url_key || i, a.site, a.title, a.body FROM articles a, n"
    )
    conn.commit()
    conn.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli.main", "export", "--db", str(big)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 0 and "Traceback" not in err and "Error" not in err, err


def test_an_export_that_cannot_be_written_leaves_no_partial_file(db, tmp_path):
    target = tmp_path / "out" / "articles.csv"
    result = cli("export", "--format", "csv", "-o", str(target), "--db", str(db))
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    good = tmp_path / "articles.csv"
    assert cli("export", "--format", "csv", "-o", str(good), "--db", str(db)).returncode == 0
    assert (
        good.read_text().startswith("id,url") and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    )


def _without_write_permission() -> list[str]:
    """Runs a command as a user who cannot write where the database is: root keeps its uid but
    loses the capability to override file permissions."""
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []


def test_a_read_only_database_is_read_not_called_corrupt(db, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    copy = shared / "pantau.db"
    shutil.copy(db, copy)
    shared.chmod(0o555)
    try:
        for args in (["search", "netralitas"], ["report"], ["export"], ["runs"]):
            result = subprocess.run(
                [*_without_write_permission(), sys.executable, "-m", "crawler.cli.main", *args, "--db", str(copy)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 0, (args, result.stderr)
        crawl = subprocess.run(
            [*_without_write_permission(), sys.executable, "-m", "crawler.cli.main", "crawl", "--db", str(copy)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert crawl.returncode == 2 and "read-only" in crawl.stderr and crawl.stderr.count("\n") == 1
    finally:
        shared.chmod(0o755)


@pytest.mark.slow
def test_extract_is_bounded_in_size_and_time(tmp_path):
    big = tmp_path / "big.html"
    big.write_bytes(b"<html><body><p>" + b"kata " * (2 * 1024 * 1024) + b"</p></body></html>")
    too_big = cli("extract", str(big))
    assert too_big.returncode == 2 and "page limit" in too_big.stderr and too_big.stderr.count("\n") == 1

    def drip(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        for _ in range(200):
            handler.wfile.write(b"<p>")
            handler.wfile.flush()
            time.sleep(0.5)

    def drip_headers(handler) -> None:  # one header line, a byte a second: it never ends
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(200):
            handler.wfile.write(b"a")
            handler.wfile.flush()
            time.sleep(1)

    with PagesSite({"/slow/": StreamedBody(drip), "/slow-headers/": StreamedBody(drip_headers)}) as site:
        for path in ("/slow/", "/slow-headers/"):
            started = time.monotonic()
            slow = cli("extract", f"{site.url}{path}", "--timeout", "3")
            assert slow.returncode == 2 and "no complete answer within 3 s" in slow.stderr, slow.stderr
            assert slow.stderr.count("\n") == 1 and time.monotonic() - started < 15


def test_long_crawls_log_one_progress_line_per_site_instead_of_scrapys_logstats(tmp_path):
    with LocalSite(SITES / "infopublik") as site:
        result = cli_crawl(
            tmp_path / "p.db", {"infopublik": site.url}, "--log-level", "INFO", "-s", "PROGRESS_INTERVAL=0.2"
        )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = re.findall(
        r"infopublik: (\d+) requests, \d+ new, \d+ updated, \d+ unchanged, \d+ skipped as known, "
        r"\d+ dropped, \d+ pages/min",
        result.stderr,
    )
    assert lines and int(lines[-1]) > 0, result.stderr[-3000:]
    assert "Crawled " not in result.stderr  # Scrapy's own LogStats line: replaced, not doubled


def test_db_check_says_the_size_of_a_small_file_in_kb(db):
    done = cli("db", "check", "--db", str(db))
    assert done.returncode == 0 and re.search(r"reading all [1-9][\d,]* KB", done.stderr), done.stderr


def test_an_export_file_s_extension_picks_its_format_and_a_mismatch_is_refused(db, tmp_path):
    assert cli("export", "--db", str(db), "-o", str(tmp_path / "out.json")).returncode == 0
    assert isinstance(json.loads((tmp_path / "out.json").read_text()), list)  # valid JSON, not JSON lines
    assert cli("export", "--db", str(db), "-o", str(tmp_path / "out.csv")).returncode == 0
    assert (tmp_path / "out.csv").read_text().startswith("id,url,")
    refused = cli("export", "--db", str(db), "-o", str(tmp_path / "out2.json"), "--format", "csv")
    assert refused.returncode == 2 and "does not match" in refused.stderr and not (tmp_path / "out2.json").exists()


def test_the_dashboard_on_a_busy_port_says_so_before_any_url(db):
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        done = cli("dashboard", "--db", str(db), "--port", str(holder.getsockname()[1]), timeout=30)
    assert done.returncode == 2 and done.stdout == "", done.stdout
    assert done.stderr.count("\n") == 1 and "Address already in use" in done.stderr, done.stderr


def test_report_since_and_topic_filter_the_whole_report(db):
    def report(*args: str) -> dict:
        done = cli("report", "--db", str(db), "--format", "json", *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    everything = report()
    assert sum(s["new"] for s in everything["sites"]) > 0
    future = report("--since", "2099-01-01")
    assert [s["new"] for s in future["sites"]] == [0] * len(future["sites"]) and future["matches"] == []
    assert future["stories"] == [] and future["topics"] == []
    topic = report("--topic", "netralitas-asn")
    matched = {m["url"] for m in topic["matches"]}
    assert sum(s["new"] for s in topic["sites"]) == len(matched) < sum(s["new"] for s in everything["sites"])
