"""Shared test helpers. No test touches the network: servers are started on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.ports import closed_port

__all__ = ["closed_port"]  # tests import it from here

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SITES = FIXTURES / "sites"
os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection to a host other than loopback fails the test."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("/"):
            raise AssertionError(f"test tried to reach the network: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def article_fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("*/article-*.json"))


def load_expected(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def scrapy_crawl(site: str, db: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """``scrapy crawl SITE`` in the project root, fast settings for a loopback server."""
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        site,
        "-s",
        f"DB_PATH={db}",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "AUTOTHROTTLE_ENABLED=0",
        "-s",
        "LOG_LEVEL=INFO",
        "-s",
        "RETRY_BACKOFF_BASE=0.05",
        *args,
    ]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def article_callback(spider_cls, url: str, body: bytes, **settings: object) -> tuple[object, list]:
    """Run a spider's article callback on one page, as Scrapy would; (crawler, items).

    Extraction runs in the test process unless ``EXTRACT_WORKERS`` says otherwise."""
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(spider_cls, {"DB_PATH": "/nonexistent/x.db", "EXTRACT_WORKERS": 0, **settings})
    spider = spider_cls.from_crawler(crawler)
    crawler.spider = spider
    response = HtmlResponse(url, body=body, request=Request(url), encoding="utf-8")

    async def collect() -> list:
        return [item async for item in spider.parse_article(response)]

    try:
        return crawler, asyncio.run(collect())
    finally:
        spider.offload.close()


def cli(*args: str, timeout: int = 180, env: dict | None = None) -> subprocess.CompletedProcess:
    """``crawler ARGS`` as a user types it, from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli.main", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


FAST = (
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "RETRY_BACKOFF_BASE=0.05",
    "-s",
    "RETRY_TIMES=0",
)


def cli_crawl(
    db: Path, mirrors: dict[str, str], *args: str, timeout: int = 180, env: dict | None = None
) -> subprocess.CompletedProcess:
    """``crawler crawl`` of the given sites, each on its mirror, with fast settings for loopback."""
    sites = [a for site, url in mirrors.items() for a in ("--site", site, "--base-url", f"{site}={url}")]
    return cli("crawl", "--db", str(db), *sites, "--log-level", "WARNING", *FAST, *args, timeout=timeout, env=env)


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def redis_server(tmp_path):
    """A real Redis server on 127.0.0.1 for the test (see tests/redis_server.py)."""
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


BUNDLED = ("suarakalbar", "infopublik", "editorialkaltim")


def crawled_copy(tmp_path_factory, to: Path, sites: tuple[str, ...] = ("suarakalbar",)) -> Path:
    """A crawl of the bundled copies of ``sites`` over HTTP by ``crawler crawl``, copied to ``to``.
    The crawl is made once per test run and shared by every worker (under a file lock): many
    modules read such an archive, none needs its own crawl of the same pages."""
    import shutil
    import sqlite3
    from contextlib import ExitStack

    from filelock import FileLock

    from crawler.cli.localserver import LocalSite

    base = tmp_path_factory.getbasetemp()
    shared_dir = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # the run's own folder
    shared = shared_dir / f"crawled-{'-'.join(sites)}.db"
    with FileLock(str(shared) + ".lock"):
        if not shared.exists():
            building = shared_dir / f"building-{'-'.join(sites)}.db"
            with ExitStack() as stack:
                mirrors = {s: stack.enter_context(LocalSite(SITES / s)).url for s in sites}
                done = cli_crawl(building, mirrors)
            assert done.returncode == 0, done.stdout + done.stderr[-3000:]
            conn = sqlite3.connect(building)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the whole archive in the one file
            conn.close()
            building.replace(shared)
    shutil.copyfile(shared, to)
    return to
