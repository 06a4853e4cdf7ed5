"""Each site polled when it is due, its interval learnt from its own history; quick polls
with conditional requests (a server that honours them, one that ignores them); robots.txt fetched
once per run and kept between runs; a run with nothing due is cheap and says so; a crawl killed
mid-poll leaves the schedule as it was. All over HTTP, with ``crawler crawl`` as cron runs it."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy import signals

from crawler.cadence import Cadence, learnt_interval, next_interval
from crawler.cli.localserver import LocalSite
from crawler.store.polling import record_poll
from crawler.store.storage import Database
from testkit.pages_site import article, text
from tests.conftest import FAST, ROOT, cli, query

COPY = ROOT / "fixtures" / "sites" / "suarakalbar"
DUE_NOW = ("-s", "SCHEDULE_MIN_INTERVAL=0", "-s", "SCHEDULE_MAX_INTERVAL=0")  # every site due at every run


def _crawl(db: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    """``crawler crawl`` as cron runs it (no --site: the due sites), with the site on ``url``."""
    return cli(
        "crawl",
        "--db",
        str(db),
        "--base-url",
        f"suarakalbar={url}",
        *FAST,
        "--log-level",
        "WARNING",
        *args,
        env={"PANTAU_SITES": "/nonexistent"},
    )


def _only_suarakalbar(db: Path) -> None:
    """The other two sites are not due for a day (this test is about one site)."""
    conn = sqlite3.connect(db)
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="seconds")
    with conn:
        for site in ("infopublik", "editorialkaltim"):
            conn.execute(
                "INSERT OR REPLACE INTO site_schedule (site, interval_s, next_due_at, failures) "
                "VALUES (?, 86400, ?, 0)",
                (site, later),
            )
    conn.close()


def _due_now(db: Path) -> None:
    """suarakalbar's next poll moved to a minute ago, as if its interval had passed."""
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE site_schedule SET next_due_at = ? WHERE site = 'suarakalbar'", (past,))
    conn.close()


def _first_crawl(db: Path, url: str) -> None:
    done = cli("crawl", "--db", str(db), "--site", "suarakalbar", "--base-url", f"suarakalbar={url}", *FAST)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    _only_suarakalbar(db)


# ----------------------------------------------------------------------------- the interval


def _at(base: datetime, minutes: float) -> datetime:
    return base - timedelta(minutes=minutes)


def test_interval_learnt_from_history():
    now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    cadence = Cadence(floor=300, ceiling=21600, share=0.25, window_days=14)
    busy = [_at(now, 10 * i) for i in range(14 * 144)]  # one every 10 minutes, day and night
    assert learnt_interval(busy, now, cadence) == 300  # a quarter of 10 min is under the floor
    ordinary = [_at(now, 60 * i) for i in range(14 * 24)]  # one an hour
    assert learnt_interval(ordinary, now, cadence) == pytest.approx(900, rel=0.01)  # a quarter of an hour
    assert learnt_interval([], now, cadence) == 21600  # nothing known: the ceiling
    sleepy = [now.replace(hour=22) - timedelta(days=d + 1) for d in range(14)]  # one a day, at 22:00
    assert learnt_interval(sleepy, now, cadence) == 21600  # at 10:00: the ceiling
    assert learnt_interval(sleepy, now.replace(hour=22), cadence) < 21600 / 2  # around its hour: more often
    # a site that publishes only in its working hours (08-16 UTC here) is polled more often then
    day_only = [now.replace(hour=h) - timedelta(days=d) for d in range(14) for h in range(8, 16)]
    in_hours = learnt_interval(day_only, now, cadence)
    at_night = learnt_interval(day_only, now.replace(hour=22), cadence)
    assert in_hours < 1200 and at_night > 2 * in_hours  # one an hour in its hours: about a quarter hour


def test_a_failed_run_is_retried_after_the_floor_doubling_up_to_the_learnt_interval():
    cadence = Cadence(floor=60, ceiling=3600)
    assert next_interval(600, 0, False, cadence=cadence) == (600, "")
    retries = [next_interval(600, n, False, cadence=cadence) for n in range(1, 6)]
    assert [r[0] for r in retries] == [60, 120, 240, 480, 600]  # never later than the learnt interval
    assert retries[1][1] == "retrying: 2 failed in a row"
    assert next_interval(600, 2, True, cadence=cadence)[0] == 240  # it answered 503 too: twice the retry


