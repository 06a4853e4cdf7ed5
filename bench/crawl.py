"""A crawl of a generated site by Pantau, beside a bare Scrapy spider on the same site."""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import ROOT, ROUNDS
from crawler.fetch.offload import high_water_mb

# ----------------------------------------------------------------------------- 3. crawl


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CRAWL_SETTINGS = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "CONCURRENT_REQUESTS=16",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "-s",
    "LOG_LEVEL=INFO",
    "-s",
    "PROGRESS_INTERVAL=0",
    "-s",
    "HTTPCACHE_ENABLED=0",
    "-s",
    "SITEMAP_MAX_CHILDREN=50",
    # Scrapy samples its memory every 60 s by default: a peak would depend on whether a
    # sample fell mid-crawl; once a second, for the crawler and the bare spider alike
    "-s",
    "MEMUSAGE_CHECK_INTERVAL_SECONDS=1",
]


def _descendants(pid: int) -> list[int]:
    """A process and every process under it, from /proc (Linux)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


class PeakMemory:
    """The peak resident memory of a process tree, read every ``every`` seconds while it runs:
    each process's own peak (VmHWM: ``ru_maxrss`` carries over the launcher's memory, and a crawl
    started by this 200 MB benchmark showed 230 MB before it began), summed over the processes
    (the crawl and its helpers)."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid, self.every = pid, every
        self.peaks: dict[int, float] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.done.wait(self.every):
            for pid in _descendants(self.pid):
                if (mb := high_water_mb(pid)) is not None:
                    self.peaks[pid] = max(self.peaks.get(pid, 0.0), mb)

    def stop(self) -> tuple[float, float]:
        """(the first process's peak, the others' peaks summed), in MB."""
        self.done.set()
        self.thread.join()
        main = self.peaks.get(self.pid, 0.0)
        return main, sum(self.peaks.values()) - main


