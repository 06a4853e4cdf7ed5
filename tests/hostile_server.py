"""A news site on 127.0.0.1 that misbehaves on purpose. Shaped like Suara Kalbar."""

from __future__ import annotations

import gzip
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from crawler.cli.localserver import ServedSite

FIXTURE = (Path(__file__).resolve().parent.parent / "fixtures" / "suarakalbar" / "article-001-bare.html").read_text(
    "utf-8"
)
WORDS = [
    "netralitas",
    "aparatur",
    "pegawai",
    "kampanye",
    "pengawas",
    "kecamatan",
    "desa",
    "warga",
    "anggaran",
    "jalan",
    "sekolah",
    "pasar",
    "harga",
    "beras",
    "banjir",
    "sungai",
    "pelabuhan",
    "kapal",
    "nelayan",
    "petani",
    "sawit",
    "karet",
    "hutan",
    "kebun",
    "listrik",
    "air",
    "bersih",
    "posyandu",
    "guru",
    "murid",
    "rumah",
    "sakit",
    "dokter",
    "bidan",
    "polisi",
    "tentara",
    "jaksa",
    "hakim",
    "bupati",
    "camat",
    "lurah",
]


def paragraphs(seed: str, n: int = 12) -> str:
    """Distinct text per page (identical bodies would rightly be merged as one story)."""
    import random

    rng = random.Random(seed)
    return "".join(f"<p>{' '.join(rng.choice(WORDS) for _ in range(14)).capitalize()}.</p>" for _ in range(n))


PARAS = paragraphs("default")


def page(title: str, date: str = "29 November 2023, 13:05", extra_head: str = "", body: str | None = None) -> str:
    body = body or paragraphs(title)
    return (
        f"<!DOCTYPE html><html lang='id'><head><title>{title} - Suara Kalbar</title>{extra_head}</head>"
        f"<body class='single single-post'><h1 class='ray-main-single-title'>{title}</h1>"
        f"<div class='ray-main-single-metadata'><span>Oleh <a>Admin</a></span><span>{date}</span></div>"
        f"<div class='ray-main-single-content'>{body}</div></body></html>"
    )


A = "/2024/01/"
GOOD = {
    A + "good-one/": page("Berita Baik Pertama Tentang Netralitas"),
    A + "good-two/": page("Berita Baik Kedua Tentang Netralitas"),
    A + "no-date/": page("Berita Tanpa Tanggal Sama Sekali", date=""),
    A + "garbled-date/": page("Berita Dengan Tanggal Rusak Di Metadata", date="Rabu (29/112023)"),
    A + "future-date/": page("Berita Dengan Tanggal Masa Depan", date="1 Januari 2099, 10:00"),
    A + "impossible-date/": page("Berita Dengan Tanggal Mustahil Februari", date="31/02/2024"),
    A + "bad-jsonld/": page(
        "Berita Dengan JSON-LD Rusak",
        extra_head='<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>',
    ),
    A + "malformed/": page("Berita Dengan HTML Rusak").replace("</p>", "", 5).replace("</div>", "<div><span><b>", 2),
    A + "truncated/": page("Berita Yang Terpotong Di Tengah")[:1400],
    A + "retry-429/": page("Berita Setelah Terlalu Banyak Permintaan"),
}
CP1252 = {
    A + "cp1252-declared/": (
        "text/html; charset=windows-1252",
        page(
            "Kafe \u201cNetral\u201d di Pontianak",
            body=paragraphs("cp1") + "<p>Caf\u00e9 \u2013 \u201ckutipan\u201d.</p>",
        ),
    ),
    A + "cp1252-undeclared/": (
        "text/html",
        page(
            "Kafe Tanpa Deklarasi Charset Pontianak",
            body=paragraphs("cp2") + "<p>Caf\u00e9 \u2013 \u201ckutipan\u201d.</p>",
        ),
    ),
}
BAD = {
    A + "empty/": "empty",
    A + "pdf-as-html/": "not-html",
    A + "no-title/": "no-title",
    A + "huge/": "too-large",
    A + "redirect-loop/": "redirect-loop",
    A + "redirect-offsite/": "offsite",
    A + "gone-404/": "http-404",
    A + "gone-410/": "http-410",
    A + "error-500/": "http-500",
    A + "unavailable-503/": "http-503",
    A + "reset/": "connection-lost",
    A + "silent/": "timeout",
}
ALL = list(GOOD) + list(CP1252) + list(BAD)
BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol3;</loc></url></urlset>'
)


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int]

    def log_message(self, *args: object) -> None:
        return

    def send(
        self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", headers: dict | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: C901
        path = self.path.split("?")[0]
        self.hits[path] = self.hits.get(path, 0) + 1
        host = f"http://{self.headers['Host']}"
        if path == "/robots.txt":
            return self.send(
                200, f"User-agent: *\nAllow: /\nSitemap: {host}/sitemap_index.xml\n".encode(), "text/plain"
            )
        if path == "/sitemap_index.xml":
            items = "".join(
                f"<sitemap><loc>{host}/{n}</loc></sitemap>" for n in ("not-xml.xml", "post.xml.gz", "bomb.xml")
            )
            return self.send(
                200,
                f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'.encode(),
                "application/xml",
            )
        if path == "/not-xml.xml":
            return self.send(200, b"<html><body>Maaf, halaman tidak ditemukan</body></html>", "application/xml")
        if path == "/bomb.xml":
            return self.send(200, BOMB, "application/xml")
        if path == "/post.xml.gz":
            urls = "".join(f"<url><loc>{host}{p}</loc></url>" for p in list(GOOD)[:3])
            xml = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            return self.send(200, gzip.compress(xml.encode()), "application/x-gzip")
        if path == "/":
            links = "".join(f'<a href="{host}{p}">{p}</a>' for p in ALL)
            return self.send(200, f"<html><body class='home blog'>{links}</body></html>".encode())
        if path in GOOD:
            if path.endswith("retry-429/") and self.hits[path] == 1:
                return self.send(429, b"slow down", headers={"Retry-After": "1"})
            return self.send(200, GOOD[path].encode())
        if path in CP1252:
            ctype, html = CP1252[path]
            return self.send(200, html.encode("cp1252"), ctype)
        kind = path.rstrip("/").rsplit("/", 1)[-1]
        if kind == "empty":
            return self.send(200, b"")
        if kind == "pdf-as-html":
            return self.send(200, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" + bytes(range(256)) * 20)
        if kind == "no-title":
            return self.send(200, f"<html><body class='single'><div>{paragraphs('nt')}</div></body></html>".encode())
        if kind == "huge":
            try:
                return self.send(200, b"<html><body><p>" + b"kata " * (10 * 1024 * 1024 // 5) + b"</p></body></html>")
            except OSError:  # the crawler hangs up once it sees the size: expected
                return None
        if kind == "redirect-loop":
            return self.send(302, b"", headers={"Location": path})
        if kind == "redirect-offsite":
            return self.send(302, b"", headers={"Location": "http://example.com/phishing/"})
        if kind.startswith(("gone-", "error-", "unavailable-")):
            status = int(kind.rsplit("-", 1)[-1])
            return self.send(status, b"error", headers={"Retry-After": "1"} if status == 503 else None)
        if kind == "reset":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"<html><body><p>setengah")
            self.wfile.flush()
            self.connection.shutdown(2)
            return None
        if kind == "silent":
            time.sleep(30)
            return None
        return self.send(404, b"not found")


class HostileSite(ServedSite):
    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        super().__init__(type("H", (Handler,), {"hits": self.hits}))
