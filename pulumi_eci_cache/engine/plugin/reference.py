"""The API reference in docs/reference/, written from the plugin's own schema.

A page for the ``ImageCache`` resource, one per function, one for the provider's
settings, and an index. Every row of an input says its name in each language (camelCase
for TypeScript, Go and YAML, snake_case for Python), its type, whether it is required,
its description, what it allows, whether a change replaces the cache and why, and
whether it is secret; outputs come with their descriptions; each resource and function
has an example in TypeScript, Python, Go and YAML, all written from one example value
set (``EXAMPLES``).

Why a generator of our own and not Pulumi's (pkg/codegen/docs): that one writes the
Pulumi Registry's pages, Hugo templates full of shortcodes (``{{< chooser >}}``,
``{{% choosable %}}``) and front matter, which read as noise on GitHub or in an editor;
it is Go, so it would run through sdkgen/; its "constructor syntax" is PCL with
placeholder values (``"string"``, ``0``) handed to each language's program generator,
and real examples must be written by hand into the schema's descriptions. And it
knows only what the schema says: ``willReplaceOnChanges`` but not the reason, and no
rule for a setting whose description lacks one (a region id, an ARN). A small pure
generator covers our one resource and two functions.

Where each fact comes from: the schema (``schema_json``: names, types, required,
descriptions with their "Allowed:" sentence, ``secret``, ``willReplaceOnChanges``);
the declarations, through ``declared_notes``: the reason a change replaces (``Api.replace``)
and, where a description has no "Allowed:", the rule declared on the field
(``constraints_of``: a ``Rule``'s words, a number's bounds). Nothing is written twice.

Pure (schema in, ``{path: markdown}`` out) but for ``write_pages`` and ``main``
(``make docs``); tests/test_reference_docs.py fails when docs/reference/ falls behind,
and tests/test_reference_examples.py builds the examples against the generated SDKs.
"""

from __future__ import annotations

import json
import re
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.alias_generators import to_camel, to_snake

from pulumi_eci_cache.rules.config import ProviderConfig
from pulumi_eci_cache.rules.constraints import constraints_of, rule_words
from pulumi_eci_cache.rules.declaration import api_of
from pulumi_eci_cache.rules.model import ImageCacheSpec
from pulumi_eci_cache.rules.secrets import models_in
from pulumi_eci_cache.version import VERSION

from .schema import RESOURCE, schema_json, token

__all__ = [
    "CONFIG",
    "EXAMPLES",
    "Example",
    "FromConfig",
    "Notes",
    "declared_notes",
    "main",
    "page_name",
    "reference_pages",
    "write_pages",
]

# The owner of the provider's settings in ``Notes`` (the schema's ``config`` section).
CONFIG = "config"
ALLOWED = " Allowed: "


@dataclass(frozen=True)
class FromConfig:
    """An example value the program reads from its stack config as a secret."""

    key: str


@dataclass(frozen=True)
class Example:
    """A resource's or function's example: the variable, the inputs (camelCase, as the
    schema spells them) and the outputs the program exports."""

    name: str
    inputs: Mapping[str, Any]
    exports: tuple[str, ...]


# The one example value set: every language's example is written from it.
EXAMPLES: Mapping[str, Example] = {
    token(RESOURCE): Example(
        "web",
        {
            "imageCacheName": "web",
            "images": ["nginx:1.25", "registry.example.com/team/app:1.4"],
            "retentionDays": 7,
            "tags": {"team": "web"},
            "imageRegistryCredentials": [
                {
                    "server": "registry.example.com",
                    "userName": "deploy",
                    "password": FromConfig("registryPassword"),
                }
            ],
        },
        ("imageCacheId", "status"),
    ),
    token("getImageCaches"): Example(
        "ready", {"imageCacheName": "web", "status": "Ready"}, ("ids",)
    ),
    token("rankImageCaches"): Example(
        "ranked", {"images": ["nginx:1.25", "redis:7.2"], "perfectMatch": True}, ("items",)
    ),
}
# The provider's settings in the example of the provider page (`pulumi config set`).
PROVIDER_EXAMPLE: Mapping[str, Any] = {
    "region": "cn-hangzhou",
    "accessKey": "LTAI...",
    "secretKey": FromConfig("secretKey"),
    "assumeRole": {"roleArn": "acs:ram::2222000000000000:role/builder"},
}


