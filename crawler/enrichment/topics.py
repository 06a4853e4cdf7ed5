"""Watchlist topics: which articles talk about what, with the matched terms and a snippet."""

from __future__ import annotations

import importlib.resources
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from crawler.items import TopicMatch

# The bundled watchlist, read as package data (it may sit in a zipped egg on a Scrapyd node).
DEFAULT_TOPICS = importlib.resources.files("crawler.enrichment").joinpath("topics.toml")


def fold(text: str) -> str:
    """Lower case, no accents, hyphens and punctuation as spaces: what topic terms are matched on."""
    text = text.casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " " + _NON_WORD.sub(" ", text).strip() + " "


_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Topic:
    name: str
    description: str
    require: tuple[tuple[str, ...], ...]
    also: tuple[str, ...]
    exclude: tuple[str, ...]

    def terms_in(self, folded: str) -> set[str]:
        """The topic's terms present in a folded text: one regex pass over the text."""
        pattern, exact, stems = _compiled(self)
        found = set()
        for m in pattern.finditer(folded):
            word = m.group(0)
            if word in exact:
                found.add(exact[word])
            else:
                found.update(term for prefix, term in stems if word.startswith(prefix))
        return found


@lru_cache(maxsize=64)
def _compiled(topic: Topic) -> tuple[re.Pattern[str], dict[str, str], tuple[tuple[str, str], ...]]:
    terms = {t for group in topic.require for t in group} | set(topic.also) | set(topic.exclude)
    exact = {fold(t).strip(): t for t in terms if not t.endswith("*")}
    stems = tuple((fold(t[:-1]).strip(), t) for t in terms if t.endswith("*"))
    # longest first, so "aparatur sipil negara" wins over "aparatur" at the same place
    alternatives = sorted(exact, key=len, reverse=True)
    parts = [re.escape(a) for a in alternatives] + [re.escape(p) + r"\w*" for p, _ in stems]
    return re.compile(r"(?<= )(?:" + "|".join(parts) + r")(?= )"), exact, stems


def load_topics(path: str | os.PathLike[str] | None = None) -> tuple[Topic, ...]:
    """Topics from a TOML file (default: ``$PANTAU_TOPICS`` or the bundled ``topics.toml``)."""
    given = path or os.environ.get("PANTAU_TOPICS")
    source = Path(given) if given else DEFAULT_TOPICS
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read topics from {source}: {exc}") from exc
    topics = []
    for name, spec in data.items():
        require = tuple(tuple(group) for group in spec.get("require", []))
        if not require or not all(require):
            raise ValueError(f"topic {name!r} in {source} needs at least one non-empty `require` group")
        topics.append(
            Topic(
                name, spec.get("description", ""), require, tuple(spec.get("also", [])), tuple(spec.get("exclude", []))
            )
        )
    return tuple(topics)


def match_topics(title: str, body: str, topics: tuple[Topic, ...]) -> list[TopicMatch]:
    text = fold(f"{title or ''} {body or ''}")
    matches = []
    for topic in topics:
        found = topic.terms_in(text)
        if any(t in found for t in topic.exclude):
            continue
        if not all(any(t in found for t in group) for group in topic.require):
            continue
        terms = sorted(t for t in found if t not in topic.exclude)
        matches.append(
            TopicMatch(topic=topic.name, terms=terms, snippet=snippet(body or title or "", topic.require[0]))
        )
    return matches


def snippet(text: str, terms: tuple[str, ...], width: int = 220) -> str:
    """The window of about ``width`` characters around the first occurrence of one of ``terms``,
    cut at word boundaries (never mid-word), with "…" where the text goes on."""
    lowered = text.casefold()
    positions = [p for t in terms if (p := lowered.find(t.rstrip("*").casefold())) >= 0]
    start = max(0, min(positions) - width // 3) if positions else 0
    end = min(len(text), start + width)
    if start > 0 and not text[start - 1].isspace():  # begin at the next word
        start = next((i + 1 for i in range(start, min(end, start + 40)) if text[i].isspace()), start)
    if end < len(text) and not text[end].isspace():  # end at the previous word
        end = next((i for i in range(end - 1, max(start, end - 40), -1) if text[i].isspace()), end)
    out = " ".join(text[start:end].split())
    return ("…" if start else "") + out + ("…" if end < len(text) else "")
