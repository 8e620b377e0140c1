"""The OpenAPI document tells the truth: schemathesis, every check and phase (stateful included),
against a served runtime of its own, finds nothing (tests/contract/runner.py says how it runs).

The runtime is its own because schemathesis publishes configuration documents and creates QR
codes and events: no other test may see them. The examples are bounded so this costs about a
minute on two cores; `make api-contract` runs the same at full scale (README).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.local.served import running_served
from tests.contract.runner import run_schemathesis

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("api-contract")]
# Per operation and phase: enough for every operation's coverage cases and a few hundred fuzzed
# requests in all; the full run (tests/contract/run.py) uses schemathesis's default of 100.
MAX_EXAMPLES = 8


def test_schemathesis_finds_no_failure_in_the_served_api(tmp_path: Path) -> None:
    with running_served(tmp_path / "fn.log", timeout_s=120) as served:
        outcome = run_schemathesis(served.base_url, max_examples=MAX_EXAMPLES)
    assert outcome.cases > 0, outcome.output
    assert outcome.exit_code == 0, outcome.output
    assert outcome.failures == 0, outcome.output