@dataclass(frozen=True)
class Notes:
    """What the schema does not say, from the declarations: by (owner, property), where
    the owner is the resource's token, a type's token or ``CONFIG``."""

    replace: Mapping[tuple[str, str], str] = field(default_factory=dict)
    allowed: Mapping[tuple[str, str], str] = field(default_factory=dict)


def _ref(spec: Mapping[str, Any]) -> str | None:
    """The type token a property refers to (itself, or its items), if any."""
    target = spec.get("$ref") or spec.get("items", {}).get("$ref")
    return str(target).removeprefix("#/types/") if target else None


def declared_notes(schema: Mapping[str, Any]) -> Notes:
    """Replace reasons and declared rules of the resource's inputs and the provider's
    settings, nested types included, walking each model beside its schema section."""
    replace: dict[tuple[str, str], str] = {}
    allowed: dict[tuple[str, str], str] = {}

    def walk(owner: str, properties: Mapping[str, Any], model: type[BaseModel]) -> None:
        fields = {to_camel(name): info for name, info in model.model_fields.items()}
        for name, spec in properties.items():
            info = fields[name]
            if reason := api_of(info).replace:
                replace[owner, name] = reason
            said = constraints_of(info)
            words = [said["rule"]] if "rule" in said else []
            bounds = rule_words("greater_than", said).removeprefix("must be ")
            words += [bounds] if bounds else []
            if words:
                allowed[owner, name] = ": ".join(words)
            nested, target = models_in(info.annotation), _ref(spec)
            if nested and target:
                walk(target, schema["types"][target]["properties"], nested[0])

    resource = token(RESOURCE)
    walk(resource, schema["resources"][resource]["inputProperties"], ImageCacheSpec)
    walk(CONFIG, schema["config"]["variables"], ProviderConfig)
    return Notes(replace, allowed)


# ------------------------------------------------------------------------------ names


def page_name(token_or_name: str) -> str:
    """``ecicache:index:getImageCaches`` -> ``get-image-caches.md``."""
    return to_snake(token_or_name.rsplit(":", 1)[-1]).replace("_", "-") + ".md"


def _short(type_token: str) -> str:
    return type_token.rsplit(":", 1)[-1]


def _title(name: str) -> str:
    """Go's spelling of a property or function: the first letter in capitals."""
    return name[:1].upper() + name[1:]


@dataclass(frozen=True)
class _Package:
    """How each language names the package (from the schema's ``language`` section)."""

    name: str
    npm: str
    python: str
    go: str

    @classmethod
    def of(cls, schema: Mapping[str, Any]) -> _Package:
        language = schema["language"]
        return cls(
            schema["name"],
            language["nodejs"]["packageName"],
            language["python"]["packageName"],
            language["go"]["importBasePath"],
        )


# ---------------------------------------------------------------------------- tables


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell (no pipes, no line breaks, no stray tags)."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _split_allowed(description: str) -> tuple[str, str]:
    """A schema description and its "Allowed:" sentence, apart."""
    text, sep, rule = description.partition(ALLOWED)
    return text.strip(), rule.strip().removesuffix(".") if sep else ""


def _type_words(spec: Mapping[str, Any]) -> str:
    if target := spec.get("$ref"):
        name = _short(str(target))
        return f"[{name}](#{name.lower()})"
    kind = str(spec.get("type"))
    if kind == "array":
        return f"list of {_type_words(spec['items'])}"
    if kind == "object" and "additionalProperties" in spec:
        return f"map of {_type_words(spec['additionalProperties'])}"
    return kind


def _name_cell(name: str) -> str:
    snake = to_snake(name)
    return f"`{name}`" if snake == name else f"`{name}`<br>Python: `{snake}`"


