"""Issue 22.6: outputs never replace what they should not: a FIFO or a device is written, not
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

from crawler.cli.localserver import LocalSite
from tests.conftest import ROOT, SITES, cli, cli_crawl, closed_port


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("outputs") / "p.db"
    with LocalSite(SITES / "suarakalbar") as site:
        assert cli_crawl(path, {"suarakalbar": site.url}).returncode == 0
    return path


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


def test_new_output_files_follow_the_umask(db, tmp_path):
    for umask, mode in ((0o022, 0o644), (0o002, 0o664), (0o077, 0o600)):
        for command, name in ((["feed", "--topic", "netralitas-asn"], "f.atom"), (["export", "--format", "csv"], "e.csv")):
            out = tmp_path / f"{umask:o}-{name}"
            done = subprocess.run([sys.executable, "-c", f"import os, sys; os.umask({umask}); from crawler.cli.main "
                                   f"import main; sys.exit(main({[*command, '--db', str(db), '-o', str(out)]!r}))"],
                                  cwd=ROOT, capture_output=True, text=True)  # fmt: skip
            assert done.returncode == 0, done.stderr
            assert stat.S_IMODE(os.stat(out).st_mode) == mode, (command, oct(umask))


@pytest.mark.parametrize("name", ["/etc", "../../../etc", "suarakalbar/../../..", "tests"])
def test_serve_serves_only_the_bundled_copies(name):
    port = closed_port()
    proc = subprocess.Popen([sys.executable, "-m", "crawler.cli.main", "serve-copy", name, "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"crawler serve-copy {name} is serving")
    assert proc.returncode == 2 and "no bundled copy" in err and "suarakalbar" in err, err
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/passwd", timeout=2)
