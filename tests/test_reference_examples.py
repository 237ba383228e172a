"""The examples of the API reference (docs/reference/) build against the generated SDKs.

tests/test_reference_docs.py holds the pages to the schema; here the TypeScript, Go and
Python examples on them are compiled the way their users would (``tsc`` strict, ``go
build`` and ``go vet``, the Python SDK's own signatures), so a name or a type that the
generator writes wrongly fails here, not in a user's program.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_eci_cache.engine.plugin.reference import current_pages
from tests.support import sdks

pytestmark = [
    pytest.mark.sdk,
    pytest.mark.xdist_group("sdks"),  # the SDKs generated and built once (conftest.generated),
]

PAGES = current_pages()


def examples(language: str) -> dict[str, str]:
    """Each page's example in ``language`` (the fence's name), by page stem."""
    found = {}
    for page, text in PAGES.items():
        for fence, code in re.findall(r"```(\w+)\n(.*?)```", text, re.S):
            if fence == language:
                found[page.removesuffix(".md")] = code
    assert found, f"no {language} example on any page"
    return found


def test_the_typescript_examples_type_check(typescript_package: Path, tmp_path: Path) -> None:
    program = tmp_path / "typescript"
    program.mkdir()
    shutil.copyfile(
        sdks.REPO / "examples" / "typescript" / "tsconfig.json", program / "tsconfig.json"
    )
    files = []
    for stem, code in examples("typescript").items():
        (program / f"{stem}.ts").write_text(code)
        files.append(f"{stem}.ts")
    tsconfig = json.loads((program / "tsconfig.json").read_text())
    (program / "tsconfig.json").write_text(json.dumps({**tsconfig, "files": files}))
    name = json.loads((typescript_package / "package.json").read_text())["name"]
    sdks.typecheck_nodejs_program(program, {name: typescript_package})


def test_the_go_examples_build_and_vet(generated: Callable[[str], Path], tmp_path: Path) -> None:
    program = tmp_path / "go"
    program.mkdir()
    shutil.copyfile(sdks.REPO / "examples" / "go" / "go.mod", program / "go.mod")
    for stem, code in examples("go").items():
        (program / stem).mkdir()
        (program / stem / "main.go").write_text(code)
    sdks.use_go_sdk(program, generated("go"))
    sdks.run_go(["build", "./..."], program)
    sdks.run_go(["vet", "./..."], program)


# Run with the SDK installed: every `ecicache.<name>(...)` of an example names something
# the SDK has, with keywords its signature takes (a resource's are its Args class's).
_CHECK = """
import ast, inspect, json
sdk = {package}
checked = 0
for source in json.loads({sources!r}):
    for node in ast.walk(ast.parse(source)):
        func = getattr(node, "func", None)
        if not (isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "ecicache"):
            continue
        target = getattr(sdk, func.attr)
        target = getattr(sdk, func.attr + "Args", target)
        accepted = inspect.signature(target).parameters
        unknown = [k.arg for k in node.keywords if k.arg not in accepted]
        assert not unknown, f"{{func.attr}} takes no {{unknown}}"
        checked += 1
assert checked, "no ecicache call in the examples"
"""


def test_the_python_examples_name_what_the_sdk_has(generated: Callable[[str], Path]) -> None:
    sources = list(examples("python").values())
    for source in sources:
        ast.parse(source)  # each is a whole program
    sdk = generated("python")
    package = sdks.python_package_name(sdk)
    program = _CHECK.format(package=package, sources=json.dumps(sources))
    assert sdks.check_python_sdk(sdk, program=program) == package
