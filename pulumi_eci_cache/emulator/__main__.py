"""``python -m pulumi_eci_cache.emulator``: serve the ECI emulator on a loopback port.

Demos, end-to-end tests and the pulumi CLI need a long-running endpoint; this starts
one with every knob on the command line (defaults below, also in ``--help``) and
prints exactly one line, ``ECI emulator listening on http://127.0.0.1:<port>``, once
it accepts connections. ``--port 0`` picks a free port. State survives restarts in
``--state`` (JSON, rewritten atomically after every change).

Defaults: --port 8686, --state .eci-emulator-state.json, --build-seconds 6,
--access-key-id emulator-access-key-id, --access-key-secret emulator-access-key-secret,
--region cn-hangzhou, --failed-ttl-seconds 86400, --quota 500, no QPS limit, builds
not held (``--hold-builds``: they end only at ``POST /_emulator/builds/finish``),
--account-id 1000000000000000 (the default key's account; the key is its RAM user
``emulator``), no ``--iam`` file (more accounts, roles and OIDC providers, as the
admin API's bodies), temporary keys lasting their DurationSeconds
(``--token-lifetime``: this many seconds instead).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .iam import ACCOUNT_ID, DEFAULT_ACCOUNT_ID, DEFAULT_USER
from .models import DAY, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EciBackend
from .server import EmulatorServer, serve


def _program_name() -> str:
    """``eci-emulator`` when run as the console script, else the ``python -m`` form."""
    started_as = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if started_as and started_as not in ("__main__.py", "-c"):
        return started_as
    return "python -m pulumi_eci_cache.emulator"


def _account_id(text: str) -> str:
    if not ACCOUNT_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a 16-digit account id")
    return text


def _positive(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return seconds


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=_program_name(),
        description="Serve the ECI image-cache emulator on 127.0.0.1.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8686, help="port; 0 picks a free one")
    parser.add_argument(
        "--state", default=".eci-emulator-state.json", help="JSON state file ('' for none)"
    )
    parser.add_argument(
        "--build-seconds",
        type=float,
        default=6.0,
        help="how long a create/update build takes (0: immediate)",
    )
    parser.add_argument(
        "--hold-builds",
        action="store_true",
        help="builds never end by themselves: they wait at 99%% until "
        "POST /_emulator/builds/finish (tests decide, not the wall clock)",
    )
    parser.add_argument(
        "--access-key-id", default=DEFAULT_ACCESS_KEY_ID, help="the one access key id accepted"
    )
    parser.add_argument("--access-key-secret", default=DEFAULT_ACCESS_KEY_SECRET, help="its secret")
    parser.add_argument(
        "--security-token",
        default=None,
        help="make the key an STS key taking this token ('*': any token)",
    )
    parser.add_argument(
        "--region",
        default="cn-hangzhou",
        help="default region (error HostIds when a request names none)",
    )
    parser.add_argument(
        "--failed-ttl-seconds",
        type=float,
        default=DAY,
        help="how long a Failed cache stays before the service removes it",
    )
    parser.add_argument("--quota", type=int, default=500, help="caches per region")
    parser.add_argument(
        "--qps",
        type=float,
        default=None,
        help="throttle all actions to this many calls a second (None: no limit)",
    )
    parser.add_argument("--burst", type=int, default=10, help="token-bucket burst with --qps")
    parser.add_argument(
        "--account-id",
        type=_account_id,
        default=DEFAULT_ACCOUNT_ID,
        help=f"the 16-digit account of the default key (its RAM user {DEFAULT_USER!r}), "
        "and of every cache it creates",
    )
    parser.add_argument(
        "--iam",
        metavar="FILE",
        default=None,
        help='a JSON file of {"accounts": [{"id", "access_keys": [{"id", "secret", '
        '"user"}]}], "roles": [{"arn", "trust": {"accounts", "principals", '
        '"oidc_providers"}, "max_session_seconds", "external_id"}], "providers": '
        '[{"arn", "issuer", "client_ids"}]} (the bodies of POST /_emulator/accounts, '
        "/roles and /oidc-providers)",
    )
    parser.add_argument(
        "--token-lifetime",
        metavar="SECONDS",
        type=_positive,
        default=None,
        help="temporary keys from AssumeRole / AssumeRoleWithOIDC expire after this many "
        "seconds of the emulator's clock (None: their DurationSeconds)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    backend = EciBackend(
        build_seconds=args.build_seconds,
        hold_builds=args.hold_builds,
        failed_ttl_seconds=args.failed_ttl_seconds,
        quota=args.quota,
        default_region=args.region,
        default_account_id=args.account_id,
        token_lifetime_seconds=args.token_lifetime,
    )
    backend.access_keys.clear()
    backend.add_access_key(
        args.access_key_id, args.access_key_secret, args.security_token, user=DEFAULT_USER
    )
    if args.iam:
        try:
            backend.iam.configure(json.loads(Path(args.iam).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            sys.exit(f"--iam {args.iam}: {type(exc).__name__}: {exc}")
    if args.qps is not None:
        backend.faults.throttle(args.qps, args.burst)
    serve(EmulatorServer(backend, port=args.port, state_file=args.state or None))


if __name__ == "__main__":
    main()
