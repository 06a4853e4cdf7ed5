"""Synthetic archives: articles drawn from a Zipf vocabulary, and a whole archive filled directly
(bodies composed from a pool of paragraphs, with the crawler's own fingerprints), for the storage
and scale sections."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path


def vocabulary(rng: random.Random, size: int = 20_000) -> tuple[list[str], list[float]]:
    """Indonesian-looking words with Zipf frequencies, so bodies differ the way real texts do."""
    syllables = [c + v for c in "bcdgjklmnprstw" for v in "aiueo"] + ["ng", "an", "in", "ar", "er"]
    words = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(size * 2)})[:size]
    rng.shuffle(words)
    weights, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1 / rank
        weights.append(total)
    return words, weights


def synthetic_articles(n: int):
    from crawler.enrichment.neardup import fingerprint, sketch
    from crawler.extraction.extract import content_hash
    from crawler.items import Article

    rng = random.Random(7)
    vocab, cum_weights = vocabulary(rng)
    for i in range(n):
        words = rng.choices(vocab, cum_weights=cum_weights, k=450)
        body = "\n\n".join(" ".join(words[j : j + 50]).capitalize() + "." for j in range(0, 450, 50))
        day = (date(2024, 1, 1) + timedelta(days=i % 366)).isoformat()  # a year of news, ~270 a day
        url = f"https://www.suarakalbar.co.id/{day[:7].replace('-', '/')}/berita-{i}/"
        a = Article(
            url=url,
            site="suarakalbar",
            title=f"Berita {i} " + " ".join(words[:6]),
            published_date=day,
            published_at=day + "T08:00:00+07:00",
            authors=["Admin"],
            body=body,
            word_count=450,
            content_hash=content_hash(body),
            url_key=url.rstrip("/"),
            source_url=url,
            language="id",
        )
        a.simhash = fingerprint(body)  # what storage needs from the enrich stage (timed apart from storage)
        a.sketch = sketch(body)
        yield a


SITES = ("suarakalbar", "infopublik", "editorialkaltim")
MIRROR_LASTMOD = "2024-06-01T00:00:00+00:00"  # what the generated mirror's sitemaps say
PLACES = [
    ("Pontianak", "Kalimantan Barat"),
    ("Singkawang", "Kalimantan Barat"),
    ("Sambas", "Kalimantan Barat"),
    ("Samarinda", "Kalimantan Timur"),
    ("Balikpapan", "Kalimantan Timur"),
    ("Banjarmasin", "Kalimantan Selatan"),
    ("Palangka Raya", "Kalimantan Tengah"),
    ("Tarakan", "Kalimantan Utara"),
]


def paragraphs(rng: random.Random, count: int = 20_000) -> list[str]:
    """Paragraphs of 50 words from a Zipf vocabulary; a body is 5 of them drawn at random
    (distinct bodies, the vocabulary's frequencies, at a fraction of the cost of drawing words)."""
    vocab, weights = vocabulary(rng)
    return [" ".join(rng.choices(vocab, cum_weights=weights, k=50)).capitalize() + "." for _ in range(count)]


@dataclass(frozen=True)
class Pool:
    """The paragraphs that bodies are drawn from, with each one's SimHash votes and sketch samples."""

    paragraphs: list[str]
    votes: list[tuple[list[int], int]]
    samples: list[set[int]]

    @classmethod
    def of(cls, paragraphs: list[str]) -> Pool:
        from crawler.enrichment.neardup import sampled, simhash_votes

        return cls(paragraphs, [simhash_votes(p) for p in paragraphs], [sampled(p) for p in paragraphs])

    def body(self, chosen: list[int]) -> tuple[str, str, str]:
        """The body of these paragraphs, its SimHash and its sketch (as stored)."""
        from crawler.enrichment.neardup import simhash_of, sketch_of

        votes = [sum(column) for column in zip(*(self.votes[i][0] for i in chosen), strict=True)]
        simhash = simhash_of(votes, sum(self.votes[i][1] for i in chosen))
        sketch = sketch_of(set().union(*(self.samples[i] for i in chosen)))
        return "\n\n".join(self.paragraphs[i] for i in chosen), simhash, sketch


def fill(path: Path, n: int, pool: Pool | None = None) -> int:
    """``n`` articles over SITES and three years ending today, their bodies from ``pool`` (a new one
    by default); returns how many suarakalbar holds (the generated mirror serves exactly those)."""
    from crawler.store.storage import Database
    from crawler.store.writes import article_id
    from crawler.urls import canonical_url
    from testkit.generated_site import article_path

    db = Database.open(path)
    db.close()
    conn = __import__("sqlite3").connect(path, isolation_level=None)
    # a new file of the benchmark's own: no journal (a crash only loses the benchmark), a large
    # cache for the full-text index build; opening it with Database.open goes back to WAL
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    # indexes are built once at the end (opening the file recreates them: crawler.store.schema_check.repair)
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'articles' AND sql IS NOT NULL"
    ).fetchall():
        conn.execute(f"DROP INDEX {name}")
    rng = random.Random(n)
    pool = pool or Pool.of(paragraphs(rng))
    end = date.today()
    per_site = {site: 0 for site in SITES}
    previous, chosen = "", [0]
    conn.execute("BEGIN")
    for i in range(n):
        site = SITES[i % 3]
        k = per_site[site]
        per_site[site] += 1
        if site == "suarakalbar":
            url = f"https://www.suarakalbar.co.id{article_path(k)}"
        elif site == "infopublik":
            url = f"https://infopublik.id/kategori/nusantara/{100000 + k}/berita-daerah-nomor-{k}"
        else:
            url = f"https://editorialkaltim.com/berita-kaltim-nomor-{k}-hari-ini/"
        key = canonical_url(url)
        aid = article_id(key)
        day = end - timedelta(days=(n - 1 - i) * 1095 // n)
        seen = f"{day.isoformat()}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00+00:00"
        # every 10th article carries the story of the one before it (another site), four of its five
        # paragraphs: stories on several sites, as a press release travels; each names a place, and
        # matched ones an official
        story = previous if i % 10 == 1 else aid
        chosen = (
            chosen[1:] + [rng.randrange(len(pool.paragraphs))]
            if i % 10 == 1
            else [rng.randrange(len(pool.paragraphs)) for _ in range(5)]
        )
        body, simhash, sketch = pool.body(chosen)
        title = " ".join(pool.paragraphs[rng.randrange(len(pool.paragraphs))].split()[:8]) + f" {i}"
        place = PLACES[rng.randrange(len(PLACES))]
        official = f'["Bupati {place[0]}: Nama {rng.randrange(200)}"]' if i % 100 in (0, 1) else "[]"
        conn.execute(
            "INSERT INTO articles (id, url, url_key, site, title, published_at, published_date, body, word_count, "
            "language, content_hash, first_seen_at, last_seen_at, fetched_at, sitemap_lastmod, simhash, story_id, "
            "sketch, authors, tags, places, officials, extracted_by, fetched_url, fetched_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 250, 'id', ?, ?, ?, ?, ?, ?, ?, ?, '[]', '[]', ?, ?, '{}', ?, ?)",
            (
                aid,
                url,
                key,
                site,
                title,
                f"{day.isoformat()}T08:00:00+07:00",
                day.isoformat(),
                body,
                aid,
                seen,
                seen,
                seen,
                MIRROR_LASTMOD,
                simhash,
                story,
                sketch,
                json.dumps([{"name": place[0], "province": place[1]}]),
                official,
                url,
                key,
            ),
        )
        previous = aid
        if i % 100 in (0, 1):  # 2 % on the watchlist, both articles of a story among them
            conn.execute(
                "INSERT INTO article_topics (article_id, topic, terms, snippet, matched_at) VALUES "
                "(?, 'netralitas-asn', '[\"asn\", \"netralitas\"]', ?, ?)",
                (aid, body[:200], seen),
            )
        if i % 50_000 == 49_999:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    for listing in ("https://www.suarakalbar.co.id/", "https://www.suarakalbar.co.id/category/kalbar/"):
        conn.execute(
            "INSERT INTO listings (site, url, complete, resume_url, updated_at) VALUES ('suarakalbar', ?, 1, NULL, ?)",
            (listing, MIRROR_LASTMOD),
        )
    conn.execute("COMMIT")
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
    conn.close()
    Database.open(path).close()  # recreates the indexes dropped above
    return per_site["suarakalbar"]
