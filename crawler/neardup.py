"""Near-duplicate detection: the same story under another URL or on another site.

Two stages. A 64-bit SimHash of the body (trafilatura's implementation), stored per article,
finds candidates cheaply; the word 3-shingle *containment* of the two bodies confirms them.
Thresholds, measured on the fixture articles and their edited copies (tests/test_dedup.py):
copies of one press release score SimHash >= 0.9 and containment >= 0.9; different articles on the
same event score SimHash <= 0.72 and containment <= 0.05.
"""

from __future__ import annotations

import re

from trafilatura.deduplication import Simhash

SIMHASH_MIN = 0.80  # candidate if at least this similar (Hamming distance <= 12 of 64)
CONTAINMENT_MIN = 0.60  # duplicate if this share of the shorter body's 3-shingles is in the other
_WORD = re.compile(r"\w+")


def fingerprint(body: str) -> str:
    return Simhash(body or "").to_hex()


def simhash_similarity(a: str, b: str) -> float:
    return Simhash(existing_hash=a).similarity(Simhash(existing_hash=b))


def shingles(body: str, n: int = 3) -> set[str]:
    words = _WORD.findall((body or "").casefold())
    return {" ".join(words[i : i + n]) for i in range(max(len(words) - n + 1, 0))}


def containment(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def is_near_duplicate(body_a: str, hash_a: str, body_b: str, hash_b: str) -> bool:
    if not hash_a or not hash_b or simhash_similarity(hash_a, hash_b) < SIMHASH_MIN:
        return False
    return containment(body_a, body_b) >= CONTAINMENT_MIN
