"""A small site built in a test: a dict of paths to pages, served on 127.0.0.1.

Pages are text with ``{host}`` standing for the server's own origin, ``(status, content_type,
bytes)``, or a function returning either (a page that changes on every request). ``delays`` holds per-path seconds to wait before answering (to order concurrent crawls).
Every request path (with its query) is recorded in ``requests``.
"""

from __future__ import annotations

import contextlib
import random
import time
from http.server import BaseHTTPRequestHandler

from crawler.cli.localserver import ServedSite

WORDS = [
    "pemerintah",
    "daerah",
    "aparatur",
    "sipil",
    "negara",
    "netralitas",
    "pilkada",
    "pemilu",
    "kampanye",
    "pengawas",
    "warga",
    "desa",
    "kecamatan",
    "anggaran",
    "pembangunan",
    "jalan",
    "jembatan",
    "sekolah",
    "guru",
    "murid",
    "pasar",
    "harga",
    "beras",
    "minyak",
    "listrik",
    "air",
    "bersih",
    "sungai",
    "banjir",
    "kebakaran",
    "hutan",
    "lahan",
    "sawit",
    "karet",
    "nelayan",
    "petani",
    "pelabuhan",
    "bandara",
    "rumah",
    "sakit",
    "dokter",
    "bidan",
    "posyandu",
    "polisi",
    "tentara",
    "jaksa",
    "hakim",
    "bupati",
    "camat",
    "lurah",
    "kepala",
    "dinas",
    "sekretaris",
    "inspektorat",
    "bawaslu",
    "komisi",
    "pemilihan",
]


def text(seed: str, paragraphs: int = 8, words: int = 30) -> list[str]:
    """Distinct paragraphs of plausible Indonesian words, the same for the same seed."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "." for _ in range(paragraphs)]


def article(
    title: str, published: str, paragraphs: list[str], canonical: str | None = None, head: str = "", tail: str = ""
) -> str:
    """An article page any of the three profiles reads (meta tags, h1, a content element)."""
    link = f"<link rel='canonical' href='{canonical}'>" if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta property='og:title' content='{title}'><meta property='article:published_time' content='{published}'>"
        f"{link}{head}</head><body class='single single-post'><h1 class='entry-title title'>{title}</h1>"
        f"<div class='entry-content entry detail-content ray-main-single-content'>{body}{tail}</div></body></html>"
    )


def listing(links: list[str], next_href: str | None = None) -> str:
    anchors = "".join(f"<a href='{href}'>{href}</a>" for href in links)
    nxt = f"<a class='next page-numbers' href='{next_href}'>Selanjutnya</a>" if next_href else ""
    return f"<html><body class='home blog'>{anchors}{nxt}</body></html>"


def urlset(entries: list[tuple[str, str | None]]) -> tuple[int, str, bytes]:
    urls = "".join(
        f"<url><loc>{loc}</loc>" + (f"<lastmod>{lm}</lastmod>" if lm else "") + "</url>" for loc, lm in entries
    )
    xml = f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>"
    return 200, "application/xml", xml.encode()


class StreamedBody:
    """A body sent by ``send(handler)`` itself: endless, slow, or with lying headers."""

    def __init__(self, send) -> None:
        self.send = send


class PagesSite(ServedSite):
    def __init__(
        self, pages: dict, delays: dict[str, float] | None = None, keep_query: bool = False, route=None
    ) -> None:
        self.pages = pages
        self.route = route  # path -> page, for paths not in ``pages`` (endless sites)
        self.delays = delays or {}
        self.requests: list[str] = []
        self.times: list[float] = []  # time.monotonic() of each request, beside ``requests``
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:
                site.times.append(time.monotonic())
                site.requests.append(self.path)
                path = self.path if keep_query else self.path.split("?")[0]
                time.sleep(site.delays.get(path, 0))
                page = site.pages.get(path)
                if page is None and site.route is not None:
                    page = site.route(path)
                if callable(page):
                    page = page()
                if isinstance(page, StreamedBody):
                    with contextlib.suppress(OSError):
                        page.send(self)
                    return
                if page is None:
                    status, ctype, data = 404, "text/plain", b"not found"
                elif isinstance(page, tuple):
                    status, ctype, data = page
                else:
                    status, ctype = 200, "text/html; charset=utf-8"
                    data = page.replace("{host}", f"http://{self.headers['Host']}").encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the crawler hung up (e.g. a size limit): expected
                    self.wfile.write(data)

        super().__init__(Handler)
