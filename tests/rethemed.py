"""A bundled site copy with every ``class`` and ``id`` renamed: the same text, tags, JSON-LD and
meta, in markup no profile selector was written for (a re-themed site, or one we never saw)."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

_ATTRIBUTE = re.compile(r"""\b(class|id)=(["'])(.*?)\2""", re.S)


def scrambled(html: str, salt: str = "x") -> str:
    def rename(m: re.Match[str]) -> str:
        names = " ".join("k" + hashlib.md5((salt + n).encode()).hexdigest()[:8] for n in m.group(3).split())
        return f"{m.group(1)}={m.group(2)}{names}{m.group(2)}"

    return _ATTRIBUTE.sub(rename, html)


def rethemed_copy(source: Path, target: Path, salt: str = "x") -> Path:
    """Copy a site, scrambling classes and ids in every article page (listings keep their links)."""
    shutil.copytree(source, target)
    for page in target.rglob("*.html"):
        page.write_text(scrambled(page.read_text(encoding="utf-8"), salt), encoding="utf-8")
    return target
