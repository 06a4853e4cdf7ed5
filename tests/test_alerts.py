"""Alerts reach the people Pantau serves, exactly once, through real parts: a real SMTP
server (aiosmtpd), a webhook receiver over HTTP, Apprise in between, the CLI as typed."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys

import feedparser
import pytest

from crawler.cli.localserver import LocalSite
from testkit.pages_site import PagesSite, article, text, urlset
from testkit.receivers import Mailbox, Webhook
from tests.conftest import BUNDLED, ROOT, SITES, cli, cli_crawl, closed_port, crawled_copy, query

TOPIC = "netralitas-asn"


def write_config(path, body: str):
    path.write_text(body, encoding="utf-8")
    return path


def text_of(mail) -> str:
    """The plain-text part of a received mail (Apprise sends text alone or text with HTML)."""
    return mail.get_body(preferencelist=("plain",)).get_content()


def matches(db, topic: str = TOPIC) -> list[str]:
    return sorted(
        u
        for (u,) in query(
            db, "SELECT a.url FROM article_topics t JOIN articles a ON a.id = t.article_id WHERE t.topic = ?", topic
        )
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A database of the three bundled sites, crawled once over HTTP (copied for each test)."""
    return crawled_copy(tmp_path_factory, tmp_path_factory.mktemp("archive") / "pantau.db", BUNDLED)


@pytest.fixture
def db(archive, tmp_path):
    copy = tmp_path / "pantau.db"
    shutil.copy(archive, copy)
    return copy


