"""Freshness and cost of polling when due, against today's hourly full crawl, measured in
one run: ``bench/run.py --freshness``.

Three local mirrors stand for a busy, an ordinary and a sleepy site (one per profile, so each is
read by its real spider); articles appear on them at random times (a Poisson process at each
site's rate) and show at once in the feed, the sitemap, the home page and the search. Two Pantau
archives watch the same mirrors, each over its own servers (so that every request and byte is
counted per archive and site):

- **due**: ``crawler crawl --notify`` every 2 minutes, as the README's cron line runs it (each tick
  crawls the sites that are due, a quick poll unless a full walk is due);
- **hourly**: ``crawler crawl --all --notify`` every hour: every entry point walked in full, which
  is what the README's schedule did before.

Both send their alerts to a local JSON webhook; publication-to-stored is read from each archive
(``first_seen_at``), publication-to-alert from the webhook's arrival times.

The clock is scaled: the mirrors publish ``SCALE`` times faster than the rates say, and every
interval of Pantau's schedule that is a setting (the polling floor and ceiling, the full-walk
interval, the robots.txt cache) and the cron periods are divided by ``SCALE`` too. Not scaled: the
politeness delay between two requests to a site (``DOWNLOAD_DELAY``, 0.5 s, as the site's server
feels it; the gaps are measured against it) and a crawl's own cost (Python and Scrapy starting,
about two seconds a run). Scaled back, both count ``SCALE`` times over, so the latencies printed
are pessimistic.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.cli.localserver import ServedSite  # noqa: E402
from crawler.sites.registry import profiles  # noqa: E402
from testkit.pages_site import article, text  # noqa: E402
from testkit.receivers import Webhook  # noqa: E402

SCALE = 12.0  # simulated seconds per real second
TICK_S = 120  # the README's cron line: every 2 minutes
HOURLY_S = 3600  # today's schedule: every hour
BACKLOG_S = 12 * 3600  # what the sites had published before the benchmark starts
SITES = {  # site -> (kind, articles per hour)
    "infopublik": ("busy", 12.0),
    "suarakalbar": ("ordinary", 6.0),
    "editorialkaltim": ("sleepy", 0.5),
}
SCALED = {  # the settings the schedule depends on, at their defaults (seconds), divided by SCALE
    "SCHEDULE_MIN_INTERVAL": 180,
    "SCHEDULE_MAX_INTERVAL": 21600,
    "FULL_WALK_INTERVAL": 86400,
    "ROBOTS_CACHE_SECONDS": 86400,
}
DOWNLOAD_DELAY = 0.5  # not scaled: politeness is in real seconds, as a site's server feels it
JITTER = 0.5  # DOWNLOAD_DELAY_JITTER: a delay is at least (1 - 0.5) x DOWNLOAD_DELAY
# what makes real pages heavy beside the article (menus, scripts): not links, so that no walk follows them
BOILERPLATE = "".join(f"<li>Kanal berita daerah nomor {i}</li>" for i in range(1800))
SCRIPT = "<script>var menu = " + json.dumps([f"kanal-{i}" for i in range(3000)]) + ";</script>"


@dataclass
class Story:
    site: str
    number: int
    at: float  # real (wall-clock) time it is published

    @property
    def slug(self) -> str:
        return f"kabar-{self.site}-{self.number}-netralitas-asn-daerah"

    @property
    def title(self) -> str:
        return f"Kabar {self.site.capitalize()} {self.number}: ASN Diminta Jaga Netralitas"

    def path(self) -> str:
        if self.site == "infopublik":
            return f"/kategori/nusantara/{100000 + self.number}/{self.slug}"
        if self.site == "suarakalbar":
            return f"/2026/11/{self.slug}/"
        return f"/{self.slug}/"


def timeline(site: str, per_hour: float, start: float, end: float, seed: int) -> list[Story]:
    """Publication times from ``start`` to ``end`` (real seconds), at ``per_hour`` simulated."""
    rng, stories, t = random.Random(seed), [], start
    while True:
        t += rng.expovariate(per_hour / 3600) / SCALE
        if t > end:
            return stories
        stories.append(Story(site, len(stories), t))


@dataclass
class Mirror:
    """One site as one archive sees it: the shared timeline, served by its own server."""

    site: str
    stories: list[Story]
    hits: list[tuple[float, str, int]] = field(default_factory=list)  # (time, path, bytes sent)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def published(self) -> list[Story]:
        now = time.time()
        return [s for s in reversed(self.stories) if s.at <= now]  # newest first

    def page(self, path: str, host: str) -> tuple[int, str, bytes, dict[str, str]]:
        p = profiles()[self.site]
        live = self.published()
        newest = formatdate(live[0].at, usegmt=True) if live else formatdate(0, usegmt=True)
        origin = p.home.rstrip("/")
        if path == "/robots.txt":
            return 200, "text/plain", f"User-agent: *\nSitemap: {host}{p.sitemaps[0]}\n".encode(), {}
        if path == p.sitemaps[0]:
            xml = (
                f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><sitemap>"
                f"<loc>{host}/post-sitemap.xml</loc><lastmod>{_iso(live[0].at if live else 0)}</lastmod></sitemap>"
                "</sitemapindex>"
            )
            return 200, "application/xml", xml.encode(), {}
        if path == "/post-sitemap.xml":
            urls = "".join(
                f"<url><loc>{origin}{s.path()}</loc><lastmod>{_iso(s.at)}</lastmod></url>" for s in live[:300]
            )
            xml = f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>"
            return 200, "application/xml", xml.encode(), {}
        if path in p.feeds:  # a feed, with the validators WordPress sends for feeds
            items = "".join(
                f"<item><title>{s.title}</title><link>{origin}{s.path()}</link>"
                f"<pubDate>{formatdate(s.at, usegmt=True)}</pubDate></item>"
                for s in live[:20]
            )
            xml = f"<?xml version='1.0'?><rss version='2.0'><channel><title>{p.label}</title>{items}</channel></rss>"
            tag = '"' + hashlib.sha1(xml.encode()).hexdigest()[:16] + '"'
            return 200, "application/rss+xml", xml.encode(), {"ETag": tag, "Last-Modified": newest}
        listing = path.split("?")[0] in (*p.listings, "/") or "s=" in path or "q=" in path
        if listing:
            page = int(m.group(1)) if (m := re.search(r"page=(\d+)", path)) else 1
            shown = live[(page - 1) * 20 : page * 20]
            links = "".join(f"<article><a href='{host}{s.path()}'>{s.title}</a></article>" for s in shown)
            nxt = f"<a class='next page-numbers' href='{host}/?page={page + 1}'>Selanjutnya</a>" if page < 5 else ""
            html = f"<html><body class='home blog'><ul>{BOILERPLATE}</ul>{links}{nxt}</body></html>"
            return 200, "text/html; charset=utf-8", html.encode(), {}
        story = next((s for s in live if s.path() == path), None)
        if story is None:
            return 404, "text/html", b"<html><body>Tidak ditemukan</body></html>", {}
        published = datetime.fromtimestamp(story.at, UTC).isoformat(timespec="seconds")
        html = article(story.title, published, text(story.slug, 8), canonical=f"{origin}{story.path()}", head=SCRIPT)
        return 200, "text/html; charset=utf-8", html.encode(), {}

    def serve(self) -> ServedSite:
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:
                arrived = time.time()
                host = f"http://{self.headers.get('Host')}"
                status, ctype, body, headers = mirror.page(self.path, host)
                if status == 200 and _still_valid(self.headers, headers):
                    status, body = 304, b""
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
                with mirror.lock:
                    mirror.hits.append((arrived, self.path, len(body) + 200))  # ~200 bytes of headers

        return ServedSite(Handler)


def _still_valid(asked: Any, headers: dict[str, str]) -> bool:
    if "ETag" in headers and asked.get("If-None-Match"):
        return asked.get("If-None-Match") == headers["ETag"]
    if "Last-Modified" in headers and asked.get("If-Modified-Since"):
        try:
            return parsedate_to_datetime(asked["If-Modified-Since"]) >= parsedate_to_datetime(headers["Last-Modified"])
        except (TypeError, ValueError):
            return False
    return False


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


@dataclass
class Archive:
    """One Pantau archive and how it is run: its database, its mirrors, its webhook."""

    name: str
    folder: Path
    period_s: float  # real seconds between runs
    extra: tuple[str, ...]
    mirrors: dict[str, Mirror]
    hook: Webhook
    runs: list[tuple[float, float, int]] = field(default_factory=list)  # (start, took, exit code)

    def command(self, servers: dict[str, ServedSite]) -> list[str]:
        scaled = [a for key, value in SCALED.items() for a in ("-s", f"{key}={value / SCALE:g}")]
        bases = [a for site, server in servers.items() for a in ("--base-url", f"{site}={server.url}")]
        history = 14 / SCALE  # SCHEDULE_HISTORY_DAYS
        return [
            sys.executable,
            "-m",
            "crawler.cli.main",
            "crawl",
            "--db",
            str(self.folder / "p.db"),
            *bases,
            *scaled,
            "-s",
            f"SCHEDULE_HISTORY_DAYS={history:g}",
            "-s",
            "RETRY_BACKOFF_BASE=0.05",
            "--notify",
            "--config",
            str(self.folder / "pantau.toml"),
            "--log-level",
            "ERROR",
            *self.extra,
        ]

    def loop(self, servers: dict[str, ServedSite], until: float) -> None:
        (self.folder / "pantau.toml").write_text(
            f'[channels.hook]\nurl = "{self.hook.apprise_url()}"\ntopics = ["netralitas-asn"]\n', encoding="utf-8"
        )
        cmd, tick = self.command(servers), time.time()
        while tick < until:
            started = time.time()
            done = subprocess.run(
                cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PANTAU_SITES": "/nonexistent"}
            )
            self.runs.append((started, time.time() - started, done.returncode))
            if done.returncode not in (0, 1):
                print(f"{self.name}: crawl exited {done.returncode}: {done.stderr[-500:]}", file=sys.stderr)
            tick += self.period_s
            time.sleep(max(0.0, min(tick, until) - time.time()))


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _stored_at(db: Path) -> dict[str, float]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT url, first_seen_at FROM articles").fetchall()
    finally:
        conn.close()
    return {url: datetime.fromisoformat(seen).timestamp() for url, seen in rows}


def _alerted_at(hook: Webhook) -> dict[str, float]:
    """Story title -> when its alert arrived (the first, should a duplicate come)."""
    seen: dict[str, float] = {}
    for when, body in hook.arrivals:
        if m := re.search(r"Kabar \w+ \d+: ASN Diminta Jaga Netralitas", str(body.get("title", ""))):
            seen.setdefault(m.group(0), when)
    return seen


def bench_freshness(minutes: float = 17.0, scale: float = SCALE) -> dict[str, Any]:
    """Both archives for ``minutes`` of real time at ``scale`` (a smoke run may speed it up)."""
    global SCALE  # every scaled figure of this module reads it
    SCALE = scale
    start = time.time()
    end = start + minutes * 60
    warm = start + 180  # the first crawls (the backlog) happen here; measured: what is published after
    settle = end - HOURLY_S / SCALE  # and before this, so that an hourly crawl came after each story
    stories = {
        site: timeline(site, rate, start - BACKLOG_S / SCALE, end, seed=i)
        for i, (site, (_, rate)) in enumerate(SITES.items())
    }
    results: dict[str, Any] = {"freshness_scale": SCALE, "freshness_minutes": minutes}
    with tempfile.TemporaryDirectory() as tmp:
        archives = []
        for name, period, extra in (("due", TICK_S / SCALE, ()), ("hourly", HOURLY_S / SCALE, ("--all",))):
            folder = Path(tmp) / name
            folder.mkdir()
            hook = _ArrivalHook()
            archives.append(Archive(name, folder, period, extra, {s: Mirror(s, stories[s]) for s in SITES}, hook))
        with _serving(archives) as servers:
            threads = [threading.Thread(target=a.loop, args=(servers[a.name], end)) for a in archives]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        figures = {a.name: _figures(a, stories, warm, settle, end) for a in archives}
    results["freshness_sites"] = figures
    results.update(_headline(figures))
    return results


class _ArrivalHook(Webhook):
    """The webhook, with the time each message arrived."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, dict]] = []
        super().__init__(on_post=lambda body: self.arrivals.append((time.time(), body)))


