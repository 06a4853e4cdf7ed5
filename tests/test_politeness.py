"""robots.txt's Crawl-delay (and Request-rate) is honoured: measured at the server, no
two requests of a crawl come closer than the delay the site asked for, with AutoThrottle on or off;
a delay beyond CRAWL_DELAY_MAX is capped with a warning."""

from __future__ import annotations

import pytest

from testkit.pages_site import PagesSite, article, listing, text
from tests.conftest import cli

pytestmark = pytest.mark.slow  # long end-to-end runs against real failing parts: ./run.sh test --all

PATHS = [f"/2024/10/berita-sopan-nomor-{i}/" for i in range(5)]


def _site(robots: str) -> PagesSite:
    pages: dict = {"/robots.txt": (200, "text/plain", robots.encode())}
    for i, path in enumerate(PATHS):
        pages[path] = article(f"Berita Sopan Nomor {i} dari Kabupaten", "2024-10-14T09:00:00+07:00", text(path, 6))
    pages["/"] = listing(["{host}" + p for p in PATHS])
    return PagesSite(pages)


def _crawl(tmp_path, site: PagesSite, *settings: str):
    return cli(
        "crawl",
        "--db",
        str(tmp_path / "p.db"),
        "--site",
        "suarakalbar",
        "--base-url",
        f"suarakalbar={site.url}",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "RETRY_TIMES=0",
        "--log-level",
        "INFO",
        *settings,
    )


@pytest.mark.parametrize("throttle", ["1", "0"])
def test_crawl_delay_is_the_least_gap_between_requests(tmp_path, throttle):
    with _site("User-agent: *\nCrawl-delay: 1.5\n") as site:
        done = _crawl(tmp_path, site, "-s", f"AUTOTHROTTLE_ENABLED={throttle}")
        times = site.times[:]
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "1.5 s between requests (Crawl-delay)" in done.stderr
    # every request after robots.txt (the middleware's and the spider's fetch of it come first)
    after = [t for t, p in zip(times, site.requests, strict=True) if p != "/robots.txt"]
    assert len(after) >= len(PATHS) + 1
    gaps = [b - a for a, b in zip(after, after[1:], strict=False)]
    assert min(gaps) >= 1.5 * 0.95, gaps


def test_request_rate_and_a_capped_delay(tmp_path):
    with _site("User-agent: *\nRequest-rate: 1/2\n") as site:  # one request per 2 seconds
        done = _crawl(tmp_path, site, "-s", "AUTOTHROTTLE_ENABLED=0", "--max-items", "2")
        after = [t for t, p in zip(site.times, site.requests, strict=True) if p != "/robots.txt"]
    assert done.returncode == 0 and min(b - a for a, b in zip(after, after[1:], strict=False)) >= 2 * 0.95
    with _site("User-agent: *\nCrawl-delay: 3600\n") as site:
        done = _crawl(tmp_path, site, "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CRAWL_DELAY_MAX=1", "--max-items", "1")
    assert done.returncode == 0 and "asks for 3600 s between requests; using 1 s (CRAWL_DELAY_MAX)" in done.stderr


def test_a_robots_txt_larger_than_the_page_limit_has_its_first_500_kib_obeyed(tmp_path):
    """10 MB of robots.txt (above the 8 MB page limit) that starts by forbidding /2024/: the rules
    at its start hold, what lies past 500 KiB is ignored with a warning."""
    filler = "".join(f"# line {i} of a very long robots.txt\n" for i in range(300_000))
    assert len(filler) > 10 * 1024 * 1024
    with _site("User-agent: *\nDisallow: /2024/\n" + filler + "Allow: /2024/\n") as site:
        done = _crawl(tmp_path, site, "-s", "AUTOTHROTTLE_ENABLED=0")
        fetched = site.requests[:]
    assert done.returncode in (0, 1), done.stdout + done.stderr[-2000:]
    assert not [p for p in fetched if p.startswith("/2024/")], fetched
    assert "/" in fetched  # the listing, allowed
    assert "is larger than 500 KiB: its first 500 KiB are obeyed" in done.stderr


def test_a_robots_txt_is_cut_at_a_line_end_within_its_limit():
    from crawler.fetch.politeness import obeyed_part

    body = b"User-agent: *\nDisallow: /a/\nDisallow: /b/\n"
    assert obeyed_part(body, 1000) == body
    assert obeyed_part(body, 30) == b"User-agent: *\nDisallow: /a/\n"  # never "Disallow: /" cut from "/b/"
    assert obeyed_part(b"Disallow: /private/", 10) == b""


@pytest.mark.parametrize("command", ["crawler", "scrapy"])
def test_sigterm_during_a_long_crawl_delay_ends_the_crawl_within_seconds_and_sends_nothing_more(tmp_path, command):
    """robots.txt asks for 30 s between requests: the crawl is stopped while it waits. It ends
    within 5 s, sends no request after the signal, and records the run as interrupted."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT, query

    db = tmp_path / "p.db"
    if command == "crawler":
        cmd = [
            sys.executable,
            "-m",
            "crawler.cli.main",
            "crawl",
            "--db",
            str(db),
            "--site",
            "suarakalbar",
            "--base-url",
            "suarakalbar={url}",
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
            "--log-level",
            "INFO",
        ]
    else:
        cmd = [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "suarakalbar",
            "-a",
            "base_url={url}",
            "-s",
            f"DB_PATH={db}",
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
        ]
    with _site("User-agent: *\nCrawl-delay: 30\n") as site:
        proc = subprocess.Popen(
            [a.replace("{url}", site.url) for a in cmd],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PANTAU_SITES": "/nonexistent"},
        )
        deadline = time.monotonic() + 60
        while not site.requests and time.monotonic() < deadline:  # robots.txt
            time.sleep(0.05)
        time.sleep(1.5)  # now waiting out the delay, the next requests queued
        assert proc.poll() is None and site.requests, site.requests
        signalled, before = time.time(), len(site.requests)
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=30)
        finally:
            proc.kill()
        took = time.time() - signalled
        after = [p for t, p in zip(site.times, site.requests, strict=True) if t > signalled]
    assert took < 5, f"the crawl took {took:.0f} s to stop after SIGTERM"
    assert after == [] and len(site.requests) == before, after
    assert "Traceback" not in err, err[-3000:]
    assert query(db, "SELECT status FROM crawl_runs") == [("interrupted",)]
