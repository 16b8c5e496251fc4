"""The dependency graph between the packages of app/, and any cycle between features.

    .venv/bin/python tools/imports.py            # each package -> the packages it imports
    .venv/bin/python tools/imports.py --modules  # each module -> the app modules it imports

Exit status 1 if feature packages import each other in a cycle: dependencies between
features run one way (STYLE.md, "Layout"). tests/core/test_imports.py uses the same
functions to keep attendee data out of reach of the features that must not see it.

Imports are read from the source with ``ast``; nothing is imported. Every import
statement counts, including those inside functions and under ``if TYPE_CHECKING``.
The graph is what a module *names*:

- ``from app.events import services`` is an import of ``app.events.services``;
- ``from app.models import Event`` is an import of ``app.models.event``, the module
  that app/models/__init__.py re-exports ``Event`` from, so code that uses events does
  not count as reaching ``app.models.rsvp`` (it would if it named ``Rsvp``);
- ``from app.rsvp import bp`` (a name defined in the package) is an import of ``app.rsvp``.

Features are the packages of app/ other than the shared layer (``SHARED_PACKAGES``);
plain modules (``app.pagecache``, ``app.web``...) are shared too. The package's own
``__init__`` (``create_app``) is the composition root: it imports every feature to
assemble the app, so ``reachable`` does not follow its imports.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_DIR = ROOT / "app"
# Packages every feature may use: models are the one shared layer (STYLE.md, "Layout").
SHARED_PACKAGES = frozenset({"models"})

Graph = dict[str, set[str]]


def discover(app_dir: Path) -> dict[str, Path]:
    """Every module under ``app_dir`` by dotted name (a package by its own name)."""
    top = app_dir.name
    modules: dict[str, Path] = {}
    for path in sorted(app_dir.rglob("*.py")):
        parts = [top, *path.relative_to(app_dir).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _longest_module(name: str, modules: Mapping[str, Path]) -> str | None:
    """``name`` or its longest prefix that is a module (``app.models.Event`` -> app.models)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _base_of(module: str, path: Path, level: int) -> str:
    """The package a relative import of ``level`` dots in ``module`` starts from."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return package


def _imported(module: str, path: Path) -> list[tuple[str, str | None]]:
    """(module named, imported name or None) for every import statement in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = _base_of(module, path, node.level)
                base = f"{package}.{base}" if base else package
            found.extend((base, alias.name) for alias in node.names)
    return found


def _reexports(package: str, path: Path, modules: Mapping[str, Path]) -> dict[str, str]:
    """Names a package's __init__ imports at its top level, and the module each comes from."""
    names: dict[str, str] = {}
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if not isinstance(node, ast.ImportFrom):
            continue
        base = node.module or ""
        if node.level:
            prefix = _base_of(package, path, node.level)
            base = f"{prefix}.{base}" if base else prefix
        for alias in node.names:
            target = _longest_module(f"{base}.{alias.name}", modules)
            if target is not None:
                names[alias.asname or alias.name] = target
    return names


def module_graph(app_dir: Path = APP_DIR) -> Graph:
    """Each module of the ``app_dir`` package -> the modules of that package it imports."""
    modules = discover(app_dir)
    top = app_dir.name
    reexports = {
        name: _reexports(name, path, modules)
        for name, path in modules.items()
        if path.name == "__init__.py"
    }
    graph: Graph = {}
    for module, path in modules.items():
        targets: set[str] = set()
        for base, name in _imported(module, path):
            if base != top and not base.startswith(top + "."):
                continue
            target: str | None = None
            if name is not None:
                target = _longest_module(f"{base}.{name}", modules)
                if target != f"{base}.{name}":
                    target = reexports.get(base, {}).get(name)
            target = target or _longest_module(base, modules)
            if target is not None and target != module:
                targets.add(target)
        graph[module] = targets
    return graph


def package_of(module: str) -> str:
    """The package (or plain module) of app/ a module belongs to: app.events.views -> events."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def features(app_dir: Path = APP_DIR) -> list[str]:
    """The feature packages: sub-packages of app/ outside the shared layer."""
    return sorted(
        path.parent.name
        for path in app_dir.glob("*/__init__.py")
        if path.parent.name not in SHARED_PACKAGES
    )


def package_graph(graph: Mapping[str, Iterable[str]]) -> Graph:
    """Each package of app/ -> the other packages (and plain modules) it imports."""
    packages: Graph = {}
    for module, targets in graph.items():
        source = package_of(module)
        packages.setdefault(source, set()).update(
            package_of(target) for target in targets if package_of(target) != source
        )
    return packages


def reachable(graph: Mapping[str, Iterable[str]], start: str) -> dict[str, list[str]]:
    """Every module ``start`` imports directly or through others, with one shortest path.

    The composition root (a top-level package such as ``app``) is reached but not
    followed: its imports assemble the app, they are nobody's dependency.
    """
    paths = {start: [start]}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        if "." not in current and current != start:
            continue
        for target in sorted(graph.get(current, ())):
            if target not in paths:
                paths[target] = [*paths[current], target]
                queue.append(target)
    del paths[start]
    return paths


def cycles(graph: Mapping[str, Iterable[str]], nodes: Iterable[str]) -> list[list[str]]:
    """One cycle (first node repeated at the end) per group of ``nodes`` importing each other.

    Only edges between ``nodes`` count: a cycle through a shared module is not one
    between features.
    """
    wanted = set(nodes)
    edges = {node: sorted(set(graph.get(node, ())) & wanted - {node}) for node in sorted(wanted)}
    found: list[list[str]] = []
    seen: set[str] = set()
    for node in sorted(wanted):
        if node in seen:
            continue
        back = {
            other: path for other, path in reachable(edges, node).items() if node in edges[other]
        }
        if not back:
            continue
        loop = min(back.values(), key=len)
        found.append([node, *loop[1:], node])
        seen.update(loop)
    return found


def _format_packages(graph: Graph, feature_names: list[str]) -> list[str]:
    lines = []
    shown = [name for name in graph if name in feature_names or name in SHARED_PACKAGES]
    width = max(len(name) for name in shown)
    for package in sorted(shown, key=lambda name: (name not in feature_names, name)):
        targets = graph[package]
        used = ", ".join(sorted(targets & set(feature_names))) or "-"
        shared = ", ".join(sorted(targets - set(feature_names)))
        lines.append(f"  {package:<{width}} -> {used}" + (f"   [{shared}]" if shared else ""))
    return lines


def main(argv: list[str] | None = None, app_dir: Path = APP_DIR) -> int:
    """Print the graph of the package at ``app_dir``; 1 if features import each other in a cycle."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", action="store_true", help="list modules, not packages")
    args = parser.parse_args(argv)
    graph = module_graph(app_dir)
    feature_names = features(app_dir)
    if args.modules:
        for module in sorted(graph):
            print(f"{module} -> {', '.join(sorted(graph[module])) or '-'}")
    else:
        print("Packages of app/ -> the feature packages they import   [shared modules]")
        print("\n".join(_format_packages(package_graph(graph), feature_names)))
    found = cycles(package_graph(graph), feature_names)
    for loop in found:
        print("cycle between features: " + " -> ".join(loop), file=sys.stderr)
    if not found:
        print("No cycle between feature packages.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
