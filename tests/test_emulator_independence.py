"""The emulator is an oracle: it imports none of the provider's code, nor a library's privates.

moto implements each service from its documentation, never from boto's code; likewise
a bug in the provider's ranking, image rules or signing must not also be in the
emulator that should catch it. Every module under pulumi_eci_cache/emulator/ is
parsed (ast, no import, no subprocess) and each import is resolved, relative ones
included, to the module it names.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import pulumi_eci_cache

PACKAGE = "pulumi_eci_cache"
EMULATOR_DIR = Path(pulumi_eci_cache.__file__).parent / "emulator"
ROOT = EMULATOR_DIR.parent.parent
# The provider's own packages and modules.
PROVIDER = frozenset(
    f"{PACKAGE}.{name}"
    for name in ("rules", "cloud", "lifecycle", "engine", "program", "errors", "provider")
)
WHY = "the emulator is the oracle the provider is tested against, so it must not share its code"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(path: Path) -> str:
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _resolve(package: str, module: str | None, level: int) -> str:
    """The absolute name of ``from <"." * level><module> import ...`` written in ``package``."""
    if level == 0:
        return module or ""
    base = package.split(".")
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imported_modules(source: str, path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in ``source``, the names taken from
    a package counted as modules too (``from pulumi_eci_cache import errors``), and
    ``importlib.import_module`` / ``__import__`` called with a literal name."""
    package = _package_of(path)
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(package, node.module, node.level)
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                name = first.value
                if name.startswith("."):
                    level = len(name) - len(name.lstrip("."))
                    name = _resolve(package, name.lstrip(".") or None, level)
                yield node.lineno, name


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in ("__import__", "import_module")
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def provider_imports(source: str, path: Path) -> list[str]:
    """One sentence per import of the provider's code in ``source`` (``from a.b import c``
    is reported as ``a.b`` when that is the provider's, as ``a.b.c`` when only it is)."""
    hits: dict[int, set[str]] = {}
    for line, module in imported_modules(source, path):
        if any(module == p or module.startswith(f"{p}.") for p in PROVIDER):
            hits.setdefault(line, set()).add(module)
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return [
        f"{where}:{line} imports {module}, but {WHY}."
        for line, modules in sorted(hits.items())
        for module in sorted(modules)
        if not any(module.startswith(f"{other}.") for other in modules)
    ]


def private_names(source: str, path: Path) -> list[str]:
    """One sentence per private name of a library the source reaches for: imported
    (``from lib import _x``), read off an imported module (``mod._x``), or fetched with
    ``getattr(mod, "__x")`` (how a module-level ``__name`` is reached)."""
    package = _package_of(path)
    tree = ast.parse(source, str(path))
    outside: set[str] = set()  # names bound to modules of other packages
    found = []
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path

    def private(name: str) -> bool:
        return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not alias.name.startswith(f"{PACKAGE}."):
                    outside.add(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(package, node.module, node.level)
            if module.startswith(PACKAGE) or module == "__future__":
                continue
            for alias in node.names:
                if private(alias.name):
                    found.append(f"{where}:{node.lineno} imports {module}.{alias.name}.")
                outside.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in outside
            and private(node.attr)
        ):
            found.append(f"{where}:{node.lineno} reads {node.value.id}.{node.attr}.")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in outside
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and private(node.args[1].value)
        ):
            found.append(f"{where}:{node.lineno} reads {node.args[0].id}.{node.args[1].value}.")
    return [f"{f[:-1]}, a private name of a library." for f in sorted(set(found))]


def emulator_modules() -> list[Path]:
    return sorted(EMULATOR_DIR.rglob("*.py"))


def test_the_emulator_imports_nothing_of_the_provider() -> None:
    found = [s for path in emulator_modules() for s in provider_imports(path.read_text(), path)]
    assert not found, "\n".join(found)


def test_the_emulator_uses_no_private_name_of_a_library() -> None:
    found = [s for path in emulator_modules() for s in private_names(path.read_text(), path)]
    assert not found, "\n".join(found)


def test_every_emulator_module_is_checked() -> None:
    names = {path.name for path in emulator_modules()}
    assert {"__init__.py", "models.py", "matching.py", "references.py", "signature.py"} <= names


MODELS = EMULATOR_DIR / "models.py"
INIT = EMULATOR_DIR / "__init__.py"


@pytest.mark.parametrize(
    ("source", "path", "module"),
    [
        ("from ..rules.images import canonical_or_raw", MODELS, "pulumi_eci_cache.rules.images"),
        ("from .. import errors", MODELS, "pulumi_eci_cache.errors"),
        ("from pulumi_eci_cache import provider", MODELS, "pulumi_eci_cache.provider"),
        ("import pulumi_eci_cache.cloud.client", MODELS, "pulumi_eci_cache.cloud.client"),
        ("from pulumi_eci_cache.lifecycle import x", MODELS, "pulumi_eci_cache.lifecycle"),
        ("from ..engine.plugin import schema", MODELS, "pulumi_eci_cache.engine.plugin"),
        ("from . import program", MODELS.parent.parent / "x.py", "pulumi_eci_cache.program"),
        ("from ..program.lookups import f", INIT, "pulumi_eci_cache.program.lookups"),
        (
            "import importlib\nimportlib.import_module('pulumi_eci_cache.rules.matching')",
            MODELS,
            "pulumi_eci_cache.rules.matching",
        ),
    ],
)
def test_each_way_of_importing_the_provider_is_caught(source: str, path: Path, module: str) -> None:
    [sentence] = provider_imports(source, path)
    assert f"imports {module}," in sentence
    assert sentence.startswith(str(path.relative_to(ROOT)))


@pytest.mark.parametrize(
    "source",
    [
        "from .references import identity",
        "from . import clock",
        "from pulumi_eci_cache.emulator.models import EciBackend",
        "from ..version import __version__",
        "import importlib\nimportlib.import_module('.mock', __name__)",
    ],
)
def test_the_emulators_own_modules_are_not_the_providers(source: str) -> None:
    assert provider_imports(source, MODELS) == []


@pytest.mark.parametrize(
    "source",
    [
        "from aliyunsdkcore.auth.composer import rpc_signature_composer as c\n"
        "f = getattr(c, '__compose_string_to_sign')",
        "import hmac\nhmac._hashopenssl",
        "from urllib.parse import _coerce_args",
    ],
)
def test_each_way_of_reaching_a_private_name_is_caught(source: str) -> None:
    [sentence] = private_names(source, MODELS)
    assert sentence.endswith("a private name of a library.")


def test_public_names_and_the_emulators_own_privates_are_fine() -> None:
    source = (
        "from aliyunsdkcore.auth.composer import rpc_signature_composer\n"
        "from .models import _new_id\n"
        "rpc_signature_composer.get_signed_url\n"
        "import json\njson.__name__\n"
    )
    assert private_names(source, MODELS) == []
