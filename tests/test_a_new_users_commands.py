"""The first hour of a new user, through `crawler` and `scrapy` as typed."""

from __future__ import annotations

import re
import socket
import sqlite3
import time

import pytest

from crawler.cli.localserver import LocalSite
from tests.conftest import ROOT, SITES, cli, cli_crawl, closed_port, query, scrapy_crawl


def _scrapy(*args: str, timeout: int = 120):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_scrapy_shell_and_fetch_record_no_runs(tmp_path):
    db = tmp_path / "p.db"
    assert cli("db", "init", "--db", str(db)).returncode == 0
    with LocalSite(SITES / "suarakalbar") as site:
        fetched = _scrapy("fetch", "--nolog", "-s", f"DB_PATH={db}", site.url + "/")
        shell = _scrapy("shell", "-s", f"DB_PATH={db}", "--nolog", "-c", "response.status", site.url + "/")
    assert fetched.returncode == 0 and "<html" in fetched.stdout.lower(), fetched.stderr[-2000:]
    assert shell.returncode == 0 and "200" in shell.stdout, shell.stderr[-2000:]
    assert query(db, "select count(*) from crawl_runs") == [(0,)]


def test_a_run_left_running_by_a_dead_process_is_marked_interrupted(tmp_path):
    db = tmp_path / "p.db"
    assert cli("db", "init", "--db", str(db)).returncode == 0
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO crawl_runs (site, started_at, status, pid, host) VALUES "
        "('suarakalbar', '2026-01-01T00:00:00+00:00', 'running', 999999999, ?)",
        (socket.gethostname(),),
    )
    conn.commit()
    conn.close()
    with LocalSite(SITES / "suarakalbar") as site:
        assert cli_crawl(db, {"suarakalbar": site.url}).returncode == 0
    assert query(db, "select status, finish_reason from crawl_runs order by id") == [
        ("interrupted", "process died"),
        ("finished", "finished"),
    ]


def test_scrapy_crawl_exits_non_zero_when_the_site_is_unreachable(tmp_path):
    mirror = f"http://127.0.0.1:{closed_port()}"
    result = scrapy_crawl("suarakalbar", tmp_path / "p.db", "-a", f"base_url={mirror}", "-s", "RETRY_TIMES=0")
    assert result.returncode == 1, result.stderr[-2000:]
    assert query(tmp_path / "p.db", "select status from crawl_runs") == [("failed",)]
    assert query(tmp_path / "p.db", "select kind, reason, url from rejects where kind = 'site'") == [
        ("site", "site-failed", mirror)  # where the crawl went
    ]


@pytest.mark.slow
def test_unresolvable_sites_fail_at_once_with_a_hint(tmp_path):
    started = time.monotonic()
    mirrors = {site: f"http://{site}.pantau-test.invalid" for site in ("editorialkaltim", "infopublik", "suarakalbar")}
    sites = [a for site, url in mirrors.items() for a in ("--base-url", f"{site}={url}")]
    result = cli("crawl", "--db", str(tmp_path / "p.db"), *sites, timeout=120)
    assert result.returncode == 1
    assert time.monotonic() - started < 45
    assert "no network? `./run.sh demo`" in result.stdout
    assert result.stderr.count("\n") <= 10 and "Traceback" not in result.stderr, result.stderr
    assert query(tmp_path / "p.db", "select count(*) from rejects where kind = 'site'") == [(3,)]


def test_spider_arguments_are_checked_before_the_crawl(tmp_path):
    for args, says in (
        (["-a", "since=yesterday"], "since wants"),
        (["-a", "max_items=abc"], "max_items wants"),
        (["-a", "colour=red"], "unknown spider argument"),
    ):
        result = _scrapy("crawl", "suarakalbar", "-s", f"DB_PATH={tmp_path / 'p.db'}", *args)
        assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr, result.stderr[
            -1500:
        ]
    with LocalSite(SITES / "suarakalbar") as site:
        relative = cli_crawl(tmp_path / "p.db", {"suarakalbar": site.url}, "--since", "36500d")
    assert relative.returncode == 0 and "Unhandled error" not in relative.stderr, relative.stderr[-2000:]
    assert query(tmp_path / "p.db", "select count(*) from articles")[0][0] > 0