def _table(headers: Sequence[str], rows: Iterator[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _property_table(
    owner: str,
    properties: Mapping[str, Any],
    required: Sequence[str],
    notes: Notes,
    replaces: bool = False,
) -> str:
    """A row per property: names, type, required, description, allowed, (replace,) secret."""
    headers = ["Name", "Type", "Required", "Description", "Allowed"]
    headers += ["Replaces the cache"] if replaces else []
    headers += ["Secret"]

    def rows() -> Iterator[list[str]]:
        for name, spec in properties.items():
            text, rule = _split_allowed(str(spec.get("description", "")))
            rule = rule or notes.allowed.get((owner, name), "")
            row = [_name_cell(name), _type_words(spec), _yes(name in required), _cell(text)]
            row.append(_cell(rule))
            if replaces:
                reason = notes.replace.get((owner, name), "")
                if spec.get("willReplaceOnChanges"):
                    row.append(_cell(f"yes: {reason}" if reason else "yes"))
                else:
                    row.append("no")
            row.append(_yes(bool(spec.get("secret"))))
            yield row

    return _table(headers, rows())


def _output_table(properties: Mapping[str, Any]) -> str:
    return _table(
        ["Name", "Type", "Description"],
        (
            [_name_cell(name), _type_words(spec), _cell(str(spec.get("description", "")))]
            for name, spec in properties.items()
        ),
    )


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _types_used(schema: Mapping[str, Any], properties: Iterator[Mapping[str, Any]]) -> list[str]:
    """The object types the properties refer to, nested ones too, in order of appearance."""
    found: list[str] = []

    def visit(spec: Mapping[str, Any]) -> None:
        target = _ref(spec)
        if target and target not in found:
            found.append(target)
            for nested in schema["types"][target]["properties"].values():
                visit(nested)

    for spec in properties:
        visit(spec)
    return found


def _types_section(
    schema: Mapping[str, Any], inputs: Mapping[str, Any], outputs: Mapping[str, Any], notes: Notes
) -> list[str]:
    """The object types a page's properties refer to: those of inputs with every column,
    those only of outputs with their descriptions."""
    of_inputs = _types_used(schema, iter(inputs.values()))
    of_outputs = [t for t in _types_used(schema, iter(outputs.values())) if t not in of_inputs]
    parts = ["## Types"] if of_inputs or of_outputs else []
    for target in [*of_inputs, *of_outputs]:
        spec = schema["types"][target]
        parts.append(f"### {_short(target)}")
        parts.append(_cell(str(spec.get("description", ""))))
        if target in of_inputs:
            required = spec.get("required", ())
            parts.append(_property_table(target, spec["properties"], required, notes))
        else:
            parts.append(_output_table(spec["properties"]))
    return parts


# -------------------------------------------------------------------------- examples


@dataclass(frozen=True)
class _Call:
    """One example: a resource made or a function called, and what it exports."""

    kind: Literal["resource", "function"]
    name: str  # ImageCache, getImageCaches
    example: Example
    properties: Mapping[str, Any]  # the schema's input properties of the call


def _secrets_in(value: Any) -> list[str]:
    if isinstance(value, FromConfig):
        return [value.key]
    if isinstance(value, Mapping):
        return [key for item in value.values() for key in _secrets_in(item)]
    if isinstance(value, list):
        return [key for item in value for key in _secrets_in(item)]
    return []


def _scalar(value: Any, true: str, false: str) -> str | None:
    """A scalar as most languages write it (strings as JSON does); None for others."""
    if isinstance(value, bool):
        return true if value else false
    if isinstance(value, (int, float, str)):
        return json.dumps(value)
    return None


class _Writer(ABC):
    """The syntax of one language's values: each language below fills in the parts."""

    indent = "    "
    true, false = "true", "false"

    def __init__(self, schema: Mapping[str, Any], package: _Package) -> None:
        self.schema, self.package = schema, package

    def value(self, value: Any, spec: Mapping[str, Any], depth: int) -> str:
        if isinstance(value, FromConfig):
            return self.secret(value.key)
        scalar = _scalar(value, self.true, self.false)
        if scalar is not None:
            return self.wrap_scalar(scalar, spec)
        if isinstance(value, list):
            return self.array([self.value(v, spec["items"], depth + 1) for v in value], spec, depth)
        target = spec.get("$ref")
        if target:
            name = str(target).removeprefix("#/types/")
            props = self.schema["types"][name]["properties"]
            return self.object(name, self.fields(value, props, depth + 1), depth)
        items = {
            k: self.value(v, spec["additionalProperties"], depth + 1) for k, v in value.items()
        }
        return self.mapping(items, spec, depth)

    def fields(self, value: Mapping[str, Any], props: Mapping[str, Any], depth: int) -> list[str]:
        return [self.field(k, self.value(v, props[k], depth)) for k, v in value.items()]

    def lines(self, parts: Sequence[str], depth: int, open_: str, close: str) -> str:
        pad = self.indent * (depth + 1)
        body = "".join(f"{pad}{part},\n" for part in parts)
        return f"{open_}\n{body}{self.indent * depth}{close}"

    # The parts each language writes its own way.
    @abstractmethod
    def secret(self, key: str) -> str: ...

    def wrap_scalar(self, text: str, spec: Mapping[str, Any]) -> str:
        return text

    def array(self, items: list[str], spec: Mapping[str, Any], depth: int) -> str:
        if all("\n" not in item for item in items):
            return "[" + ", ".join(items) + "]"
        return self.lines(items, depth, "[", "]")

    @abstractmethod
    def mapping(self, items: Mapping[str, str], spec: Mapping[str, Any], depth: int) -> str: ...

    @abstractmethod
    def object(self, target: str, fields: list[str], depth: int) -> str: ...

    @abstractmethod
    def field(self, name: str, text: str) -> str: ...

    @abstractmethod
    def program(self, call: _Call) -> str: ...


class _TypeScript(_Writer):
    def secret(self, key: str) -> str:
        return f"config.requireSecret({json.dumps(key)})"

    def mapping(self, items: Mapping[str, str], spec: Mapping[str, Any], depth: int) -> str:
        return (
            "{ "
            + ", ".join(
                f"{k if k.isidentifier() else json.dumps(k)}: {v}" for k, v in items.items()
            )
            + " }"
        )

    def object(self, target: str, fields: list[str], depth: int) -> str:
        return self.lines(fields, depth, "{", "}")

    def field(self, name: str, text: str) -> str:
        return f"{name}: {text}"

    def program(self, call: _Call) -> str:
        example = call.example
        head = [f'import * as {self.package.name} from "{self.package.npm}";']
        if _secrets_in(example.inputs):
            head = [
                'import * as pulumi from "@pulumi/pulumi";',
                *head,
                "",
                "const config = new pulumi.Config();",
            ]
        args = self.object("", self.fields(example.inputs, call.properties, 1), 0)
        if call.kind == "resource":
            made = f'new {self.package.name}.{call.name}("{example.name}", {args});'
        else:
            made = f"{self.package.name}.{call.name}Output({args});"
        exports = [f"export const {out} = {example.name}.{out};" for out in example.exports]
        return "\n".join([*head, "", f"const {example.name} = {made}", *exports]) + "\n"


class _Python(_Writer):
    true, false = "True", "False"

    def secret(self, key: str) -> str:
        return f"config.require_secret({json.dumps(key)})"

    def mapping(self, items: Mapping[str, str], spec: Mapping[str, Any], depth: int) -> str:
        return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in items.items()) + "}"

    def object(self, target: str, fields: list[str], depth: int) -> str:
        return self.lines(fields, depth, f"{self.package.name}.{_short(target)}Args(", ")")

    def field(self, name: str, text: str) -> str:
        return f"{to_snake(name)}={text}"

    def program(self, call: _Call) -> str:
        example, pkg = call.example, self.package.name
        head = ["import pulumi", f"import {self.package.python} as {pkg}", ""]
        if _secrets_in(example.inputs):
            head.append("config = pulumi.Config()")
        fields = self.fields(example.inputs, call.properties, 1)
        if call.kind == "resource":
            made = self.lines([json.dumps(example.name), *fields], 0, f"{pkg}.{call.name}(", ")")
        else:
            made = self.lines(fields, 0, f"{pkg}.{to_snake(call.name)}_output(", ")")
        exports = [
            f"pulumi.export({json.dumps(out)}, {example.name}.{to_snake(out)})"
            for out in example.exports
        ]
        return "\n".join([*head, f"{example.name} = {made}", *exports]) + "\n"


class _Go(_Writer):
    indent = "\t"
    _SCALARS: Mapping[str, str] = {
        "string": "String",
        "integer": "Int",
        "number": "Float64",
        "boolean": "Bool",
    }

    def secret(self, key: str) -> str:
        return f"cfg.RequireSecret({json.dumps(key)})"

    def wrap_scalar(self, text: str, spec: Mapping[str, Any]) -> str:
        return f"pulumi.{self._SCALARS[spec['type']]}({text})"

    def array(self, items: list[str], spec: Mapping[str, Any], depth: int) -> str:
        element = spec["items"]
        if target := element.get("$ref"):
            kind = f"{self.package.name}.{_short(str(target))}Array"
        else:
            kind = f"pulumi.{self._SCALARS[element['type']]}Array"
        if all("\n" not in item for item in items):
            return kind + "{" + ", ".join(items) + "}"
        return self.lines(items, depth, kind + "{", "}")

    def mapping(self, items: Mapping[str, str], spec: Mapping[str, Any], depth: int) -> str:
        kind = f"pulumi.{self._SCALARS[spec['additionalProperties']['type']]}Map"
        return kind + "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in items.items()) + "}"

    def object(self, target: str, fields: list[str], depth: int) -> str:
        return self.lines(
            _aligned(fields), depth, f"{self.package.name}.{_short(target)}Args{{", "}"
        )

    def field(self, name: str, text: str) -> str:
        return f"{_title(name)}: {text}"

    def program(self, call: _Call) -> str:
        example, pkg = call.example, self.package.name
        imports = [f'"{self.package.go}"', '"github.com/pulumi/pulumi/sdk/v3/go/pulumi"']
        body = []
        if _secrets_in(example.inputs):
            imports.append('"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"')
            body.append('cfg := config.New(ctx, "")')
        fields = _aligned(self.fields(example.inputs, call.properties, 3))
        if call.kind == "resource":
            args = self.lines(fields, 2, f"&{pkg}.{call.name}Args{{", "})")
            body += [
                f'{example.name}, err := {pkg}.New{call.name}(ctx, "{example.name}", {args}',
                "if err != nil {\n\t\t\treturn err\n\t\t}",
            ]
        else:
            name = _title(call.name)
            args = self.lines(fields, 2, f"{pkg}.{name}OutputArgs{{", "})")
            body.append(f"{example.name} := {pkg}.{name}Output(ctx, {args}")
        for out in example.exports:
            value = f"{example.name}.{_title(out)}" + ("" if call.kind == "resource" else "()")
            body.append(f"ctx.Export({json.dumps(out)}, {value})")
        body.append("return nil")
        lines = [
            "package main",
            "",
            "import (",
            *(f"\t{line}" for line in imports),
            ")",
            "",
            "func main() {",
            "\tpulumi.Run(func(ctx *pulumi.Context) error {",
            *(f"\t\t{line}" for line in body),
            "\t})",
            "}",
        ]
        return "\n".join(lines) + "\n"


