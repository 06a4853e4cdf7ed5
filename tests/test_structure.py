"""Issues 17 and 27: a module does one job that a maintainer can read in one sitting. Kept true by a
test: no module in crawler/ over 300 lines, no function over 60, no class over 200 (complexity:
ruff C901, max 12), and no import cycle between the package's modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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


MODULE_LINES = 300


def test_no_module_over_300_lines():
    sizes = {str(p.relative_to(CRAWLER.parent)): len(p.read_text(encoding="utf-8").splitlines())
             for p in sorted(CRAWLER.rglob("*.py"))}  # fmt: skip
    assert len(sizes) > 80 and max(sizes.values()) > 200  # the walk found the package's modules
    assert {name: n for name, n in sizes.items() if n > MODULE_LINES} == {}


def _module_imports() -> dict[str, set[str]]:
    """Each module of crawler/ and the modules of crawler/ it imports when it is loaded (imports
    inside functions and under ``if TYPE_CHECKING`` are not loaded with it, so they cannot cycle)."""
    found = {}
    for path in sorted(CRAWLER.rglob("*.py")):
        name = ".".join(path.relative_to(CRAWLER.parent).with_suffix("").parts).removesuffix(".__init__")
        found[name] = {node.module for node in ast.parse(path.read_text(encoding="utf-8")).body
                       if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("crawler")}  # fmt: skip
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node):], node]
        if node in done:
            return None
        done.add(node)
        return next((c for dep in sorted(graph.get(node, ())) if (c := visit(dep, [*path, node]))), None)

    return next((c for node in sorted(graph) if (c := visit(node, []))), None)


def test_no_import_cycle():
    graph = _module_imports()
    assert "crawler.store.storage" in graph["crawler.store.known"]  # the walk reads imports
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


@pytest.mark.parametrize("graph, cycle", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
])  # fmt: skip
def test_the_cycle_finder_finds_cycles(graph, cycle):
    assert _cycle(graph) == cycle