def notify(db, config, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return cli("notify", "--db", str(db), "--config", str(config), *args, env=env)


# ----------------------------------------------------------------------------- end to end


def _add_article(copy, slug: str, title: str) -> str:
    """A new netralitas story on the suarakalbar copy, listed in its sitemap."""
    url = f"https://www.suarakalbar.co.id/2024/11/{slug}/"
    page = copy / "2024" / "11" / slug / "index.html"
    page.parent.mkdir(parents=True)
    paragraphs = [
        f"Sambas (Suara Kalbar)- {title}. Bupati mengingatkan seluruh aparatur sipil negara (ASN) "
        "menjaga netralitas menjelang pemungutan suara Pilkada.",
        *text(slug, 6),
    ]
    page.write_text(article(title, "2024-11-24T08:00:00+07:00", paragraphs, canonical=url), encoding="utf-8")
    sitemap = copy / "post-sitemap.xml"
    entry = f"<url><loc>{url}</loc><lastmod>2024-11-24T08:00:00+07:00</lastmod></url>"
    sitemap.write_text(
        sitemap.read_text().replace(
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + entry,
        ),
        encoding="utf-8",
    )
    return url


def test_crawl_notify_sends_each_new_match_once_by_mail_webhook_and_feed(tmp_path):
    copies = {site: shutil.copytree(SITES / site, tmp_path / site) for site in ("suarakalbar", "infopublik")}
    db, feed = tmp_path / "p.db", tmp_path / "public" / "netralitas-asn.atom"
    with (
        Mailbox() as mail,
        Webhook() as hook,
        LocalSite(copies["suarakalbar"]) as s,
        LocalSite(copies["infopublik"]) as i,
    ):
        config = write_config(
            tmp_path / "pantau.toml",
            f"""
[channels.redaksi]
url = "{mail.url()}"
topics = ["{TOPIC}"]
mode = "digest"

[channels.hook]
url = "{hook.apprise_url()}"
topics = ["{TOPIC}"]

[channels.publik]
feed = "{feed}"
topics = ["{TOPIC}"]
""",
        )
        mirrors = {"suarakalbar": s.url, "infopublik": i.url}
        first = cli_crawl(db, mirrors, "--notify", "--config", str(config))
        assert first.returncode == 0, first.stdout + first.stderr[-3000:]
        watched = matches(db)
        assert len(watched) >= 4
        # mail: one digest naming every match; webhook: one message per match, each with its key
        assert len(mail.messages) == 1
        digest = mail.messages[0]
        assert "Ringkasan" in digest["Subject"] and digest["X-Pantau-Key"]
        content = text_of(digest)
        assert all(url in content for url in watched)
        assert "== Topik: netralitas-asn ==" in content and "-- suarakalbar --" in content
        assert sorted(body["message"].split("Tautan: ")[1].split("\n")[0] for _, _, body in hook.posts) == watched
        assert len(set(hook.keys())) == len(watched) and all(hook.keys())
        assert all(headers["X-Pantau-Key"] == body["pantau_key"] for _, headers, body in hook.posts)
        parsed = feedparser.parse(feed)
        assert not parsed.bozo and sorted(e.link for e in parsed.entries) == watched
        # nothing new: nothing sent
        again = cli_crawl(db, mirrors, "--notify", "--config", str(config))
        assert again.returncode == 0 and len(mail.messages) == 1 and len(hook.posts) == len(watched)
        # a new matching article: exactly one new message per channel, about it
        new_url = _add_article(
            copies["suarakalbar"],
            "bupati-sambas-minta-asn-netral-saat-pilkada",
            "Bupati Sambas Minta ASN Netral saat Pilkada",
        )
        third = cli_crawl(db, mirrors, "--notify", "--config", str(config))
        assert third.returncode == 0, third.stdout + third.stderr[-3000:]
    assert len(mail.messages) == 2 and new_url in text_of(mail.messages[1])
    assert not any(url in text_of(mail.messages[1]) for url in watched)
    assert len(hook.posts) == len(watched) + 1 and new_url in hook.posts[-1][2]["message"]
    assert "Bupati Sambas Minta ASN Netral saat Pilkada" in hook.posts[-1][2]["title"]
    assert new_url in [e.link for e in feedparser.parse(feed).entries]


def test_message_carries_what_a_reader_acts_on(db, tmp_path):
    """Title, site, time with its zone, place, officials, marked snippet, link, other sites."""
    with Webhook() as hook:
        config = write_config(
            tmp_path / "c.toml", f'[channels.h]\nurl = "{hook.apprise_url()}"\ntopics = ["{TOPIC}"]\n'
        )
        done = notify(db, config)
    assert done.returncode == 0, done.stderr
    by_url = {body["message"].split("Tautan: ")[1].split("\n")[0]: body for _, _, body in hook.posts}
    one = by_url["https://www.suarakalbar.co.id/2023/12/pj-wali-kota-singkawang-tegaskan-pns-harus-netral/"]
    assert one["title"].startswith("[Pantau] Berita baru · netralitas-asn: Pj Wali Kota Singkawang")
    message = one["message"]
    assert "Situs: suarakalbar · Terbit: 18 Desember 2023 16:21 WIB" in message
    assert "Tempat: Singkawang" in message and "Pejabat: Pj Wali Kota Singkawang: Sumastro" in message
    assert re.search(r"Kutipan: .*\[ASN\]", message) and f"Kunci: {one['pantau_key']}" in message
    # a story carried by several sites names the others
    story = query(db, "SELECT story_id FROM articles GROUP BY story_id HAVING COUNT(DISTINCT site) > 1")
    assert story, "the bundled sites carry one story on several sites"
    shared = [b for b in hook.posts if "Juga dimuat di: " in b[2]["message"]]
    assert shared


def test_english_messages(db, tmp_path):
    with Webhook() as hook:
        config = write_config(
            tmp_path / "c.toml", f'[channels.h]\nurl = "{hook.apprise_url()}"\nlang = "en"\ntopics = ["{TOPIC}"]\n'
        )
        assert notify(db, config).returncode == 0
    assert hook.posts and all(b["title"].startswith("[Pantau] New article") for _, _, b in hook.posts)
    assert all("Published: " in b["message"] and "Link: " in b["message"] for _, _, b in hook.posts)


# ----------------------------------------------------------------------------- exactly once


def test_dry_run_changes_nothing_and_a_second_run_sends_nothing(db, tmp_path):
    with Webhook() as hook:
        config = write_config(tmp_path / "c.toml", f'[channels.h]\nurl = "{hook.apprise_url()}"\n')
        dry = notify(db, config, "--dry-run")
        assert dry.returncode == 0 and "message(s) would be sent" in dry.stdout and "[Pantau] Berita baru" in dry.stdout
        assert hook.posts == [] and query(db, "SELECT COUNT(*) FROM deliveries") == [(0,)]
        first = notify(db, config)
        count = len(hook.posts)
        second = notify(db, config)
    all_matches = query(db, "SELECT COUNT(*) FROM article_topics")[0][0]
    assert first.returncode == second.returncode == 0
    assert count == all_matches and len(hook.posts) == count  # every topic, once
    assert "h: 0 sent" in second.stdout


def test_killed_between_send_and_record_resends_at_most_once_with_the_same_key(db, tmp_path):
    proc: list[subprocess.Popen] = []
    killed: list[str] = []

    def crash(body: dict) -> None:  # the receiver has the message; the sender dies before recording it
        if not killed:
            killed.append(body["pantau_key"])
            os.kill(proc[0].pid, signal.SIGKILL)

    with Webhook(on_post=crash) as hook:
        config = write_config(
            tmp_path / "c.toml", f'[channels.h]\nurl = "{hook.apprise_url()}"\ntopics = ["{TOPIC}"]\n'
        )
        proc.append(
            subprocess.Popen(
                [sys.executable, "-m", "crawler.cli.main", "notify", "--db", str(db), "--config", str(config)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
        proc[0].wait(timeout=60)
        assert proc[0].returncode == -signal.SIGKILL and len(hook.posts) == 1
        rerun = notify(db, config)
    assert rerun.returncode == 0, rerun.stderr
    keys = hook.keys()
    assert keys.count(killed[0]) == 2  # the one message in flight, sent again under the same key
    assert sorted(set(keys)) == sorted(k for (k,) in query(db, "SELECT key FROM deliveries"))
    assert len(keys) == len(set(keys)) + 1
    assert query(db, "SELECT DISTINCT status FROM deliveries") == [("sent",)]
    assert query(db, "PRAGMA integrity_check") == [("ok",)]


def test_overlapping_runs_deliver_each_match_once(db, tmp_path):
    with Webhook() as hook:
        config = write_config(tmp_path / "c.toml", f'[channels.h]\nurl = "{hook.apprise_url()}"\n')
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "crawler.cli.main", "notify", "--db", str(db), "--config", str(config)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(3)
        ]
        for run in runs:
            run.wait(timeout=120)
    assert [r.returncode for r in runs] == [0, 0, 0]
    assert len(hook.posts) == len(set(hook.keys())) == query(db, "SELECT COUNT(*) FROM article_topics")[0][0]


# ----------------------------------------------------------------------------- failures


@pytest.mark.slow
def test_unreachable_channel_fails_loudly_retries_then_gives_up_while_others_send(db, tmp_path):
    port = closed_port()
    secret = "s3cr3t-token-xyz"
    with Webhook() as hook:
        config = write_config(
            tmp_path / "c.toml",
            f"""
[notify]
max_attempts = 2
retry_after = "0s"

[channels.dead]
url = "json://pantau:${{HOOK_SECRET}}@127.0.0.1:{port}/x"
topics = ["{TOPIC}"]

[channels.live]
url = "{hook.apprise_url()}"
topics = ["{TOPIC}"]
""",
        )
        env = {"HOOK_SECRET": secret}
        first = notify(db, config, env=env)
        assert first.returncode == 1
        assert "FAILED channel dead: " in first.stdout and secret not in first.stdout + first.stderr
        assert len(hook.posts) == len(matches(db))  # the other channel still sent
        status = cli("notify", "--status", "--db", str(db))
        assert re.search(r"dead: sent 0, pending 0, retrying \d+, failed 0", status.stdout), status.stdout
        assert "last error: " in status.stdout and secret not in status.stdout
        second = notify(db, config, env=env)
        assert second.returncode == 1 and "given up" in second.stdout
        third = notify(db, config, env=env)
    assert third.returncode == 0  # nothing left to try: quiet, but visible
    errors = query(db, "SELECT DISTINCT status, last_error FROM deliveries WHERE channel = 'dead'")
    assert [s for s, _ in errors] == ["failed"] and all(secret not in (e or "") for _, e in errors)
    runs = cli("runs", "--db", str(db))
    assert "deliveries to dead: 0 waiting to retry" in runs.stdout


def test_a_first_run_does_not_flood_with_the_archive(db, tmp_path):
    fresh = matches(db)[0]
    conn = sqlite3.connect(db)
    conn.execute("UPDATE articles SET first_seen_at = '2024-01-01T00:00:00+00:00' WHERE url != ?", (fresh,))
    conn.execute(
        "UPDATE article_topics SET matched_at = '2024-01-01T00:00:00+00:00' WHERE article_id IN "
        "(SELECT id FROM articles WHERE url != ?)",
        (fresh,),
    )
    conn.commit()
    conn.close()
    with Webhook() as hook:
        config = write_config(
            tmp_path / "c.toml", f'[channels.h]\nurl = "{hook.apprise_url()}"\ntopics = ["{TOPIC}"]\n'
        )
        assert notify(db, config).returncode == 0
        assert [fresh in b["message"] for _, _, b in hook.posts] == [True]
        assert notify(db, config, "--backfill").returncode == 0
    assert len(hook.posts) == len(matches(db))


@pytest.mark.slow
def test_an_edit_is_resent_only_when_it_touches_the_matched_text(tmp_path):
    lead = (
        "Sintang (Suara Kalbar)- Sekda Sintang meminta aparatur sipil negara menjaga netralitas menjelang "
        "Pilkada serentak dan tidak mengunggah dukungan kepada pasangan calon di media sosial."
    )
    rest = text("edit", 6)
    url = "/2024/11/sekda-sintang-minta-asn-netral/"
    version = {"paragraphs": [lead, *rest]}
    site = PagesSite(
        {
            "/robots.txt": (200, "text/plain", b"User-agent: *\n"),
            url: lambda: article("Sekda Sintang Minta ASN Netral", "2024-11-20T09:00:00+07:00", version["paragraphs"]),
        }
    )
    site.pages["/sitemap_index.xml"] = urlset([(site.url + url, None)])
    db = tmp_path / "p.db"
    with site, Webhook() as hook:
        config = write_config(
            tmp_path / "c.toml", f'[channels.h]\nurl = "{hook.apprise_url()}"\ntopics = ["{TOPIC}"]\n'
        )

        def crawl_and_notify() -> None:
            done = cli_crawl(db, {"suarakalbar": site.url}, "--refresh", "--notify", "--config", str(config))
            assert done.returncode == 0, done.stdout + done.stderr[-2000:]

        crawl_and_notify()
        assert len(hook.posts) == 1
        version["paragraphs"] = [lead, *rest[:-1], "Kegiatan ditutup dengan makan siang bersama warga desa setempat."]
        crawl_and_notify()  # the article changed, its matched text did not
        assert query(db, "SELECT COUNT(*) FROM article_versions") == [(1,)] and len(hook.posts) == 1
        version["paragraphs"] = [lead.replace("Sekda Sintang", "Pj Bupati Sintang"), *rest]
        crawl_and_notify()
    assert len(hook.posts) == 2
    update = hook.posts[1][2]
    assert update["title"].startswith("[Pantau] Pembaruan") and "(teks yang cocok berubah)" in update["message"]
    assert (
        "pj bupati" in update["message"].split("Topik: ")[1] and update["pantau_key"] != hook.posts[0][2]["pantau_key"]
    )


# ----------------------------------------------------------------------------- health


@pytest.mark.slow
def test_health_alerts_are_sent_once_until_they_clear(db, tmp_path):
    with Webhook() as hook:
        config = write_config(
            tmp_path / "c.toml",
            f"""
[notify]
silent_after = "48h"

[sites.infopublik]
silent_after = "1h"

[channels.ops]
url = "{hook.apprise_url()}"
topics = ["health"]
""",
        )
        failed = cli_crawl(db, {"suarakalbar": f"http://127.0.0.1:{closed_port()}"})
        assert failed.returncode == 1
        conn = sqlite3.connect(db)
        conn.execute("UPDATE articles SET first_seen_at = '2024-01-01T00:00:00+00:00' WHERE site = 'infopublik'")
        conn.commit()
        conn.close()
        assert notify(db, config).returncode == 0
        titles = sorted(b["title"] for _, _, b in hook.posts)
        assert any("suarakalbar: crawl failed" in t for t in titles), titles
        assert any("infopublik: no new article for more than 1 hours" in t for t in titles), titles
        assert not any("editorialkaltim" in t for t in titles)  # healthy: nothing
        assert not any("Berita baru" in t for t in titles)  # a health channel gets no matches
        count = len(hook.posts)
        assert notify(db, config).returncode == 0 and len(hook.posts) == count  # still failing: not again
        with LocalSite(SITES / "suarakalbar") as s:
            assert cli_crawl(db, {"suarakalbar": s.url}).returncode == 0
        assert notify(db, config).returncode == 0 and len(hook.posts) == count
        assert query(db, "SELECT status FROM deliveries WHERE subject = 'failed:suarakalbar'") == [("cleared",)]
        assert cli_crawl(db, {"suarakalbar": f"http://127.0.0.1:{closed_port()}"}).returncode == 1
        assert notify(db, config).returncode == 0
    assert len(hook.posts) == count + 1 and "suarakalbar: crawl failed" in hook.posts[-1][2]["title"]
    assert not any("requests failed" in b["title"] for _, _, b in hook.posts)  # a failed site: one alert, not two


def test_a_feed_channel_writes_exactly_the_topics_it_names_health_included(db, tmp_path):
    """A feed channel of the health topic alone holds the crawl's problems and no watchlist match;
    one of a watchlist topic holds its matches and no problem."""
    failed = cli_crawl(db, {"suarakalbar": f"http://127.0.0.1:{closed_port()}"})
    assert failed.returncode == 1
    health, asn = tmp_path / "health.atom", tmp_path / "asn.atom"
    config = write_config(
        tmp_path / "c.toml",
        f"""
[channels.ops]
feed = "{health}"
topics = ["health"]

[channels.publik]
feed = "{asn}"
topics = ["{TOPIC}"]
""",
    )
    assert notify(db, config).returncode == 0
    problems, watched = feedparser.parse(health), feedparser.parse(asn)
    assert not problems.bozo and not watched.bozo
    assert [e.title for e in problems.entries if "suarakalbar: crawl failed" in e.title]
    assert all(e.id.startswith("urn:pantau:health:") for e in problems.entries), problems.entries
    assert sorted(e.link for e in watched.entries) == matches(db)
    assert not any(e.id.startswith("urn:pantau:health:") for e in watched.entries)


# ----------------------------------------------------------------------------- feed and configuration


def test_feed_command_writes_a_valid_atom_feed_of_the_topic(db, tmp_path):
    out = tmp_path / "feeds" / "asn.atom"
    done = cli("feed", "--topic", TOPIC, "-o", str(out), "--db", str(db))
    assert done.returncode == 0, done.stderr
    parsed = feedparser.parse(out)
    assert not parsed.bozo, parsed.bozo_exception
    assert sorted(e.link for e in parsed.entries) == matches(db)
    for entry in parsed.entries:
        assert re.search(r"[+-]\d\d:\d\d$", entry.published)  # with its offset
        assert {t.scheme for t in entry.tags} >= {"site", "topic"}
    with_place = [e for e in parsed.entries if any(t.scheme == "place" for t in e.tags)]
    assert with_place
    assert cli("feed", "--topic", "no-such-topic", "--db", str(db)).returncode == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[channels.x]\nurl = "json://${NOT_SET_ANYWHERE}@127.0.0.1/x"\n',
            "environment variable NOT_SET_ANYWHERE is not set",
        ),
        ('[channels.x]\nurl = "json://127.0.0.1/x"\nmode = "weekly"\n', "mode must be 'instant' or 'digest'"),
        ('[channels.x]\nurl = "json://127.0.0.1/x"\ntopics = ["no-such-topic"]\n', "unknown topic(s) no-such-topic"),
        ('[channels.x]\nurl = "json://127.0.0.1/x"\nfeed = "a.atom"\n', "either url"),
        ('[channels.x]\nurl = "nosuchservice://a/b"\n', "not a URL Apprise can send to"),
        ("[channels.x\n", "not valid TOML"),
    ],
)
def test_configuration_errors_are_clear(db, tmp_path, body, message):
    config = write_config(tmp_path / "c.toml", body)
    done = notify(db, config)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    crawl = cli("crawl", "--db", str(db), "--notify", "--config", str(config), "--site", "suarakalbar")
    assert crawl.returncode == 2 and message in crawl.stderr  # before crawling, not after


def test_no_configuration_says_how_to_start(db, tmp_path):
    done = cli("notify", "--db", str(db), env={"PANTAU_CONFIG": str(tmp_path / "missing.toml")})
    assert done.returncode == 2 and "missing.toml" in done.stderr
