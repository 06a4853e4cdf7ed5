"""Alerts and feeds survive what pages contain (control characters in a title), and a
webhook that hangs neither holds a notify run without end nor leaves messages ``sending``."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler

import feedparser
import pytest

from crawler.cli.localserver import LocalSite, ServedSite
from tests.conftest import ROOT, SITES, cli, cli_crawl, query

TOPIC = "netralitas-asn"
HOSTILE = "\x1b[2J\x1b[31mMERAH\x07\x00\x08\x1b]0;judul\x07"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    db = tmp_path_factory.mktemp("bounds") / "pantau.db"
    with ExitStack() as stack:
        mirrors = {
            s: stack.enter_context(LocalSite(SITES / s)).url for s in ("suarakalbar", "infopublik", "editorialkaltim")
        }
        done = cli_crawl(db, mirrors)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    conn = sqlite3.connect(db)
    # titles, snippets and places as a hostile page could give them
    conn.execute("UPDATE articles SET title = title || ?", (HOSTILE,))
    conn.execute("UPDATE article_topics SET snippet = ? || snippet", (HOSTILE,))
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert query(db, "SELECT COUNT(*) FROM article_topics WHERE topic = ?", TOPIC)[0][0] >= 4
    return db


@pytest.fixture
def db(archive, tmp_path):
    copy = tmp_path / "pantau.db"
    copy.write_bytes(archive.read_bytes())
    return copy


@pytest.mark.slow
def test_a_feed_of_hostile_titles_is_well_formed_xml(db, tmp_path):
    out = tmp_path / "feed.atom"
    done = cli("feed", "--db", str(db), "--topic", TOPIC, "-o", str(out))
    assert done.returncode == 0, done.stderr
    root = ET.fromstring(out.read_bytes())  # strict XML: one ESC would make this raise
    titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")][1:]
    assert titles and all("MERAH" in t and "\x1b" not in t and "\x07" not in t for t in titles)
    parsed = feedparser.parse(out.read_bytes())
    assert not parsed.bozo and len(parsed.entries) == len(titles)
    # the same through a feed channel of notify
    config = tmp_path / "pantau.toml"
    config.write_text(f'[channels.publik]\nfeed = "{tmp_path / "publik.atom"}"\ntopics = ["{TOPIC}"]\n')
    assert cli("notify", "--db", str(db), "--config", str(config)).returncode == 0
    ET.fromstring((tmp_path / "publik.atom").read_bytes())


def test_dry_run_prints_no_escape_sequences(db, tmp_path):
    config = tmp_path / "pantau.toml"
    config.write_text(f'[channels.hook]\nurl = "json://127.0.0.1:9/x"\ntopics = ["{TOPIC}"]\n')
    done = cli("notify", "--db", str(db), "--config", str(config), "--dry-run", "--backfill")
    assert done.returncode == 0, done.stderr
    assert "MERAH" in done.stdout and "message(s) would be sent" in done.stdout
    assert not any(ch in done.stdout for ch in "\x1b\x07\x00\x08"), repr(done.stdout[:500])


class HangingWebhook(ServedSite):
    """A webhook that takes ``seconds`` to answer each POST (longer than Apprise waits)."""

    def __init__(self, seconds: float) -> None:
        self.posts = 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_POST(self) -> None:
                hook.posts += 1
                self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(seconds)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        super().__init__(Handler)


def _statuses(db) -> dict[str, int]:
    return dict(query(db, "SELECT status, COUNT(*) FROM deliveries GROUP BY status"))


@pytest.mark.slow
def test_a_hanging_webhook_is_bounded_by_the_time_limit_and_nothing_stays_sending(db, tmp_path):
    with HangingWebhook(30) as hook:
        config = tmp_path / "pantau.toml"
        config.write_text(
            f'[channels.hook]\nurl = "{hook.url.replace("http://", "json://")}/x"\n'
            f'topics = ["{TOPIC}"]\n[notify]\ntime_limit = "3s"\n'
        )
        started = time.monotonic()
        done = cli("notify", "--db", str(db), "--config", str(config), "--backfill")
        took = time.monotonic() - started
    assert done.returncode == 1, done.stdout + done.stderr
    assert "time limit reached" in done.stdout and "left for the next run" in done.stdout, done.stdout
    assert took < 30, f"notify ran {took:.0f} s with a 3 s time limit"
    statuses = _statuses(db)
    assert "sending" not in statuses and statuses.get("retry", 0) >= 3, statuses
    # those never tried are due at once, their attempt not counted
    assert (
        query(
            db, "SELECT COUNT(*) FROM deliveries WHERE status = 'retry' AND attempts = 0 AND next_attempt_at IS NULL"
        )[0][0]
        >= 2
    )


@pytest.mark.slow
def test_a_webhook_that_trickles_its_answer_is_given_up_at_the_time_limit(db, tmp_path):
    """One byte every half second: no read ever times out, only the total deadline ends the wait;
    the command prints its result and exits."""
    from testkit.receivers import Trickler

    with Trickler() as peer:
        config = tmp_path / "pantau.toml"
        config.write_text(
            f'[channels.hook]\nurl = "{peer.url.replace("http://", "json://")}/x"\n'
            f'topics = ["{TOPIC}"]\n[notify]\ntime_limit = "4s"\n'
        )
        started = time.monotonic()
        done = cli("notify", "--db", str(db), "--config", str(config), "--backfill", timeout=120)
        took = time.monotonic() - started
        asked = peer.requests
    assert done.returncode == 1, done.stdout + done.stderr
    assert took < 20, f"notify ran {took:.0f} s with a 4 s time limit"
    assert asked == 1 and "no answer within the time limit (4 s" in done.stdout, done.stdout
    statuses = _statuses(db)
    assert "sending" not in statuses and statuses.get("retry", 0) >= 1, statuses


@pytest.mark.slow
def test_notify_stopped_by_sigterm_leaves_nothing_sending(db, tmp_path):
    with HangingWebhook(30) as hook:
        config = tmp_path / "pantau.toml"
        config.write_text(
            f'[channels.hook]\nurl = "{hook.url.replace("http://", "json://")}/x"\ntopics = ["{TOPIC}"]\n'
        )
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crawler.cli.main",
                "notify",
                "--db",
                str(db),
                "--config",
                str(config),
                "--backfill",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while hook.posts < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert hook.posts >= 1
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode != 0 and "Traceback" not in err, err
    assert "sending" not in _statuses(db), _statuses(db)


@pytest.mark.slow
def test_secrets_stay_secret_at_debug_log_level(tmp_path):
    """Apprise's own debug lines print URLs and payloads whole: every log record is masked."""
    from testkit.receivers import Webhook

    with Webhook() as hook, LocalSite(SITES / "suarakalbar") as site:
        base = hook.url.replace("http://", "json://")
        config = tmp_path / "pantau.toml"
        config.write_text(
            f'[channels.env]\nurl = "{base}/hook/${{HOOKTOK}}"\ntopics = ["{TOPIC}"]\n'
            f'[channels.inline]\nurl = "{base}/hook/Inl1neTok3nPath?+Authorization=Bearer%20HeaderTok3n99"\n'
            f'topics = ["{TOPIC}"]\n'
            f'[channels.letters]\nurl = "{base}/onlyLettersPathKey"\ntopics = ["{TOPIC}"]\n'
        )
        done = cli_crawl(
            tmp_path / "pantau.db",
            {"suarakalbar": site.url},
            "--notify",
            "--config",
            str(config),
            "--log-level",
            "DEBUG",
            env={"HOOKTOK": "EnvT0kenSecret42"},
        )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    paths = {path for path, _, _ in hook.posts}
    # the secrets were used (the receiver saw them) ...
    assert {"/hook/EnvT0kenSecret42", "/hook/Inl1neTok3nPath", "/onlyLettersPathKey"} <= paths, paths
    assert "Apprise" in done.stderr or "apprise" in done.stderr  # Apprise's debug lines are there
    # ... and printed nowhere
    for secret in ("EnvT0kenSecret42", "Inl1neTok3nPath", "HeaderTok3n99", "onlyLettersPathKey"):
        assert secret not in done.stderr and secret not in done.stdout, secret


