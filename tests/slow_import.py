"""A module that takes seconds to import, as the extraction stack does in a new helper process on
a loaded machine (the helper imports it when it unpickles a function of it)."""

from __future__ import annotations

import time

IMPORT_SECONDS = 3.0
time.sleep(IMPORT_SECONDS)


def quick() -> str:
    return "done"
