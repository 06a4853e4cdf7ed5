"""Choosing the body between the one a page declares (JSON-LD ``articleBody``) and the one found in
its markup, by length rather than first-wins."""

from __future__ import annotations

from typing import Any

Paragraphs = tuple[list[str], list[str]]  # (clean paragraphs, raw paragraphs)
SUMMARY_SHARE = 0.5  # a body with under half the words of another candidate is a summary or a teaser
SHORT_BODY = 400  # words: a body found this short by trafilatura's fast mode is looked for again


def _words(found: Paragraphs | None) -> int:
    return sum(len(x.split()) for x in found[0]) if found else 0


def declared_or_found(
    declared: Paragraphs | None, generic: Any, profiled: bool
) -> tuple[Paragraphs | None, str | None]:
    """The body the page declares (JSON-LD ``articleBody``) or the one found in its markup, chosen by
    length rather than first-wins: a declared body much shorter than the one in the page is a summary
    (publishers often put a teaser there); a body trafilatura's fast mode finds short, or shorter than
    the declared one, is looked for again with its fallbacks, which find the full text on pages
    where the fast mode stops at one block. On a site with a profile the declared body still comes
    first when there is one (the profile's pages are known)."""
    if profiled and declared:
        return declared, "jsonld"
    found = generic()
    if _words(found) < max(SHORT_BODY, SUMMARY_SHARE * _words(declared)):
        fuller = generic(False)
        if _words(fuller) > _words(found):
            found = fuller
    if declared and (not found or _words(declared) >= SUMMARY_SHARE * _words(found)):
        return declared, "jsonld"
    return (found, "generic") if found else (None, None)
