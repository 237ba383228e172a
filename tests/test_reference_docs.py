"""The API reference in docs/reference/ is the schema's, and current.

The pages are generated from the plugin's schema (pulumi_eci_cache/engine/plugin/
reference.py, ``make docs``); like the SDKs they are never edited by hand, so the first
test regenerates them in memory and fails, naming the stale files, when the committed
pages differ. The others read the generated pages as a user would: every input, setting
and function has its row or page, with its secrecy and replace rule.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic.alias_generators import to_snake

from pulumi_eci_cache.engine.plugin.reference import (
    EXAMPLES,
    current_pages,
    page_name,
    write_pages,
)
from pulumi_eci_cache.engine.plugin.schema import package_schema, token
from pulumi_eci_cache.rules.config import ProviderConfig
from pulumi_eci_cache.rules.constraints import constraints_of
from pulumi_eci_cache.rules.declaration import api_of
from pulumi_eci_cache.rules.model import ImageCacheSpec

DOCS = Path(__file__).resolve().parents[1] / "docs" / "reference"
PAGES = current_pages()
SCHEMA: dict[str, Any] = package_schema("0.0.0")
RESOURCE = SCHEMA["resources"][token("ImageCache")]


def stale_pages(root: Path, pages: dict[str, str]) -> list[str]:
    """The files under ``root`` that differ from ``pages``, are missing, or are no page."""
    on_disk = {path.name for path in root.glob("*.md")}
    differ = [
        name
        for name, text in pages.items()
        if name not in on_disk or (root / name).read_text() != text
    ]
    return sorted(differ + [name for name in on_disk if name not in pages])


def table(page: str, heading: str) -> dict[str, dict[str, str]]:
    """The table under ``heading`` (e.g. "## Inputs"): by property name, header -> cell."""
    text = PAGES[page].split(f"\n{heading}\n", 1)[1]
    lines = [line for line in text.split("\n\n#", 1)[0].splitlines() if line.startswith("|")]
    headers = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip("|"))]
        name = re.match(r"`([^`]+)`", cells[0])
        assert name, line
        rows[name.group(1)] = dict(zip(headers, cells, strict=True))
    return rows


def test_the_committed_reference_is_what_the_schema_generates() -> None:
    stale = stale_pages(DOCS, PAGES)
    assert not stale, f"docs/reference/ is stale ({', '.join(stale)}): run `make docs`"


def test_a_changed_missing_or_extra_page_counts_as_stale(tmp_path: Path) -> None:
    write_pages(tmp_path, PAGES)
    (tmp_path / "index.md").write_text("edited by hand\n")
    (tmp_path / "provider.md").unlink()
    (tmp_path / "old-function.md").write_text("a function since removed\n")
    assert stale_pages(tmp_path, PAGES) == ["index.md", "old-function.md", "provider.md"]


def test_writing_removes_the_pages_no_longer_generated(tmp_path: Path) -> None:
    (tmp_path / "old-function.md").write_text("a function since removed\n")
    write_pages(tmp_path, PAGES)
    assert stale_pages(tmp_path, PAGES) == []


def test_every_input_has_a_row_with_its_secrecy_and_replace_rule() -> None:
    rows = table(page_name("ImageCache"), "## Inputs")
    assert list(rows) == list(RESOURCE["inputProperties"])
    for name, spec in RESOURCE["inputProperties"].items():
        assert rows[name]["Secret"] == ("yes" if spec.get("secret") else "no"), name
        replaces = rows[name]["Replaces the cache"].startswith("yes")
        assert replaces == bool(spec.get("willReplaceOnChanges")), name


def test_zone_id_says_that_it_replaces_the_cache_and_why() -> None:
    reason = api_of(ImageCacheSpec.model_fields["zone_id"]).replace
    row = table(page_name("ImageCache"), "## Inputs")["zoneId"]
    assert row["Replaces the cache"] == f"yes: {reason}"


def test_the_registry_password_is_marked_secret() -> None:
    credential = table(page_name("ImageCache"), "### ImageCacheImageRegistryCredential")
    assert credential["password"]["Secret"] == "yes"
    assert credential["userName"]["Secret"] == "no"
    inputs = table(page_name("ImageCache"), "## Inputs")
    assert inputs["imageRegistryCredentials"]["Secret"] == "yes"


def test_a_row_names_the_input_as_python_spells_it_where_it_differs() -> None:
    rows = table(page_name("ImageCache"), "## Inputs")
    assert rows["imageCacheName"]["Name"] == "`imageCacheName`<br>Python: `image_cache_name`"
    assert rows["images"]["Name"] == "`images`"


def test_the_allowed_words_of_a_description_move_to_their_own_column() -> None:
    row = table(page_name("ImageCache"), "## Inputs")["imageCacheSize"]
    assert row["Allowed"] == "a whole number from 20 to 32768"
    assert "Allowed" not in row["Description"]


def test_a_rule_no_description_carries_comes_from_the_declaration() -> None:
    """The schema's description of ``region`` says nothing of its pattern; its ``Rule`` does."""
    assert "Allowed" not in SCHEMA["config"]["variables"]["region"]["description"]
    rule = constraints_of(ProviderConfig.model_fields["region"])["rule"]
    row = table("provider.md", "## Settings")["region"]
    assert row["Allowed"] == rule


def test_every_provider_setting_has_a_row() -> None:
    rows = table("provider.md", "## Settings")
    assert list(rows) == list(SCHEMA["config"]["variables"])
    assert list(rows) == list(SCHEMA["provider"]["inputProperties"])
    assert rows["secretKey"]["Secret"] == "yes"


def test_every_function_has_a_page_with_its_inputs_and_outputs() -> None:
    for function_token, spec in SCHEMA["functions"].items():
        page = page_name(function_token)
        assert list(table(page, "## Inputs")) == list(spec["inputs"]["properties"])
        assert list(table(page, "## Outputs")) == list(spec["outputs"]["properties"])


def test_the_index_links_every_page() -> None:
    links = set(re.findall(r"\]\(([a-z-]+\.md)\)", PAGES["index.md"]))
    assert links == set(PAGES) - {"index.md"}


def test_each_example_spells_every_input_the_way_its_language_does() -> None:
    for call_token, example in EXAMPLES.items():
        blocks = dict(re.findall(r"```(\w+)\n(.*?)```", PAGES[page_name(call_token)], re.S))
        for name in example.inputs:
            assert f"{name}: " in blocks["typescript"], (call_token, name)
            assert f"{to_snake(name)}=" in blocks["python"], (call_token, name)
            assert f"{name[0].upper()}{name[1:]}:" in blocks["go"], (call_token, name)
            assert f"{name}:" in blocks["yaml"], (call_token, name)


def test_a_secret_example_value_is_read_from_config_as_a_secret() -> None:
    blocks = dict(re.findall(r"```(\w+)\n(.*?)```", PAGES[page_name("ImageCache")], re.S))
    assert 'password: config.requireSecret("registryPassword")' in blocks["typescript"]
    assert 'password=config.require_secret("registryPassword")' in blocks["python"]
    assert 'Password: cfg.RequireSecret("registryPassword")' in blocks["go"]
    assert "registryPassword:\n    type: string\n    secret: true" in blocks["yaml"]
