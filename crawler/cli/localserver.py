"""A small static HTTP server for a site copy on disk (``crawler demo`` and the tests).

``/2023/12/slug/`` serves ``2023/12/slug/index.html``; query strings are ignored except that
``?s=``/``?q=`` searches serve ``search.html`` when the copy has one. Loopback only.
"""

from __future__ import annotations

import mimetypes
import re
import threading
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

TYPES = {
    ".xml": "application/xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".gz": "application/gzip",
    ".rss": "application/rss+xml; charset=utf-8",
}


def resolve(root: Path, raw_path: str) -> Path | None:
    """The file for a request path, never outside ``root``."""
    parts = urlsplit(raw_path)
    path = unquote(parts.path).lstrip("/")
    candidates = []
    if parts.query and any(parts.query.startswith(k) for k in ("s=", "q=", "keyword=")):
        candidates.append(root / (path.rstrip("/") + "/search.html" if path else "search.html"))
    page = re.search(r"(?:^|&)page=(\d+)", parts.query)
    if page:
        candidates.append(root / path.rstrip("/") / f"page-{page.group(1)}.html")
    if not path or path.endswith("/"):
        candidates += [root / path / "index.html", root / path / "index.xml"]
    else:
        candidates += [root / path, root / path / "index.html", root / (path + ".html")]
    base = root.resolve()
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_relative_to(base) and resolved.is_file():
            return resolved
    return None


class SiteHandler(BaseHTTPRequestHandler):
    root: Path
    requests_seen: list[str]
    validators: bool  # send ETag and Last-Modified, and answer 304 when they still hold

    def do_GET(self) -> None:
        self.requests_seen.append(self.path)
        target = resolve(self.root, self.path)
        if target is None:
            self.send_error(404, "Not Found")
            return
        info = target.stat()
        etag, modified = f'"{info.st_mtime_ns:x}-{info.st_size:x}"', formatdate(info.st_mtime, usegmt=True)
        if self.validators and self._unchanged(etag, info.st_mtime):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        data = target.read_bytes()
        ctype = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
        if ctype is None:
            ctype = "text/html; charset=utf-8" if not target.suffix else "application/octet-stream"
        if target.name == "rss" or (target.name == "index.xml" and target.parent.name == "feed"):
            ctype = TYPES[".rss"]
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        if self.validators:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
        self.end_headers()
        self.wfile.write(data)

    def _unchanged(self, etag: str, mtime: float) -> bool:
        if match := self.headers.get("If-None-Match"):
            return etag in (m.strip() for m in match.split(","))
        try:
            since = parsedate_to_datetime(self.headers.get("If-Modified-Since") or "")
        except (TypeError, ValueError):
            return False
        return int(mtime) <= since.timestamp()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return


class ServedSite:
    """A threaded HTTP server on loopback for one handler class, used as a context manager."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0, host: str = "127.0.0.1") -> None:
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class LocalSite(ServedSite):
    """A served site copy: ``with LocalSite(path) as site: site.url``. It sends validators and
    answers conditional requests with 304, as most web servers do for files (``validators=False``:
    a server that ignores them)."""

    def __init__(self, root: str | Path, port: int = 0, host: str = "127.0.0.1", *, validators: bool = True) -> None:
        self.root = Path(root)
        self.requests: list[str] = []
        handler = type(
            "Handler", (SiteHandler,), {"root": self.root, "requests_seen": self.requests, "validators": validators}
        )
        super().__init__(handler, port, host)


if __name__ == "__main__":
    import sys

    from crawler.cli.main import main

    sys.exit(main(["serve-copy", *sys.argv[1:]]))