class _serving:  # noqa: N801 - a context manager, read as a phrase
    def __init__(self, archives: list[Archive]) -> None:
        self.servers = {a.name: {s: m.serve() for s, m in a.mirrors.items()} for a in archives}
        self.hooks = [a.hook for a in archives]

    def __enter__(self) -> dict[str, dict[str, ServedSite]]:
        for hook in self.hooks:
            hook.__enter__()
        for group in self.servers.values():
            for server in group.values():
                server.__enter__()
        return self.servers

    def __exit__(self, *exc: object) -> None:
        for group in self.servers.values():
            for server in group.values():
                server.__exit__()
        for hook in self.hooks:
            hook.__exit__()


def _figures(a: Archive, stories: dict[str, list[Story]], warm: float, settle: float, end: float) -> dict[str, Any]:
    stored, alerted = _stored_at(a.folder / "p.db"), _alerted_at(a.hook)
    out: dict[str, Any] = {}
    floor = DOWNLOAD_DELAY * (1 - JITTER)
    hours = (end - warm) * SCALE / 3600  # simulated hours measured
    for site, mirror in a.mirrors.items():
        origin = profiles()[site].home.rstrip("/")
        measured = [s for s in stories[site] if warm <= s.at <= settle]
        to_store = [(stored[origin + s.path()] - s.at) * SCALE for s in measured if origin + s.path() in stored]
        to_alert = [(alerted[s.title] - s.at) * SCALE for s in measured if s.title in alerted]
        hits = [(t, n) for t, _, n in mirror.hits if t >= warm]
        times = sorted(t for t, _, _ in mirror.hits)
        gaps = [b - x for x, b in zip(times, times[1:], strict=False)]
        out[site] = {
            "kind": SITES[site][0],
            "per_hour": SITES[site][1],
            "measured": len(measured),
            "stored": len(to_store),
            "alerted": len(to_alert),
            "stored_p50_s": _round(statistics.median(to_store) if to_store else None),
            "stored_p95_s": _round(_percentile(to_store, 0.95)),
            "alert_p50_s": _round(statistics.median(to_alert) if to_alert else None),
            "alert_p95_s": _round(_percentile(to_alert, 0.95)),
            "requests_per_site_hour": round(len(hits) / hours, 1),
            "bytes_per_site_day": round(sum(n for _, n in hits) / hours * 24),
            "min_gap_s": round(min(gaps), 4) if gaps else None,
            "floor_s": round(floor, 4),
            "min_gap_ok": not gaps or min(gaps) >= floor * 0.95,
        }
    out["runs"] = len(a.runs)
    out["run_median_s"] = round(statistics.median(r[1] for r in a.runs), 2) if a.runs else None
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _headline(figures: dict[str, Any]) -> dict[str, Any]:
    due, hourly = figures["due"], figures["hourly"]
    watched = [s for s, (kind, _) in SITES.items() if kind in ("busy", "ordinary")]
    p50 = [due[s]["alert_p50_s"] for s in watched]
    p95 = [due[s]["alert_p95_s"] for s in watched]
    missing = any(v is None for v in p50 + p95) or any(due[s]["alerted"] < due[s]["measured"] for s in watched)
    return {
        "freshness_alert_p50_s": None if missing else max(p50),
        "freshness_alert_p95_s": None if missing else max(p95),
        "freshness_hourly_alert_p50_s": max((hourly[s]["alert_p50_s"] or 0) for s in watched),
        "freshness_bytes_share": round(
            sum(due[s]["bytes_per_site_day"] for s in SITES)
            / max(1, sum(hourly[s]["bytes_per_site_day"] for s in SITES)),
            3,
        ),
        "freshness_min_gap_ok": all(f[s]["min_gap_ok"] for f in (due, hourly) for s in SITES),
    }


if __name__ == "__main__":  # python bench/freshness.py [MINUTES [SCALE]]: a run on its own
    print(json.dumps(bench_freshness(*(float(a) for a in sys.argv[1:3])), indent=2))
