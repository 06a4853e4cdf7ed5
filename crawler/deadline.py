"""A total deadline for a call to a peer that may trickle (Apprise's services, webhooks, Scrapyd).

Client libraries bound each read (``timeout=``), not the whole exchange: a peer that answers one
byte a second is never too slow for them, and holds the process for ever. :func:`within` runs the
call on a daemon thread and stops waiting for it when its time is up; the thread is left to end
with the peer or with the process, renamed ``pantau-abandoned-...`` so that the command's end can
tell (:func:`abandoned`). A library may hand the call to worker threads of its own (Apprise does),
which Python joins at exit: a process that gave up on a peer ends without waiting for them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
ABANDONED = "pantau-abandoned-"


class DeadlineExceeded(TimeoutError):
    """The call did not return in time; whether the peer acted on it is unknown."""


def within(seconds: float, call: Callable[[], T], what: str) -> T:
    """``call()``'s result (or its exception) if it returns within ``seconds``; else
    :class:`DeadlineExceeded` naming ``what``."""
    results: list[T] = []
    errors: list[BaseException] = []
    finished = threading.Event()

    def run() -> None:
        try:
            results.append(call())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below, whatever it is
            errors.append(exc)
        finally:
            finished.set()

    worker = threading.Thread(target=run, name=f"pantau-deadline-{what}", daemon=True)
    worker.start()
    if not finished.wait(max(seconds, 0.0)):
        worker.name = f"{ABANDONED}{what}"
        raise DeadlineExceeded(f"{what}: no answer within {seconds:g} s")
    if errors:
        raise errors[0]
    return results[0]


def abandoned() -> list[str]:
    """What this process gave up waiting for and is still running."""
    return [t.name[len(ABANDONED) :] for t in threading.enumerate() if t.name.startswith(ABANDONED) and t.is_alive()]
