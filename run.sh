#!/bin/sh
# Set-up and entry point. Creates .venv/ on first use, installs the project, then runs:
#   ./run.sh crawl [crawler crawl options]   crawl all sites into data/pantau.db (or $PANTAU_DB)
#   ./run.sh test  [pytest options]          lint, type check and the test suite (--all: with the slow tests)
#   ./run.sh bench [bench/run.py options]    the speed benchmark
#   ./run.sh <any crawler sub-command>       e.g. ./run.sh demo, ./run.sh search "netralitas ASN"
set -eu
cd "$(dirname "$0")"
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
            PYTHON="$candidate"; break
        fi
    done
fi
[ -n "$PYTHON" ] || { echo "run.sh: Python 3.11 or newer is required" >&2; exit 1; }
# PANTAU_VENV and PANTAU_CONSTRAINTS (a pip constraints file) let CI test other dependency versions
VENV="${PANTAU_VENV:-.venv}"
STAMP="$VENV/.installed"
CONSTRAINTS="${PANTAU_CONSTRAINTS:-}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "run.sh: creating $VENV with $PYTHON" >&2
    "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || { [ -n "$CONSTRAINTS" ] && [ "$CONSTRAINTS" -nt "$STAMP" ]; }; then
    echo "run.sh: installing the project and its dependencies into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    if [ -n "$CONSTRAINTS" ]; then
        "$VENV/bin/python" -m pip install --quiet -c "$CONSTRAINTS" -e '.[test]'
    else
        "$VENV/bin/python" -m pip install --quiet -e '.[test]'
    fi
    touch "$STAMP"
fi
cmd="${1:-crawl}"
[ $# -gt 0 ] && shift
case "$cmd" in
    test)
        # the dashboard's browser test drives Debian's Chromium; as root it is installed here, else say how
        if [ ! -x /usr/bin/chromium ]; then
            if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
                echo "run.sh: installing Chromium for the dashboard's browser test (apt-get install chromium)" >&2
                apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
            else
                echo "run.sh: the dashboard's browser test needs Chromium: sudo apt-get install chromium" >&2
            fi
        fi
        "$VENV/bin/ruff" check crawler spiders tests fixtures bench testkit
        "$VENV/bin/ruff" format --check crawler spiders tests fixtures bench testkit
        # types are checked against the newest dependencies (the oldest ones' annotations differ: the
        # run with .ci/oldest.txt shows the code works on them, not that their stubs agree)
        [ -n "$CONSTRAINTS" ] || "$VENV/bin/mypy"
        # the long end-to-end tests (marked slow: real Redis and Scrapyd nodes, filesystems filled,
        # politeness delays waited out) run with --all, as CI runs them. More workers than cores:
        # many tests wait on servers and subprocesses rather than compute
        WORKERS="${PANTAU_TEST_WORKERS:-4}"
        if [ "${1:-}" = "--all" ]; then
            shift
            exec "$VENV/bin/python" -m pytest -n "$WORKERS" --durations=15 "$@"
        fi
        exec "$VENV/bin/python" -m pytest -n "$WORKERS" --durations=15 -m "not slow" "$@" ;;
    bench)
        exec "$VENV/bin/python" bench/run.py "$@" ;;
    *)
        exec "$VENV/bin/crawler" "$cmd" "$@" ;;
esac