def run_scrapy(args: list[str], cwd: Path = ROOT, polite: bool = False) -> tuple[float, dict]:
    """A crawl in its own process; run from another directory, it is outside the project and on
    Scrapy's default settings. ``polite``: Pantau's politeness defaults, not the fast settings."""
    env = dict(os.environ)
    if cwd != ROOT:
        env.pop("SCRAPY_SETTINGS_MODULE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    extra = ["-s", "LOG_LEVEL=INFO", "-s", "PROGRESS_INTERVAL=0"] if polite else CRAWL_SETTINGS
    popen = subprocess.Popen(
        [sys.executable, "-m", "scrapy", *args, *extra],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    memory = PeakMemory(popen.pid)
    stdout, stderr = popen.communicate()
    proc = subprocess.CompletedProcess(popen.args, popen.returncode, stdout, stderr)
    main_mb, others_mb = memory.stop()
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the crawl and every process it waited for
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    stats = {
        "cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
        "peak_mb": main_mb,  # the crawl's process
        "helpers_peak_mb": others_mb,  # the processes it started (extraction helpers), summed
    }
    for key in (
        "downloader/request_count",
        "response_received_count",
        "memusage/max",
        "item_scraped_count",
        "elapsed_time_seconds",
        "pantau/helper_peak_rss_mb",
    ):
        m = re.search(rf"'{re.escape(key)}': ([\d.]+)", proc.stderr)
        stats[key] = float(m.group(1)) if m else 0.0
    stats["pages_per_s"] = stats["response_received_count"] / stats["elapsed_time_seconds"]
    return elapsed, stats


def wait_until_serving(url: str, limit: float = 120.0) -> None:
    """Until the server answers (it renders its pages before serving)."""
    from urllib.request import urlopen

    deadline = time.monotonic() + limit
    while True:
        try:
            with urlopen(url, timeout=2) as response:
                response.read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def bench_crawl(articles: int, rounds: int = ROUNDS) -> dict:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "testkit.generated_site", "--port", str(port), "--articles", str(articles)], cwd=ROOT
    )
    base = f"http://127.0.0.1:{port}"
    tmp = Path(tempfile.mkdtemp(prefix="pantau-bench-"))
    bare_spider = str(ROOT / "bench" / "bare_spider.py")
    try:
        wait_until_serving(base + "/robots.txt")
        # the reference: a spider that only yields URLs, on Scrapy's own defaults
        runs: dict[str, list[tuple[float, dict]]] = {"bare": [], "bare_tuned": [], "ours": [], "peer": []}
        peer_spider = str(ROOT / "bench" / "peer_spider.py")
        for r in range(rounds):  # interleaved rounds, the best of each kept: this kind of machine is noisy
            # the reference: a spider that only yields URLs, on Scrapy's own defaults
            runs["bare"].append(run_scrapy(["runspider", bare_spider, "-a", f"base_url={base}"], cwd=tmp))
            # for comparison: the same spider with Pantau's settings (its middlewares, CONCURRENT_ITEMS...)
            runs["bare_tuned"].append(
                run_scrapy(
                    [
                        "runspider",
                        bare_spider,
                        "-a",
                        f"base_url={base}",
                        "-s",
                        "ITEM_PIPELINES={}",
                        "-s",
                        f"DB_PATH={tmp / 'unused.db'}",
                    ]
                )
            )
            db = tmp / f"crawl-{r}.db"  # a first crawl each time
            runs["ours"].append(run_scrapy(["crawl", "suarakalbar", "-a", f"base_url={base}", "-s", f"DB_PATH={db}"]))
            # what a user would build instead: Scrapy + trafilatura + sqlite-utils with FTS, outside the project
            peer_db = tmp / f"peer-{r}.db"
            peer_args = ["runspider", peer_spider, "-a", f"base_url={base}", "-a", f"db={peer_db}"]
            runs["peer"].append((*run_scrapy(peer_args, cwd=tmp), peer_db))
        (bare_s, bare), (_, bare_tuned), (ours_s, ours) = (
            max(runs[k], key=lambda run: run[1]["pages_per_s"]) for k in ("bare", "bare_tuned", "ours")
        )
        peer_s, peer, peer_db = max(runs["peer"], key=lambda run: run[1]["pages_per_s"])
        again_s, again = run_scrapy(["crawl", "suarakalbar", "-a", f"base_url={base}", "-s", f"DB_PATH={db}"])
        import sqlite3

        stored = sqlite3.connect(db).execute("select count(*) from articles").fetchone()[0]
        peer_stored = sqlite3.connect(peer_db).execute("select count(*) from articles").fetchone()[0]
        kept = sum(f.stat().st_size for f in (tmp / f"{db.stem}-pages").rglob("*.warc.gz"))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    # pages per second over the crawl's own elapsed time (process start-up excluded, same for all)
    return {
        "crawl_rounds": rounds,
        "crawl_pages_per_s_all_rounds": [round(run[1]["pages_per_s"], 1) for run in runs["ours"]],
        "bare_scrapy_pages_per_s_all_rounds": [round(run[1]["pages_per_s"], 1) for run in runs["bare"]],
        "crawl_articles": articles,
        "crawl_stored": stored,
        "page_archive_kb_per_article": round(kept / 1024 / max(stored, 1), 1),  # WARC, gzipped, as kept
        "crawl_pages_per_s": round(ours["pages_per_s"], 1),
        "bare_scrapy_pages_per_s": round(bare["pages_per_s"], 1),
        "crawl_ratio": round(ours["pages_per_s"] / bare["pages_per_s"], 2),
        "bare_scrapy_pantau_settings_pages_per_s": round(bare_tuned["pages_per_s"], 1),
        "crawl_ratio_vs_bare_pantau_settings": round(ours["pages_per_s"] / bare_tuned["pages_per_s"], 2),
        # the crawler process and its extraction helper together, each process's own peak (VmHWM)
        "crawl_peak_rss_mb": round(ours["peak_mb"] + ours["helpers_peak_mb"], 1),
        "crawl_helper_peak_rss_mb": round(ours["helpers_peak_mb"], 1),
        "bare_scrapy_peak_rss_mb": round(bare["peak_mb"], 1),
        "peer_pipeline_peak_rss_mb": round(peer["peak_mb"], 1),
        "crawl_requests": int(ours["downloader/request_count"]),
        "recrawl_requests": int(again["downloader/request_count"]),
        "recrawl_request_share": round(again["downloader/request_count"] / ours["downloader/request_count"], 4),
        "recrawl_time_share": round(again["elapsed_time_seconds"] / ours["elapsed_time_seconds"], 4),
        # beside what a user would build instead (Scrapy + trafilatura + sqlite-utils and FTS), same site, same run
        "peer_pipeline_pages_per_s": round(peer["pages_per_s"], 1),
        "crawl_vs_peer_pipeline_ratio": round(ours["pages_per_s"] / peer["pages_per_s"], 2),
        "peer_pipeline_stored": peer_stored,
        "crawl_cpu_ms_per_article": round(1000 * ours["cpu_s"] / max(stored, 1), 1),  # every first crawl stores all
        "peer_pipeline_cpu_ms_per_article": round(1000 * peer["cpu_s"] / max(peer_stored, 1), 1),
        "bare_scrapy_cpu_ms_per_page": round(1000 * bare["cpu_s"] / max(bare["response_received_count"], 1), 1),
        "peer_pipeline_pages_per_s_all_rounds": [round(run[1]["pages_per_s"], 1) for run in runs["peer"]],
        "peer_pipeline_wall_s": round(peer_s, 1),
        "crawl_wall_s": round(ours_s, 1),
        "bare_scrapy_wall_s": round(bare_s, 1),
    }
