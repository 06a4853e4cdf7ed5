"""Whether the process that started a run is gone: a crawl killed hard leaves its run row running, and
the next crawl, the alerts and the dashboard must tell a dead run from a live one."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta


def died(pid: int | None, run_host: str | None, host: str, *, started: str | None) -> bool:
    """Whether the process of a ``running`` run is gone: checked on this machine; a run recorded
    without a process (older Pantau, Scrapy's shell) counts as gone after a day."""
    if pid is None or run_host is None:
        return (started or "") < (datetime.now(UTC) - timedelta(days=1)).isoformat()
    if run_host != host:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        pass
    return False
