"""`make api-contract`: schemathesis at full scale (every check and phase, 100 examples per
operation and phase unless --max-examples says otherwise) against a fresh `cxloop serve`.

Run with `.venv/bin/python tests/contract/run.py [--max-examples 100] [--seed N]`; two to three
minutes on a 2-core machine. Prints schemathesis's report and "failures / cases"; exits with
schemathesis's exit code, so a failure fails the target.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from infra.local.served import running_served
from tests.contract.runner import run_schemathesis


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_served(Path(tmp) / "fn.log", timeout_s=120) as served:
        outcome = run_schemathesis(served.base_url, max_examples=args.max_examples, seed=args.seed)
    print(outcome.output)
    print(f"schemathesis: {outcome.failures} failures / {outcome.cases} cases")
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
