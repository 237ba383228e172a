"""``eci-cache``: the package's command line, one subcommand per task.

- ``eci-cache import-file``: a region's caches as Pulumi's bulk import file, so
  ``pulumi import --file`` brings a brownfield fleet under a stack at once (which
  caches, and their names: rules/bulk_import.py). It reads the region with the same
  settings and credentials a provider has (``--region``, ``--endpoint``,
  ``--profile``, then the ``ALIBABA_CLOUD_*`` variables, an assumed role included).
- ``eci-cache policy-pack DIR``: the policy pack directory that ``pulumi preview
  --policy-pack DIR`` runs (policy/folder.py; the ``[policy]`` extra).

An expected failure (bad arguments, unreachable endpoint, refused credentials) is
one sentence on stderr and exit status 1 (argparse's own: 2); a traceback is a bug.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from pulumi_eci_cache.cloud.client import EciClient
from pulumi_eci_cache.cloud.settings import resolve_settings
from pulumi_eci_cache.engine.plugin.schema import RESOURCE, token
from pulumi_eci_cache.errors import ConfigError, EciCacheError
from pulumi_eci_cache.lifecycle.lookups import STATUSES
from pulumi_eci_cache.policy.folder import CONFIG_FILE, LAUNCHER, write_pack
from pulumi_eci_cache.rules.bulk_import import ImportFilters, parse_tag, plan_import
from pulumi_eci_cache.rules.config import check_config

__all__ = ["main"]

# The settings this command takes, as its options spell them (for messages).
_OPTIONS = {"region", "endpoint", "profile"}


def _option(name: str) -> str:
    return f"--{name.replace('_', '-')}" if name in _OPTIONS else name


def _tag(text: str) -> tuple[str, str]:
    try:
        return parse_tag(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eci-cache", description="Tools for ECI image caches managed with Pulumi."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    bulk = commands.add_parser(
        "import-file",
        help="write Pulumi's bulk import file for a region's caches",
        description="List the image caches of a region and write the file `pulumi import "
        "--file` reads to import them all at once (logical names from cache names). "
        "Caches a Pulumi stack already manages (our identity tag) are left out unless "
        "--include-managed. Credentials: as the provider reads them (ALIBABA_CLOUD_* "
        "variables, --profile, an assumed role).",
    )
    bulk.add_argument("--region", help="the region (else ALIBABA_CLOUD_REGION_ID)")
    bulk.add_argument("--endpoint", help="the ECI endpoint (else the region's public one)")
    bulk.add_argument("--profile", help="the aliyun CLI profile to take credentials from")
    bulk.add_argument("--name-prefix", help="only caches whose name starts with this")
    bulk.add_argument(
        "--tag",
        action="append",
        type=_tag,
        default=[],
        metavar="KEY=VALUE",
        help="only caches with this tag (repeat: every one must match)",
    )
    bulk.add_argument("--status", choices=STATUSES, help="only caches in this status")
    bulk.add_argument(
        "--include-managed",
        action="store_true",
        help="also caches a Pulumi stack manages (importing one into a second stack lets "
        "either delete it)",
    )
    bulk.add_argument("--out", type=Path, help="write the file here (default: stdout)")
    pack = commands.add_parser(
        "policy-pack",
        help="write the policy pack directory for `pulumi preview --policy-pack`",
        description="Write a policy pack directory that checks the image caches of a "
        "stack (both faces): retention, size, flash, regions, tags, registry passwords, "
        "caches per stack, unused caches. Needs the extra: pulumi-eci-cache[policy].",
    )
    pack.add_argument("directory", type=Path, metavar="DIR", help="the directory to write")
    pack.add_argument(
        "--force",
        action="store_true",
        help="write the pack's files into a directory that is not empty",
    )
    return parser


def _caches(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[str, list[Any]]:
    """The region's caches, read as a provider with these settings reads them."""
    values = {k: getattr(args, k) for k in _OPTIONS if getattr(args, k) is not None}
    config, failures = check_config(values, _option)
    if config is None:
        raise ConfigError("; ".join(f.reason for f in failures))
    settings = resolve_settings(config, environ, _option, "the option")
    with EciClient(settings) as client:
        return settings.region_id, client.describe_image_caches()


def import_file(args: argparse.Namespace, environ: Mapping[str, str], stderr: TextIO) -> int:
    region, caches = _caches(args, environ)
    filters = ImportFilters(args.name_prefix, dict(args.tag), args.status)
    plan = plan_import(caches, token(RESOURCE), filters, args.include_managed)
    text = json.dumps(plan.file(), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text)
    where = "stdout" if args.out is None else str(args.out)
    stderr.write(f"{len(plan.resources)} image cache(s) of region {region} written to {where}\n")
    if plan.managed:
        stderr.write(
            f"{len(plan.managed)} left out: a Pulumi stack manages them "
            f"({', '.join(plan.managed)}); --include-managed takes them too\n"
        )
    if plan.resources:
        stderr.write(
            f"import them with `pulumi import --file {where if args.out else 'FILE'}` in a "
            f"stack whose provider is in region {region} (ecicache:region)\n"
        )
    return 0


def policy_pack(args: argparse.Namespace, _environ: Mapping[str, str], stderr: TextIO) -> int:
    directory: Path = args.directory
    write_pack(directory, force=args.force)
    stderr.write(
        f"policy pack written to {directory}: run `pulumi preview --policy-pack {directory} "
        f"--policy-pack-config {directory / CONFIG_FILE}` (a CLI whose Python language "
        f"host cannot run packs: --policy-pack {directory / LAUNCHER})\n"
    )
    return 0


_COMMANDS = {"import-file": import_file, "policy-pack": policy_pack}


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run one subcommand; the exit status."""
    args = _parser().parse_args(argv)
    env = dict(os.environ if environ is None else environ)
    try:
        return _COMMANDS[args.command](args, env, sys.stderr)
    except EciCacheError as exc:
        sys.stderr.write(f"eci-cache {args.command}: {exc}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
