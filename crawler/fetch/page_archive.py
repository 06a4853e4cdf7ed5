"""Every fetched article page kept as fetched: WARC, the web-archiving standard, written by warcio.

A Scrapy extension: each article page answered 200 becomes one ``response`` record (the HTTP
status line, headers and body as the crawler received them; the body after HTTP decompression, so
the headers say no ``Content-Encoding``) in a gzipped WARC file of its own per crawl run and site,
``<PAGE_ARCHIVE_DIR>/<site>/<UTC start>-<pid>.warc.gz``. Beside the standard headers each record
carries ``WARC-Pantau-Site`` and ``WARC-Pantau-URL`` (the page's URL on the live site: in mirror
mode the target URI is the mirror's). :mod:`crawler.store.reextract` reads them back.

``PAGE_ARCHIVE`` (on by default) turns it off; ``PAGE_ARCHIVE_DIR`` is where (default: beside the
database, ``data/pantau.db`` -> ``data/pantau-pages/``); ``PAGE_ARCHIVE_DAYS`` (0: forever) removes
files older than that when a crawl of the site starts. The database comes first: when the disk
holding the archive has less than ``PAGE_ARCHIVE_MIN_FREE_MB`` free (64 MB), pages are no longer
kept for that run (one warning), so that kept pages never take the room the database needs to
store articles and record how the run ended (the free space is read again after each MiB written).
A page that cannot be written (disk full) stops the archiving of that run with one error; the crawl
and its database go on. Each record is its own gzip member, as warcio writes them, but compressed
at zlib's default level (6) rather than warcio's fixed 9: on the fixture pages the files are 0.6 %
larger and the compression, the archive's main cost, takes 27 % less CPU. In distributed
mode (``REDIS_URL``) pages are kept only where ``PAGE_ARCHIVE_DIR`` says (a folder the writer's
machine can read), since a crawl node has no database to keep them beside.
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import time
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.store.storage import default_db_path

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

DROPPED_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})  # the body is decoded
GZIP_LEVEL = 6  # zlib's default (see above)
FREE_SPACE_EVERY = 2**20  # bytes written between two readings of the disk's free space


def archive_dir(settings: BaseSettings) -> Path:
    """Where the pages of the crawls into ``DB_PATH`` are kept."""
    if folder := settings.get("PAGE_ARCHIVE_DIR"):
        return Path(folder)
    db = Path(settings.get("DB_PATH") or default_db_path())
    return db.with_name(f"{db.stem}-pages")


class PageArchive:
    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("PAGE_ARCHIVE", True):
            raise NotConfigured
        if crawler.settings.get("REDIS_URL") and not crawler.settings.get("PAGE_ARCHIVE_DIR"):
            raise NotConfigured  # distributed: no database here to keep pages beside; a shared folder is asked for
        self.crawler = crawler
        self.folder = archive_dir(crawler.settings)
        self.keep_days = crawler.settings.getfloat("PAGE_ARCHIVE_DAYS", 0.0)
        self.min_free = crawler.settings.getfloat("PAGE_ARCHIVE_MIN_FREE_MB", 64.0) * 1_000_000
        self.file: IO[bytes] | None = None
        self.record = BytesIO()  # one record, uncompressed, before it is compressed into the file
        self.writer = WARCWriter(self.record, gzip=False)
        self.checked_at: int | None = None  # the file's size when the free space was last read
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageArchive:
        archive = cls(crawler)
        crawler.signals.connect(archive.response_received, signal=signals.response_received)
        crawler.signals.connect(archive.spider_closed, signal=signals.spider_closed)
        return archive

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        if self.failed or response.status != 200 or not request.meta.get("article"):
            return
        try:
            file = self.file or self._open(spider.name)
            if not self._room_left(file.tell()):
                return
            public = spider.urls.public_url(response.url) if hasattr(spider, "urls") else response.url
            headers = [
                (k.decode("latin-1"), b", ".join(v).decode("latin-1"))
                for k, v in response.headers.items()
                if k.decode("latin-1").lower() not in DROPPED_HEADERS
            ]
            status = StatusAndHeaders(f"{response.status} OK", headers, protocol="HTTP/1.1")
            ours = {"WARC-Date": _warc_date(), "WARC-Pantau-Site": spider.name, "WARC-Pantau-URL": public}
            record = self.writer.create_warc_record(
                response.url, "response", payload=BytesIO(response.body), http_headers=status, warc_headers_dict=ours
            )
            self.record.seek(0)
            self.record.truncate()
            self.writer.write_record(record)
            file.write(gzip.compress(self.record.getbuffer(), compresslevel=GZIP_LEVEL, mtime=0))
            self.crawler.stats.set_value("pantau/archive_bytes", file.tell())
            self.crawler.stats.inc_value("pantau/archive_pages")
        except OSError as exc:
            self._stop(str(exc), logging.ERROR)

    def _room_left(self, written: int) -> bool:
        """Whether the archive's disk keeps ``PAGE_ARCHIVE_MIN_FREE_MB`` free (read at the first
        page, then after each :data:`FREE_SPACE_EVERY` bytes written); stops the archive if not."""
        if self.checked_at is not None and written - self.checked_at < FREE_SPACE_EVERY:
            return True
        self.checked_at = written
        if (free := shutil.disk_usage(self.folder).free) >= self.min_free:
            return True
        self._stop(
            f"only {free / 1e6:.1f} MB free there; the database needs the room first (PAGE_ARCHIVE_MIN_FREE_MB)",
            logging.WARNING,
        )
        return False

    def _stop(self, why: str, level: int) -> None:
        self.failed = True
        logger.log(level, "pages are no longer kept in %s for this run: %s", self.folder, why)
        self.crawler.stats.set_value("pantau/archive_error", why)

    def _open(self, site: str) -> IO[bytes]:
        folder = self.folder / site
        folder.mkdir(parents=True, exist_ok=True)
        self._expire(folder)
        started = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.file = open(folder / f"{started}-{os.getpid()}.warc.gz", "ab")  # noqa: SIM115 - closed at spider_closed
        return self.file

    def _expire(self, folder: Path) -> None:
        if self.keep_days <= 0:
            return
        oldest = time.time() - self.keep_days * 86400
        for old in folder.glob("*.warc.gz"):
            if old.stat().st_mtime < oldest:
                old.unlink()

    def spider_closed(self, spider: Spider) -> None:
        if self.file is not None:
            try:
                self.file.close()
            except OSError as exc:
                logger.error("the last pages of this run may be missing from %s: %s", self.folder, exc)


def _warc_date() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