def test_a_finished_run_told_to_slow_down_waits_twice_its_interval_up_to_the_ceiling():
    cadence = Cadence(floor=60, ceiling=3600)
    longer, why = next_interval(600, 0, True, cadence=cadence)
    assert longer == 1200 and "429/503" in why
    assert next_interval(3000, 0, True, cadence=cadence)[0] == 3600


def test_a_site_failing_at_two_and_back_at_five_past_is_polled_again_by_a_quarter_past(tmp_path):
    """The real schedule (record_poll after each run, schedule() deciding who is due), a clock
    stepped by the test; the site has no history yet, so its learnt interval is the ceiling."""
    from crawler.store.polling import schedule

    db = Database.open(tmp_path / "p.db")
    cadence = Cadence()  # the defaults: floor 3 min, ceiling 6 h
    clock = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    back_at = clock + timedelta(minutes=5)
    polls = []
    while clock <= clock.replace(hour=3):
        (row,) = schedule(db.conn, ["suarakalbar"], cadence, now=clock)
        if row.due:
            polls.append(clock)
            status = "finished" if clock >= back_at else "failed"
            with db.transaction() as conn:
                record_poll(conn, "suarakalbar", status, slowed=False, cadence=cadence, now=clock)
        clock += timedelta(minutes=1)
    first_after = next(p for p in polls if p >= back_at)
    assert first_after <= back_at.replace(minute=15), polls
    assert [p.strftime("%H:%M") for p in polls[:3]] == ["02:00", "02:03", "02:09"]
    assert len(polls) == 3  # back and finished: the learnt interval again (hours, no history)
    db.close()


def test_record_poll_keeps_the_schedule_in_the_database(tmp_path):
    db = Database.open(tmp_path / "p.db")
    now = datetime.now(UTC)
    with db.transaction() as conn:
        for i in range(200):  # an article every 15 minutes for two days
            seen = (now - timedelta(minutes=15 * i)).isoformat(timespec="seconds")
            conn.execute(
                "INSERT INTO articles (id, url, url_key, site, first_seen_at, published_at) VALUES "
                "(?, ?, ?, 'suarakalbar', ?, ?)",
                (f"a{i}", f"u{i}", f"k{i}", seen, seen),
            )
    cadence = Cadence(floor=60, ceiling=7200, share=0.25)
    with db.transaction() as conn:
        interval, why = record_poll(conn, "suarakalbar", "finished", slowed=False, cadence=cadence, now=now)
    assert 150 < interval < 500 and why == ""  # about a quarter of 15 minutes
    with db.transaction() as conn:
        failed, why = record_poll(conn, "suarakalbar", "failed", slowed=False, cadence=cadence, now=now)
    assert failed == 60 and why == "retrying: 1 failed in a row"  # the floor
    row = db.conn.execute("SELECT failures, next_due_at FROM site_schedule WHERE site = 'suarakalbar'").fetchone()
    assert row[0] == 1 and datetime.fromisoformat(row[1]) > now
    db.close()


# ----------------------------------------------------------------------------- over HTTP


def test_a_site_not_due_is_not_fetched_and_the_run_says_so_quickly(tmp_path):
    db = tmp_path / "p.db"
    with LocalSite(COPY) as site:
        _first_crawl(db, site.url)
        before = len(site.requests)
        started = time.monotonic()
        tick = _crawl(db, site.url)  # the defaults: the site was crawled a moment ago
        took = time.monotonic() - started
        assert len(site.requests) == before
    assert tick.returncode == 0, tick.stderr
    assert tick.stdout.startswith("no site is due; next: ") and "`--all`" in tick.stdout
    assert took < 3.0  # (the command itself takes a fraction of a second; the rest is Python starting)
    shown = cli("sites", "--db", str(db))
    assert shown.returncode == 0
    line = next(x for x in shown.stdout.splitlines() if x.startswith("suarakalbar"))
    assert "finished" in line and "quick" in line  # the next poll is quick: a full walk was just made


