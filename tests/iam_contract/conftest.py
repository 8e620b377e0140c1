"""The IAM contract test reads the AWS calls the rest of the suite recorded, so it runs
after it: `make test` runs the suite with CXLOOP_RECORD_AWS_CALLS=<dir> set, then these
tests with CXLOOP_CHECK_AWS_CALLS=<dir>. Without that variable (a plain `pytest`, which
records nothing) there is nothing to check and the module is not collected."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import requests

CHECK_VARIABLE = "CXLOOP_CHECK_AWS_CALLS"

collect_ignore_glob = [] if os.environ.get(CHECK_VARIABLE) else ["test_*.py"]


@pytest.fixture(scope="session")
def recorded_directory() -> Path:
    directory = Path(os.environ[CHECK_VARIABLE])
    assert any(directory.glob("calls-*.jsonl")), f"no recorded calls in {directory}: run `make test`"
    return directory


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from tests.infra.conftest import synthesize

    return synthesize(tmp_path_factory.mktemp("cdk.out")).template


@pytest.fixture(scope="session")
def channels_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The stack with every customer channel and Comprehend on (tests/infra/conftest.py)."""
    from tests.infra.conftest import CHANNELS_CONTEXT, synthesize

    return synthesize(tmp_path_factory.mktemp("channels"), context=CHANNELS_CONTEXT).template


@pytest.fixture(scope="session")
def local_env(moto_endpoint: str) -> dict[str, str]:
    """The environment the local runtime gives its functions, from a fresh provisioning."""
    from infra.local import defaults
    from infra.local.resources import provision

    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)
    return provision(moto_endpoint, defaults.REGION, sender=defaults.SENDER_ADDRESS) | {
        "SENDER_ADDRESS": defaults.SENDER_ADDRESS,
        # The channels' identities as the local runtime sets them (infra/local/runtime.py).
        "CXLOOP_SMS_ORIGINATION_IDENTITY": defaults.SMS_POOL_ID,
        "CXLOOP_WHATSAPP_PHONE_NUMBER_ID": defaults.WHATSAPP_PHONE_NUMBER_ID,
    }
