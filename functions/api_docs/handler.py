"""api_docs: GET /v1/openapi.json, the OpenAPI document of the public API.

The document is generated from the real resolvers (`cxloop openapi`) and ships
beside this handler, so serving it costs no imports beyond the standard library.
"""

from __future__ import annotations

from cxloop.startup import built_once

import json
from pathlib import Path
from typing import Any

DOCUMENT = Path(__file__).resolve().parent / "openapi.json"


@built_once
def _body() -> str:
    return DOCUMENT.read_text(encoding="utf-8")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "Cache-Control": "max-age=300"},
        "body": _body(),
    }


def document() -> dict[str, Any]:
    return dict(json.loads(_body()))
