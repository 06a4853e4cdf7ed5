"""Watchlist topics: which articles talk about what, with the matched terms and a snippet."""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_TOPICS_FILE = Path(__file__).with_name("topics.toml")


def fold(text: str) -> str:
    """Lower case, no accents, hyphens and punctuation as spaces: what topic terms are matched on."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " " + re.sub(r"[\W_]+", " ", text).strip() + " "


def _term_pattern(term: str) -> str:
    folded = fold(term.rstrip("*")).strip()
    if term.endswith("*"):
        return rf"(?<= ){re.escape(folded)}\w*(?= )"
    return rf"(?<= ){re.escape(folded)}(?= )"


@dataclass(frozen=True)
class Topic:
    name: str
    description: str
    require: tuple[tuple[str, ...], ...]
    also: tuple[str, ...]
    exclude: tuple[str, ...]

    @property
    def patterns(self) -> dict[str, re.Pattern[str]]:
        return _compiled(self)


@lru_cache(maxsize=64)
def _compiled(topic: Topic) -> dict[str, re.Pattern[str]]:
    terms = {t for group in topic.require for t in group} | set(topic.also) | set(topic.exclude)
    return {t: re.compile(_term_pattern(t)) for t in terms}


@dataclass(frozen=True)
class TopicMatch:
    topic: str
    terms: list[str]
    snippet: str


def load_topics(path: str | os.PathLike[str] | None = None) -> tuple[Topic, ...]:
    """Topics from a TOML file (default: ``$PANTAU_TOPICS`` or the bundled ``topics.toml``)."""
    path = Path(path or os.environ.get("PANTAU_TOPICS") or DEFAULT_TOPICS_FILE)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read topics from {path}: {exc}") from exc
    topics = []
    for name, spec in data.items():
        require = tuple(tuple(group) for group in spec.get("require", []))
        if not require or not all(require):
            raise ValueError(f"topic {name!r} in {path} needs at least one non-empty `require` group")
        topics.append(Topic(name, spec.get("description", ""), require, tuple(spec.get("also", [])),
                            tuple(spec.get("exclude", []))))  # fmt: skip
    return tuple(topics)


def match_topics(title: str, body: str, topics: tuple[Topic, ...]) -> list[TopicMatch]:
    text = fold(f"{title or ''} {body or ''}")
    matches = []
    for topic in topics:
        found = {t for t, pattern in topic.patterns.items() if pattern.search(text)}
        if any(t in found for t in topic.exclude):
            continue
        if not all(any(t in found for t in group) for group in topic.require):
            continue
        terms = sorted(t for t in found if t not in topic.exclude)
        matches.append(TopicMatch(topic.name, terms, snippet(body or title or "", topic.require[0])))
    return matches


def snippet(text: str, terms: tuple[str, ...], width: int = 220) -> str:
    """The sentence-ish window around the first occurrence of one of ``terms``."""
    lowered = text.casefold()
    positions = [p for t in terms if (p := lowered.find(t.rstrip("*").casefold())) >= 0]
    if not positions:
        return text[:width].strip()
    start = max(0, min(positions) - width // 3)
    out = text[start : start + width].replace("\n", " ").strip()
    return ("…" if start else "") + out + ("…" if start + width < len(text) else "")
