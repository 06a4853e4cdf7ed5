"""Pantau benchmark: extraction, dates, crawl and storage, each beside the reference users would pick.

    python bench/run.py [--out FILE] [--quick] [--scale]

Prints a table and writes the figures as JSON (default bench/results.json). Not part of the tests.
Every figure is measured in this one run on this machine; the machine is printed with them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, for python bench/run.py

from bench.common import ROOT, machine
from bench.crawl import bench_crawl
from bench.extraction import bench_dates, bench_extraction
from bench.many_sites import bench_many_sites
from bench.outside_pages import bench_outside_pages
from bench.real_pages import bench_real_pages
from bench.storage import bench_storage
from testkit.targets import TARGETS

# ----------------------------------------------------------------------------- main

TABLES = (
    "field_accuracy",
    "field_accuracy_real_pages",
    "fts_queries",
    "fts_queries_scale",
    "scale_runs",
    "scale_charts_1m",
    "freshness_sites",
    "real_pages_fundus",
    "real_pages_benchmark",
    "real_pages_postlight",
    "outside_pages_htmldate",
    "outside_pages_newspaper4k",
)


def print_results(results: dict, out: str) -> bool:
    print(f"\nPantau benchmark on {results['machine']}\n")
    print(f"{'figure':<44} {'value':>12}")
    for key, value in results.items():
        if key not in ("machine", "quick", "sections_run", *TABLES):
            print(f"{key:<44} {value!s:>12}")
    for name, when in results.get("sections_run", {}).items():
        print(f"section {name}: run {when}")
    print_accuracy(results)
    queries = results.get("fts_queries", []) + results.get("fts_queries_scale", [])
    if queries:
        print(
            f"\nFTS top-20 per query kind\n{'kind':<8} {'articles':>10} {'hits':>9} {'order':<10} {'median ms':>10} "
            f"{'p95 ms':>8}  query"
        )
        for q in queries:
            print(
                f"{q['kind']:<8} {q['articles']:>10} {q['hits']:>9} {q.get('order', ''):<10} {q['median_ms']:>10} "
                f"{q['p95_ms']:>8}  {q['query']}"
            )
    if "scale_charts_1m" in results:
        print(f"\ndashboard charts at 1M articles (Datasette's JSON, 90 days){'':<4} {'s':>7} {'rows':>6}")
        for name, chart in results["scale_charts_1m"].items():
            print(f"  {name:<56} {chart['s']:>7} {chart['rows']:>6}")
    if "freshness_sites" in results:
        print_freshness(results["freshness_sites"], results.get("freshness_scale"))
    met = print_targets(results)
    print(f"\nwritten to {out}")
    return met


def print_accuracy(results: dict) -> None:
    """Field accuracy, Pantau beside trafilatura: the fixture pages, and the real pages."""
    for key, label in (
        (
            "field_accuracy",
            "the fixture pages (exact match; body: shingle F1, the benchmark's metric; published_at: same instant)",
        ),
        ("field_accuracy_real_pages", "the real benchmark pages (ground truth has the body only)"),
        ("real_pages_fundus", "the Fundus pages (91 publishers, 31 countries; body: shingle F1)"),
        ("real_pages_benchmark", "the article-extraction-benchmark pages (body: shingle F1)"),
        ("real_pages_postlight", "the Postlight pages (70 sites; the fields each page's test checks)"),
        ("outside_pages_htmldate", "htmldate's evaluation pages, not in the repository (55 pages; date only)"),
        ("outside_pages_newspaper4k", "newspaper4k's test pages, not in the repository (20 pages)"),
    ):
        if key in results:
            print(f"\nfield accuracy on {label}")
            acc = results[key]
            print(f"{'field':<18} {'pantau':>8} {'trafilatura':>12}")
            for field in acc["pantau"]:
                print(f"{field:<18} {acc['pantau'][field]:>8} {acc['trafilatura'][field]:>12}")


def print_targets(results: dict) -> bool:
    """Each target with MET or MISS (a figure that could not be measured, None, is a MISS)."""
    print("\ntargets")
    met = True
    for key, op, bound, label in TARGETS:
        if key not in results:
            continue
        value = results[key]
        ok = value is not None and (value >= bound if op == ">=" else value <= bound)
        met &= ok
        print(f"  {'MET ' if ok else 'MISS'} {label:<50} {value} (target {op} {bound})")
    return met


def print_freshness(sites: dict, scale: float | None) -> None:
    print(f"\nfreshness per site and schedule (seconds at the README's defaults; the clock ran {scale}x)")
    print(
        f"{'schedule':<8} {'site':<16} {'kind':<9} {'/h':>4} {'new':>4} {'stored p50':>10} {'p95':>6} "
        f"{'alert p50':>9} {'p95':>6} {'req/h':>6} {'KB/day':>8} {'min gap':>8}"
    )
    for schedule, figures in sites.items():
        for site, f in figures.items():
            if not isinstance(f, dict):
                continue
            print(
                f"{schedule:<8} {site:<16} {f['kind']:<9} {f['per_hour']:>4} {f['measured']:>4} "
                f"{f['stored_p50_s']!s:>10} {f['stored_p95_s']!s:>6} {f['alert_p50_s']!s:>9} {f['alert_p95_s']!s:>6} "
                f"{f['requests_per_site_hour']:>6} {f['bytes_per_site_day'] / 1024:>8.0f} {f['min_gap_s']!s:>8}"
            )
        print(f"{schedule:<8} {figures['runs']} runs, median {figures['run_median_s']} s (real) each")


SECTIONS = (
    "extraction",
    "dates",
    "real_pages",
    "outside_pages",
    "crawl",
    "storage",
    "scale",
    "many_sites",
    "freshness",
)
DEFAULT = ["extraction", "dates", "real_pages", "crawl", "storage"]


def _sections(sizes: dict, quick: bool) -> dict:
    """Each section by name: what it runs."""

    def scale() -> dict:
        from bench.scale import bench_scale

        return bench_scale(sizes["large"], sizes["small"])

    def freshness() -> dict:
        from bench.freshness import bench_freshness

        return bench_freshness(6.0 if quick else 17.0)

    return {
        "extraction": lambda: bench_extraction(sizes["pages"]),
        "dates": lambda: bench_dates(sizes["rounds"]),
        "real_pages": bench_real_pages,
        "outside_pages": bench_outside_pages,  # fetches two source releases from PyPI the first time
        "crawl": lambda: bench_crawl(sizes["articles"]),
        "storage": lambda: bench_storage(sizes["storage"], searched=sizes["searched"]),
        "scale": scale,
        "many_sites": lambda: bench_many_sites(sizes["sites"], 20),
        "freshness": freshness,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument(
        "--freshness",
        action="store_true",
        help="only the freshness figures (polling when due vs the hourly crawl), added to the same file",
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="only the growth figures (1M vs 10k articles, 50 sites), added to the same file",
    )
    parser.add_argument(
        "--section",
        action="append",
        choices=SECTIONS,
        metavar="NAME",
        help=f"only this section (repeatable), added to the same file: {', '.join(SECTIONS)}",
    )
    args = parser.parse_args()
    sizes = (
        dict(pages=200, rounds=20, articles=500, storage=5_000, searched=10_000, large=50_000, small=5_000, sites=10)
        if args.quick
        else dict(
            pages=1000,
            rounds=200,
            articles=5000,
            storage=20_000,
            searched=100_000,
            large=1_000_000,
            small=10_000,
            sites=50,
        )
    )
    out = Path(args.out)
    results: dict = {"machine": machine(), "quick": args.quick}
    chosen = args.section or (["freshness"] if args.freshness else ["scale", "many_sites"] if args.scale else DEFAULT)
    if chosen != DEFAULT and out.exists():  # the figures of the other sections stay beside these
        results = json.loads(out.read_text()) | {"machine": machine()}
    runs = _sections(sizes, args.quick)
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        results.update(runs[name]())
        results[f"{name}_bench_s"] = round(time.perf_counter() - t, 1)
        results.setdefault("sections_run", {})[name] = f"{date.today().isoformat()} on {machine()}"
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")  # kept if a later section fails
    return 0 if print_results(results, str(out)) else 1


if __name__ == "__main__":
    sys.exit(main())
