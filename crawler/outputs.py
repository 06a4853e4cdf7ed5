"""Files Pantau writes for people (exports, Atom feeds): whole or not at all, and never in place
of something that is not a regular file.

A regular file (or a new one) is written to a temporary file beside it, flushed to disk and
renamed over it, so a reader (a feed reader, a spreadsheet) never sees half a file. Anything else
is opened and written into: renaming over it would replace it with a regular file (as root from
cron, ``-o /dev/stdout`` would replace the system's ``/dev/stdout`` link). That is a symbolic link
(followed), a device, a terminal or a FIFO; the process's own standard output or error, however
named (``/dev/stdout``, ``/proc/self/fd/1``), is written through the open descriptor, so a log
that cron appends to is not truncated. A FIFO that no process reads is waited for at most
``FIFO_WAIT`` seconds, then refused (``OSError`` ENXIO). New files get the usual mode (0666 less
the umask), like any file a command creates.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

FIFO_WAIT = 10.0  # seconds a FIFO with no reader is waited for


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def open_output(path: str | os.PathLike[str], binary: bool = False, make_parents: bool = False) -> Iterator[IO[Any]]:
    """A file object for ``path``; see the module's docstring."""
    target = Path(path)
    mode, encoding, newline = ("wb", None, None) if binary else ("w", "utf-8", "")
    if target.is_symlink() or (target.exists() and not target.is_file()):
        with os.fdopen(_descriptor_into(target), mode, encoding=encoding, newline=newline) as out:
            yield out
        return
    if make_parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _descriptor_into(target: Path, wait: float = FIFO_WAIT) -> int:
    """A descriptor that writes into what ``target`` names (not a regular file of its own)."""
    try:
        info = target.stat()
    except FileNotFoundError:  # a link to nothing yet: what it points to is created
        return os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    for own in (1, 2):  # our own standard output or error: written where it already goes
        with contextlib.suppress(OSError):
            mine = os.fstat(own)
            if (mine.st_dev, mine.st_ino) == (info.st_dev, info.st_ino):
                return os.dup(own)
    if not stat.S_ISFIFO(info.st_mode):
        return os.open(target, os.O_WRONLY | os.O_TRUNC)
    deadline = time.monotonic() + wait
    while True:  # a FIFO: opening it for writing would block until a reader comes
        try:
            fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:
                raise
            if time.monotonic() >= deadline:
                raise OSError(errno.ENXIO, f"no process reads the FIFO (waited {wait:g} s)", str(target)) from None
            time.sleep(0.1)
            continue
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        return fd


def write_whole(path: str | os.PathLike[str], data: bytes) -> None:
    """``data`` into ``path`` (its folder created when missing), whole or not at all."""
    with open_output(path, binary=True, make_parents=True) as out:
        out.write(data)