@pytest.mark.parametrize("validators", [True, False], ids=["honours-304", "ignores-validators"])
def test_a_quick_poll_asks_conditionally_and_parses_nothing_unchanged(tmp_path, validators):
    db = tmp_path / "p.db"
    with LocalSite(COPY, validators=validators) as site:
        _first_crawl(db, site.url)
        first = site.requests[:]
        _due_now(db)
        poll = _crawl(db, site.url, *DUE_NOW, "--format", "json")
        polled = site.requests[len(first) :]
    # once per run: the spider reads Scrapy's parsed copy (Scrapy 2.15 has no robots_parsed signal: twice)
    assert first.count("/robots.txt") == (1 if hasattr(signals, "robots_parsed") else 2)
    assert poll.returncode == 0, poll.stdout + poll.stderr[-2000:]
    assert "/robots.txt" not in polled  # kept from the last run (ROBOTS_CACHE_SECONDS)
    assert polled == ["/feed/"]  # the cheapest fresh signal, and it said nothing is new
    mode, not_modified, status = query(db, "SELECT mode, not_modified, status FROM crawl_runs ORDER BY id DESC")[0]
    assert (mode, status, not_modified) == ("quick", "finished", 1)  # a 304, or the same body again
    assert '"not_modified": 1' in poll.stdout


