"""How close an extracted body is to the expected one: the article-extraction benchmark's metric,
used everywhere a body is scored (the benchmark, real pages, captures, tests).

Texts become multisets of 4-token shingles of ``\\w+`` tokens (a text under 4 tokens is one
shingle), after Unicode's canonical composition (NFC: ``u`` and a combining diaeresis are the same
text as ``ü``, and ``\\w+`` would split the first); a page's precision is the share of the
extracted shingles that are expected, its recall the share of the expected ones that were
extracted. Over many pages, precision and recall are averaged over the pages, then combined: one
bad page counts as one page, whatever its length.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable

_TOKEN = re.compile(r"\w+")


def shingles(text: str | None) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(unicodedata.normalize("NFC", text or ""))
    if len(tokens) < 4:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def body_pr(expected: str | None, got: str | None) -> tuple[float, float]:
    """One page's (precision, recall). Nothing expected and nothing found is perfect."""
    want, have = shingles(expected), shingles(got)
    hit = sum((want & have).values())
    precision = hit / sum(have.values()) if have else (1.0 if not want else 0.0)
    recall = hit / sum(want.values()) if want else 1.0
    return precision, recall


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def page_f1(expected: str | None, got: str | None) -> float:
    """One page's body F1."""
    return f1(*body_pr(expected, got))


def body_f1(pairs: Iterable[tuple[str | None, str | None]]) -> tuple[float, float, float]:
    """(F1, precision, recall) over pages of (expected, got): precision and recall averaged over
    the pages, then combined."""
    scores = [body_pr(expected, got) for expected, got in pairs]
    if not scores:
        raise ValueError("no pages to score")
    precision, recall = statistics.fmean(p for p, _ in scores), statistics.fmean(r for _, r in scores)
    return f1(precision, recall), precision, recall
