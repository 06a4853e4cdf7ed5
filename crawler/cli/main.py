"""The ``crawler`` command: ``crawler COMMAND --help`` for each command. Each command group keeps its
parser beside its handler (``crawl_cli``, ``query_cli``, ``site_tools_cli``, ...); shared helpers are in
:mod:`crawler.cli.common`."""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import sys

from crawler import __version__
from crawler.cli.common import EXIT_FAILED, EXIT_OK, Parser, fail
from crawler.deadline import abandoned
from crawler.sites.profile import ProfileError


def build_parser() -> argparse.ArgumentParser:
    from crawler.cli import (
        crawl_cli,
        demo_cli,
        notify_cli,
        query_cli,
        reextract_cli,
        scale_cli,
        site_tools_cli,
        sites_cli,
        web_cli,
    )

    parser = Parser(prog="crawler", description="Pantau: monitoring crawler for Indonesian regional news.")
    parser.add_argument("--version", action="version", version=f"pantau {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    crawl_cli.add_parsers(sub)
    query_cli.add_parsers(sub)
    site_tools_cli.add_parsers(sub)
    demo_cli.add_parsers(sub)
    notify_cli.add_parsers(sub)
    scale_cli.add_parsers(sub)
    web_cli.add_parsers(sub)
    sites_cli.add_parsers(sub)
    reextract_cli.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    code = _run(argv)
    if abandoned():  # a peer given up on (crawler.deadline) may hold worker threads Python would join
        logging.getLogger(__name__).debug("not waiting at exit for: %s", ", ".join(abandoned()))
        with contextlib.suppress(OSError):
            sys.stdout.flush()
            sys.stderr.flush()
        logging.shutdown()
        os._exit(code)
    return code


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # inside the try: a reader that went away is noticed here, not at exit
        return code
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except ProfileError as exc:  # a site file (SITES_DIR) or profile that cannot be used
        return fail(str(exc))
    except BrokenPipeError:
        # the reader went away (`crawler export | head -1`): stop quietly
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:
        if exc.errno not in OUTPUT_FULL:
            raise
        _silence_stdout()  # what is still buffered cannot be written either: not again at exit
        return fail(f"cannot write the output: {exc.strerror or exc}", EXIT_FAILED)


OUTPUT_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})  # stdout on a full or failing device


def _silence_stdout() -> None:
    with contextlib.suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
