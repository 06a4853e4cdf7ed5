"""Many sites crawled in one process, beside one site."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT
from bench.crawl import CRAWL_SETTINGS

# ----------------------------------------------------------------------------- 5. many sites in one process


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (MB), from /proc."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) if "VmRSS" in status else 0
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError, ValueError):
            continue
    return total / 1024


def run_watched(cmd: list[str], env: dict[str, str] | None = None) -> tuple[int, str, float]:
    """Run a command from the project root: (exit code, standard output, peak RSS of its process
    tree in MB, sampled every 0.1 s)."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_rss_mb(proc.pid))
        time.sleep(0.1)
    return proc.returncode, proc.stdout.read(), peak


def crawl_sites(ports: dict[str, int], folder: Path) -> tuple[float, int, float]:
    """``crawler crawl`` of every site of ``ports`` (site files written to ``folder``), one process:
    (seconds, pages fetched, peak RSS of the process tree in MB)."""
    folder.mkdir(parents=True)
    for name in ports:
        (folder / f"{name}.toml").write_text(f'domains = ["{name}.example"]\nhome = "https://{name}.example/"\n')
    args = [
        a for name, port in ports.items() for a in ("--site", name, "--base-url", f"{name}=http://127.0.0.1:{port}")
    ]
    cmd = [
        sys.executable,
        "-m",
        "crawler.cli.main",
        "crawl",
        "--db",
        str(folder / "p.db"),
        *args,
        "--format",
        "json",
        "--log-level",
        "WARNING",
        *CRAWL_SETTINGS[:8],
    ]
    start = time.perf_counter()
    returncode, out, peak = run_watched(cmd, {**os.environ, "PANTAU_SITES": str(folder)})
    elapsed = time.perf_counter() - start
    runs = json.loads(out)["runs"]
    if returncode != 0:
        raise RuntimeError(f"crawl of {len(ports)} sites failed: {[r.get('error') for r in runs if r.get('error')]}")
    return elapsed, sum(r["responses"] or 0 for r in runs), peak


def serve_sites(sites: int, articles: int) -> tuple[subprocess.Popen, dict[str, int]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "testkit.generated_site", "--sites", str(sites), "--articles", str(articles)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    return proc, json.loads(proc.stdout.readline())


def bench_many_sites(sites: int = 50, per_site: int = 20) -> dict:
    """The same number of pages from one site, then from ``sites`` sites (each a site file on the
    generic WordPress profile), each crawled by one ``crawler crawl``."""
    tmp = Path(tempfile.mkdtemp(prefix="pantau-many-"))
    servers = []
    try:
        one, one_ports = serve_sites(1, sites * per_site)
        many, many_ports = serve_sites(sites, per_site)
        servers = [one, many]
        one_s, one_pages, one_rss = crawl_sites(one_ports, tmp / "one")
        many_s, many_pages, many_rss = crawl_sites(many_ports, tmp / "many")
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "many_sites": sites,
        "many_sites_pages": many_pages,
        "single_site_pages": one_pages,
        "single_site_pages_per_s": round(one_pages / one_s, 1),
        "many_sites_pages_per_s": round(many_pages / many_s, 1),
        "many_sites_ratio": round((many_pages / many_s) / (one_pages / one_s), 2),
        "single_site_rss_mb": round(one_rss),
        "many_sites_rss_mb": round(many_rss),
    }
