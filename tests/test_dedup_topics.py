"""One row per article however reached, stories across sites, topics, search and report."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import replace
from hashlib import blake2b

from crawler.enrichment import neardup
from crawler.enrichment.enrich import enrich
from crawler.enrichment.entities import find_officials, find_places
from crawler.enrichment.neardup import containment, fingerprint, fingerprints, near_identical
from crawler.enrichment.topics import load_topics, match_topics
from crawler.items import Article
from crawler.store.storage import Database
from crawler.urls import canonical_url
from spiders.infopublik import InfopublikSpider
from spiders.suarakalbar import SuarakalbarSpider
from tests.conftest import FIXTURES, ROOT, article_callback, load_expected

TOPICS = load_topics()


def page_article(spider_cls, fixture: str, url: str) -> Article:
    _, items = article_callback(spider_cls, url, (FIXTURES / fixture).read_bytes())
    assert len(items) == 1 and isinstance(items[0], Article), items
    return enrich(items[0], TOPICS)


def test_a_sketch_keeps_the_shingles_whose_hash_is_a_multiple_of_eight():
    """The sketch's definition, computed the plain way, and both fingerprints read at once agree."""
    body = "Bawaslu mengingatkan ASN menjaga netralitas. " * 3 + "Pj Gubernur Kalbar hadir di Pontianak, 12 Juni."
    words = body.casefold().replace(".", " ").replace(",", " ").split()
    shingled = {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}
    hashes = {int.from_bytes(blake2b(s.encode(), digest_size=8).digest(), "big") for s in shingled}
    kept = sorted(h for h in hashes if h % 8 == 0)
    assert kept, "the body is long enough to keep some shingles"
    assert neardup.sketch(body) == " ".join(f"{h:x}" for h in kept)
    assert fingerprints(body) == (fingerprint(body), neardup.sketch(body))


def test_url_variants_give_one_row(tmp_path):
    db = Database.open(tmp_path / "d.db")
    base = "https://www.suarakalbar.co.id/2023/11/wako-pontianak-minta-asn-jaga-netralitas-jelang-pemilu-2024/"
    variants = [
        base,
        base + "?utm_source=facebook&fbclid=x",
        base + "amp/",
        base.replace("https://www.", "http://"),
        base.rstrip("/") + "#respond",
        base + "?amp=1",
    ]
    outcomes = []
    for url in variants:  # the page without a canonical link: identity comes from the URL alone
        outcomes += db.store_articles([page_article(SuarakalbarSpider, "suarakalbar/article-001-bare.html", url)])
    assert outcomes[0] == "new" and set(outcomes[1:]) == {"unchanged"}
    assert db.conn.execute("select count(*) from articles").fetchone()[0] == 1
    # every variant is one canonical URL: the form the crawler looks aliases up in
    assert [u for (u,) in db.conn.execute("select url from article_aliases")] == [
        "https://suarakalbar.co.id/2023/11/wako-pontianak-minta-asn-jaga-netralitas-jelang-pemilu-2024"
    ]
    ip = "https://infopublik.id/kategori/nusantara/855902/"
    for url in (ip + "jelang-pilkada", ip + "index.html", ip.replace("://", "://www.") + "lain?video=1"):
        db.store_articles([page_article(InfopublikSpider, "infopublik/article-003-bare.html", url)])
    assert db.conn.execute("select count(*) from articles where site = 'infopublik'").fetchone()[0] == 1
    db.close()


def _release_copy(article: Article, site: str, url: str) -> Article:
    """The same press release as another portal publishes it: own dateline, own closing line."""
    paragraphs = article.body.split("\n\n")
    paragraphs[0] = paragraphs[0].replace("Pontianak, InfoPublik –", "Pontianak (Suara Kalbar)-")
    paragraphs[-1] = paragraphs[-1].replace("(prokopim/kominfo/Jemi Ibrahim)", "")
    paragraphs.append("Penyerahan hasil apel dilaporkan kepada Sekretaris Daerah pada hari yang sama.")
    body = "\n\n".join(paragraphs)
    from crawler.extraction.extract import content_hash

    copy = replace(article, site=site, url=url, url_key=url, source_url=url, body=body, content_hash=content_hash(body))
    return enrich(copy, TOPICS)


OTHER_EVENT_ARTICLE = (
    "Pontianak (Suara Kalbar)- Apel pagi di halaman Kantor Wali Kota Pontianak pada Senin (14/10/2024) juga diisi "
    "penyerahan penghargaan kepada kelurahan terbersih dan pegawai teladan.\n\n"
    "Kelurahan Benua Melayu Laut meraih juara pertama lomba kebersihan lingkungan tingkat kota, disusul Kelurahan "
    "Sungai Bangkong dan Kelurahan Tengah.\n\n"
    "Ani Sofian berharap kelurahan lain termotivasi menata taman, saluran air dan bank sampah di wilayahnya masing-masing.\n\n"
    "Para pemenang menerima piala, piagam dan uang pembinaan yang bersumber dari anggaran dinas lingkungan hidup."
)


