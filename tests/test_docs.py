"""The documents cannot drift from the command line. Every ``crawler`` command line in a
code block of README.md and docs/*.md is parsed by the real parser (``crawler.cli.main``), as a
shell would split it: a command, an option or a choice that no longer exists fails here. A synopsis
line (``crawler search QUERY [--site NAME] [--format table|json]``) is checked word by word: its
command, each option it names, each choice it lists. Every link to a document points at one that
exists."""

from __future__ import annotations

import argparse
import re
import shlex

import pytest

from crawler.cli.main import build_parser
from tests.conftest import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
_COMMAND = re.compile(r"(?:^|\s|/)(crawler|\./run\.sh)\s+(.*)$")
RUN_SH = {"crawl", "test", "bench"}


def _is_synopsis(args: str) -> bool:
    return any(mark in args for mark in ("[", "...", "<", "$", "…")) or re.search(r"\s\|\s", args) is not None


def command_lines() -> list[tuple[str, str, str]]:
    """(document, program, arguments) of every command line in a code block."""
    found = []
    for doc in DOCUMENTS:
        for block in _FENCE.findall(doc.read_text(encoding="utf-8")):
            for line in block.splitlines():
                code = re.split(r"\s#\s|\s{2,}#", line)[0]  # the comment after a command
                code = re.split(r"\s(?:>>?|2>&1|\|\s)", code)[0].strip()  # redirections and pipes
                if m := _COMMAND.search(code):
                    found.append((doc.relative_to(ROOT).as_posix(), m.group(1), m.group(2).strip()))
    return found


def test_the_documents_hold_commands_to_check():
    lines = command_lines()
    assert len(lines) > 40 and sum(_is_synopsis(args) for _, _, args in lines) > 10
    assert {doc for doc, _, _ in lines} >= {"README.md", "docs/crawling.md", "docs/reading.md", "docs/alerts.md"}


@pytest.mark.parametrize("doc, program, args", command_lines(), ids=lambda v: v if len(v) < 60 else v[:60])
def test_every_documented_command_parses(doc, program, args):
    parser = build_parser()
    commands = _sub_commands(parser)
    first = args.split()[0] if args.split() else ""
    if program == "./run.sh" and (first in RUN_SH or first not in commands and not first.startswith("-")):
        assert first in RUN_SH, f"{doc}: ./run.sh {args}"  # run.sh's own commands, else crawler's
        return
    if _is_synopsis(args):
        _check_synopsis(parser, args, doc)
    else:
        _parses(parser, shlex.split(args), doc)


def _sub_commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _check_synopsis(parser: argparse.ArgumentParser, args: str, doc: str) -> None:
    """A synopsis names a command that exists, options it has, and choices among its choices."""
    words = args.split()
    command = _sub_commands(parser).get(words[0])
    assert command is not None, f"{doc}: no command {words[0]!r} in `crawler {args}`"
    if words[0] == "db":
        command = _sub_commands(command)[words[1]]
    actions = {s: a for a in command._actions for s in a.option_strings}
    for option in re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", args):
        assert option in actions, f"{doc}: `crawler {words[0]}` has no option {option}"
    for option, listed in re.findall(r"(--?[A-Za-z][\w-]*)[ =]([\w-]+(?:\|[\w-]+)+)", args):
        if (choices := actions[option].choices) is not None:
            assert set(listed.split("|")) <= set(choices), f"{doc}: {option} {listed} against {sorted(choices)}"


def _parses(parser, words: list[str], doc: str) -> None:
    try:
        parser.parse_args(words)
    except SystemExit as exc:  # --help and --version end the parse with exit 0: they parsed
        if exc.code not in (0, None):
            pytest.fail(f"{doc}: `crawler {shlex.join(words)}` does not parse (exit {exc.code})")


def test_every_link_between_documents_resolves():
    broken = []
    for doc in DOCUMENTS:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if not target.startswith(("http://", "https://", "mailto:")) and not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert broken == []


@pytest.mark.parametrize(
    "args",
    [
        "search QUERY [--no-such-option]",
        "report [--format md|json|xml]",
        "no-such-command [--db PATH]",
    ],
)
def test_the_synopsis_check_catches_drift(args):
    with pytest.raises(AssertionError):
        _check_synopsis(build_parser(), args, "a document")


def test_the_command_check_catches_drift():
    with pytest.raises(pytest.fail.Exception):
        _parses(build_parser(), ["search", "netralitas", "--format", "xml"], "a document")
