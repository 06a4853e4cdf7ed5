"""Near-duplicate detection: the same story under another URL or on another site.

Two stages. Cheap candidates first, from two fingerprints stored per article: a 64-bit SimHash of
the body's word 3-shingles (:func:`fingerprint`), which finds edited copies of the same length,
and a *sketch* (:func:`sketch`): the 3-shingles whose hash is 0 modulo ``SKETCH_MODULUS``. A sample
chosen by the shingle's own hash keeps containment: when a release is embedded whole in a longer
article, all of the release's sketch is in the article's sketch, however different their SimHashes.
Then the 3-shingle *containment* of the two bodies confirms a candidate.

Thresholds, measured on the seed articles and edited copies (tests/test_dedup_topics.py): a press
release with another dateline and closing line scores SimHash 0.91, a lightly edited re-post 0.95,
its first half alone 0.84; different articles score 0.44-0.58 and share under 5 % of 3-shingles.

A same-site copy is one article (a re-post under a second URL) only when it is the same story by
title too (:func:`same_title`) and its body is near-identical (:func:`near_identical`); any other
confirmed copy is a separate article of the same story.
"""

from __future__ import annotations

from hashlib import blake2b

from crawler.extraction.htmltext import WORD

SIMHASH_MIN = 0.80  # candidate if at least this similar (Hamming distance <= 12 of 64)
MAX_HAMMING = round(64 * (1 - SIMHASH_MIN))
CONTAINMENT_MIN = 0.60  # duplicate if this share of the shorter body's 3-shingles is in the other
SKETCH_MODULUS = 8  # one 3-shingle in 8 (by hash) is in the sketch: about 60 for a 500-word body
SKETCH_MIN = 0.35  # candidate if this share of the smaller sketch is in the other (confirmed at 0.60)
IDENTICAL_MIN = 0.85  # same-site re-post: this share of the union of 3-shingles is common to both
TITLE_MIN = 0.75  # same-site re-post: this share of the titles' words in both


_BLOCK = 2048  # token hashes counted together in one big integer
# _BIT_MASKS[i] has bit i of every 64-bit word of such a block set
_BIT_MASKS = [int.from_bytes((1 << i).to_bytes(8, "big") * _BLOCK, "big") for i in range(64)]


def fingerprint(body: str) -> str:
    """64-bit SimHash (hex) over word 3-shingles: unlike a bag of words, texts that merely share
    vocabulary do not look alike. Same Charikar scheme and blake2b token hashes as trafilatura's
    Simhash, but the votes for each bit are counted at once for up to 2,048 tokens: their hashes
    are laid side by side in one integer, masked to that bit and popcounted (about 4x faster
    than summing per token, and 80x faster than trafilatura's when almost every token is new)."""
    return simhash_of(*simhash_votes(body))


def simhash_votes(body: str) -> tuple[list[int], int]:
    """The SimHash's votes: for each of the 64 bits, how many of the body's distinct 3-shingles have
    it set, and how many shingles voted. Votes of texts add up (the benchmark composes bodies so)."""
    return _votes(words_of(body))


def _votes(words: list[str]) -> tuple[list[int], int]:
    tokens = list({f"{a}{b}{c}" for a, b, c in zip(words, words[1:], words[2:], strict=False)})
    votes = [0] * 64
    for start in range(0, len(tokens), _BLOCK):
        hashes = b"".join(blake2b(t.encode(), digest_size=8).digest() for t in tokens[start : start + _BLOCK])
        block = int.from_bytes(hashes, "big")
        for bit, mask in enumerate(_BIT_MASKS):
            votes[bit] += (block & mask).bit_count()
    return votes, len(tokens)


def fingerprints(body: str) -> tuple[str, str]:
    """:func:`fingerprint` and :func:`sketch` of one body, its words read once."""
    words = words_of(body)
    return simhash_of(*_votes(words)), sketch_of(_sampled(words))


def simhash_of(votes: list[int], tokens: int) -> str:
    """The SimHash (hex) from its votes: a bit is set when at least half of the shingles have it."""
    if not tokens:
        return "0"
    half = tokens / 2
    return f"{sum(1 << bit for bit in range(64) if votes[bit] >= half):x}"


