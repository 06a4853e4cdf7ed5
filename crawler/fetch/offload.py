"""Page work off the crawling thread: extraction and enrichment in helper processes.

Scrapy runs downloads, scheduling and callbacks on one thread. Parsing a page, extracting its
record and enriching it (topics, places, SimHash) cost about as much CPU as Scrapy's own work per
page, so on a fast backfill they would halve the crawl rate. With ``EXTRACT_WORKERS = N`` (N > 0)
that work runs in N helper processes while the crawling thread goes on fetching; with 0 it runs in
the crawler process itself. The functions run are the same either way: plain, picklable functions
of their arguments, no shared state.

Each helper works on one page at a time, so a page can only take itself down:

- a page that runs longer than ``EXTRACT_TIMEOUT`` seconds has its helper killed and replaced,
  and the caller gets :class:`WorkTimedOut` (the page is recorded as ``extraction-timeout``). The
  limit counts the page's own work only: a replacement helper's start-up and imports (seconds on a
  loaded machine) come before it, or one slow page would make every page after it time out;
- a helper that dies on a page is replaced and the page retried once, then :class:`WorkerCrashed`;
  pages in other helpers are not touched;
- :meth:`Offload.stop` (on SIGINT/SIGTERM) kills the helpers at once: pages in progress end with
  :class:`OffloadStopped` and are not recorded, so the next crawl fetches them again.

Helpers ignore Ctrl-C and SIGTERM themselves (the crawler decides), and exit by themselves if the
crawler process dies.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, NamedTuple, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")
_SPAWN = multiprocessing.get_context("spawn")  # a fork of a process running the reactor is not safe
# what a helper says once it holds the work (started, its modules imported), before it runs it
_STARTED = "started"
# a helper that has not taken its work in this long (a new one starting on a machine under heavy
# load takes seconds) is replaced like one that died; the page's own limit starts after it
START_TIMEOUT = 120.0


class WorkerCrashed(RuntimeError):
    """A helper process died twice on the same piece of work."""


class WorkTimedOut(RuntimeError):
    """A piece of work ran longer than the time limit; its helper was replaced."""


class OffloadStopped(RuntimeError):
    """The crawl is stopping; the work was abandoned."""


class _HelperDied(RuntimeError):
    pass


@dataclass(frozen=True)
class Kept:
    """A keyword argument a helper keeps once it has been sent (a site's profile, the watchlist):
    later calls to that helper send its key only, not the object pickled again with every page.
    A helper started to replace one that died is sent the object again."""

    value: Any
    key: str = field(default_factory=lambda: uuid.uuid4().hex)


class _KeptRef(NamedTuple):
    key: str


def _unkept(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {name: v.value if isinstance(v, Kept) else v for name, v in kwargs.items()}


class _Helper:
    """One helper process and the pipe to it; used by one thread at a time."""

    def __init__(self) -> None:
        self.conn, child = _SPAWN.Pipe()
        self.process = _SPAWN.Process(target=_serve, args=(child, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.kept: set[str] = set()  # keys of the Kept arguments this helper holds

    def call(self, fn: Callable[..., T], args: tuple, kwargs: dict[str, Any], *, timeout: float | None) -> T:
        sent = {
            name: _KeptRef(v.key) if isinstance(v, Kept) and v.key in self.kept else v for name, v in kwargs.items()
        }
        try:
            self.conn.send((fn, args, sent))
            self.kept |= {v.key for v in kwargs.values() if isinstance(v, Kept)}
            # the time limit is the page's: a new helper's start-up and imports are not counted
            if not self.conn.poll(START_TIMEOUT) or self.conn.recv() != _STARTED:
                raise _HelperDied(f"the helper did not take the work within {START_TIMEOUT:g} s")
            ready = self.conn.poll(timeout)
            if ready:
                ok, value = self.conn.recv()
        except _HelperDied:
            raise
        except Exception as exc:  # noqa: BLE001 - the pipe broke: the helper died, or stop() closed it
            raise _HelperDied(f"{type(exc).__name__}: {exc}") from None
        if not ready:
            raise WorkTimedOut(f"{fn.__name__} ran longer than {timeout:g} s")
        if ok:
            return value
        raise value

    def end_process(self) -> None:
        """Kill the helper process only: the thread using the pipe sees it close and cleans up
        (closing a pipe under another thread's poll could hand its fd number to a new file)."""
        if self.process.is_alive():
            self.process.kill()

    def kill(self) -> None:
        self.end_process()
        self.process.join(5)
        self.conn.close()


class Offload:
    """Runs page functions inline (``workers == 0``) or in helper processes, one page per helper
    at a time, each with a time limit (``timeout`` seconds; None for none)."""

    def __init__(self, workers: int, timeout: float | None = None) -> None:
        if workers < 0:
            raise ValueError(f"EXTRACT_WORKERS must be 0 or more, got {workers}")
        if timeout is not None and timeout <= 0:
            raise ValueError(f"EXTRACT_TIMEOUT must be more than 0 seconds, got {timeout}")
        self.workers = workers
        self.timeout = timeout
        self._idle: queue.SimpleQueue[_Helper] = queue.SimpleQueue()
        self._busy: set[_Helper] = set()
        self._lock = threading.Lock()
        self._threads: ThreadPoolExecutor | None = None
        self._stopped = False

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)``, in a helper process when there are helpers (a :class:`Kept`
        keyword argument is passed as its value)."""
        if not self.workers:
            return fn(*args, **_unkept(kwargs))
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self.workers, thread_name_prefix="pantau-helper")
        for attempt in (1, 2):
            try:
                return await asyncio.wrap_future(self._threads.submit(self._call, fn, args, kwargs))
            except _HelperDied:
                if self._stopped:
                    raise OffloadStopped("the crawl is stopping") from None
                logger.warning("An extraction helper process died; starting a new one")
                if attempt == 2:
                    raise WorkerCrashed(f"a helper process died twice running {fn.__name__}") from None
        raise AssertionError("unreachable")

    def _call(self, fn: Callable[..., T], args: tuple, kwargs: dict[str, Any]) -> T:
        """On a pool thread: take an idle helper (or start one), run, give it back."""
        if self._stopped:
            raise OffloadStopped("the crawl is stopping")
        try:
            helper = self._idle.get_nowait()
        except queue.Empty:
            helper = _Helper()
        with self._lock:  # stop() sets the flag, then kills what is busy: one of the two sees the other
            if self._stopped:
                helper.kill()
                raise OffloadStopped("the crawl is stopping")
            self._busy.add(helper)
        try:
            result = helper.call(fn, args, kwargs, timeout=self.timeout)
        except (WorkTimedOut, _HelperDied):
            helper.kill()
            raise
        finally:
            with self._lock:
                self._busy.discard(helper)
        if self._stopped:
            helper.kill()
        else:
            self._idle.put(helper)
        return result

    def peak_rss_mb(self) -> float:
        """Peak resident memory of the idle helpers, as they report it (0 without helpers, or
        when they cannot answer)."""
        sizes = []
        helpers = []
        while True:
            try:
                helpers.append(self._idle.get_nowait())
            except queue.Empty:
                break
        for helper in helpers:
            try:
                sizes.append(helper.call(_peak_rss_mb, (), {}, timeout=10))
                self._idle.put(helper)
            except Exception:  # noqa: BLE001 - a statistic, never a reason to fail a crawl's end
                helper.kill()
        return max(sizes, default=0.0)

    def stop(self) -> None:
        """Kill every helper now (SIGINT/SIGTERM): work in progress ends with OffloadStopped."""
        self._stopped = True
        with self._lock:
            busy = list(self._busy)
        for helper in busy:
            helper.end_process()
        self._drain()

    def close(self) -> None:
        self._drain()
        if self._threads is not None:
            self._threads.shutdown(wait=True, cancel_futures=True)
            self._threads = None
        self._drain()

    def _drain(self) -> None:
        while True:
            try:
                helper = self._idle.get_nowait()
            except queue.Empty:
                return
            helper.kill()


def _serve(conn: Connection, parent_pid: int) -> None:
    """A helper's life: run what arrives, send back ``(True, result)`` or ``(False, exception)``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()
    kept: dict[str, Any] = {}
    while True:
        try:
            fn, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        for v in kwargs.values():
            if isinstance(v, Kept):
                kept[v.key] = v.value
        conn.send(_STARTED)
        try:
            reply = (
                True,
                fn(*args, **{n: kept[v.key] if isinstance(v, Kept | _KeptRef) else v for n, v in kwargs.items()}),
            )
        except Exception as exc:  # noqa: BLE001 - handed to the caller, who decides
            reply = (False, exc)
        conn.send(reply)


def high_water_mb(pid: int | str = "self") -> float | None:
    """A process's own peak resident memory (VmHWM in /proc, Linux), None where it cannot be read.
    Unlike ``ru_maxrss``, it does not carry over the memory of the process that started it."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def _peak_rss_mb() -> float:
    """This helper's own peak resident memory; ``ru_maxrss`` where /proc cannot say, which on
    Linux also counts the crawler's memory when it started the helper."""
    if (own := high_water_mb()) is not None:
        return own
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _exit_when_orphaned(parent_pid: int) -> None:
    """A crawler killed with SIGKILL cannot stop its helpers; they notice and leave."""
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os._exit(0)
