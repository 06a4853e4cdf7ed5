"""A module does one job that a maintainer can read in one sitting, and the code is laid out by
the formatter alone. Sizes are a report of where to look, not a gate to pack lines under: past
300 lines a module, 60 a function or 200 a class is named in a warning (split it by meaning when
it does two jobs); only far past them (450, 100, 300) does the suite fail. Complexity: ruff C901,
max 12. No import cycle between the package's modules."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pytest

CRAWLER = Path(__file__).resolve().parent.parent / "crawler"


def _sizes(kinds: tuple[type, ...]) -> dict[str, int]:
    sizes = {}
    for path in sorted(CRAWLER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, kinds):
                sizes[f"{path.relative_to(CRAWLER.parent)}:{node.lineno} {node.name}"] = (
                    node.end_lineno - node.lineno + 1
                )
    return sizes


def _module_sizes() -> dict[str, int]:
    return {
        str(p.relative_to(CRAWLER.parent)): len(p.read_text(encoding="utf-8").splitlines())
        for p in sorted(CRAWLER.rglob("*.py"))
    }


def over(sizes: dict[str, int], look: int, limit: int, what: str) -> dict[str, int]:
    """The entries past ``limit`` (the suite fails on them); those past ``look`` are named in a warning."""
    if to_look := {name: n for name, n in sizes.items() if n > look}:
        warnings.warn(f"{what} over {look} lines, to look at: {to_look}", stacklevel=2)
    return {name: n for name, n in sizes.items() if n > limit}


def test_functions_stay_readable():
    sizes = _sizes((ast.FunctionDef, ast.AsyncFunctionDef))
    assert len(sizes) > 300  # the walk found the package's functions
    assert over(sizes, 60, 100, "functions") == {}


def test_classes_stay_readable():
    sizes = _sizes((ast.ClassDef,))
    assert any(name.endswith(" NewsSpider") for name in sizes)
    assert over(sizes, 200, 300, "classes") == {}


def test_modules_stay_readable():
    sizes = _module_sizes()
    assert len(sizes) > 80 and max(sizes.values()) > 200  # the walk found the package's modules
    assert over(sizes, 300, 450, "modules") == {}


def test_sizes_past_the_look_line_warn_and_past_the_limit_fail():
    with pytest.warns(UserWarning, match="modules over 300 lines, to look at: {'a.py': 320}"):
        assert over({"a.py": 320, "b.py": 100}, 300, 450, "modules") == {}
    with pytest.warns(UserWarning):
        assert over({"a.py": 500}, 300, 450, "modules") == {"a.py": 500}


def _module_imports(package: Path) -> dict[str, set[str]]:
    """Each module of ``package`` and the modules of it that it imports: every import statement,
    those inside functions and under ``if TYPE_CHECKING`` too (a cycle deferred to call time is a
    cycle all the same for whoever reads the code)."""
    found = {}
    prefix = package.name
    for path in sorted(package.rglob("*.py")):
        name = ".".join(path.relative_to(package.parent).with_suffix("").parts).removesuffix(".__init__")
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == prefix:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names if alias.name.split(".")[0] == prefix}
        found[name] = imported
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        done.add(node)
        return next((c for dep in sorted(graph.get(node, ())) if (c := visit(dep, [*path, node]))), None)

    return next((c for node in sorted(graph) if (c := visit(node, []))), None)


def test_no_import_cycle_in_the_crawler_or_the_benchmark():
    graph = _module_imports(CRAWLER)
    assert "crawler.store.storage" in graph["crawler.store.known"]  # the walk reads imports
    assert "crawler.web.dashboard" in graph["crawler.web.plugin"]
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])
    bench = _module_imports(CRAWLER.parent / "bench")
    assert "bench.synthetic" in bench["bench.scale"]  # the benchmark's modules, read the same way
    assert _cycle(bench) is None, " -> ".join(_cycle(bench) or [])


# The floors of crawler/, lowest first (docs/development.md): a module imports from its own package,
# from a lower floor and from the leaves (the modules directly in crawler/, which import none of
# the packages), never from a floor above or beside its own.
FLOORS = (
    ("sites",),
    ("extraction",),
    ("enrichment",),
    ("store",),
    ("fetch", "alerts"),
    ("web", "commands", "learning"),
    ("cli",),
)


def floor_breaches(graph: dict[str, set[str]]) -> list[str]:
    """Every import that goes up a floor or across one, as ``importer -> imported``."""
    floor = {package: level for level, packages in enumerate(FLOORS, start=1) for package in packages}

    def place(module: str) -> tuple[str, int]:
        parts = module.split(".")
        package = parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in floor) else ""
        return package, floor.get(package, 0)

    breaches = []
    for module, imported in sorted(graph.items()):
        package, level = place(module)
        for target in sorted(imported):
            other, other_level = place(target)
            if other and other != package and other_level >= level:
                breaches.append(f"{module} -> {target}")
    return breaches


def test_imports_flow_down_the_floors():
    graph = _module_imports(CRAWLER)
    assert {package for packages in FLOORS for package in packages} == {
        path.name for path in CRAWLER.iterdir() if (path / "__init__.py").exists()
    }, "every package of crawler/ has its floor"
    assert floor_breaches(graph) == []


def test_the_floor_check_sees_an_import_up_or_across():
    graph = {
        "crawler.store.polling": {"crawler.fetch.spider", "crawler.cadence", "crawler.store.storage"},
        "crawler.fetch.runner": {"crawler.alerts.health", "crawler.store.storage"},
        "crawler.urls": {"crawler.sites.profile"},
        "crawler.cli.main": {"crawler.fetch.runner", "crawler.urls"},
    }
    assert floor_breaches(graph) == [
        "crawler.fetch.runner -> crawler.alerts.health",
        "crawler.store.polling -> crawler.fetch.spider",
        "crawler.urls -> crawler.sites.profile",
    ]


def test_tests_and_the_benchmark_share_support_without_importing_each_other():
    root = CRAWLER.parent
    for folder, other in (("tests", "bench"), ("bench", "tests"), ("testkit", "tests"), ("testkit", "bench")):
        for path in sorted((root / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
                assert not [n for n in names if n.split(".")[0] == other], f"{path} imports from {other}/"


@pytest.mark.parametrize(
    "graph, cycle",
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
    ],
)
def test_the_cycle_finder_finds_cycles(graph, cycle):
    assert _cycle(graph) == cycle
