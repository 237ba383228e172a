"""The layers hold: no import runs upward, the faces do not import each other, and no
modules import each other in a circle (docs/architecture.md draws the layers).

Read from the code itself (every import statement, at module level or inside a
function), so a new import that breaks the layering fails here, naming it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pulumi_eci_cache"

# Lowest first. A module may import its own layer and the layers below it. The two
# faces share a layer and may not import each other; the emulator is apart: it
# imports nothing of the provider's (tests/test_emulator_independence.py).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("ground", ("errors", "version")),
    ("rules", ("rules",)),
    ("cloud", ("cloud",)),
    ("lifecycle", ("lifecycle",)),
    ("engine", ("engine.log", "engine.status", "engine.failures", "engine")),
    ("faces", ("engine.dynamic", "engine.plugin", "provider")),
    ("program", ("program", "policy")),
    ("package", ("__init__", "__main__", "console")),
]
FACES = ("engine.dynamic", "engine.plugin")
# The one import that must run from the program to a face: a dynamic resource names
# its provider's class, which the SDK pickles into the state by reference.
ALLOWED = {("program.resource", "provider")}


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        name = ".".join(parts)
        if not name.startswith("emulator"):
            yield name, path


def imports(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """Every module of the package that ``name`` imports, with the line."""
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.startswith("pulumi_eci_cache"):
                target = node.module.removeprefix("pulumi_eci_cache").lstrip(".")
            else:
                continue
            candidates = [f"{target}.{a.name}".lstrip(".") for a in node.names] + [target]
            for candidate in candidates:
                if candidate and any(candidate == m for m, _ in MODULES):
                    yield candidate, node.lineno
                    break
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pulumi_eci_cache."):
                    yield alias.name.removeprefix("pulumi_eci_cache."), node.lineno


MODULES = list(modules())


def layer_of(name: str) -> tuple[int, str]:
    """The layer a module is on (the longest matching prefix wins)."""
    best: tuple[int, str, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and (
                best is None or len(prefix) > best[2]
            ):
                best = (index, prefix, len(prefix))
    if best is None:
        raise AssertionError(f"pulumi_eci_cache.{name} is on no layer: add it to LAYERS")
    return best[0], best[1]


EDGES = [
    (name, target, line, path)
    for name, path in MODULES
    for target, line in imports(name, path)
    if not target.startswith("emulator")
]


@pytest.mark.parametrize("name", [name for name, _ in MODULES])
def test_every_module_is_on_a_layer(name: str) -> None:
    layer_of(name)


def test_no_import_runs_upward() -> None:
    upward = []
    for name, target, line, path in EDGES:
        if (name, target) in ALLOWED:
            continue
        if layer_of(target)[0] > layer_of(name)[0]:
            upward.append(
                f"{path.relative_to(PACKAGE.parent)}:{line} imports {target} "
                f"({LAYERS[layer_of(target)[0]][0]}) from {LAYERS[layer_of(name)[0]][0]}"
            )
    assert not upward, "an import runs upward: " + "; ".join(upward)


def test_the_faces_do_not_import_each_other() -> None:
    crossing = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}"
        for name, target, line, path in EDGES
        for face in FACES
        if name.startswith(face) and any(target.startswith(o) for o in FACES if o != face)
    ]
    assert not crossing, "one face imports the other: " + "; ".join(crossing)


def test_no_modules_import_each_other_in_a_circle() -> None:
    graph: dict[str, set[str]] = {}
    for name, target, _, _ in EDGES:
        if target != name:
            graph.setdefault(name, set()).add(target)
    seen: set[str] = set()
    stack: list[str] = []

    def visit(node: str) -> None:
        if node in stack:
            circle = [*stack[stack.index(node) :], node]
            raise AssertionError("modules import each other in a circle: " + " -> ".join(circle))
        if node in seen:
            return
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            visit(target)
        stack.pop()
        seen.add(node)

    for node in sorted(graph):
        visit(node)
