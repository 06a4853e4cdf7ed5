"""A generated Suara Kalbar-shaped site of N distinct articles (sitemap + paginated listings), served
on 127.0.0.1 over HTTP/1.1 with keep-alive, optionally slowly. Used by crash tests and by bench/run.py (``python -m
testkit.generated_site --port P --articles N`` serves it from a separate process)."""

from __future__ import annotations

import argparse
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
PER_PAGE = 50


def article_path(i: int) -> str:
    return f"/2024/{i % 12 + 1:02d}/berita-nomor-{i}-tentang-daerah/"


def article_html(i: int, host: str, paragraphs: int = 10, origin: str = "https://www.suarakalbar.co.id") -> str:
    rng = random.Random(i)
    body = "".join(
        f"<p>{' '.join(rng.choice(WORDS) for _ in range(rng.randint(25, 45))).capitalize()}.</p>"
        for _ in range(paragraphs)
    )
    title = f"Berita Nomor {i} " + " ".join(rng.choice(WORDS) for _ in range(5)).title()
    day = i % 28 + 1
    return (
        f"<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'><title>{title} - Suara Kalbar</title>"
        f"<meta property='article:published_time' content='2024-{i % 12 + 1:02d}-{day:02d}T08:{i % 60:02d}:00+07:00'>"
        f"<link rel='canonical' href='{origin}{article_path(i)}'></head>"
        f"<body class='single single-post'><nav><a href='{host}/'>Beranda</a><a href='{host}/category/kalbar/'>Kalbar</a></nav>"
        f"<h1 class='ray-main-single-title entry-title'>{title}</h1><div class='ray-main-single-metadata'><span>Oleh <a>Admin</a></span>"
        f"<span>{day} Mei 2024, 08:{i % 60:02d}</span></div><div class='ray-main-single-content entry-content'>"
        f"<p><strong>Pontianak (Suara Kalbar)</strong>- {title}.</p>{body}"
        f"<p>IKUTI BERITA LAINNYA DI GOOGLE NEWS</p><div class='ray-content-tags'><a href='{host}/tag/a/'>A</a></div></div>"
        f"<aside>{''.join(f'<a href={host}{article_path(j)}>Terkait {j}</a>' for j in range(max(0, i - 3), i))}</aside>"
        "</body></html>"
    )


class GeneratedSite(ServedSite):
    def __init__(self, articles: int, delay: float = 0.0, port: int = 0) -> None:
        self.articles = articles
        self.rendered: dict[tuple[int, str], str] = {}  # (article, host) -> page, filled ahead of time
        self.requests: list[str] = []
        self.first_request_at: float | None = None  # time.time() of the first request
        site = self

        class Handler(BaseHTTPRequestHandler):
            # connections kept open between requests, as news sites' servers keep them (nginx,
            # Apache): a crawler is not made to pay a TCP connection per page that live sites spare it
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:
                if site.first_request_at is None:
                    site.first_request_at = time.time()
                site.requests.append(self.path)
                if delay:
                    time.sleep(delay)
                host = f"http://{self.headers['Host']}"
                status, body, ctype = site.route(self.path, host)
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        super().__init__(Handler, port)

    def route(self, path: str, host: str) -> tuple[int, str, str]:
        path = path.split("?")[0]
        n = self.articles
        if path == "/robots.txt":
            return 200, f"User-agent: *\nSitemap: {host}/sitemap_index.xml\n", "text/plain"
        if path == "/sitemap_index.xml":
            chunks = range(0, n, 1000)
            items = "".join(f"<sitemap><loc>{host}/post-sitemap{k // 1000 + 1}.xml</loc></sitemap>" for k in chunks)
            return (
                200,
                f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{items}</sitemapindex>",
                "application/xml",
            )
        if path.startswith("/post-sitemap"):
            k = int(path.removeprefix("/post-sitemap").removesuffix(".xml")) - 1
            urls = "".join(
                f"<url><loc>{host}{article_path(i)}</loc><lastmod>2024-06-01T00:00:00+00:00</lastmod></url>"
                for i in range(k * 1000, min(n, (k + 1) * 1000))
            )
            return (
                200,
                f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>",
                "application/xml",
            )
        if path in ("/", "/category/kalbar/") or path.startswith("/category/kalbar/page/"):
            page = int(path.rstrip("/").rsplit("/", 1)[-1]) if "/page/" in path else 1
            links = "".join(
                f"<a href='{host}{article_path(i)}'>B{i}</a>"
                for i in range((page - 1) * PER_PAGE, min(n, page * PER_PAGE))
            )
            nxt = (
                f"<a class='next page-numbers' href='{host}/category/kalbar/page/{page + 1}/'>next</a>"
                if page * PER_PAGE < n
                else ""
            )
            return 200, f"<html><body class='archive category'>{links}{nxt}</body></html>", "text/html; charset=utf-8"
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[2].startswith("berita-nomor-"):
            i = int(parts[2].split("-")[2])
            if i < n and path == article_path(i):
                html = self.rendered.get((i, host)) or article_html(i, host)
                return 200, html, "text/html; charset=utf-8"
        return 404, "not found", "text/plain"


def serve_many(sites: int, articles: int) -> None:
    """``sites`` generated sites, each on its own port, the canonical links of site K on
    ``https://siteK.example``; prints ``{"siteK": port, ...}`` once all are serving."""
    import json

    servers = {}
    for k in range(sites):
        site = GeneratedSite(articles)
        host = site.url
        site.rendered = {
            (i, host): article_html(i, host, origin=f"https://site{k:02d}.example") for i in range(articles)
        }
        site.thread.start()
        servers[f"site{k:02d}"] = site.server.server_address[1]
    print(json.dumps(servers), flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=0, help="serve this many sites, each on a free port")
    args = parser.parse_args()
    if args.sites:
        serve_many(args.sites, args.articles)
    site = GeneratedSite(args.articles, port=args.port)
    # rendered before serving, as a static mirror would be: the server's CPU per request stays
    # small, so on a 2-core benchmark machine it takes little from the crawler being measured
    host = f"http://127.0.0.1:{args.port}"
    site.rendered = {(i, host): article_html(i, host) for i in range(args.articles)}
    site.server.serve_forever()