def _copied_site(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the site that a test may change, and a database beside it."""
    copy = tmp_path / "site"
    shutil.copytree(COPY, copy)
    return copy, tmp_path / "p.db"


@pytest.mark.slow
def test_a_quick_poll_falls_back_when_the_feed_fails(tmp_path):
    copy, db = _copied_site(tmp_path)
    with LocalSite(copy) as site:
        _first_crawl(db, site.url)
        (copy / "feed" / "index.xml").unlink()
        before = len(site.requests)
        _due_now(db)
        poll = _crawl(db, site.url, *DUE_NOW)
        polled = site.requests[before:]
    assert poll.returncode == 0, poll.stdout + poll.stderr[-2000:]
    assert polled[:2] == ["/feed/", "/sitemap_index.xml"]  # the feed is gone: the sitemap instead
    assert "/" not in polled  # the sitemap answered (304): the home page is not needed
    assert query(db, "SELECT mode, status FROM crawl_runs ORDER BY id DESC")[0] == ("quick", "finished")


def test_a_new_article_in_the_feed_is_found_by_the_quick_poll(tmp_path):
    copy, db = _copied_site(tmp_path)
    with LocalSite(copy) as site:
        _first_crawl(db, site.url)
        slug = "/2024/11/bupati-sambas-ingatkan-asn-netral-saat-pilkada/"
        page = copy / slug.strip("/") / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(
            article("Bupati Sambas Ingatkan ASN Netral Saat Pilkada", "2024-11-20T10:00:00+07:00", text(slug, 8)),
            encoding="utf-8",
        )
        feed = copy / "feed" / "index.xml"
        item = (
            f"<item><title>Bupati Sambas</title><link>https://www.suarakalbar.co.id{slug}</link>"
            "<pubDate>Wed, 20 Nov 2024 03:00:00 +0000</pubDate></item>"
        )
        feed.write_text(feed.read_text(encoding="utf-8").replace("<item>", item + "<item>", 1), encoding="utf-8")
        os.utime(feed, (time.time() + 5, time.time() + 5))  # a newer Last-Modified than the one kept
        _due_now(db)
        poll = _crawl(db, site.url, *DUE_NOW)
    assert poll.returncode == 0, poll.stdout + poll.stderr[-2000:]
    assert query(db, "SELECT COUNT(*) FROM articles WHERE url LIKE ?", f"%{slug}")[0][0] == 1
    assert query(db, "SELECT mode, new FROM crawl_runs ORDER BY id DESC")[0] == ("quick", 1)
    assert "a quick poll; entry points unchanged since the last run (304 or the same body): 0" in poll.stdout


@pytest.mark.slow
def test_a_crawl_killed_mid_poll_leaves_the_schedule_as_it_was(tmp_path):
    db = tmp_path / "p.db"
    with LocalSite(COPY) as site:
        _first_crawl(db, site.url)
        validators_before = query(db, "SELECT * FROM entry_validators ORDER BY url")
        _due_now(db)
        schedule_before = query(db, "SELECT * FROM site_schedule ORDER BY site")
        # a full walk (--full) of a site that answers slowly: killed while it runs
        cmd = [
            sys.executable,
            "-m",
            "crawler.cli.main",
            "crawl",
            "--db",
            str(db),
            "--full",
            "--base-url",
            f"suarakalbar={site.url}",
            "-s",
            "DOWNLOAD_DELAY=1",
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
        ]
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PANTAU_SITES": "/nonexistent"},
        )
        deadline, before = time.monotonic() + 30, len(site.requests)
        while time.monotonic() < deadline and len(site.requests) < before + 3:  # mid-walk
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert query(db, "SELECT * FROM site_schedule ORDER BY site") == schedule_before
        assert query(db, "SELECT * FROM entry_validators ORDER BY url") == validators_before
        tick = _crawl(db, site.url)  # still due: polled at the next tick, and finished
    assert tick.returncode == 0, tick.stdout + tick.stderr[-2000:]
    assert query(db, "SELECT status FROM crawl_runs ORDER BY id DESC")[0][0] == "finished"
    assert query(db, "SELECT status FROM crawl_runs WHERE id = 2")[0][0] == "interrupted"


def test_a_site_whose_crawl_runs_is_not_due_and_a_failing_site_says_when_it_is_retried(tmp_path):
    from crawler.alerts.config import NotifySettings
    from crawler.alerts.health import health_warnings
    from crawler.store.polling import schedule

    db = Database.open(tmp_path / "p.db")
    cadence = Cadence(floor=60, ceiling=3600)
    run = db.start_run("suarakalbar")  # this process: alive, so the site's crawl is running
    due = {r.site: r for r in schedule(db.conn, ["suarakalbar", "infopublik"], cadence)}
    assert due["suarakalbar"].running and not due["suarakalbar"].due
    assert due["infopublik"].due and not due["infopublik"].running  # never crawled: due now
    db.finish_run(run, status="failed", error="https://www.suarakalbar.co.id/feed/: dns")
    with db.transaction() as conn:
        for _ in range(3):
            record_poll(conn, "suarakalbar", "failed", slowed=False, cadence=cadence)
    warnings = health_warnings(db, NotifySettings(), datetime.now(UTC))
    assert "(retrying in 4 min, 3 failed in a row)" in warnings["failed:suarakalbar"]
    db.close()


@pytest.mark.slow
def test_a_304_to_a_request_that_sent_no_validators_is_a_failed_entry_point(tmp_path):
    """A server that sent no ETag or Last-Modified, then answers the feed with 304 whatever is
    asked: nothing was asked conditionally, so the 304 says nothing about the feed, and the poll
    falls back to the sitemap."""
    from crawler.cli.localserver import SiteHandler

    class AlwaysNotModified(SiteHandler):
        def do_GET(self) -> None:
            if self.path == "/feed/":
                self.requests_seen.append(self.path)
                self.send_response(304)
                self.end_headers()
                return
            super().do_GET()

    db = tmp_path / "p.db"
    with LocalSite(COPY, validators=False) as site:
        _first_crawl(db, site.url)
        site.server.RequestHandlerClass = type(
            "Handler", (AlwaysNotModified,), dict(vars(site.server.RequestHandlerClass))
        )
        _due_now(db)
        before = len(site.requests)
        poll = _crawl(db, site.url, *DUE_NOW, "--format", "json")
        polled = site.requests[before:]
    assert poll.returncode == 0, poll.stdout + poll.stderr[-2000:]
    assert polled[:2] == ["/feed/", "/sitemap_index.xml"], polled
    mode, failures = query(db, "SELECT mode, entry_failures FROM crawl_runs ORDER BY id DESC")[0]
    assert mode == "quick" and "feed http-304" in failures, failures
