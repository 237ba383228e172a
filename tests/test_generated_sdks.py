"""The provider's SDKs, written by Pulumi's own code generators, build and work.

The schema is the plugin's own (``schema_file``: what ``pulumi package get-schema
pulumi-resource-ecicache`` prints, derived from the models). Each SDK is generated
with ``scripts/sdkgen`` and then compiled the way its users would: ``tsc`` for
TypeScript, ``go build`` / ``go vet`` for Go, byte-compile and import for Python
(tests/support/sdks.py). A small program per language uses the resource, its
arguments and the lookup function, so a property that is missing, mistyped or wrongly
optional fails the build, not a user.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import sdks

pytestmark = [
    pytest.mark.sdk,
    pytest.mark.xdist_group("sdks"),  # the SDKs generated and built once (conftest.generated),
]

RESOURCE = "ecicache:index:ImageCache"
FUNCTION = "ecicache:index:getImageCaches"


@pytest.fixture(scope="session")
def schema(schema_file: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(schema_file.read_text())
    return result


def _refs(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield path, node
        for key, value in node.items():
            yield from _refs(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _refs(value, f"{path}/{i}")


# ---------------------------------------------------------------------------- checking


def test_the_schema_checks_clean(schema_file: Path, schema: dict[str, Any]) -> None:
    result = sdks.run_sdkgen("check", schema_file, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("no diagnostics")
    # What the SDKs below are expected to carry.
    assert RESOURCE in schema["resources"]
    assert FUNCTION in schema["functions"]
    inputs = schema["resources"][RESOURCE]["inputProperties"]
    assert {"imageCacheName", "images"} <= set(schema["resources"][RESOURCE]["requiredInputs"])
    assert inputs["zoneId"].get("willReplaceOnChanges") is True


def test_check_reports_a_reference_to_a_missing_type(
    schema: dict[str, Any], tmp_path: Path
) -> None:
    broken = copy.deepcopy(schema)
    where, ref = next(
        (p, r) for p, r in _refs(broken["resources"]) if r["$ref"].startswith("#/types/")
    )
    missing = f"{broken['name']}:index:NoSuchType"
    ref["$ref"] = f"#/types/{missing}"
    broken_file = tmp_path / "broken.json"
    broken_file.write_text(json.dumps(broken))

    result = sdks.run_sdkgen("check", broken_file, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if line.startswith("error: ")]
    assert any(missing in line and "not found" in line for line in errors), result.stdout
    assert "1 error(s), 0 warning(s)" in result.stdout

    # generate refuses it and writes nothing.
    out = tmp_path / "out"
    refused = sdks.run_sdkgen(
        "generate", broken_file, "--language", "python", "--out", out, check=False
    )
    assert refused.returncode == 1
    assert missing in refused.stderr
    assert not out.exists(), f"the broken $ref at {where} still produced files"


def test_check_warns_about_a_key_the_reader_drops(schema: dict[str, Any], tmp_path: Path) -> None:
    typo = copy.deepcopy(schema)
    typo["resources"][RESOURCE]["inputProperties"]["zoneId"]["willReplaceOnChange"] = True
    typo_file = tmp_path / "typo.json"
    typo_file.write_text(json.dumps(typo))

    result = sdks.run_sdkgen("check", typo_file, check=False)
    assert result.returncode == 1
    assert (
        f"warning: #/resources/{RESOURCE}/inputProperties/zoneId/willReplaceOnChange: "
        "unknown key, ignored when the schema is read"
    ) in result.stdout
    assert "0 error(s), 1 warning(s)" in result.stdout


def test_the_generators_follow_the_cli_release() -> None:
    """sdkgen's generators, the Go SDK's sdk/v3 and the TypeScript @pulumi/pulumi are
    the CLI's release: raising scripts/pulumi-cli-version must raise them too."""
    version = sdks.cli_version()
    gomod = (sdks.REPO / "sdkgen" / "go.mod").read_text()
    assert re.search(rf"github\.com/pulumi/pulumi/pkg/v3 v{re.escape(version)}\b", gomod)
    assert re.search(rf"github\.com/pulumi/pulumi/sdk/v3 v{re.escape(version)}\b", gomod)
    package = json.loads((sdks.NODE_TOOLCHAIN / "package.json").read_text())
    assert package["devDependencies"]["@pulumi/pulumi"] == version
    lock = json.loads((sdks.NODE_TOOLCHAIN / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@pulumi/pulumi"]["version"] == version


# -------------------------------------------------------------------------- TypeScript

TS_PROGRAM = """\
import * as pulumi from "@pulumi/pulumi";
import * as ecicache from "PACKAGE";

const provider = new ecicache.Provider("alibaba", {
    region: "cn-hangzhou",
    accessKey: "LTAI-example",
    secretKey: pulumi.secret("example-secret"),
    assumeRole: { roleArn: "acs:ram::123:role/deployer" },
});

const cache = new ecicache.ImageCache("web", {
    imageCacheName: "web",
    images: ["nginx:1.25", "redis:7.2"],
    zoneId: "cn-hangzhou-k",
    imageCacheSize: 40,
    retentionDays: 7,
    autoMatchImageCache: true,
    insecureRegistries: ["registry.internal:5000"],
    tags: { team: "web" },
    imageRegistryCredentials: [
        { server: "registry.example.com", userName: "deploy", password: pulumi.secret("pw") },
    ],
}, { provider });

export const id: pulumi.Output<string> = cache.imageCacheId;
export const status: pulumi.Output<string> = cache.status;
export const messages: pulumi.Output<string[]> =
    cache.events.apply(es => es.map(e => e.message ?? ""));
export const tags: pulumi.Output<{ [key: string]: string } | undefined> = cache.tags;

const ready: Promise<ecicache.GetImageCachesResult> = ecicache.getImageCaches({ status: "Ready" });
export const names: Promise<string[]> = ready.then(r => r.names);
export const sizes = ecicache.getImageCachesOutput({ image: "nginx:1.25" })
    .caches.apply(cs => cs.map(c => c.imageCacheSize));

// @ts-expect-error: images is a required input
new ecicache.ImageCache("no-images", { imageCacheName: "x" });
// @ts-expect-error: an image cache's size is a number
new ecicache.ImageCache("bad-size", { imageCacheName: "x", images: [], imageCacheSize: "big" });
"""


def test_without_npm_the_typescript_build_fails_saying_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No npm is a failure with the reason, never a skip (the suite runs in CI)."""
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(sdks.ToolchainError, match=r"node and npm are needed .* not on PATH"):
        sdks.node_modules()


def test_typescript_sdk_compiles(generated: Callable[[str], Path]) -> None:
    sdk = generated("nodejs")
    package = json.loads((sdk / "package.json").read_text())
    bin_dir = sdks.compile_nodejs_sdk(sdk, program=TS_PROGRAM.replace("PACKAGE", package["name"]))

    compiled = (bin_dir / "imageCache.js").read_text()
    assert f"'{RESOURCE}'" in compiled or f'"{RESOURCE}"' in compiled
    provider = (bin_dir / "provider.js").read_text()
    assert re.search(r"pulumi\.secret\(args\??\.secretKey\)", provider), provider
    declarations = (bin_dir / "imageCache.d.ts").read_text()
    assert "imageCacheName: pulumi.Input<string>;" in declarations
    assert "images: pulumi.Input<pulumi.Input<string>[]>;" in declarations
    assert (bin_dir / "getImageCaches.d.ts").exists()


def test_typescript_sdk_asks_for_the_plugin_of_the_schemas_version(
    schema_file: Path, schema: dict[str, Any], tmp_path: Path
) -> None:
    """The Node.js host reports the plugin version in the SDK's package.json to the
    engine: the schema's (``supportPack``), never a "${VERSION}" placeholder it refuses."""
    sdk = sdks.generate_sdk(schema_file, "nodejs", tmp_path / "nodejs")
    package = json.loads((sdk / "package.json").read_text())
    assert package["version"] == package["pulumi"]["version"] == schema["version"]


# --------------------------------------------------------------------------------- Go

GO_PROGRAM = """\
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	ecicache "IMPORT_PATH"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		provider, err := ecicache.NewProvider(ctx, "alibaba", &ecicache.ProviderArgs{
			Region:     pulumi.String("cn-hangzhou"),
			SecretKey:  pulumi.String("example-secret"),
			AssumeRole: &ecicache.ProviderAssumeRoleArgs{
				RoleArn: pulumi.String("acs:ram::123:role/deployer"),
			},
		})
		if err != nil {
			return err
		}
		cache, err := ecicache.NewImageCache(ctx, "web", &ecicache.ImageCacheArgs{
			ImageCacheName: pulumi.String("web"),
			Images:         pulumi.StringArray{pulumi.String("nginx:1.25")},
			ZoneId:         pulumi.String("cn-hangzhou-k"),
			RetentionDays:  pulumi.Int(7),
			Flash:          pulumi.Bool(true),
			Tags:           pulumi.StringMap{"team": pulumi.String("web")},
			ImageRegistryCredentials: ecicache.ImageCacheImageRegistryCredentialArray{
				ecicache.ImageCacheImageRegistryCredentialArgs{
					Server:   pulumi.String("registry.example.com"),
					UserName: pulumi.String("deploy"),
					Password: pulumi.String("pw"),
				},
			},
		}, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		ctx.Export("id", cache.ImageCacheId)
		ctx.Export("status", cache.Status)
		messages := cache.Events.ApplyT(func(events []ecicache.ImageCacheEvent) []string {
			out := make([]string, 0, len(events))
			for _, e := range events {
				if e.Message != nil {
					out = append(out, *e.Message)
				}
			}
			return out
		})
		ctx.Export("messages", messages)
		ready := &ecicache.GetImageCachesArgs{Status: pulumi.StringRef("Ready")}
		found, err := ecicache.GetImageCaches(ctx, ready)
		if err != nil {
			return err
		}
		ctx.Export("names", pulumi.ToStringArray(found.Names))
		return nil
	})
}
"""


def test_go_sdk_builds(generated: Callable[[str], Path]) -> None:
    sdk = generated("go")
    module_path, import_path = sdks.go_sdk_paths(sdk)
    built = sdks.build_go_sdk(
        sdk, programs={"program/main.go": GO_PROGRAM.replace("IMPORT_PATH", import_path)}
    )
    assert built == module_path

    gomod = (sdk / "go.mod").read_text()
    assert re.search(rf"github\.com/pulumi/pulumi/sdk/v3 v{re.escape(sdks.cli_version())}\n", gomod)
    root = sdk / import_path.removeprefix(module_path).strip("/")
    resource = (root / "imageCache.go").read_text()
    assert f'"{RESOURCE}"' in resource
    assert "pulumi.ToSecret(args.SecretKey)" in (root / "provider.go").read_text()


def test_go_sdk_is_a_module_of_its_own_of_the_schemas_version(
    schema_file: Path, schema: dict[str, Any], tmp_path: Path
) -> None:
    """The schema's ``supportPack``: the generator writes the SDK's go.mod (a program
    ``replace``s that module by the generated directory) and the version into it."""
    sdk = sdks.generate_sdk(schema_file, "go", tmp_path / "go")
    module_path, import_path = sdks.go_sdk_paths(sdk)
    assert import_path == schema["language"]["go"]["importBasePath"]
    module = re.search(r"^module (\S+)$", (sdk / "go.mod").read_text(), re.MULTILINE)
    assert module is not None and module.group(1) == module_path
    package = sdk / import_path.removeprefix(module_path).strip("/")
    assert json.loads((package / "pulumi-plugin.json").read_text())["version"] == schema["version"]


def test_go_sdk_of_a_schema_without_pack_support_gets_a_module(
    schema: dict[str, Any], tmp_path: Path
) -> None:
    """Without ``supportPack`` the generator writes no go.mod: the build writes one, its
    module path from the import path the code uses for its own internal package."""
    plain = copy.deepcopy(schema)
    del plain["meta"]["supportPack"]
    schema_copy = tmp_path / "plain.json"
    schema_copy.write_text(json.dumps(plain))
    sdk = sdks.generate_sdk(schema_copy, "go", tmp_path / "go")
    assert not (sdk / "go.mod").exists()

    module_path = sdks.build_go_sdk(sdk)
    assert schema["language"]["go"]["importBasePath"] == f"{module_path}/ecicache"
    gomod = (sdk / "go.mod").read_text()
    assert re.search(rf"github\.com/pulumi/pulumi/sdk/v3 v{re.escape(sdks.cli_version())}\n", gomod)


# ----------------------------------------------------------------------------- Python

PY_PROGRAM = """\
import inspect

import pulumi

import PACKAGE as sdk

seen = []
SECRET_SIG_KEY = pulumi.runtime.rpc._special_sig_key
SECRET_SIG = pulumi.runtime.rpc._special_secret_sig


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        seen.append((args.typ, args.inputs))
        if args.typ == "pulumi:providers:ecicache":
            return args.name + "-id", args.inputs
        state = {**args.inputs, "imageCacheId": "imc-123", "status": "Ready", "events": [
            {"type": "Normal", "message": "built"}]}
        return "imc-123", state

    def call(self, args):
        assert args.token == "FUNCTION", args.token
        assert args.args == {"status": "Ready"}, args.args
        return {"ids": ["imc-1"], "names": ["web"], "caches": []}


pulumi.runtime.set_mocks(Mocks(), preview=False)

params = inspect.signature(sdk.ImageCacheArgs.__init__).parameters
assert params["image_cache_name"].default is inspect.Parameter.empty
assert params["images"].default is inspect.Parameter.empty
assert params["zone_id"].default is None
try:
    sdk.ImageCacheArgs(image_cache_name="x")
except TypeError:
    pass
else:
    raise AssertionError("images should be required")


@pulumi.runtime.test
def check():
    cache = sdk.ImageCache(
        "web",
        image_cache_name="web",
        images=["nginx:1.25"],
        zone_id="cn-hangzhou-k",
        tags={"team": "web"},
        image_registry_credentials=[
            sdk.ImageCacheImageRegistryCredentialArgs(
                server="registry.example.com", user_name="deploy", password="pw"
            )
        ],
    )
    found = sdk.get_image_caches(status="Ready")
    assert found.names == ["web"], found.names

    def verify(values):
        cache_id, status, events = values
        typ, inputs = next(s for s in seen if s[0] == "RESOURCE")
        assert inputs["imageCacheName"] == "web", inputs
        assert inputs["zoneId"] == "cn-hangzhou-k", inputs
        credentials = inputs["imageRegistryCredentials"]  # sent as a secret, as the schema says
        assert credentials[SECRET_SIG_KEY] == SECRET_SIG, inputs
        assert credentials["value"][0]["userName"] == "deploy", inputs
        assert inputs["tags"] == {"team": "web"}, inputs
        assert cache_id == "imc-123"
        assert status == "Ready"
        assert events[0]["message"] == "built"  # a dict, or an output type (a dict too)

    return pulumi.Output.all(cache.image_cache_id, cache.status, cache.events).apply(verify)


check()
print("python SDK ok")
"""


def test_python_sdk_imports_and_registers(generated: Callable[[str], Path]) -> None:
    sdk = generated("python")
    package = sdks.python_package_name(sdk)
    program = (
        PY_PROGRAM.replace("PACKAGE", package)
        .replace("FUNCTION", FUNCTION)
        .replace("RESOURCE", RESOURCE)
    )
    assert sdks.check_python_sdk(sdk, program=program) == package
    assert (sdk / package / "py.typed").exists()
    provider = (sdk / package / "provider.py").read_text()
    assert "pulumi.Output.secret(secret_key)" in provider
    assert list((sdk / package).rglob("__pycache__/*.pyc"))
    installed = sdk.parent / f"{sdk.name}-site"
    assert (installed / package / "pulumi-plugin.json").exists()


# ------------------------------------------------------------------------------- .NET


def test_dotnet_sdk_is_generated(generated: Callable[[str], Path]) -> None:
    """Generated with pkg/v3 v3.228.0's .NET generator (the last in pkg/v3). Compiled
    only where a .NET SDK is on PATH: none is on the machines this was written on."""
    sdk = generated("dotnet")
    projects = list(sdk.glob("*.csproj"))
    assert len(projects) == 1
    assert "<PackageReference" in projects[0].read_text()
    resource = (sdk / "ImageCache.cs").read_text()
    assert f'"{RESOURCE}"' in resource
    credential = (sdk / "Inputs" / "ImageCacheImageRegistryCredentialArgs.cs").read_text()
    assert "Output.CreateSecret" in credential
    assert (sdk / "logo.png").read_bytes().startswith(b"\x89PNG")
    if sdks.dotnet_available():
        sdks.build_dotnet_sdk(sdk)
