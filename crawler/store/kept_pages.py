"""The pages a crawl kept as fetched (:mod:`crawler.fetch.page_archive`, WARC files per site), read
back: the newest of each URL, and a file that cannot be read whole named with what was read of it
(warcio passes over a gzip member cut short silently: the last one is checked)."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.store.polling import parse_time

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeptPage:
    site: str
    url: str  # on the live site
    fetched_at: datetime
    body: bytes
    content_type: str | None
    fetched_from: str = ""  # the address it was fetched from: a mirror's in mirror mode


@dataclass(frozen=True)
class DamagedFile:
    """A page-archive file that could not be read whole: the pages read from it before the damage
    are used, the rest is skipped."""

    path: Path
    pages: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}; {self.pages} page(s) read from it, the rest skipped"


# what reading a damaged WARC file raises: not a WARC, bad gzip, bad headers, cut short
DAMAGE = (ArchiveLoadFailed, OSError, EOFError, ValueError, zlib.error)


def kept_pages(
    folder: Path, sites: Iterable[str], since: datetime | None = None, *, damaged: list[DamagedFile] | None = None
) -> Iterator[KeptPage]:
    """The newest kept page of each URL of ``sites`` (fetched since ``since``), site by site. A
    file that cannot be read whole is added to ``damaged`` and what could be read of it is used."""
    found = damaged if damaged is not None else []
    for site in sites:
        for url, (path, offset) in _newest(folder, site, since, damaged=found).items():
            try:
                yield _read(site, url, path, offset=offset)
            except DAMAGE as exc:
                found.append(DamagedFile(path, 0, f"the page of {url} cannot be read: {_problem(exc)}"))


def kept_page(folder: Path, site: str, url: str) -> KeptPage | None:
    """The newest kept page of ``url``, or None when none was kept (or none can be read)."""
    damaged: list[DamagedFile] = []
    found = _newest(folder, site, None, damaged=damaged, url=url).get(url)
    for damage in damaged:
        logger.warning("%s", damage)
    try:
        return _read(site, url, *found) if found else None
    except DAMAGE as exc:
        logger.warning("%s: the kept page of %s cannot be read: %s", found[0] if found else folder, url, _problem(exc))
        return None


def _newest(
    folder: Path, site: str, since: datetime | None, *, damaged: list[DamagedFile], url: str | None = None
) -> dict[str, tuple[Path, int]]:
    """Where the newest kept response of each URL (or of ``url`` alone) lies: file and offset."""
    since = since or datetime.min.replace(tzinfo=UTC)
    newest: dict[str, tuple[Path, int]] = {}
    for path in sorted((folder / site).glob("*.warc.gz")):  # named by start time: oldest first
        read = 0
        last: tuple[str, int] | None = None
        try:
            with open(path, "rb") as f:
                records = ArchiveIterator(f)
                for record in records:
                    kept = record.rec_headers.get_header("WARC-Pantau-URL")
                    if record.rec_type != "response" or not kept:
                        continue
                    read += 1
                    last = (kept, records.get_record_offset())
                    if (url is None or kept == url) and _fetched(record) >= since:
                        newest[kept] = (path, last[1])
                cut = _cut_short(records, path)
            if cut:
                if last is not None:  # the record cut in half is not a page
                    read -= 1
                    if newest.get(last[0]) == (path, last[1]):
                        del newest[last[0]]
                damaged.append(DamagedFile(path, read, cut))
        except DAMAGE as exc:
            damaged.append(DamagedFile(path, read, _problem(exc)))
    return newest


def _cut_short(records: ArchiveIterator, path: Path) -> str:
    """Why ``path`` ends before its last record does ('' when it does not): warcio stops silently
    at a gzip member cut short (a file truncated by a full disk or a killed copy), so the last
    member is decompressed again to see that it ends."""
    member = getattr(records, "member_info", None)
    if not member:
        return ""
    offset, length = member
    size = path.stat().st_size
    if offset + length < size:
        return f"cut short: {size - offset - length} byte(s) after the last whole record"
    with open(path, "rb") as f:
        f.seek(offset)
        inflate = zlib.decompressobj(wbits=31)
        inflate.decompress(f.read(length))
    return "" if inflate.eof else "cut short: its last record ends mid-way"


def _problem(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:120]  # one line, and never the binary a garbled file holds in full
    return f"{type(exc).__name__}: {text.encode('ascii', 'backslashreplace').decode()}"


def _read(site: str, url: str, path: Path, offset: int) -> KeptPage:  # noqa: PLR0917 - given a (path, offset) pair
    with open(path, "rb") as f:
        f.seek(offset)
        record = next(iter(ArchiveIterator(f)))
        body = record.content_stream().read()
        content_type = record.http_headers.get_header("Content-Type") if record.http_headers else None
        fetched_from = record.rec_headers.get_header("WARC-Target-URI") or ""
        return KeptPage(site, url, _fetched(record), body, content_type, fetched_from)


def _fetched(record: Any) -> datetime:
    """When a kept page was fetched (its WARC-Date); the earliest time when that cannot be read."""
    return parse_time(record.rec_headers.get_header("WARC-Date")) or datetime.min.replace(tzinfo=UTC)