def _aligned(fields: list[str]) -> list[str]:
    """gofmt's alignment: the values of consecutive one-line fields start in one column."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        width = max((len(f.split(": ", 1)[0]) for f in run), default=0)
        out.extend(f"{k + ':':<{width + 1}} {v}" for k, v in (f.split(": ", 1) for f in run))
        run.clear()

    for item in fields:
        if "\n" in item:
            flush()
            out.append(item)
        else:
            run.append(item)
    flush()
    return out


class _Yaml(_Writer):
    indent = "  "

    def secret(self, key: str) -> str:
        return "${" + key + "}"

    def mapping(self, items: Mapping[str, str], spec: Mapping[str, Any], depth: int) -> str:
        return self.object("", [f"{k}: {v}" for k, v in items.items()], depth)

    def wrap_scalar(self, text: str, spec: Mapping[str, Any]) -> str:
        """A string plain where YAML reads it back as that string, else quoted."""
        plain = text[1:-1] if text.startswith('"') else ""
        words = ("true", "false", "yes", "no", "on", "off", "null")
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9.-]*", plain) and plain.lower() not in words:
            return plain
        return text

    def array(self, items: list[str], spec: Mapping[str, Any], depth: int) -> str:
        if all("\n" not in item for item in items):
            return "[" + ", ".join(items) + "]"
        pad = self.indent * (depth + 1)
        return "".join(f"\n{pad}- " + item.lstrip("\n").lstrip() for item in items)

    def object(self, target: str, fields: list[str], depth: int) -> str:
        pad = self.indent * (depth + 1)
        return "".join(f"\n{pad}{item}" for item in fields)

    def field(self, name: str, text: str) -> str:
        return f"{name}:{'' if text.startswith(chr(10)) else ' '}{text}"

    def program(self, call: _Call) -> str:
        example = call.example
        parts = []
        secrets = _secrets_in(example.inputs)
        if secrets:
            parts.append("config:")
            parts += [f"  {key}:\n    type: string\n    secret: true" for key in secrets]
        if call.kind == "resource":
            args = self.object("", self.fields(example.inputs, call.properties, 3), 2)
            parts.append(
                f"resources:\n  {example.name}:\n    type: {self.package.name}:{call.name}"
            )
            parts.append(f"    properties:{args}")
        else:
            args = self.object("", self.fields(example.inputs, call.properties, 4), 3)
            parts.append(f"variables:\n  {example.name}:\n    fn::invoke:")
            parts.append(f"      function: {token(call.name)}\n      arguments:{args}")
        parts.append("outputs:")
        parts += [f"  {out}: ${{{example.name}.{out}}}" for out in example.exports]
        return "\n".join(parts) + "\n"


_LANGUAGES: Mapping[str, tuple[str, type[_Writer]]] = {
    "TypeScript": ("typescript", _TypeScript),
    "Python": ("python", _Python),
    "Go": ("go", _Go),
    "YAML": ("yaml", _Yaml),
}


def _examples(schema: Mapping[str, Any], call: _Call) -> list[str]:
    parts = ["## Example"]
    package = _Package.of(schema)
    for title, (fence, writer) in _LANGUAGES.items():
        parts.append(f"### {title}\n\n```{fence}\n{writer(schema, package).program(call)}```")
    return parts


# ----------------------------------------------------------------------------- pages

_FOOTER = (
    "_Written by `make docs` from the plugin's schema "
    "(pulumi_eci_cache/engine/plugin/reference.py); edit the models, not this page._"
)


def _page(parts: Sequence[str]) -> str:
    return "\n\n".join([*parts, _FOOTER]) + "\n"


def _call_page(
    schema: Mapping[str, Any],
    call: _Call,
    spec: Mapping[str, Any],
    names: str,
    inputs_table: Sequence[str],
    outputs: Mapping[str, Any],
    notes: Notes,
) -> str:
    """A resource's or function's page: what it is, what each language calls it, the
    examples, the inputs, the outputs and the object types they refer to."""
    return _page(
        [
            f"# {call.name}",
            _cell(spec["description"]),
            f"{names} [Index](index.md)",
            *_examples(schema, call),
            "## Inputs",
            *inputs_table,
            "## Outputs",
            _output_table(outputs),
            *_types_section(schema, call.properties, outputs, notes),
        ]
    )


def _resource_page(schema: Mapping[str, Any], notes: Notes) -> str:
    resource_token = token(RESOURCE)
    spec = schema["resources"][resource_token]
    inputs = spec["inputProperties"]
    outputs = {k: v for k, v in spec["properties"].items() if k not in inputs}
    pkg = _Package.of(schema).name
    names = (
        f"Type token `{resource_token}` (in YAML `type: {pkg}:{RESOURCE}`); "
        f"`{pkg}.{RESOURCE}` in TypeScript and Python, `{pkg}.New{RESOURCE}` in Go. Every "
        "input is an output too; the outputs below are those besides them."
    )
    table = [
        "An input whose change replaces the cache says why; the others change in place "
        "(or only steer the provider).",
        _property_table(resource_token, inputs, spec["requiredInputs"], notes, replaces=True),
    ]
    call = _Call("resource", RESOURCE, EXAMPLES[resource_token], inputs)
    return _call_page(schema, call, spec, names, table, outputs, notes)


def _function_page(schema: Mapping[str, Any], function_token: str, notes: Notes) -> str:
    spec = schema["functions"][function_token]
    name = _short(function_token)
    inputs = spec["inputs"]["properties"]
    pkg, snake, go = _Package.of(schema).name, to_snake(name), _title(name)
    names = (
        f"Function token `{function_token}` (in YAML `fn::invoke` with `function: "
        f"{function_token}`); `{pkg}.{name}` / `{name}Output` in TypeScript, "
        f"`{pkg}.{snake}` / `{snake}_output` in Python, `{pkg}.{go}` / `{go}Output` in Go."
    )
    table = [_property_table(function_token, inputs, spec["inputs"].get("required", ()), notes)]
    call = _Call("function", name, EXAMPLES[function_token], inputs)
    return _call_page(schema, call, spec, names, table, spec["outputs"]["properties"], notes)


def _config_lines(package: str, values: Mapping[str, Any], path: str = "") -> Iterator[str]:
    for key, value in values.items():
        name = f"{path}.{key}" if path else key
        if isinstance(value, Mapping):
            yield from _config_lines(package, value, name)
            continue
        flags = " --path" if path else ""
        if isinstance(value, FromConfig):
            yield f"pulumi config set{flags} --secret {package}:{name}   # prompts for the value"
        else:
            yield f"pulumi config set{flags} {package}:{name} {value}"


def _provider_page(schema: Mapping[str, Any], notes: Notes) -> str:
    variables = schema["config"]["variables"]
    package = _Package.of(schema)
    lines = "\n".join(_config_lines(package.name, PROVIDER_EXAMPLE))
    return _page(
        [
            "# Provider settings",
            _cell(schema["provider"]["description"]),
            f"The default provider reads them from stack config as `{package.name}:<name>`; "
            f"an explicit provider (`pulumi:providers:{package.name}`; "
            f"`{package.name}.Provider` in TypeScript and Python, "
            f"`{package.name}.NewProvider` in Go) takes them as its inputs. Anything unset "
            "falls back to the environment. [Index](index.md)",
            "## Example",
            f"```bash\n{lines}\n```",
            "## Settings",
            _property_table(CONFIG, variables, (), notes),
            *_types_section(schema, variables, {}, notes),
        ]
    )


def _index_page(schema: Mapping[str, Any]) -> str:
    package = _Package.of(schema)
    resource = schema["resources"][token(RESOURCE)]
    entries = [f"- [Provider settings](provider.md): {_cell(schema['provider']['description'])}"]
    entries.append(
        f"- [{RESOURCE}]({page_name(RESOURCE)}) (resource): {_cell(resource['description'])}"
    )
    for function_token, spec in schema["functions"].items():
        name = _short(function_token)
        entries.append(f"- [{name}]({page_name(name)}) (function): {_cell(spec['description'])}")
    return _page(
        [
            f"# {schema['displayName']}: API reference",
            _cell(schema["description"]),
            "\n".join(entries),
            "## Names in each language",
            "\n".join(
                [
                    f'- TypeScript: `import * as {package.name} from "{package.npm}";`, '
                    "properties in camelCase (`imageCacheName`).",
                    f"- Python: `import {package.python} as {package.name}`, "
                    "properties in snake_case (`image_cache_name`).",
                    f'- Go: `import "{package.go}"`, fields in camelCase with a capital first '
                    "letter (`ImageCacheName`).",
                    f"- YAML: `type: {package.name}:{RESOURCE}`, properties in camelCase "
                    "(`imageCacheName`).",
                ]
            ),
            "The SDKs are generated from the plugin's schema: see the README, "
            "[Use from YAML / TypeScript / Go](../../README.md#use-from-yaml--typescript--go).",
        ]
    )


def reference_pages(schema: Mapping[str, Any], notes: Notes) -> dict[str, str]:
    """Every page of the reference, by its path under docs/reference/."""
    pages = {"provider.md": _provider_page(schema, notes)}
    pages[page_name(RESOURCE)] = _resource_page(schema, notes)
    for function_token in schema["functions"]:
        pages[page_name(function_token)] = _function_page(schema, function_token, notes)
    return {"index.md": _index_page(schema), **pages}


def current_pages() -> dict[str, str]:
    """The reference of the schema the plugin serves (its version is not on any page)."""
    schema: dict[str, Any] = json.loads(schema_json(VERSION))
    return reference_pages(schema, declared_notes(schema))


def write_pages(root: Path, pages: Mapping[str, str]) -> list[Path]:
    """Write the pages under ``root`` and remove the .md files there that are no page."""
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob("*.md"):
        if stale.name not in pages:
            stale.unlink()
    written = []
    for name, text in pages.items():
        path = root / name
        path.write_text(text)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None, out: Callable[[str], Any] = print) -> int:
    """``python -m pulumi_eci_cache.engine.plugin.reference DIR``: write the reference."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        out("usage: python -m pulumi_eci_cache.engine.plugin.reference DIR")
        return 2
    for path in write_pages(Path(argv[0]), current_pages()):
        out(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