def test_the_demo_uses_its_own_database_and_never_a_live_one(tmp_path):
    demo = tmp_path / "demo.db"
    result = cli("demo", "--db", str(demo), timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"crawler search netralitas --db {demo}" in result.stdout
    assert query(demo, "select count(*) from articles")[0][0] > 10
    assert query(demo, "select count(*) from crawl_runs where base_url is null") == [(0,)]
    live = tmp_path / "pantau.db"
    with LocalSite(SITES / "suarakalbar") as site:  # stands for a live crawl: no mirror recorded
        assert cli_crawl(live, {"suarakalbar": site.url}).returncode == 0
    conn = sqlite3.connect(live)
    conn.execute("UPDATE crawl_runs SET base_url = NULL")
    conn.commit()
    conn.close()
    refused = cli("demo", "--db", str(live))
    assert refused.returncode == 2 and "holds live crawls" in refused.stderr and refused.stderr.count("\n") == 1


def test_feed_exports_receive_articles_only(tmp_path):
    import json

    out = tmp_path / "out.jsonl"
    with LocalSite(SITES / "infopublik") as site:
        result = scrapy_crawl("infopublik", tmp_path / "p.db", "-a", f"base_url={site.url}", "-O", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    stored = query(tmp_path / "p.db", "select count(*) from articles")[0][0]
    assert len(records) == stored > 0 and all(r.get("title") and r.get("body") for r in records)


def test_crawler_serve_serves_a_site_copy_for_base_url(tmp_path):
    import subprocess
    import sys
    import urllib.request

    port = closed_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli.main", "serve-copy", "suarakalbar", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = server.stdout.readline()
        assert f"http://127.0.0.1:{port}" in first
        assert f"scrapy crawl suarakalbar -a base_url=http://127.0.0.1:{port}" in server.stdout.readline()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=10) as page:
            assert b"Sitemap" in page.read()
    finally:
        server.terminate()
        server.wait(10)
    missing = cli("serve-copy", "nowhere")
    assert missing.returncode == 2 and "no bundled copy" in missing.stderr


def test_extract_tells_what_a_crawl_would_store(tmp_path):
    import json
    import shutil

    page = tmp_path / "saved.html"  # a saved page, without --url: its canonical link says where it lives
    shutil.copy(ROOT / "fixtures" / "infopublik" / "article-002.html", page)
    result = cli("extract", str(page))
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["site"] == "infopublik" and record["url"].startswith("https://infopublik.id/kategori/")
    assert "netralitas-asn" in [t["topic"] for t in record["topics"]]
    assert record["places"] and record["officials"] and record["simhash"]


def test_one_meaning_per_option_and_real_json(tmp_path):
    import csv
    import io
    import json

    db = tmp_path / "p.db"
    with LocalSite(SITES / "suarakalbar") as site:
        assert cli_crawl(db, {"suarakalbar": site.url}).returncode == 0
    dates = sorted(d for (d,) in query(db, "select published_date from articles"))
    middle = dates[len(dates) // 2]
    exported = [json.loads(line) for line in cli("export", "--since", middle, "--db", str(db)).stdout.splitlines()]
    assert exported and all(r["published_date"] >= middle for r in exported)  # --since: publication date
    assert len(exported) < len(dates)
    assert len(cli("export", "--seen-since", "1d", "--db", str(db)).stdout.splitlines()) == len(dates)  # first seen
    assert all(isinstance(r["authors"], list) and isinstance(r["places"], list) for r in exported)
    runs = json.loads(cli("runs", "--format", "json", "--db", str(db)).stdout)
    assert isinstance(runs[0]["coverage"], dict) and isinstance(runs[0]["dropped_reasons"], dict)
    table = cli("runs", "--db", str(db)).stdout
    assert table.splitlines()[0].split()[:3] == ["run", "started", "(UTC)"] and f" {runs[0]['id']} " in f" {table} "
    report = cli("report", "--format", "csv", "--seen-since", "1d", "--db", str(db)).stdout
    per_site = next(csv.DictReader(io.StringIO(report.split("\n\n")[0])))
    assert per_site["site"] == "suarakalbar" and int(per_site["new"]) == len(dates)


@pytest.mark.slow
def test_any_search_a_user_can_type_is_answered_or_refused_in_one_line(tmp_path_factory):
    import contextlib
    import io

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from crawler.cli.main import main

    db = tmp_path_factory.mktemp("prop") / "p.db"
    with LocalSite(SITES / "infopublik") as site:
        assert cli_crawl(db, {"infopublik": site.url}).returncode == 0
    from crawler.web.charts import FILTERS, SEARCH

    no_filter = dict.fromkeys(FILTERS, "")
    words = st.sampled_from(
        [
            "netralitas",
            "ASN",
            "anak-anak",
            "se-Kota",
            "AND",
            "OR",
            "NOT",
            "NEAR",
            "(",
            ")",
            '"',
            "*",
            ":",
            "judul:x",
            "netral*",
            "Pemilu 2024:",
            "-",
            "^",
            "'",
            "\\",
            "{",
            "}",
        ]
    )
    typed = st.one_of(st.text(max_size=40), st.lists(words, max_size=6).map(" ".join))

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(typed)
    def check(query_text: str) -> None:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main(["search", query_text, "--db", str(db), "--format", "json"])
            except SystemExit as exc:  # argparse: a query that looks like an option
                code = exc.code
        assert code in (0, 2), (query_text, code, err.getvalue())
        assert "Traceback" not in err.getvalue() and err.getvalue().count("\n") <= 1, (query_text, err.getvalue())
        sqlite3.connect(db).execute(SEARCH.sql, {"q": query_text, **no_filter}).fetchall()  # Datasette's stored query

    check()


def test_crawler_check_on_a_site_copy_and_on_a_rethemed_one(tmp_path):
    import json

    from tests.rethemed import rethemed_copy

    fast = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "RETRY_TIMES=0")
    untouched = tmp_path / "pantau.db"
    with LocalSite(SITES / "suarakalbar") as site:
        good = cli(
            "check", "suarakalbar", "--base-url", site.url, "--format", "json", *fast, env={"PANTAU_DB": str(untouched)}
        )
    assert good.returncode == 0, good.stderr[-2000:]
    assert not untouched.exists()  # a check writes no database
    data = json.loads(good.stdout)
    assert data["ok"] and data["sampled"] >= 5
    assert data["fields"]["body"]["layers"] == {"profile": data["sampled"]} and data["fields"]["title"]["ok"]
    kinds = {e["kind"] for e in data["entry_points"] if e["status"] == "200"}
    assert {"robots", "sitemap", "feed", "listing"} <= kinds
    assert any(e["kind"] == "sitemap" and e["articles"] > 0 and e["newest"] for e in data["entry_points"])
    assert "h1.ray-main-single-title" not in data["unmatched_selectors"].get("title", [])

    with LocalSite(rethemed_copy(SITES / "suarakalbar", tmp_path / "rethemed")) as site:
        changed = cli("check", "suarakalbar", "--base-url", site.url, *fast)
    assert (
        "Profile selectors that matched nothing on any sampled page (none of the field's matched):" in changed.stdout
    ), changed.stdout
    for name, selector in (
        ("title", "h1.ray-main-single-title"),
        ("body", ".ray-main-single-content"),
        ("date", ".ray-main-single-metadata"),
    ):
        assert f"  {name}: {selector}" in changed.stdout


@pytest.mark.slow
def test_crawler_check_fails_when_core_fields_are_missing(tmp_path):
    from testkit.pages_site import PagesSite, listing

    pages = {f"/2024/01/tanpa-isi-{i}/": "<html><body class='single'><p>Kosong.</p></body></html>" for i in range(3)}
    pages["/"] = listing(["{host}" + p for p in pages])
    with PagesSite(pages) as site:
        result = cli("check", "suarakalbar", "--base-url", site.url, "-s", "DOWNLOAD_DELAY=0")
    assert result.returncode == 1 and "needs attention" in result.stdout
    assert cli("check", "nowhere").returncode == 2


def test_crawler_check_of_an_unreachable_site_prints_the_verdict_and_why_alone(tmp_path):
    from tests.conftest import closed_port

    started = time.monotonic()
    port = closed_port()
    nothing = cli(
        "check", "suarakalbar", "--base-url", f"http://127.0.0.1:{port}", "--sample", "3", "-s", "RETRY_TIMES=0"
    )
    assert nothing.returncode == 1 and nothing.stdout.startswith("suarakalbar: unreachable: none of its "), (
        nothing.stdout
    )
    # every entry point tried (robots.txt among them or not, as the Scrapy release reports it), none answered
    said = re.search(
        rf"none of its (\d+) entry points answered \(connection-refused (\d+)\) at 127.0.0.1:{port}: ", nothing.stdout
    )
    assert said and said[1] == said[2] and int(said[1]) >= 6, nothing.stdout
    assert nothing.stdout.rstrip().endswith("network, DNS or --base-url?")
    assert nothing.stdout.count("\n") == 1 and nothing.stderr == ""  # no 0 % table, no Scrapy ERROR line
    assert time.monotonic() - started < 40


def test_crawler_check_says_where_it_fetched():
    with LocalSite(SITES / "suarakalbar") as site:
        good = cli(
            "check", "suarakalbar", "--base-url", site.url, "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"
        )
    assert good.returncode == 0, good.stderr[-2000:]
    robots = next(line for line in good.stdout.splitlines() if "robots.txt" in line)
    assert "https://suarakalbar.co.id/robots.txt" in robots and f"(fetched: {site.url}/robots.txt)" in robots
    assert "matched nothing on any sampled page" not in good.stdout  # a passing check lists no selectors ...
    assert "fallbacks, not needed" in good.stdout  # ... it counts the fallbacks it did not need
