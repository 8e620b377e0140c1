"""Text that travels with the code as package data: page copy, style sheets and scripts.

Pages keep their words, CSS and JavaScript in files beside the module that renders them (an
``assets`` folder), so a translator or a designer edits a JSON, CSS or JS file rather than a
Python string. pyproject.toml declares them as package data, and the Lambda layer copies
shared/cxloop whole (infra/cdk/constructs/functions.py), so both carry them. Each file is read
once per process.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def package_text(package: str, *path: str) -> str:
    """The file at ``path`` inside ``package`` (a dotted module name), exactly as written."""
    return resources.files(package).joinpath(*path).read_text(encoding="utf-8")


@cache
def package_json(package: str, *path: str) -> Any:
    """The JSON file at ``path`` inside ``package``, parsed once: callers must not change it."""
    return json.loads(package_text(package, *path))