def test_press_release_on_two_sites_is_one_story_two_rows(tmp_path):
    db = Database.open(tmp_path / "s.db")
    original = page_article(
        InfopublikSpider,
        "infopublik/article-002.html",
        load_expected(FIXTURES / "infopublik" / "article-002.json")["url"],
    )
    copy = _release_copy(
        original, "suarakalbar", "https://www.suarakalbar.co.id/2024/10/pj-wako-tegaskan-netralitas-asn/"
    )
    same_event = replace(
        copy,
        url="https://www.suarakalbar.co.id/2024/10/apel-pagi-penghargaan/",
        url_key="https://www.suarakalbar.co.id/2024/10/apel-pagi-penghargaan/",
        title="Kelurahan Terbersih Diumumkan saat Apel Pagi",
        body=OTHER_EVENT_ARTICLE,
        content_hash="x",
        simhash=fingerprint(OTHER_EVENT_ARTICLE),
    )
    assert containment(original.body, same_event.body) < 0.2
    assert db.store_articles([original, copy, same_event]) == ["new", "new", "new"]
    stories = dict(db.conn.execute("select url, story_id from articles"))
    assert stories[copy.url] == stories[original.url]
    assert stories[same_event.url] != stories[original.url]
    assert db.conn.execute("select sites from story_clusters").fetchall() == [(2,)]

    # the same site re-posting its release under a new URL with a small edit: an alias, not a row
    repost = replace(copy, url=copy.url.replace("netralitas-asn", "netralitas-asn-2"), title=copy.title + " (Rilis)")
    repost.url_key = repost.source_url = repost.url
    repost = enrich(replace(repost, body=repost.body.replace("sanksi tegas", "sanksi yang tegas")), TOPICS)
    assert db.store_articles([repost]) == ["duplicate"]
    assert db.conn.execute("select count(*) from articles").fetchone()[0] == 3
    assert db.conn.execute(
        "select article_id from article_aliases where url = ?", (canonical_url(repost.url),)
    ).fetchone()
    db.close()


def _regency_version(body: str) -> str:
    """The announcement as another regency words it: its own opening and figures, the rest kept."""
    paragraphs = body.replace("Pontianak", "Sambas").split("\n\n")
    paragraphs[0] = (
        "Sambas (Suara Kalbar)- Pj Bupati Sambas memimpin apel di halaman kantor bupati, Selasa pagi, "
        "diikuti pegawai dari seluruh kecamatan di kabupaten itu."
    )
    paragraphs.append("Bupati juga meminta camat memantau kegiatan pegawai di desa hingga hari pemungutan suara.")
    return "\n\n".join(paragraphs)


def test_a_template_under_another_dateline_is_another_story(tmp_path):
    """A regency's version of the same announcement (most sentences shared, its own dateline) is an
    event in another place: not the release's story. The release itself, re-published under its own
    dateline on another site, is."""
    db = Database.open(tmp_path / "t.db")
    original = page_article(
        InfopublikSpider,
        "infopublik/article-002.html",
        load_expected(FIXTURES / "infopublik" / "article-002.json")["url"],
    )
    copy = _release_copy(
        original, "suarakalbar", "https://www.suarakalbar.co.id/2024/10/pj-wako-tegaskan-netralitas-asn/"
    )
    elsewhere = enrich(
        replace(
            copy,
            url="https://www.suarakalbar.co.id/2024/10/pj-bupati-sambas-tegaskan-netralitas/",
            url_key="https://www.suarakalbar.co.id/2024/10/pj-bupati-sambas-tegaskan-netralitas/",
            title="Pj Bupati Sambas Tegaskan Netralitas ASN",
            location="Sambas",
            body=_regency_version(copy.body),
            content_hash="y",
        ),
        TOPICS,
    )
    assert original.location == copy.location == "Pontianak" and containment(copy.body, elsewhere.body) > 0.6
    assert not near_identical(copy.body, elsewhere.body)
    assert db.store_articles([original, copy, elsewhere]) == ["new", "new", "new"]
    stories = dict(db.conn.execute("select url, story_id from articles"))
    assert stories[copy.url] == stories[original.url] != stories[elsewhere.url]
    db.close()


