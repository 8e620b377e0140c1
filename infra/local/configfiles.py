"""`cxloop config push|show`: publish an analyst's file (YAML or CSV) through the config API.

The file is validated here first, so a mistake is reported with its line number before
anything is sent; the API validates again (it trusts no client) and keeps every version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from cxloop.datafile import DataFileError, load_document_file

HTTP_TIMEOUT_S = 15


def push(base_url: str, name: str, path: Path, *, token: str, note: str | None = None) -> tuple[int, Any]:
    """Validate and publish; answers the HTTP status and the API's JSON answer."""
    document = load_document_file(name, path)
    answer = requests.put(
        f"{base_url.rstrip('/')}/v1/config/{name}",
        json={"document": document, "note": note or f"published from {path.name}"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=HTTP_TIMEOUT_S,
    )
    return answer.status_code, _json_or_text(answer)


def show(base_url: str, name: str, *, token: str) -> tuple[int, Any]:
    answer = requests.get(
        f"{base_url.rstrip('/')}/v1/config/{name}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=HTTP_TIMEOUT_S,
    )
    return answer.status_code, _json_or_text(answer)


def _json_or_text(answer: requests.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return answer.text


def describe(status: int, body: Any) -> str:
    if status == 200 and isinstance(body, dict) and "version" in body:
        return f"{body['name']} version {body['version']} by {body['updated_by']} at {body['updated_at']}"
    return f"{status} {json.dumps(body, ensure_ascii=False, indent=2)}"


__all__ = ["DataFileError", "describe", "push", "show"]
