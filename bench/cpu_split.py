"""Where a crawl's CPU goes, per stage, from py-spy's samples of the crawler and its helpers.

    pip install py-spy   # not a dependency of Pantau: a profiler, used here only
    python -m testkit.generated_site --port 8765 --articles 3000 &
    py-spy record --subprocesses --rate 200 --format raw -o crawl.raw -- \\
        python -m scrapy crawl suarakalbar -a base_url=http://127.0.0.1:8765 -s DB_PATH=/tmp/split.db \\
        -s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=0 -s CONCURRENT_REQUESTS=16 \\
        -s CONCURRENT_REQUESTS_PER_DOMAIN=16 -s SITEMAP_MAX_CHILDREN=50
    python bench/cpu_split.py crawl.raw --articles 3000

Each sample (a stack of one thread of one process) is given to the first stage whose code is on
its stack, in this order: imports at start-up, the page archive, the store's near-duplicate check,
the rest of the store (SQLite and FTS writes, identity, stories), extraction, enrichment, the
hand-off of pages to the helper; the rest is Scrapy, Twisted and Pantau's fetch code. Samples of a
thread waiting (select, a pipe's recv, a lock, a sleep) are left out: they cost no CPU.
"""

from __future__ import annotations

import argparse
from collections import Counter

WAITS = ("select", "poll", "wait", "Connection._recv", "sleep", "acquire", "_exit_when_orphaned", "Queue.get", "join")
STAGES = (
    ("start-up: imports", ("_find_and_load", "_call_with_frames_removed")),
    ("page archive (WARC, gzip)", ("page_archive.py", "warcio")),
    ("SQLite and FTS writes, identity, stories", ("crawler/store/", "sqlite_utils")),
    ("extraction", ("extract_page", "crawler/extraction/")),
    ("enrichment: topics, places, officials, SimHash, sketch", ("crawler/enrichment/",)),
    ("hand-off to the helper (pickling, pipes)", ("offload.py", "pickle", "connection.py")),
)


def stage_of(stack: str) -> str:
    if "crawler/store/" in stack and "neardup.py" in stack:
        return "near-duplicate check in the store"
    return next((name for name, marks in STAGES if any(m in stack for m in marks)), "Scrapy, Twisted and fetch")


def split(lines: list[str]) -> tuple[Counter[str], int]:
    """Samples per stage, and the samples of waiting threads left out."""
    stages: Counter[str] = Counter()
    waiting = 0
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack:
            continue
        leaf = stack.split(";")[-1].split(" (")[0]
        if any(leaf.endswith(w) for w in WAITS):
            waiting += int(count)
        else:
            stages[stage_of(stack)] += int(count)
    return stages, waiting


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("raw", help="py-spy's raw output (--format raw)")
    parser.add_argument("--articles", type=int, required=True, help="articles the crawl stored")
    parser.add_argument("--rate", type=int, default=200, help="py-spy's sampling rate (default 200 a second)")
    args = parser.parse_args()
    with open(args.raw, encoding="utf-8") as f:
        stages, waiting = split(f.readlines())
    total = sum(stages.values())
    print(f"{total} samples of work ({waiting} of waiting threads left out), {args.articles} articles")
    for name, n in stages.most_common():
        ms = 1000 * n / args.rate / args.articles
        print(f"  {name:<56} {100 * n / total:5.1f} %  {ms:5.2f} ms an article")


if __name__ == "__main__":
    main()
