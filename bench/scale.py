"""``bench/run.py --scale``: the cost of a crawl, a new article and a query as the archive grows.

A database of 1,000,000 stored articles (three sites, three years up to today, ~250-word bodies
from a Zipf vocabulary, 2 % matching the watchlist) against one of 10,000, built the same way and
measured the same way in the same run. The fill writes rows directly (not through the crawler):
it is the archive's size that is measured, not how it was made. A body is 5 paragraphs drawn from
a pool of 20,000, and its fingerprints are composed from the paragraphs' (the SimHash's votes add
up, the sketch is the union of the paragraphs' samples): the crawler's own fingerprints but for the
few 3-shingles that span two paragraphs, at a fraction of the cost of hashing a million bodies.
One article in ten carries four of the paragraphs of the one before it (another site), so the
near-duplicate checks of a new article meet real candidates, as they do in a crawl.
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.common import ROOT
from bench.crawl import CRAWL_SETTINGS
from bench.many_sites import run_watched
from bench.storage import fts_latencies, fts_queries
from bench.synthetic import Pool, fill, paragraphs

STORE_RUNS = 3  # the store cost is measured this many times, each on another filled day


def store_cost(path: Path, pool: Pool, count: int = 200, run: int = 0) -> float:
    """Seconds per new article stored (near-duplicate lookup among the same day's articles,
    stories, FTS), for articles published on a day the archive already fills (``run`` days
    before the first such day, so that no run meets another's articles): bodies from the fill's
    paragraphs, one in ten a copy of an article stored that day less one paragraph."""
    from crawler.extraction.extract import content_hash
    from crawler.items import Article
    from crawler.store.storage import Database

    rng = random.Random(count + run)
    day = (date.today() - timedelta(days=3 + run)).isoformat()
    conn = __import__("sqlite3").connect(path)
    stored = [
        body
        for (body,) in conn.execute("SELECT body FROM articles WHERE published_date = ? LIMIT ?", (day, count // 10))
    ]
    conn.close()
    index = {p: i for i, p in enumerate(pool.paragraphs)}
    articles = []
    for i in range(count):
        copied = stored[i // 10].split("\n\n")[1:] if i % 10 == 0 and i // 10 < len(stored) else None
        chosen = [index[p] for p in copied] if copied else [rng.randrange(len(pool.paragraphs)) for _ in range(5)]
        body, simhash, sketch = pool.body(chosen)
        url = f"https://www.suarakalbar.co.id/2099/01/baru-{run}-{i}/"
        articles.append(
            Article(
                url=url,
                url_key=url,
                source_url=url,
                site="suarakalbar",
                title=f"Berita baru {i}",
                published_date=day,
                published_at=day + "T09:00:00+07:00",
                authors=["Admin"],
                body=body,
                word_count=250,
                content_hash=content_hash(body),
                language="id",
                simhash=simhash,
                sketch=sketch,
            )
        )
    db = Database.open(path)
    start = time.perf_counter()
    for i in range(0, count, 50):
        db.store_articles(articles[i : i + 50])
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed / count


def recrawl(path: Path, mirror_articles: int) -> dict:
    """An incremental crawl of an unchanged mirror of suarakalbar: start-up (process start to the
    first request), wall time, requests, peak RSS of the crawl's process tree."""
    from testkit.generated_site import GeneratedSite

    site = GeneratedSite(mirror_articles)  # pages rendered on request: an unchanged crawl fetches none
    threading.Thread(target=site.server.serve_forever, daemon=True).start()
    try:
        cmd = [
            sys.executable,
            "-m",
            "crawler.cli.main",
            "crawl",
            "--db",
            str(path),
            "--site",
            "suarakalbar",
            "--base-url",
            f"suarakalbar={site.url}",
            "--format",
            "json",
            "--log-level",
            "WARNING",
            *CRAWL_SETTINGS[:8],
        ]
        started = time.time()
        returncode, out, peak = run_watched(cmd)
        wall = time.time() - started
        run = json.loads(out)["runs"][0]
        if returncode != 0:
            raise RuntimeError(f"the incremental crawl failed: {run.get('error')}")
        startup = (site.first_request_at or started) - started
    finally:
        site.server.shutdown()
        site.server.server_close()
    article_pages = sum(1 for p in site.requests if "/berita-nomor-" in p)
    return {
        "startup_s": round(startup, 2),
        "wall_s": round(wall, 1),
        "requests": run["requests"],
        "article_pages": article_pages,
        "rss_mb": round(peak),
        # a first crawl fetches every article page and the same entry points
        # modelled, not measured: a first crawl of the mirror would fetch every article page and the
        # same entry points (fetching a million pages to measure it would take hours)
        "request_share_modelled": round(run["requests"] / (mirror_articles + run["requests"]), 4),
    }


def command_seconds(path: Path, *args: str) -> tuple[float, int]:
    """Wall time of a ``crawler`` command as typed, and the lines (or bytes) it printed."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli.main", *args, "--db", str(path)], cwd=ROOT, capture_output=True
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode()[-2000:])
    return time.perf_counter() - start, proc.stdout.count(b"\n")


def measure(n: int, folder: Path, pool: Pool) -> dict:
    path = folder / f"archive-{n}.db"
    t = time.perf_counter()
    mirror = fill(path, n, pool)
    filled_s = time.perf_counter() - t
    out = {"articles": n, "fill_s": round(filled_s, 1), "db_mb": round(path.stat().st_size / 2**20)}
    out["recrawl"] = recrawl(path, mirror)
    costs = [round(store_cost(path, pool, run=run) * 1000, 2) for run in range(STORE_RUNS)]
    out["store_ms_per_article_runs"] = costs
    out["store_ms_per_article"] = min(costs)
    out["store_ms_per_article_median"] = statistics.median(costs)
    conn = __import__("sqlite3").connect(path)
    out["fts_queries"] = fts_latencies(conn)
    common = fts_queries(conn)["common"]
    conn.close()
    for name, args in (
        ("search", ("search", common)),
        ("report", ("report", "--since", "7d")),
        ("export", ("export", "--since", "30d")),
    ):
        seconds, lines = command_seconds(path, *args)
        out[f"{name}_s"], out[f"{name}_lines"] = round(seconds, 2), lines
    out["charts"] = chart_seconds(path)
    return out


def chart_seconds(path: Path, rounds: int = 3) -> dict[str, dict]:
    """Each dashboard chart's stored query as the page asks Datasette for it (its JSON, the
    default range: the 90 days up to the newest article; then with the topic filter), median of
    ``rounds``, with the rows it returned. A chart without rows is not a measurement: it fails."""
    import asyncio

    from datasette.app import Datasette

    from crawler.web.charts import CHARTS

    conn = __import__("sqlite3").connect(path)
    conn.execute(
        "INSERT INTO deliveries (channel, topic, subject, version, kind, status, attempts, last_error, "
        "created_at, key) SELECT 'hook', 'netralitas-asn', id, 'v', 'match', 'failed', 5, 'refused', "
        "first_seen_at, id FROM articles ORDER BY rowid DESC LIMIT 50"
    )
    conn.commit()
    newest = date.fromisoformat(conn.execute("SELECT MAX(published_date) FROM articles").fetchone()[0])
    conn.close()
    since, until = (newest - timedelta(days=90)).isoformat(), newest.isoformat()

    async def run() -> dict[str, dict]:
        ds = Datasette([str(path)], settings={"sql_time_limit_ms": 60_000})
        await ds.invoke_startup()
        out = {}
        for chart in CHARTS:
            for topic in ("", "netralitas-asn"):
                url = (
                    f"/{path.stem}/{chart.name}.json?_shape=array&since={since}&until={until}&site=&province="
                    f"&topic={topic}"
                )
                times, rows = [], []
                for _ in range(rounds):
                    start = time.perf_counter()
                    response = await ds.client.get(url)
                    times.append(time.perf_counter() - start)
                    if response.status_code != 200:
                        raise RuntimeError(f"{chart.name}: HTTP {response.status_code}: {response.text[:300]}")
                    rows = response.json()
                if not rows:
                    raise RuntimeError(f"{chart.name} (topic {topic!r}) returned no rows: not a measurement")
                out[f"{chart.name}{'+topic' if topic else ''}"] = {
                    "s": round(sorted(times)[rounds // 2], 3),
                    "rows": len(rows),
                }
        return out

    return asyncio.run(run())


def bench_scale(large: int = 1_000_000, small: int = 10_000) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="pantau-scale-"))
    pool = Pool.of(paragraphs(random.Random(large)))
    try:
        runs = {}
        for n in (small, large):
            print(f"  scale: {n:,} articles ...", file=sys.stderr, flush=True)
            runs[n] = measure(n, folder, pool)
            print(f"  {json.dumps(runs[n])}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    lo, hi = runs[small], runs[large]
    return {
        "scale_runs": [lo, hi],
        "scale_startup_ratio": round(hi["recrawl"]["startup_s"] / lo["recrawl"]["startup_s"], 2),
        "scale_rss_mb_1m": hi["recrawl"]["rss_mb"],
        "scale_recrawl_request_share_1m_modelled": hi["recrawl"]["request_share_modelled"],
        "scale_recrawl_request_share_10k_modelled": lo["recrawl"]["request_share_modelled"],
        # min and median of the runs: single runs gave 2.8 and 7.6 on the same code
        "scale_store_ms_runs": [lo["store_ms_per_article_runs"], hi["store_ms_per_article_runs"]],
        "scale_store_cost_ratio": round(hi["store_ms_per_article"] / lo["store_ms_per_article"], 2),
        "scale_store_cost_ratio_median": round(
            hi["store_ms_per_article_median"] / lo["store_ms_per_article_median"], 2
        ),
        "scale_search_s_1m": hi["search_s"],
        "scale_report_s_1m": hi["report_s"],
        "scale_export_s_1m": hi["export_s"],
        "fts_queries_scale": lo["fts_queries"] + hi["fts_queries"],
        "fts_median_ms_1m": max(q["median_ms"] for q in hi["fts_queries"]),
        "scale_charts_1m": hi["charts"],
        "scale_chart_slowest_s_1m": max(c["s"] for c in hi["charts"].values()),
        "scale_measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
