"""The dependency rule of the README, checked on the import graph of the code (no database).

Modules are nodes and every import is an edge, including imports inside functions (a lazy import is
still a dependency; hiding a cycle in a function does not remove it). The rule:

- layers: `catalog` < `threatmodel` < `assessments` < `config`; no module imports a higher layer
  (`catalog` imports nothing of ours, `threatmodel` never imports `assessments`, no app imports `config`);
- no cycles between modules;
- no module (tests and migrations aside) is longer than 400 lines;
- inside `assessments`, the register's core imports none of the surfaces built on it.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"catalog": 0, "threatmodel": 1, "assessments": 2, "config": 3}
MAX_LINES = 400


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()


def _ours(name: str) -> str | None:
    """The module of ours that importing `name` loads (a name imported from a module resolves to it)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> set[str]:
    path, is_package = MODULES[module]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets.update(filter(None, (_ours(alias.name) for alias in node.names)))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                full = f"{source}.{alias.name}"
                target = full if full in MODULES else _ours(source)
                if target:
                    targets.add(target)
    targets.discard(module)
    return targets


GRAPH = {module: _imports(module) for module in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(root):
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_graph_is_read():
    assert "threatmodel.queue" in GRAPH and "assessments.services" in GRAPH
    assert "threatmodel.models" in GRAPH["threatmodel.queue"]


def test_no_import_points_up_a_layer():
    upward = sorted(f"{module} -> {target}" for module, targets in GRAPH.items() for target in targets
                    if LAYERS[target.split(".")[0]] > LAYERS[module.split(".")[0]])
    assert upward == []


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_no_module_is_too_long(package):
    long = {str(path.relative_to(ROOT)): n for module, (path, _) in MODULES.items() if module.startswith(package)
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def _calls(module: str) -> list[tuple[str, int]]:
    path, _ = MODULES[module]
    return [(node.func.attr, node.lineno) for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)]


def test_work_reaches_celery_only_through_the_queue():
    """Tasks are handed over by name through threatmodel.queue; nothing else publishes."""
    direct = sorted(f"{module}:{line} .{name}()" for module in MODULES if module != "threatmodel.queue"
                    for name, line in _calls(module) if name in {"delay", "apply_async", "delay_on_commit",
                                                                  "send_task"})
    assert direct == []


def test_component_kinds_are_spelled_once():
    """The kinds come from threatmodel.models.ComponentKind, not from restated tuples or label maps."""
    kinds = {"input", "model", "output"}
    restated = []
    for module, (path, _) in MODULES.items():
        if not module.startswith(("threatmodel", "assessments")):
            continue  # the catalog has its own word for them: question scopes
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                values = {e.value for e in node.elts if isinstance(e, ast.Constant)}
            elif isinstance(node, ast.Dict):
                values = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            else:
                continue
            if kinds <= values:
                restated.append(f"{module}:{node.lineno}")
    assert restated == []


# Inside assessments: the register's core (models, field lists, services, selectors, filters, scoring,
# signals) is what every surface is built on; it hears them only through signals and hooks, never imports.
CORE = ("assessments.models", "assessments.fields", "assessments.services", "assessments.selectors",
        "assessments.filters", "assessments.scoring", "assessments.signals", "assessments.snapshot",
        "assessments.notifications", "assessments.risk_q")
SURFACES = ("assessments.workshop", "assessments.views", "assessments.api", "assessments.interop",
            "assessments.reports", "assessments.connectors", "assessments.testplan", "assessments.management",
            "assessments.urls", "assessments.privacy")


def _within(module: str, roots) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


def test_the_register_core_imports_no_surface():
    upward = sorted(f"{module} -> {target}" for module, targets in GRAPH.items() if _within(module, CORE)
                    for target in targets if _within(target, SURFACES))
    assert upward == []
