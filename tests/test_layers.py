"""The dependency direction of the house (README, "How it is built"), checked over the real
import graph: web (console, portal pages, routes) → operations and read models → models →
core. No module imports another that (directly or not) imports it back, and imports are at
the top of a module except in the app factory and the CLI, which build everything last.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "admin")
# The only modules that import inside functions: they assemble the app after everything else.
LATE_IMPORTERS = {"portal", "portal.cli"}

WEB = ("admin", "portal.customer", "portal.auth.forms", "portal.auth.views",
       "portal.auth.invitations", "portal.auth.recovery", "portal.auth.recovery_forms",
       "portal.auth.profile", "portal.auth.profile_forms", "portal.auth.two_factor",
       "portal.auth.two_factor_forms", "portal.auth.signing_in", "portal.auth.single_sign_on",
       "portal.outreach.views", "portal.errors", "portal.forms", "portal.live",
       "portal.feeds.views",
       "portal.submissions", "portal.webhooks.forms", "portal.webhooks.pages")
CORE = ("portal.clock", "portal.config", "portal.enums", "portal.extensions", "portal.inputs",
        "portal.login", "portal.markdown", "portal.operations", "portal.ownership",
        "portal.permissions", "portal.sessions", "portal.sqltypes", "portal.tenancy")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, ast.Module]:
    return {_module_name(path): ast.parse(path.read_text(), str(path))
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def _resolve(name: str, names: dict) -> str | None:
    """The module of ours an import names (a `from package import module` names the module)."""
    while name and name not in names:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, tree: ast.Module, *, top_level_only: bool) -> set[str]:
    names = _modules()
    found = set()
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for target in targets:
            resolved = _resolve(target, names)
            if (resolved and resolved != module and target.split(".")[0] in PACKAGES
                    and not resolved.startswith(module + ".")):
                # (a package importing its own modules only registers their routes)
                found.add(resolved)
    return found


def _graph() -> dict[str, set[str]]:
    return {module: _imports(module, tree, top_level_only=True)
            for module, tree in _modules().items()}


def _within(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _is_models(module: str) -> bool:
    return module.endswith(".models") or ".models." in module


def test_imports_are_at_the_top():
    late = []
    for module, tree in _modules().items():
        if module in LATE_IMPORTERS:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                late += [f"{module}:{inner.lineno}" for inner in ast.walk(node)
                         if isinstance(inner, ast.Import | ast.ImportFrom)]
    assert late == []


def _cycles(graph: dict[str, set[str]]) -> list[str]:
    """Every way back to a node met on the current path (depth first)."""
    cycles, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_no_module_imports_itself_back():
    assert _cycles(_graph()) == []


def _room(module: str) -> str:
    """The package a module lives in, as the house is drawn: `portal.escalations.queue` is in
    `portal.escalations`; a top-level module (`portal.audit`) is a room of its own."""
    parts = module.split(".")
    if parts[0] == "portal" and len(parts) > 2:
        return ".".join(parts[:2])
    if parts[0] == "portal" and len(parts) == 2 and (ROOT / "portal" / parts[1]).is_dir():
        return module
    return module if parts[0] == "portal" else parts[0]


def test_no_package_imports_another_back():
    """Packages stand on each other in one order, as modules do: no two rooms import each
    other, however many rooms lie between. (Importing `portal.x` runs `portal/__init__.py`,
    the factory, whose imports are all late: a parent package is not counted.)"""
    rooms: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        for target in targets:
            if _room(target) != _room(module) and not module.startswith(target + "."):
                rooms.setdefault(_room(module), set()).add(_room(target))
    assert _cycles(rooms) == []


def test_views_compose_no_sql():
    """The web reads through query functions (`queries` modules and read models) and writes
    through operations; it never builds a statement itself."""
    composed = []
    for module, tree in _modules().items():
        if not _within(module, WEB):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _builds_a_statement(node.func):
                composed.append(f"{module}:{node.lineno}")
    assert composed == []


def _builds_a_statement(called) -> bool:
    """`select(…)`, `sa.select(…)` and the like (not `dict.update(…)`)."""
    verbs = ("select", "insert", "update", "delete")
    if isinstance(called, ast.Name):
        return called.id in verbs
    return (isinstance(called, ast.Attribute) and called.attr in verbs
            and isinstance(called.value, ast.Name) and called.value.id in ("sa", "sqlalchemy"))


def _violations(rule) -> list[str]:
    return sorted(f"{module} -> {target}" for module, targets in _graph().items()
                  for target in targets if rule(module, target))


@pytest.mark.parametrize(("name", "rule"), [
    ("the app never imports the console",
     lambda m, t: not _within(m, ("admin",)) and _within(t, ("admin",))),
    ("only the web imports the web",
     lambda m, t: not _within(m, WEB) and m not in LATE_IMPORTERS and _within(t, WEB)),
    ("models import only models and the core",
     lambda m, t: _is_models(m) and not (_is_models(t) or _within(t, CORE))),
    ("the core imports only the core",
     lambda m, t: _within(m, CORE) and not _within(t, CORE)),
])
def test_dependencies_point_down(name, rule):
    assert _violations(rule) == [], name
