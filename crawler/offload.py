"""Page work off the crawling thread: extraction and enrichment in helper processes.

Scrapy runs downloads, scheduling and callbacks on one thread. Parsing a page, extracting its
record and enriching it (topics, places, SimHash) cost about as much CPU as Scrapy's own work per
page, so on a fast backfill they would halve the crawl rate. With ``EXTRACT_WORKERS = N`` (N > 0)
that work runs in N helper processes while the crawling thread goes on fetching; with 0 it runs in
the crawler process itself. The functions run are the same either way: plain, picklable functions
of their arguments, no shared state.

Safety: helpers ignore Ctrl-C and SIGTERM (the crawler process decides when to stop and waits for
the pages in progress), exit by themselves if the crawler process dies, and a helper that crashes
on a page is replaced; the page is retried once in the new helper, then recorded as rejected.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")


class WorkerCrashed(RuntimeError):
    """A helper process died twice on the same piece of work."""


class Offload:
    """Runs page functions inline (``workers == 0``) or in a pool of helper processes."""

    def __init__(self, workers: int) -> None:
        if workers < 0:
            raise ValueError(f"EXTRACT_WORKERS must be 0 or more, got {workers}")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: a fork of a process running the reactor and its threads is not safe
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(os.getpid(),),
            )
        return self._pool

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)``, in a helper process when there are helpers."""
        if not self.workers:
            return fn(*args)
        for attempt in (1, 2):
            pool = self._start()
            try:
                return await asyncio.wrap_future(pool.submit(fn, *args))
            except BrokenProcessPool:
                if self._pool is pool:  # the first caller to notice replaces the pool
                    logger.warning("An extraction helper process died; starting a new one")
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = None
                if attempt == 2:
                    raise WorkerCrashed(f"a helper process died twice running {fn.__name__}") from None
        raise AssertionError("unreachable")

    def peak_rss_mb(self) -> float:
        """Peak resident memory of a helper process, as reported by the helpers asked (0 without
        helpers, or when they cannot answer)."""
        if self._pool is None:
            return 0.0
        try:
            sizes = [self._pool.submit(_peak_rss_mb).result(timeout=10) for _ in range(self.workers)]
        except Exception:  # noqa: BLE001 - a statistic, never a reason to fail a crawl's end
            return 0.0
        return max(sizes, default=0.0)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _init_worker(parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()


def _exit_when_orphaned(parent_pid: int) -> None:
    """A crawler killed with SIGKILL cannot stop its helpers; they notice and leave."""
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os._exit(0)
