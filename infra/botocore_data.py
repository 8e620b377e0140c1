"""Writes shared/cxloop/adapters/botocore_data/ from the installed botocore: the service
models of the clients cxloop creates without their documentation, and botocore's
endpoints.json with only those services.

Why: the first client in a process parses botocore's endpoints.json (1.2 MB, every
service of every partition) and the service's service-2.json.gz, most of which is
documentation strings no client reads; on a cold start that is tens of milliseconds per
client. cxloop.adapters.aws points its session at these smaller files.

Nothing functional is dropped: every operation, shape and member is kept in botocore's own
order (member order is the order query and XML bodies are written in), only the
`documentation`/`documentationUrl` keys go, except the client context parameters' (which
botocore reads). The pagination, waiter and endpoint-rule-set
files stay botocore's own (the loader finds them on its builtin path).

boto3 and botocore are pinned (pyproject.toml) and the shared-code layer ships that botocore
(infra/cdk/constructs/functions.py, LAYER_PACKAGES), so on Lambda too these files are read by
the botocore they were cut from, never by the runtime's older one.

Run `.venv/bin/python -m infra.botocore_data` after moving the boto3/botocore pins (or adding a
`client("...")` service): tests/unit/adapters/test_botocore_data.py fails until then.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import botocore.loaders

from cxloop.adapters.aws import BOTOCORE_DATA, BOTOCORE_ENDPOINTS, BOTOCORE_MODELS

# Every service cxloop.adapters.aws.client(...) is asked for (a test checks shared/ and
# functions/ against this list), and secretsmanager (cxloop.adapters.secrets reads secrets
# through that same client).
SERVICES = (
    "comprehend",
    "dynamodb",
    "firehose",
    "pinpoint-sms-voice-v2",
    "s3",
    "secretsmanager",
    "sesv2",
    "sns",
    "socialmessaging",
    "sqs",
)
MODEL_TYPE = "service-2"
DOCUMENTATION_KEYS = frozenset({"documentation", "documentationUrl"})
# Maps whose keys are names (an operation, shape or member may be called "documentation").
NAME_MAPS = frozenset({"operations", "shapes", "members"})
# Kept whole: botocore reads each client context parameter's documentation.
KEPT_WHOLE = frozenset({"clientContextParams"})


def without_documentation(node: Any, *, names: bool = False) -> Any:
    """The model with every documentation key removed, everything else as it was."""
    if isinstance(node, dict):
        if names:
            return {name: without_documentation(value) for name, value in node.items()}
        return {
            key: value if key in KEPT_WHOLE else without_documentation(value, names=key in NAME_MAPS)
            for key, value in node.items()
            if key not in DOCUMENTATION_KEYS
        }
    if isinstance(node, list):
        return [without_documentation(value) for value in node]
    return node


def builtin_loader() -> botocore.loaders.Loader:
    """botocore's own data only: no AWS_DATA_PATH, ~/.aws/models or cxloop's directory."""
    return botocore.loaders.Loader(
        extra_search_paths=[botocore.loaders.Loader.BUILTIN_DATA_PATH], include_default_search_paths=False
    )


def service_models(loader: botocore.loaders.Loader) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each service's latest API version and its full model, as botocore would pick them."""
    found = {}
    for service in SERVICES:
        version = loader.determine_latest_version(service, MODEL_TYPE)
        found[service] = (version, loader.load_data(f"{service}/{version}/{MODEL_TYPE}"))
    return found


def trimmed_endpoints(endpoints: dict[str, Any], prefixes: set[str]) -> dict[str, Any]:
    """endpoints.json with each partition's `services` cut to the given endpoint prefixes."""
    partitions = [
        {**partition, "services": {k: v for k, v in partition["services"].items() if k in prefixes}}
        for partition in endpoints["partitions"]
    ]
    return {**endpoints, "partitions": partitions}


def documents() -> dict[str, Any]:
    """Each file to write, by its path under BOTOCORE_DATA, as the JSON it holds."""
    loader = builtin_loader()
    models = service_models(loader)
    written: dict[str, Any] = {}
    for service, (version, model) in models.items():
        path = (BOTOCORE_MODELS / service / version / f"{MODEL_TYPE}.json.gz").relative_to(BOTOCORE_DATA)
        written[path.as_posix()] = without_documentation(model)
    prefixes = {model["metadata"]["endpointPrefix"] for _, model in models.values()}
    endpoints = trimmed_endpoints(loader.load_data("endpoints"), prefixes)
    written[BOTOCORE_ENDPOINTS.relative_to(BOTOCORE_DATA).as_posix()] = endpoints
    return written


def encoded(document: Any) -> bytes:
    """Compact JSON in the source's key order, gzipped with no timestamp: the same botocore
    always gives the same bytes (botocore's loader reads .json.gz from any search path)."""
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    return gzip.compress(text, compresslevel=9, mtime=0)


def write(directory: Path = BOTOCORE_DATA) -> list[Path]:
    """Replace the directory's contents with a fresh generation; the files written."""
    shutil.rmtree(directory, ignore_errors=True)
    paths = []
    for name, document in documents().items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encoded(document))
        paths.append(path)
    return paths


def main() -> None:
    paths = write()
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files, {total / 1024:.0f} KiB, under {BOTOCORE_DATA}")


if __name__ == "__main__":
    main()
