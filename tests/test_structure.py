"""Issue 17: a module does one job that a maintainer can read in one sitting. Kept true by a
test: no function in crawler/ over 60 lines, no class over 200 (complexity: ruff C901, max 12)."""

from __future__ import annotations

import ast
from pathlib import Path

CRAWLER = Path(__file__).resolve().parent.parent / "crawler"


def _sizes(kinds: tuple[type, ...]) -> dict[str, int]:
    sizes = {}
    for path in sorted(CRAWLER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, kinds):
                sizes[f"{path.relative_to(CRAWLER.parent)}:{node.lineno} {node.name}"] = node.end_lineno - node.lineno + 1
    return sizes


def test_no_function_over_60_lines():
    sizes = _sizes((ast.FunctionDef, ast.AsyncFunctionDef))
    assert len(sizes) > 300  # the walk found the package's functions
    assert {name: n for name, n in sizes.items() if n > 60} == {}


def test_no_class_over_200_lines():
    sizes = _sizes((ast.ClassDef,))
    assert any(name.endswith(" NewsSpider") for name in sizes)
    assert {name: n for name, n in sizes.items() if n > 200} == {}