def test_the_secret_parts_of_a_channel_url_are_known_by_its_structure_not_their_looks():
    from crawler.alerts.secrets import masked, url_secrets

    telegram = "tgram://123456789:abcdefghijklmnopqrstuvwxyzABCDEFGHI/987654/"  # a token of letters only
    shown = masked(f"POST to {telegram} failed", url_secrets(telegram))
    assert "abcdefghijklmnopqrstuvwxyzABCDEFGHI" not in shown and "123456789" not in shown
    slack = "slack://TokenA/TokenB/TokenC/#general"
    assert not {"TokenA", "TokenB", "TokenC"} & set(masked(slack, url_secrets(slack)).split("/"))
    mail = "mailtos://pantau:lettersonly@smtp.example.com"
    assert "lettersonly" not in masked(mail, url_secrets(mail))


@pytest.mark.parametrize(
    "line, says",
    [
        ("max_attempts = 2.9", "max_attempts must be a whole number, got 2.9"),
        ("max_attempts = true", "max_attempts must be a whole number, got True"),
        ("error_share = true", "error_share must be a number, got True"),
        ("retry_after = 5", 'retry_after must be a span of time in quotes, such as "5m" or "24h", got 5'),
    ],
)
def test_pantau_toml_numbers_are_type_checked(tmp_path, line, says):
    config = tmp_path / "pantau.toml"
    config.write_text(f'[channels.hook]\nurl = "json://127.0.0.1:9/x"\n[notify]\n{line}\n')
    done = cli("notify", "--db", str(tmp_path / "p.db"), "--config", str(config), "--dry-run")
    assert done.returncode == 2 and says in done.stderr and done.stderr.count("\n") == 1, done.stderr


@pytest.mark.parametrize("status", [False, True], ids=["schedule", "status"])
@pytest.mark.slow
def test_a_scrapyd_node_that_trickles_its_headers_is_given_up_at_the_timeout(tmp_path, status):
    from testkit.receivers import Trickler

    with Trickler() as node:
        args = ["--status"] if status else ["--all", "--redis", "redis://127.0.0.1:6379/0"]
        started = time.monotonic()
        done = cli("schedule", "--scrapyd", node.url, "--timeout", "2", "--db", str(tmp_path / "p.db"), *args)
        took = time.monotonic() - started
        time.sleep(1.5)  # the hang-up is seen at the trickler's next byte
    assert done.returncode == 1, done.stdout + done.stderr
    # each answer given up at the 2 s timeout (seen within a byte or two); the whole command, its
    # start-up included, far from the 300 s the peer would go on for (start-up alone took 10 s on
    # two busy cores)
    assert node.held and max(node.held) < 4.5, node.held
    assert took < 40, f"schedule ran {took:.0f} s with a 2 s timeout"
    assert "no whole answer to listjobs.json within 2 s" in done.stdout and "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_redis_that_trickles_its_answer_is_given_up_at_the_deadline(tmp_path):
    from testkit.receivers import RawTrickler

    with RawTrickler() as peer:
        started = time.monotonic()
        done = cli("crawl", "--db", str(tmp_path / "p.db"), "--redis", f"redis://127.0.0.1:{peer.port}/0", timeout=60)
        took = time.monotonic() - started
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "no answer to PING within 10 s" in done.stderr and took < 25, (took, done.stderr)