def candidates(a: int, b: int) -> bool:
    """Cheap first stage on two SimHashes (as integers)."""
    return (a ^ b).bit_count() <= MAX_HAMMING


def candidates_among(a: int, others: list[int]) -> list[int]:
    """Indexes of ``others`` that pass :func:`candidates` with ``a``; the Hamming distances are
    computed in C, as storage compares each new article with every one published around it."""
    distances = list(map(int.bit_count, map(a.__xor__, others)))
    if min(distances, default=64) > MAX_HAMMING:
        return []
    return [i for i, distance in enumerate(distances) if distance <= MAX_HAMMING]


def sketch(body: str) -> str:
    """The sampled shingle hashes of a body, as stored in ``articles.sketch`` (hex, space-separated)."""
    return sketch_of(sampled(body))


def sketch_of(hashes: set[int] | frozenset[int]) -> str:
    return " ".join(f"{h:x}" for h in sorted(hashes))


def parse_sketch(text: str | None) -> frozenset[int]:
    return frozenset(int(h, 16) for h in (text or "").split())


def sampled(body: str) -> set[int]:
    """The body's 3-shingle hashes kept in its sketch (those 0 modulo ``SKETCH_MODULUS``)."""
    return _sampled(words_of(body))


def _sampled(words: list[str]) -> set[int]:
    # a hash is read as a big-endian number: whether it is 0 modulo 8 (a divisor of 256) is in its last byte
    digests = (blake2b(s.encode(), digest_size=8).digest() for s in _shingle_set(words))
    return {int.from_bytes(d, "big") for d in digests if not d[-1] % SKETCH_MODULUS}


def sketch_shares_enough(mine: int, other: int, common: int) -> bool:
    """Cheap first stage that keeps containment: enough of the smaller sketch is in the other
    (from the sizes of two sketches and the number of hashes they share)."""
    smaller = min(mine, other)
    return smaller > 0 and common >= min(2, smaller) and common / smaller >= SKETCH_MIN


def words_of(body: str) -> list[str]:
    return WORD.findall((body or "").casefold())


def shingles(body: str) -> set[str]:
    return _shingle_set(words_of(body))


def _shingle_set(words: list[str]) -> set[str]:
    return {f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:], strict=False)}


def _shingled(body: str | set[str]) -> set[str]:
    """A body's 3-shingles; already computed ones pass through (storage compares one new body
    with several stored ones and shingles it once)."""
    return body if isinstance(body, set) else shingles(body)


def containment(a: str | set[str], b: str | set[str]) -> float:
    sa, sb = _shingled(a), _shingled(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def near_identical(body_a: str | set[str], body_b: str | set[str]) -> bool:
    """Both bodies are nearly all the same text (not one contained in a longer other)."""
    sa, sb = _shingled(body_a), _shingled(body_b)
    if not sa or not sb:
        return sa == sb
    return len(sa & sb) / len(sa | sb) >= IDENTICAL_MIN


def same_title(title_a: str | None, title_b: str | None) -> bool:
    """The same headline, give or take case, punctuation and a word: the share of their words
    common to both is at least ``TITLE_MIN`` ("Berita Nomor 15" and "Berita Nomor 16" differ)."""
    a = set(WORD.findall((title_a or "").casefold()))
    b = set(WORD.findall((title_b or "").casefold()))
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= TITLE_MIN


def confirmed(body_a: str | set[str], body_b: str | set[str]) -> bool:
    """Second stage: enough of the shorter body's 3-shingles are in the other."""
    return containment(body_a, body_b) >= CONTAINMENT_MIN


def other_place(place_a: str | None, place_b: str | None, *, body_a: set[str], body_b: set[str]) -> bool:
    """Two articles whose datelines name different places report events in different places: a
    template (a regency's version of a provincial circular, a routine announcement) is not one
    story, however much text they share, unless the bodies are nearly identical (the same text
    re-published under another dateline). A syndicated release keeps its dateline."""
    if not place_a or not place_b or place_a.casefold() == place_b.casefold():
        return False
    return not near_identical(body_a, body_b)
