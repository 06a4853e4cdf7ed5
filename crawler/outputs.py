"""Files Pantau writes for people (exports, Atom feeds): whole or not at all, and never in place
of something that is not a regular file.

A regular file is written to a temporary file beside it, flushed to disk and renamed over it, so
a reader (a feed reader, a spreadsheet) never sees half a file. A FIFO, a device or a terminal
(``-o /dev/stdout``, ``-o /dev/null``) is written directly: renaming over it would replace it with
a regular file (as root, ``/dev/null`` itself). New files get the usual mode (0666 less the umask),
like any file a command creates.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def open_output(path: str | os.PathLike[str], binary: bool = False, make_parents: bool = False) -> Iterator[IO[Any]]:
    """A file object for ``path``; see the module's docstring."""
    target = Path(path)
    mode, encoding, newline = ("wb", None, None) if binary else ("w", "utf-8", "")
    if target.exists() and not target.is_file():  # a device, FIFO or socket: written directly
        with open(target, mode, encoding=encoding, newline=newline) as out:
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


def write_whole(path: str | os.PathLike[str], data: bytes) -> None:
    """``data`` into ``path`` (its folder created when missing), whole or not at all."""
    with open_output(path, binary=True, make_parents=True) as out:
        out.write(data)
