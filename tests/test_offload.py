"""Page work in helper processes: the same results as inline, and helpers that fail safely."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from crawler.enrichment.enrich import enrich
from crawler.enrichment.topics import load_topics
from crawler.extraction.extract import extract_page
from crawler.fetch.offload import Kept, Offload, WorkerCrashed, WorkTimedOut
from crawler.items import Article, Reject
from spiders.infopublik import PROFILE
from tests.conftest import FIXTURES, load_expected


def crash_once_then_work(marker: str) -> int:
    """Dies the first time (as a segfault in a parser would), works when run again."""
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return os.getpid()


def always_crash() -> None:
    os._exit(1)


def slow(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"


def interrupted() -> str:
    os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C in the terminal sends to every process
    return "still working"


def run(offload: Offload, fn, *args, **kwargs):
    async def call():
        return await offload.run(fn, *args, **kwargs)

    return asyncio.run(call())


@pytest.fixture
def helper():
    offload = Offload(1)
    yield offload
    offload.close()


def test_page_work_in_a_helper_equals_inline(helper):
    path = FIXTURES / "infopublik" / "article-002.json"
    expected = load_expected(path)
    body = path.with_suffix(".html").read_bytes()
    args = (body, "text/html; charset=utf-8", expected["url"])
    here = run(Offload(0), extract_page, *args, profile=PROFILE)
    there = run(helper, extract_page, *args, profile=PROFILE)
    assert isinstance(there, Article) and there.title == expected["title"]
    strip = {"fetched_at": None}
    assert there.to_dict() | strip == here.to_dict() | strip
    topics = load_topics()
    assert run(helper, enrich, there, topics).to_dict() | strip == enrich(here, topics).to_dict() | strip
    assert run(helper, os.getpid) != os.getpid()
    assert run(Offload(0), os.getpid) == os.getpid()


def test_a_bad_page_comes_back_as_a_reject(helper):
    page = run(helper, extract_page, b"%PDF-1.4 binary", "text/html", "https://infopublik.id/x", profile=PROFILE)
    assert isinstance(page, Reject) and page.reason == "not-html"
    page = run(
        helper,
        extract_page,
        b"<html><body class='archive category'></body></html>",
        None,
        "https://infopublik.id/kategori/x",
        profile=PROFILE,
    )
    assert isinstance(page, Reject) and page.reason == "not-article"


@pytest.mark.slow
def test_a_crashed_helper_is_replaced_and_the_work_retried(helper, tmp_path):
    first = run(helper, os.getpid)
    pid = run(helper, crash_once_then_work, str(tmp_path / "crashed"))
    assert pid != first  # a new helper did it
    with pytest.raises(WorkerCrashed):
        run(helper, always_crash)
    assert run(helper, os.getpid) > 0  # and the crawl goes on


def test_helpers_ignore_ctrl_c(helper):
    assert run(helper, interrupted) == "still working"


def test_negative_worker_count_is_refused():
    with pytest.raises(ValueError, match="EXTRACT_WORKERS"):
        Offload(-1)


def test_spiders_of_one_crawl_share_the_helpers_they_are_given(helper):
    from scrapy.utils.test import get_crawler

    from spiders.infopublik import InfopublikSpider
    from spiders.suarakalbar import SuarakalbarSpider

    spiders = []
    for cls in (InfopublikSpider, SuarakalbarSpider):
        crawler = get_crawler(cls, {"DB_PATH": "/nonexistent/x.db", "EXTRACT_WORKERS": 3})
        spider = cls.from_crawler(crawler, offload=helper)
        crawler.spider = spider
        spiders.append(spider)
    assert all(s.offload is helper for s in spiders)
    pid = run(helper, os.getpid)
    for spider in spiders:
        spider.closed("finished")  # a spider does not close what it was lent
    assert run(helper, os.getpid) == pid
    own = InfopublikSpider.from_crawler(
        get_crawler(InfopublikSpider, {"EXTRACT_WORKERS": 2, "DB_PATH": "/nonexistent/x.db"})
    )
    assert own.offload.workers == 2 and own.offload is not helper


def test_the_crawl_says_in_its_first_line_how_many_helpers_extract(tmp_path):
    from crawler.cli.localserver import LocalSite
    from tests.conftest import SITES, cli_crawl

    with LocalSite(SITES / "infopublik") as site:
        two = cli_crawl(
            tmp_path / "a.db", {"infopublik": site.url}, "--log-level", "PROGRESS", "-s", "EXTRACT_WORKERS=2"
        )
        none = cli_crawl(
            tmp_path / "b.db", {"infopublik": site.url}, "--log-level", "PROGRESS", "-s", "EXTRACT_WORKERS=0"
        )
    assert two.returncode == 0 and none.returncode == 0, two.stderr[-2000:]
    assert "crawling infopublik with 2 extraction helper(s) (EXTRACT_WORKERS;" in two.stderr.splitlines()[0]
    assert "crawling infopublik with extraction in the crawler process" in none.stderr.splitlines()[0]


class CountsPickles:
    """Counts how often it is pickled (in this process: each time it is sent to a helper)."""

    pickled = 0

    def __getstate__(self) -> dict:
        CountsPickles.pickled += 1
        return {}


def type_name(value: object) -> str:
    return type(value).__name__


def test_a_kept_argument_is_sent_to_a_helper_once_and_again_to_its_replacement(helper):
    kept = Kept(CountsPickles())
    CountsPickles.pickled = 0
    assert [run(helper, type_name, value=kept) for _ in range(3)] == ["CountsPickles"] * 3
    assert CountsPickles.pickled == 1  # the later calls sent its key only
    assert run(Offload(0), type_name, value=kept) == "CountsPickles"  # inline: the value itself
    dying = helper._idle.get_nowait()  # the helper dies between two pages
    dying.end_process()
    dying.process.join(5)
    helper._idle.put(dying)
    assert run(helper, type_name, value=kept) == "CountsPickles"  # retried in a new helper
    assert CountsPickles.pickled == 2


def test_the_time_limit_counts_the_pages_work_not_a_new_helpers_start_up():
    """A new helper imports the page function's modules before it runs it (seconds on a loaded
    machine): counted in the page's limit, every page after a replaced helper would time out."""
    from tests.slow_import import IMPORT_SECONDS, quick  # a function pickled by reference: the helper imports it

    offload = Offload(1, timeout=1.0)
    try:
        started = time.monotonic()
        assert run(offload, quick) == "done"
        assert time.monotonic() - started >= IMPORT_SECONDS  # the import did happen in the helper
        with pytest.raises(WorkTimedOut):
            run(offload, slow, 3.0)  # the page's own work is still bounded
        assert run(offload, slow, 0.1) == "slept"  # and the replacement, starting anew, is not charged
    finally:
        offload.close()
