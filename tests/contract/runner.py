"""Schemathesis against a served runtime, as CI and `make api-contract` run it.

The command line (`st run`) is the one runner that plays every phase in one run (examples,
coverage, fuzzing and the stateful phase that chains the routes by their links) with every
check, and reports failures and cases the way an integrator running it would see them. It
reads the OpenAPI document the runtime serves (GET /v1/openapi.json, the api_docs function),
sends a staff member's bearer token (an executive of the whole organisation, so no route is
out of scope) and signs the webhook routes through tests/contract/hooks.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from infra.local.auth import mint_token
from infra.local.defaults import STAFF_TOKEN_SECRET

REPO = Path(__file__).resolve().parents[2]
DOCUMENT_PATH = "/v1/openapi.json"
PHASES = "examples,coverage,fuzzing,stateful"
HOOKS = "tests.contract.hooks"
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
# `st run`'s last line, e.g. "== 37 failures, 2 warnings in 13.21s ==" or "== No issues found in 9.8s ==".
_FAILURES = re.compile(r"(\d+) failures?")
_CASES = re.compile(r"(\d+) generated")


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    failures: int
    cases: int
    output: str


def run_schemathesis(
    base_url: str, *, max_examples: int, seed: int | None = None, report_dir: Path | None = None
) -> Outcome:
    """`st run` with every check and phase against `base_url`; what it found and printed."""
    token = mint_token(STAFF_TOKEN_SECRET, role="executive", scope="all", user="api-contract")
    command = [
        *_st(),
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        f"{base_url}{DOCUMENT_PATH}",
        "--url",
        base_url,
        "--phases",
        PHASES,
        "--max-examples",
        str(max_examples),
        "--header",
        f"Authorization: Bearer {token}",
        "--workers",
        "1",
    ]
    if seed is not None:
        command += ["--seed", str(seed)]
    if report_dir is not None:
        command += ["--report", "junit", "--report-dir", str(report_dir)]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS, "PYTHONPATH": str(REPO)}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    summary = output.strip().splitlines()[-1] if output.strip() else ""
    failures = _FAILURES.search(summary)
    cases = _CASES.findall(output)
    return Outcome(
        exit_code=done.returncode,
        failures=int(failures.group(1)) if failures else 0,
        cases=int(cases[-1]) if cases else 0,
        output=output,
    )


def _st() -> list[str]:
    return [sys.executable, "-m", "schemathesis.cli"]
