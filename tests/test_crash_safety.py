"""SIGKILL and SIGTERM mid-crawl, two crawls writing at once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from testkit.generated_site import GeneratedSite
from tests.conftest import ROOT

FAST = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=4",
    "-s",
    "LOG_LEVEL=WARNING",
    "-s",
    "STORE_BATCH_SIZE=5",
]


def start_crawl(db, base_url, *extra):
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "suarakalbar",
        "-a",
        f"base_url={base_url}",
        "-s",
        f"DB_PATH={db}",
        *FAST,
        *extra,
    ]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def count(db, sql="select count(*) from articles"):
    try:
        conn = sqlite3.connect(db, timeout=30)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def wait_for_rows(db, n, proc, limit=60):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        if count(db) >= n:
            return True
        time.sleep(0.1)
    return False


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_sigkill_mid_crawl_then_rerun(tmp_path):
    db = tmp_path / "k.db"
    with GeneratedSite(120, delay=0.05) as site:
        proc = start_crawl(db, site.url)
        assert wait_for_rows(db, 10, proc), "the crawl never stored anything"
        helpers = children_of(proc.pid)
        assert helpers, "the crawl runs its page work in a helper process"
        proc.kill()  # SIGKILL: no cleanup at all
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(alive(h) for h in helpers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(h) for h in helpers), "helper processes outlived the killed crawl"
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        partial = conn.execute("select count(*) from articles").fetchone()[0]
        assert 10 <= partial < 120
        assert conn.execute("select count(*) from articles where body is null or title is null").fetchone()[0] == 0
        conn.close()
        rerun = start_crawl(db, site.url)
        _, err = rerun.communicate(timeout=180)
        assert rerun.returncode == 0, err[-3000:]
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("select count(*), count(distinct url_key) from articles").fetchone() == (120, 120)
    statuses = [s for (s,) in conn.execute("select status from crawl_runs order by id")]
    assert statuses == ["interrupted", "finished"]  # the killed run is marked when the next crawl opens the file


@pytest.mark.slow
def test_sigterm_is_a_graceful_stop(tmp_path):
    db = tmp_path / "t.db"
    with GeneratedSite(150, delay=0.1) as site:
        proc = start_crawl(db, site.url)
        assert wait_for_rows(db, 5, proc)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    conn = sqlite3.connect(db)
    status, new = conn.execute("select status, new from crawl_runs").fetchone()
    assert status == "interrupted", err[-2000:]
    assert new == conn.execute("select count(*) from articles").fetchone()[0] > 0
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
def test_two_crawls_write_to_one_database_at_once(tmp_path):
    db = tmp_path / "c.db"
    with GeneratedSite(60) as one, GeneratedSite(60) as two:
        a = start_crawl(db, one.url, "-s", "STORE_BATCH_SIZE=1")
        b = start_crawl(db, two.url, "-s", "STORE_BATCH_SIZE=1", "-a", "refresh=1")
        out_a, out_b = a.communicate(timeout=180), b.communicate(timeout=180)
    assert a.returncode == 0 and b.returncode == 0, (out_a[1][-2000:], out_b[1][-2000:])
    assert "locked" not in out_a[1] + out_b[1]
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*), count(distinct url_key) from articles").fetchone() == (60, 60)
    runs = conn.execute("select status, new + unchanged + updated from crawl_runs").fetchall()
    assert [r[0] for r in runs] == ["finished", "finished"] and all(r[1] == 60 for r in runs)
    assert os.path.getsize(db) > 0
