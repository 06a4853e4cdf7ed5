"""Outputs never replace what they should not: a FIFO or a device is written, not
replaced by a regular file; new files follow the umask; `crawler serve-copy` serves only the bundled
site copies."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import urllib.request

import pytest

from tests.conftest import ROOT, cli, closed_port, crawled_copy


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return crawled_copy(tmp_path_factory, tmp_path_factory.mktemp("outputs") / "p.db")


@pytest.mark.parametrize("command", [["feed", "--topic", "netralitas-asn"], ["export", "--format", "jsonl"]])
def test_outputs_onto_a_fifo_write_into_it_and_leave_it_a_fifo(db, tmp_path, command):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    done = cli(*command, "--db", str(db), "-o", str(fifo))
    reader.join(30)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a FIFO, not replaced by a regular file
    assert received and b"netralitas" in received[0].lower()


@pytest.mark.parametrize("command", [["feed", "--topic", "netralitas-asn"], ["export", "--format", "csv"]])
def test_outputs_onto_a_device_write_into_it(db, command):
    before = os.stat("/dev/null")
    done = cli(*command, "--db", str(db), "-o", "/dev/null")
    assert done.returncode == 0, done.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


OUTPUTS = [["feed", "--topic", "netralitas-asn"], ["export", "--format", "jsonl"]]


@pytest.mark.parametrize("command", OUTPUTS)
def test_an_output_onto_a_link_writes_through_it_and_leaves_the_link(db, tmp_path, command):
    """A cron line's `-o /dev/stdout` (a link to /proc/self/fd/1) with standard output appended to
    a log: the link stays a link, the log keeps what it held and gains the output."""
    log = tmp_path / "pantau.log"
    log.write_text("earlier line\n")
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    with log.open("a") as appended:
        done = subprocess.run(
            [sys.executable, "-m", "crawler.cli.main", *command, "--db", str(db), "-o", str(link)],
            cwd=ROOT,
            stdout=appended,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    written = log.read_text()
    assert written.startswith("earlier line\n") and "netralitas" in written.lower()
    # a link to a file of the user's: the file gets the output, the link stays
    target = tmp_path / "feeds" / "v2.out"
    target.parent.mkdir()
    target.write_text("old")
    named = tmp_path / "latest.out"
    named.symlink_to(target)
    assert cli(*command, "--db", str(db), "-o", str(named)).returncode == 0
    assert named.is_symlink() and "netralitas" in target.read_text().lower()


@pytest.mark.slow
def test_an_output_onto_a_fifo_nobody_reads_waits_then_says_so(db, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done = cli("export", "--db", str(db), "-o", str(fifo), timeout=60)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "no process reads the FIFO" in done.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.parametrize("command", [*OUTPUTS, ["search", "netralitas"]])
def test_standard_output_on_a_full_device_is_one_line_and_exit_1(db, command):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "crawler.cli.main", *command, "--db", str(db)],
            cwd=ROOT,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "No space left on device" in done.stderr, done.stderr


def test_new_output_files_follow_the_umask(db, tmp_path):
    for umask, mode in ((0o022, 0o644), (0o002, 0o664), (0o077, 0o600)):
        for command, name in (
            (["feed", "--topic", "netralitas-asn"], "f.atom"),
            (["export", "--format", "csv"], "e.csv"),
        ):
            out = tmp_path / f"{umask:o}-{name}"
            done = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"import os, sys; os.umask({umask}); from crawler.cli.main "
                    f"import main; sys.exit(main({[*command, '--db', str(db), '-o', str(out)]!r}))",
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            assert done.returncode == 0, done.stderr
            assert stat.S_IMODE(os.stat(out).st_mode) == mode, (command, oct(umask))


@pytest.mark.parametrize("name", ["/etc", "../../../etc", "suarakalbar/../../..", "tests"])
def test_serve_serves_only_the_bundled_copies(name):
    port = closed_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli.main", "serve-copy", name, "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"crawler serve-copy {name} is serving")
    assert proc.returncode == 2 and "no bundled copy" in err and "suarakalbar" in err, err
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/passwd", timeout=2)
