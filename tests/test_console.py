"""``eci-cache import-file`` against the served emulator (real HTTP, the provider's
settings and credentials): the file it writes, what it says, how it fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_eci_cache.console import main
from pulumi_eci_cache.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    EmulatorServer,
)
from pulumi_eci_cache.rules.identity import IDENTITY_TAG

ENV = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
}


@pytest.fixture
def served() -> EmulatorServer:
    with EmulatorServer(build_seconds=0.1) as server:
        backend = server.backend
        backend.create_image_cache("cn-hangzhou", {"ImageCacheName": "web", "Images": ["a:1"]})
        backend.create_image_cache(
            "cn-hangzhou",
            {
                "ImageCacheName": "api",
                "Images": ["b:1"],
                "Tags": [{"Key": "team", "Value": "api"}],
            },
        )
        backend.create_image_cache(
            "cn-hangzhou",
            {
                "ImageCacheName": "ours",
                "Images": ["c:1"],
                "Tags": [{"Key": IDENTITY_TAG, "Value": "x"}],
            },
        )
        backend.create_image_cache("cn-shanghai", {"ImageCacheName": "far", "Images": ["d:1"]})
        yield server


def run(served: EmulatorServer, *args: str) -> int:
    return main(["import-file", "--region", "cn-hangzhou", "--endpoint", served.url, *args], ENV)


def test_it_writes_the_regions_caches_as_pulumis_import_file(
    served: EmulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "import.json"
    assert run(served, "--out", str(out)) == 0
    resources = json.loads(out.read_text())["resources"]
    assert sorted(r["name"] for r in resources) == ["api", "web"]
    assert {r["type"] for r in resources} == {"ecicache:index:ImageCache"}
    said = capsys.readouterr().err
    assert "2 image cache(s) of region cn-hangzhou" in said, said
    assert "1 left out: a Pulumi stack manages them" in said, said
    assert f"pulumi import --file {out}" in said, said


def test_without_out_the_file_goes_to_stdout(
    served: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(served, "--tag", "team=api") == 0
    resources = json.loads(capsys.readouterr().out)["resources"]
    assert [r["name"] for r in resources] == ["api"]


def test_a_bad_region_fails_in_one_sentence_naming_the_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["import-file", "--region", "CN HANGZHOU!!"], ENV)
    said = capsys.readouterr().err
    assert status == 1
    assert said.startswith('eci-cache import-file: --region = "CN HANGZHOU!!"'), said
    assert "Traceback" not in said and len(said.strip().splitlines()) == 1, said


def test_refused_credentials_fail_in_one_sentence(
    served: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**ENV, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "wrong"}
    status = main(["import-file", "--region", "cn-hangzhou", "--endpoint", served.url], env)
    said = capsys.readouterr().err
    assert status == 1
    assert "Traceback" not in said and len(said.strip().splitlines()) == 1, said
    assert "wrong" not in said
