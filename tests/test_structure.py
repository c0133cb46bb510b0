"""The shape of the package, read from its source with ``ast``: imports flow one way, modules stay small.

Every import of a ``mirex`` module counts, at module level and inside
functions alike (a function-level import is a dependency all the same). A
package's ``__init__`` importing its own submodules is one more arrow, fine
as long as it closes no circle.
"""
import ast

import pytest

from conftest import ROOT

PACKAGE = ROOT / "mirex"
MAX_LINES = 300
#: Rooms that must not import others: (importer prefix, imported prefix).
FORBIDDEN = [
    ("mirex.bundle", "mirex.nets"), ("mirex.bundle", "mirex.features"),
    ("mirex.nets", "mirex.bundle"),
    ("mirex.frontends", "mirex.nets"), ("mirex.frontends", "mirex.bundle"),
    ("mirex.tasks", "mirex.features"), ("mirex.tasks", "mirex.protocol"),
    ("mirex.evaluate", "mirex.cli"),
]


def module_files():
    """Module name -> source file of every module of the package."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


MODULES = module_files()


def imported(node, *, module, is_package):
    """The package's modules an import statement names (``from a import b``: ``a.b`` when it is a module, else ``a``)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            anchor = module.split(".") if is_package else module.split(".")[:-1]
            base = ".".join(anchor[: len(anchor) - node.level + 1] + ([node.module] if node.module else []))
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    found = set()
    for name in names:
        while name and name not in MODULES:  # `import mirex.a.b as c` names mirex.a.b; an attribute names its module
            name = name.rpartition(".")[0]
        if name:
            found.add(name)
    return found


def import_graph():
    """Module name -> the package's modules it imports (anywhere in its source), itself excluded."""
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                targets |= imported(node, module=module, is_package=path.name == "__init__.py")
        graph[module] = targets - {module}
    return graph


GRAPH = import_graph()


def path_between(graph, start, goal):
    """A shortest import chain from ``start`` to ``goal`` (a list of modules), or None."""
    previous, frontier = {start: None}, [start]
    while frontier:
        following = []
        for module in frontier:
            for target in sorted(graph[module]):
                if target not in previous:
                    previous[target] = module
                    following.append(target)
        if goal in previous:
            chain = [goal]
            while chain[-1] != start:
                chain.append(previous[chain[-1]])
            return chain[::-1]
        frontier = following
    return None


def cycles(graph):
    """The strongly connected groups of more than one module (Tarjan), each a frozenset."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(frozenset(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


def describe(group):
    """One circle through a group of modules, as ``a -> b -> ... -> a``."""
    start = min(group)
    sub = {m: GRAPH[m] & group for m in group}
    back = min((m for m in group if start in sub[m]), key=lambda m: len(path_between(sub, start, m)))
    return " -> ".join(path_between(sub, start, back) + [start])


def test_the_graph_sees_every_kind_of_import():
    assert len(MODULES) > 50 and "mirex.nets" in MODULES and "mirex.frontends.mel" in MODULES
    assert "mirex.frontends.mel" in GRAPH["mirex.frontends"]  # a package importing its submodule
    assert "mirex.nets.weights" in GRAPH["mirex.nets"]  # a function-level import
    assert "mirex.keras2" in GRAPH["mirex.cli"]  # an import inside a command's function
    sample = ast.parse("from . import pipeline\nfrom .spec import FeatureSpec\nimport mirex.nets.dcnn as d\n")
    found = set().union(*(imported(n, module="mirex.features", is_package=True) for n in sample.body))
    assert found == {"mirex.features.pipeline", "mirex.features.spec", "mirex.nets.dcnn"}


def test_a_cycle_is_found_and_printed():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert cycles(graph) == [frozenset("abc")]
    assert path_between(graph, "a", "c") == ["a", "b", "c"] and path_between(graph, "d", "a") is None


def test_no_import_cycle_among_the_modules():
    found = cycles(GRAPH)
    assert not found, "import cycles: " + "; ".join(describe(group) for group in found)


def test_no_module_imports_one_that_depends_on_it():
    upward = []
    for module, targets in sorted(GRAPH.items()):
        for target in sorted(targets):
            back = path_between(GRAPH, target, module)
            if back:
                upward.append(f"{module} imports {target}, which depends on it: {' -> '.join(back)}")
    assert not upward, "\n".join(upward)


@pytest.mark.parametrize(("importer", "target"), FORBIDDEN)
def test_rooms_do_not_import_what_sits_above_them(importer, target):
    def within(module, prefix):
        return module == prefix or module.startswith(prefix + ".")

    wrong = [f"{m} imports {t}" for m, targets in sorted(GRAPH.items())
             if within(m, importer) for t in sorted(targets) if within(t, target)]
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_another_modules_private_names():
    private = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mirex"):
                private += [f"{module}: from {node.module} import {a.name}" for a in node.names
                            if a.name.startswith("_")]
    assert not private, "\n".join(private)


def test_no_module_is_over_the_line_limit():
    lines = {module: len(path.read_text(encoding="utf-8").splitlines()) for module, path in MODULES.items()}
    long = {module: n for module, n in sorted(lines.items()) if n > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"
