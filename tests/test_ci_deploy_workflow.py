"""examples/ci/deploy.yml: deploy from GitHub Actions with OIDC and no Alibaba Cloud keys."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parents[1] / "examples" / "ci" / "deploy.yml"


def load() -> dict[Any, Any]:
    document = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(document, dict)
    return document


def job() -> dict[str, Any]:
    [only] = load()["jobs"].values()
    assert isinstance(only, dict)
    return only


def token_step() -> dict[str, Any]:
    [step] = [s for s in job()["steps"] if "ACTIONS_ID_TOKEN_REQUEST_URL" in s.get("run", "")]
    return step


def test_the_job_may_ask_github_for_its_oidc_token() -> None:
    assert load()["permissions"]["id-token"] == "write"


def test_the_job_names_the_role_and_the_oidc_provider_and_holds_no_key() -> None:
    env = job()["env"]
    assert env["ALIBABA_CLOUD_ROLE_ARN"].startswith("acs:ram::")
    assert env["ALIBABA_CLOUD_OIDC_PROVIDER_ARN"].startswith("acs:ram::")
    assert "ALIBABA_CLOUD_ACCESS_KEY" not in WORKFLOW.read_text()


def test_the_pulumi_action_runs_up() -> None:
    [step] = [s for s in job()["steps"] if str(s.get("uses", "")).startswith("pulumi/actions@")]
    assert step["with"]["command"] == "up"


class _TokenService(http.server.BaseHTTPRequestHandler):
    """GitHub's token endpoint as the runner sees it: a bearer, an audience, a JSON value."""

    audiences: list[str] = []

    def do_GET(self) -> None:
        assert self.headers["Authorization"] == "bearer runner-request-token"
        self.audiences.append(self.path.split("audience=", 1)[1])
        body = json.dumps({"value": "eyJ.the-job-token.sig"}).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def token_service() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TokenService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/token?x=1"
    finally:
        server.shutdown()


def test_the_token_step_writes_the_token_file_the_provider_reads(
    token_service: str, tmp_path: Path
) -> None:
    """The step's script, run as written: the token in a file, and its path exported."""
    github_env = tmp_path / "github-env"
    env = {
        **os.environ,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-request-token",
        "ACTIONS_ID_TOKEN_REQUEST_URL": token_service,
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_ENV": str(github_env),
    }
    subprocess.run(["bash", "-eo", "pipefail", "-c", token_step()["run"]], env=env, check=True)
    assert (tmp_path / "alibaba-oidc-token").read_text().strip() == "eyJ.the-job-token.sig"
    exported = github_env.read_text().strip()
    assert exported == f"ALIBABA_CLOUD_OIDC_TOKEN_FILE={tmp_path / 'alibaba-oidc-token'}"
    assert _TokenService.audiences == ["sts.aliyuncs.com"]