def test_default_topic_flags_neutrality_articles_only():
    for path in sorted(FIXTURES.glob("*/article-*.json")):
        record = load_expected(path)
        topics = {m.topic for m in match_topics(record["title"], record["body"], TOPICS)}
        assert "netralitas-asn" in topics, path.name
    unrelated = [
        ("Harga Beras di Pasar Sintang Mulai Turun", "Harga beras medium turun. Pedagang menyebut pasokan lancar."),
        ("Bawaslu Buka Posko Pengaduan", "Bawaslu membuka posko pengaduan pelanggaran Pilkada bagi warga."),
        ("Netral Karbon 2060", "Pemerintah menargetkan netral karbon; industri semen mulai beralih energi."),
    ]
    for title, body in unrelated:
        assert "netralitas-asn" not in {m.topic for m in match_topics(title, body, TOPICS)}, title
    match = match_topics(
        "ASN Harus NETRAL", "Pegawai aparatur-sipil-negara dilarang berpihak. Netralitas dijaga.", TOPICS
    )
    assert match and match[0].topic == "netralitas-asn" and "aparatur sipil negara" in match[0].terms
    assert "Netralitas" in match[0].snippet or "netral" in match[0].snippet.lower()


def test_entity_hints():
    text = "Pj Wali Kota Singkawang Sumastro mengatakan, Senin (18/12/2023). Bupati Kapuas Hulu hadir di Pontianak."
    assert find_officials(text) == ["Pj Wali Kota Singkawang: Sumastro"]
    assert [p["name"] for p in find_places(text, "Singkawang")] == ["Singkawang", "Kapuas Hulu", "Pontianak"]
    assert find_places("Pjs Bupati Berau", None)[0]["province"] == "Kalimantan Timur"


def test_search_report_export_commands(tmp_path):
    db_path = tmp_path / "q.db"
    db = Database.open(db_path)
    for path in sorted(FIXTURES.glob("*/article-0*.json")):
        if "bare" in path.name:
            continue
        record = load_expected(path)
        spider = {"infopublik": InfopublikSpider, "suarakalbar": SuarakalbarSpider}.get(record["site"])
        if spider:
            db.store_articles([page_article(spider, f"{path.parent.name}/{path.stem}.html", record["url"])])
    db.close()

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "crawler.cli.main", *args, "--db", str(db_path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )

    found = cli("search", "netralitas pilkada", "--format", "json")
    assert found.returncode == 0, found.stderr
    rows = json.loads(found.stdout)
    assert rows and all("[" in r["snippet"] for r in rows)
    # only the infopublik articles and suarakalbar's 2020 Pilkada story say both words
    assert {r["url"].split("/")[2] for r in rows} == {"infopublik.id", "www.suarakalbar.co.id"}
    assert [r["url"] for r in rows if "suarakalbar" in r["url"]] == [
        "https://www.suarakalbar.co.id/2020/01/martin-pesan-kades-harus-netral-pada"
    ]
    assert json.loads(cli("search", "netralitas", "--site", "suarakalbar", "--format", "json").stdout)
    broken = cli("search", "netralitas AND (", "--format", "json")
    assert broken.returncode == 2 and broken.stderr.count("\n") == 1 and "invalid search syntax" in broken.stderr
    report = cli("report", "--seen-since", "1d", "--topic", "netralitas-asn", "--format", "json")
    data = json.loads(report.stdout)
    assert len(data["matches"]) == 5 and {m["topic"] for m in data["matches"]} == {"netralitas-asn"}
    assert "Pj Wali Kota Pontianak" in cli("report", "--seen-since", "1d").stdout
    export = cli("export", "--format", "csv")
    assert export.returncode == 0 and export.stdout.count("\n") > 4 and export.stdout.startswith("id,url,site")
    conn = sqlite3.connect(db_path)
    assert conn.execute("select count(*) from topic_matches where topic = 'netralitas-asn'").fetchone()[0] == 5
    assert cli("report", "--since", "yesterday").returncode == 2


def test_every_stored_copy_sharing_a_sketch_is_a_candidate(tmp_path):
    """The day index maps a sketch hash to its first row and keeps the others that share it: a
    release copied by three sites makes all three candidates for the fourth copy, whatever their
    SimHashes (none here), and an article sharing too little of the sketch is none."""
    from crawler.enrichment.neardup import sketch_of
    from crawler.store.day_index import DayFingerprints

    release = set(range(8, 8 * 41, 8))  # 40 sketch hashes
    db = Database.open(tmp_path / "d.db")
    day = DayFingerprints(db.conn).day("2024-11-20")  # no article that day yet
    for n, sketch in enumerate(
        [release, release | {999_992}, set(list(release)[:30]), {16, 1_000_000, 1_000_008, 1_000_016}]
    ):
        day.add(f"a{n}", f"site{n}", f"s{n}", None, sketch_of(sketch))
    found = day.candidates(None, frozenset(release))
    assert [aid for aid, _, _ in found] == ["a0", "a1", "a2"]
    db.close()
