"""How long a body is, for choosing between the one a page declares (JSON-LD ``articleBody``) and
the one found in its markup by length rather than first-wins (:mod:`crawler.extraction.fields`)."""

from __future__ import annotations

Paragraphs = tuple[list[str], list[str]]  # (clean paragraphs, raw paragraphs)
SUMMARY_SHARE = 0.5  # a body with under half the words of another candidate is a summary or a teaser
SHORT_BODY = 400  # words: a body found this short by trafilatura's fast mode is looked for again


def words_of(found: Paragraphs | None) -> int:
    """Words in a body's clean paragraphs (0 for none)."""
    return sum(len(x.split()) for x in found[0]) if found else 0
