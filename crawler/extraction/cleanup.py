"""Paragraph-level body cleanup for Indonesian news: related links, calls to follow, chrome.

Works on text, so it also cleans what the generic extractor returns. It only ever removes whole
paragraphs (or the tail after a "related articles" heading); it never adds or rewrites text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crawler.extraction.dates import DAY_NAMES

# A paragraph matching one of these is dropped.
DROP_PARAGRAPH = [
    # inline related links: "Baca juga: ...", "Baca  Judul Berita", "BACA JUGA : ..."
    r"(?:baca|simak|lihat)(?:\s+(?:juga|pula|selengkapnya))?\s*[:\-–»>]*\s*\S.{0,250}",
    r"(?:ikuti|follow|gabung)\b.{0,60}\b(?:google\s*news|telegram|whatsapp|instagram|channel)\b.{0,200}",
    r".{0,80}\b(?:google\s*news|channel\s+telegram|saluran\s+whatsapp|whatsapp\s+channel)\b.{0,80}",
    r"join\s+(?:now|channel|grup|group)\b.{0,200}",
    r"dapatkan\s+(?:update|berita|informasi)\b.{0,400}",
    r"anda\s+dapat\s+menyiarkan\s+ulang.{0,200}",
    r"\d[\d.,]*\s+kali(?:\s+dibaca)?",
    r"(?:komentar|bagikan|share|iklan|advertisement|scroll\s+to\s+continue|gulir\s+untuk\s+melanjutkan"
    r"|tags?|halaman|join\s+now|loading|sponsored|artikel\s+terkait)\s*:?\s*\d*",
    r"(?:penulis|editor|reporter|pewarta|redaktur|sumber|foto|video|ilustrasi)\s*:.{0,120}",
    # the byline: "Oleh MC KOTA PONTIANAK, Senin, 14 Oktober 2024 | 17:55 WIB - Redaktur: Untung S"
    # (the writer, then the day and date; a sentence "Oleh Bupati, bantuan ..." has no date there)
    rf"oleh\s*:?\s+[^,]{{2,80}},\s*(?:{DAY_NAMES}\s*,?\s*)?\d{{1,2}}\s+\w+\s+\d{{4}}\b.{{0,150}}",
    # a picture's credit line, in the languages of the pages seen ("Photo: AFP", "X/Getty Images")
    r"(?:photo|bild|image|фото|credits?)\s*:.{0,120}",
    r".{0,80}\b(?:getty\s+images|shutterstock|istock(?:photo)?|imago(?:\s+images)?|picture\s+alliance)(?:/.{0,40})?",
    r"(?:copyright|hak\s+cipta|©).{0,200}",
    # where an embed was blocked: "External content not available", "Your privacy settings prevent
    # loading external content..." (a short paragraph naming both external content and settings)
    r"(?:externer?|external|eksternal)\s+(?:inhalte?|content|konten)\s+(?:nicht\s+verfügbar|not\s+available|unavailable)"
    r"|(?=.*\b(?:extern\w*|third[- ]party|drittanbieter\w*)\s+(?:inhalt\w*|content|konten))"
    r"(?=.*(?:einstellungen|settings|preferences|pengaturan|zustimm|consent|akzeptier|accept)).{0,300}"
    r"|(?=.*\b(?:privatsphäre|privacy|datenschutz|cookie)[-\s]?(?:einstellungen|settings|preferences))"
    r"(?=.*\b(?:aktivier\w*|enable|erlaube\w*|allow|akzeptier\w*|accept))(?=.*\b(?:anzeige\w*|display|view|laden|load)).{0,200}",
]
# A paragraph equal to one of these starts trailing chrome: it and everything after it go.
CUT_FROM = [
    r"(?:berita|artikel)\s+terkait(?:\s+lainnya)?",
    r"related\s+(?:articles|posts|news|stories)",
    r"baca\s+juga\s+berita\s+lainnya",
    r"berita\s+lainnya",
    r"(?:postingan|berita|artikel)\s+(?:terbaru|populer|terpopuler|pilihan)",
    r"check\s+also",
    r"tinggalkan\s+balasan",
    r"leave\s+a\s+(?:reply|comment)",
    r"back\s+to\s+top(?:\s+button)?",
    r"(?:\d+\s+)?komentar",
    r"(?:\d+\s+)?comments?|join\s+(?:our|the)\s+(?:commenting\s+forum|conversation|discussion)",
]
# How Indonesian news closes an article: the editors' initials in parentheses at the end of its last
# paragraph ("... kata dia. (rvk/rvk)", "(ant)", "(*)"), lower case, unlike an acronym "(BKN)"; or its
# credit lines ("Pewarta: ...", "Editor: ..."). What follows them is the site's (lists of other
# stories with their dates, tag clouds), not the article, once the article has begun.
_CLOSING_INITIALS = re.compile(r"\((?:[a-z]{2,5}(?:/[a-z]{2,5})+|[a-z]{2,5}|\*{1,3})\)\s*\Z")
_CREDIT_LINE = re.compile(r"(?:pewarta|editor|penulis|reporter|redaktur|penyunting)\s*:", re.I)
ARTICLE_BEGUN = 40  # words kept before a closing convention counts as the end
_DROP = re.compile("(?:" + "|".join(DROP_PARAGRAPH) + r")\Z", re.I | re.S)
_CUT = re.compile("(?:" + "|".join(CUT_FROM) + r")\s*:?\Z", re.I)
# "Baca" paragraphs that are real sentences ("Baca tulis menjadi ...") end with punctuation.
_SENTENCE_END = re.compile(r"[.!?\"”)]\s*\Z")
_RELATED_START = re.compile(r"(?:baca|simak|lihat)\b", re.I)


def clean_paragraphs(
    paragraphs: Iterable[str], extra_patterns: Iterable[str] = (), drop_exact: Iterable[str] = ()
) -> list[str]:
    """Drop boilerplate paragraphs; stop at a trailing "related/comments" section heading, and
    after the article's closing convention (the editors' initials, its credit lines)."""
    extra = [re.compile(p + r"\Z", re.I | re.S) for p in extra_patterns]
    exact = {e.casefold() for e in drop_exact if e}
    kept: list[str] = []
    words = 0
    for para in paragraphs:
        text = para.strip()
        if not text:
            continue
        if _CUT.match(text) and kept:
            break
        if words >= ARTICLE_BEGUN and _CREDIT_LINE.match(text):
            break
        if text.casefold() in exact or _is_boilerplate(text) or any(p.match(text) for p in extra):
            continue
        kept.append(text)
        words += len(text.split())
        if words >= ARTICLE_BEGUN and _CLOSING_INITIALS.search(text):
            break
    return kept


def _is_boilerplate(text: str) -> bool:
    if len(text) > 600 or not _DROP.match(text):
        return False
    if _RELATED_START.match(text) and (len(text.split()) > 30 or _SENTENCE_END.search(text)):
        # "Baca ..." that is a real sentence of the article, not a related-article link
        return _looks_like_link_line(text)
    return True


def _looks_like_link_line(text: str) -> bool:
    return bool(re.match(r"(?:baca|simak|lihat)\s+(?:juga|pula)\s*[:\-–]", text, re.I))


def body_text(paragraphs: Iterable[str]) -> str:
    """Paragraphs joined by one blank line: the ``body`` column's format."""
    return "\n\n".join(p for p in paragraphs if p)
