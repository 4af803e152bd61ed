"""The package's imports keep its layers: no cycles, click only in the CLI, jinja2 only in rendering.

The import graph is read from the source (the AST of every module of
``acct_tool``), so it holds for imports inside functions too, which a run-time
check would only see when the function runs. Imports under ``if TYPE_CHECKING:``
are for the type checker and do not count.

An import names one module: ``from acct_tool.cli import common`` is an edge to
``acct_tool.cli.common``, ``from acct_tool.cli import cli`` one to
``acct_tool.cli``. The package ``__init__`` Python runs on the way to a
submodule is not counted as an edge, or every package whose ``__init__``
gathers its submodules would be a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO

PACKAGE = "acct_tool"

#: The command line: Click is its business. ``render.cli_doc`` renders the Click
#: command tree into docs/cli.md, so it is part of the CLI layer although it
#: lives with the rendering: it cannot exist without click and the commands.
CLI_LAYER = ("acct_tool.cli", "acct_tool.render.cli_doc")

#: Jinja templates: the reports (with their sandbox and size limits) and the
#: scaffold ``init`` writes.
RENDERING_LAYER = (
    "acct_tool.render.reports",
    "acct_tool.render.template_limits",
    "acct_tool.render.template_sandbox",
    "acct_tool.render.template_sizes",
    "acct_tool.render.template_filter_limits",
    "acct_tool.render.render_scaffold",
)

#: fava's extension: fava and Flask (which fava runs on) are its business alone; the
#: rest of the package works without them.
FAVA_LAYER = ("acct_tool.fava",)


def module_names(folder: Path, package: str) -> dict[str, Path]:
    """Every module of the package under ``folder``: dotted name -> file."""
    found: dict[str, Path] = {}
    for path in sorted(folder.rglob("*.py")):
        parts = [package, *path.relative_to(folder).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import under ``node``, at any depth, except in ``if TYPE_CHECKING:`` blocks (their ``else`` counts)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                if isinstance(other, (ast.Import, ast.ImportFrom)):
                    yield other
                yield from _imports(other)
            continue
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        yield from _imports(child)


def imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The dotted names ``name`` (at ``path``) imports: modules of the package, or top-level external packages."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in _imports(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                targets.add(alias.name if alias.name.split(".")[0] == name.split(".")[0] else alias.name.split(".")[0])
            continue
        if node.level:
            base = name.split(".") if is_package else name.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            origin = ".".join([*base, *([node.module] if node.module else [])])
        else:
            origin = node.module or ""
        if origin.split(".")[0] != name.split(".")[0]:
            targets.add(origin.split(".")[0])
            continue
        for alias in node.names:
            sub = f"{origin}.{alias.name}"
            targets.add(sub if sub in modules else origin)
    return targets


def graph(folder: Path, package: str) -> dict[str, set[str]]:
    """Module -> what it imports (modules of the package and external top-level packages)."""
    modules = module_names(folder, package)
    return {name: imported(name, path, modules) for name, path in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: each strongly connected group of more than one module (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # Tarjan's algorithm, iterative so deep graphs cannot overflow the stack
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in edges:
                    continue
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in edges[node]:
                        found.append(sorted(group))

    for name in sorted(edges):
        if name not in index:
            visit(name)
    return sorted(found)


def in_layer(name: str, layer: tuple[str, ...]) -> bool:
    return any(name == top or name.startswith(top + ".") for top in layer)


def outsiders(edges: dict[str, set[str]], external: str, layer: tuple[str, ...]) -> list[str]:
    """The modules outside ``layer`` that import ``external``."""
    return sorted(name for name, targets in edges.items() if external in targets and not in_layer(name, layer))


GRAPH = graph(REPO / PACKAGE, PACKAGE)


def test_the_graph_sees_the_package() -> None:
    assert "acct_tool.cli" in GRAPH and "acct_tool.books.load" in GRAPH
    assert "click" in GRAPH["acct_tool.cli"]
    assert "jinja2" in GRAPH["acct_tool.render.reports"]


def test_no_import_cycles() -> None:
    found = cycles(GRAPH)
    assert not found, "import cycles (each line one group of modules that import each other):\n" + "\n".join(" <-> ".join(c) for c in found)


def test_click_only_in_the_cli_layer() -> None:
    assert outsiders(GRAPH, "click", CLI_LAYER) == [], "click belongs to the command line; engines, views and the loader stay usable without it"


def test_jinja2_only_in_the_rendering_layer() -> None:
    assert outsiders(GRAPH, "jinja2", RENDERING_LAYER) == [], "jinja2 belongs to rendering (reports, their sandbox, the init scaffold)"


def test_fava_and_flask_only_in_the_fava_layer() -> None:
    for external in ("fava", "flask"):
        assert outsiders(GRAPH, external, FAVA_LAYER) == [], f"{external} belongs to the fava extension; acct-tool runs without it"


#: What the command line leaves to the modules it calls: reading and writing YAML,
#: rendering templates, reading the ledger. A command that needs one of these is
#: building a domain value itself (a profile's text, a scaffold, an account).
NOT_IN_THE_CLI = ("yaml", "ruamel", "jinja2", "beancount")


def test_the_cli_layer_leaves_files_and_templates_to_other_modules() -> None:
    found = sorted((name, external) for name, targets in GRAPH.items() if in_layer(name, CLI_LAYER) for external in NOT_IN_THE_CLI if external in targets)
    assert found == [], "a command builds YAML, a template or a ledger value itself; move it to a module outside the CLI"


def test_the_layers_named_here_exist() -> None:
    for top in (*CLI_LAYER, *RENDERING_LAYER, *FAVA_LAYER):
        assert top in GRAPH, f"{top} is named as a layer but is not a module of {PACKAGE}"


#: Engines take explicit inputs (postings, parties, settings, an as-of date), never the
#: loaded books: they cannot load, draw from the ledger or write the cache.
ENGINES_ON_EXPLICIT_INPUTS = (
    "acct_tool.engines.receivables",
    "acct_tool.engines.health",
    "acct_tool.engines.followups",
    "acct_tool.engines.portfolio",
    "acct_tool.engines.revenue",
    "acct_tool.engines.party_statement",
    "acct_tool.engines.review",
    "acct_tool.checks.crosscheck",
)


def test_engines_do_not_know_the_loaded_books() -> None:
    """Not even for the type checker: an engine whose signature names ``Books`` reads it."""
    found = []
    for name in ENGINES_ON_EXPLICIT_INPUTS:
        path = module_names(REPO / PACKAGE, PACKAGE)[name]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if (isinstance(node, ast.ImportFrom) and node.module == "acct_tool.books.load") or (
                isinstance(node, ast.Import) and any(a.name == "acct_tool.books.load" for a in node.names)
            ):
                found.append(f"{name}:{node.lineno}")
    assert found == [], "engines take explicit inputs, not Books: " + ", ".join(found)


# --- the checker itself, on a small package ---------------------------------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> dict[str, set[str]]:
    root = tmp_path / "pkg"
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return graph(root, "pkg")


def test_a_cycle_through_a_function_level_import_counts(tmp_path: Path) -> None:
    edges = _package(tmp_path, {"__init__.py": "", "a.py": "from pkg import b\n", "b.py": "def f():\n    from pkg.a import x\n", "c.py": "import pkg.a\n"})
    assert cycles(edges) == [["pkg.a", "pkg.b"]]


def test_imports_for_the_type_checker_do_not_count(tmp_path: Path) -> None:
    edges = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from pkg.b import y\n",
            "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import x\nelse:\n    import click\n",
        },
    )
    assert cycles(edges) == []
    assert outsiders(edges, "click", ("pkg.a",)) == ["pkg.b"]


def test_relative_imports_and_submodules_resolve(tmp_path: Path) -> None:
    edges = _package(
        tmp_path,
        {
            "__init__.py": "",
            "sub/__init__.py": "from . import one\n",
            "sub/one.py": "from .. import top\nfrom .two import z\n",
            "sub/two.py": "",
            "top.py": "import jinja2.sandbox\n",
        },
    )
    assert edges["pkg.sub"] == {"pkg.sub.one"}
    assert edges["pkg.sub.one"] == {"pkg.top", "pkg.sub.two"}
    assert edges["pkg.top"] == {"jinja2"}


@pytest.mark.parametrize("size", [3, 400])
def test_a_long_cycle_is_one_group(size: int) -> None:
    edges = {f"m{i}": {f"m{(i + 1) % size}"} for i in range(size)}
    assert cycles(edges) == [sorted(edges)]
