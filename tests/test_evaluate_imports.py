"""The shape of mirex.evaluate, read from its source with ``ast``: what imports what."""
import ast
from pathlib import Path

import pytest

import mirex

PACKAGE = Path(mirex.__file__).parent / "evaluate"
MODULES = {f"mirex.evaluate.{p.stem}" if p.stem != "__init__" else "mirex.evaluate": p
           for p in sorted(PACKAGE.glob("*.py"))}


def _imports(path):
    """(module, name) for every import of the file, functions' bodies included; name None for ``import x``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield from ((node.module, alias.name) for alias in node.names)


def _targets(module, name):
    """The modules an import loads: ``from package import module`` names the module, not the package."""
    return {f"{module}.{name}"} if f"{module}.{name}" in MODULES else {module}


@pytest.mark.parametrize("module", MODULES)
def test_nothing_imports_the_command_line(module):
    loaded = {(m, n) for m, n in _imports(MODULES[module])}
    assert not [(m, n) for m, n in loaded if m == "mirex.cli" or m.startswith("mirex.cli.")
                or (m == "mirex" and n == "cli")], module


@pytest.mark.parametrize("module", MODULES)
def test_no_private_name_crosses_a_module(module):
    private = [(m, n) for m, n in _imports(MODULES[module]) if m.startswith("mirex") and n and n.startswith("_")]
    assert not private, private


@pytest.mark.parametrize("module", MODULES)
def test_modules_are_small(module):
    assert len(MODULES[module].read_text(encoding="utf-8").splitlines()) < 300


def test_no_import_cycle_inside_the_package():
    graph = {module: {t for m, n in _imports(path) for t in _targets(m, n) if t in MODULES and t != module}
             for module, path in MODULES.items()}
    done, active = set(), []

    def visit(module):
        assert module not in active, " -> ".join([*active[active.index(module):], module])
        if module not in done:
            active.append(module)
            for child in sorted(graph[module]):
                visit(child)
            active.pop()
            done.add(module)

    for module in graph:
        visit(module)
    assert graph["mirex.evaluate.tagtask"] >= {"mirex.evaluate.tagreport"}  # the walk sees the imports
