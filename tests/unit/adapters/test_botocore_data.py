"""cxloop's cut-down botocore data (infra/botocore_data.py writes it, cxloop.adapters.aws
reads it): the same as a fresh generation from the installed botocore, a model for every
client cxloop creates, nothing but documentation dropped, and clients that resolve the same
endpoints as a plain session's."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, UnknownServiceError
from botocore.model import ServiceModel, Shape

from cxloop.adapters.aws import BOTOCORE_DATA, BOTOCORE_MODELS, new_session
from infra.botocore_data import (
    MODEL_TYPE,
    SERVICES,
    builtin_loader,
    documents,
    encoded,
    service_models,
    without_documentation,
)

REPO = Path(__file__).resolve().parents[3]
ACCOUNT = "123456789012"
REGENERATE = "run `.venv/bin/python -m infra.botocore_data` and commit shared/cxloop/adapters/botocore_data"
# client("sqs"), session.client("s3", ...): the services the code makes clients for.
CLIENT_CALL = re.compile(r"""\bclient\(\s*["']([a-z0-9-]+)["']""")
# Regions of the aws, aws-us-gov and aws-cn partitions, and one no partition lists by name.
REGIONS = ("us-east-1", "eu-west-1", "sa-east-1", "us-gov-west-1", "cn-north-1", "eu-south-7")
# Endpoint variants: the ones a session reading endpoints.json as custom data would lose.
VARIANTS = (Config(), Config(use_fips_endpoint=True), Config(use_dualstack_endpoint=True))


def test_the_committed_data_is_a_fresh_generation_from_the_installed_botocore() -> None:
    fresh = documents()
    committed = {p.relative_to(BOTOCORE_DATA).as_posix() for p in BOTOCORE_DATA.rglob("*") if p.is_file()}
    assert committed == set(fresh), f"the files differ from a fresh generation: {REGENERATE}"
    for name, document in fresh.items():
        # The JSON, not the gzip bytes: another zlib may compress the same text differently.
        same = gzip.decompress((BOTOCORE_DATA / name).read_bytes()) == gzip.decompress(encoded(document))
        assert same, f"{name} is not what the installed botocore gives: {REGENERATE}"


def test_every_service_a_client_is_made_for_has_its_model() -> None:
    sources = [*(REPO / "shared").rglob("*.py"), *(REPO / "functions").rglob("*.py")]
    used = {service for path in sources for service in CLIENT_CALL.findall(path.read_text(encoding="utf-8"))}
    assert used >= {"dynamodb", "sqs", "s3"}, "the search finds the client calls"
    assert used <= set(SERVICES), f"add {sorted(used - set(SERVICES))} to SERVICES and {REGENERATE}"
    for service in SERVICES:
        assert list((BOTOCORE_MODELS / service).glob(f"*/{MODEL_TYPE}.json.gz")), service


def _shape_outline(shape: Shape) -> Any:
    """What a client does with a shape: its type, constraints and serialisation, its members
    in order with theirs."""
    outline: dict[str, Any] = {"type": shape.type_name, "metadata": shape.metadata}
    outline["serialization"] = shape.serialization
    members = getattr(shape, "members", None)
    if members is not None:
        outline["members"] = [(n, m.name, m.serialization, m.metadata) for n, m in members.items()]
    for part in ("member", "key", "value"):
        if hasattr(shape, part):
            outline[part] = (getattr(shape, part).name, getattr(shape, part).serialization)
    return outline


@pytest.mark.parametrize("service", SERVICES)
def test_a_stripped_model_keeps_every_operation_and_shape_of_botocore_s(service: str) -> None:
    version, original = service_models(builtin_loader())[service]
    with gzip.open(BOTOCORE_MODELS / service / version / f"{MODEL_TYPE}.json.gz") as stored:
        stripped = ServiceModel(json.load(stored), service_name=service)
    full = ServiceModel(original, service_name=service)
    assert stripped.metadata == full.metadata
    assert stripped.operation_names == full.operation_names
    assert stripped.client_context_parameters == full.client_context_parameters
    assert stripped.shape_names == full.shape_names
    for name in full.operation_names:
        ours, theirs = stripped.operation_model(name), full.operation_model(name)
        assert ours.http == theirs.http, name
        assert ours.metadata == theirs.metadata, name
        assert [e.name for e in ours.error_shapes] == [e.name for e in theirs.error_shapes], name
        assert ours.static_context_parameters == theirs.static_context_parameters, name
        assert ours.context_parameters == theirs.context_parameters, name
        for side in ("input_shape", "output_shape"):
            mine, original_shape = getattr(ours, side), getattr(theirs, side)
            assert (mine and mine.name) == (original_shape and original_shape.name), (name, side)
    for name in full.shape_names:
        assert _shape_outline(stripped.shape_for(name)) == _shape_outline(full.shape_for(name)), name
    assert not _documentation_left(stripped._service_description)


def _documentation_left(node: Any, *, names: bool = False) -> bool:
    if isinstance(node, dict):
        if not names and "documentation" in node:
            return True
        return any(
            _documentation_left(v, names=k in ("operations", "shapes", "members"))
            for k, v in node.items()
            if k != "clientContextParams"  # kept whole (infra/botocore_data.py)
        )
    return isinstance(node, list) and any(_documentation_left(v) for v in node)


def test_only_documentation_goes_even_where_a_member_is_called_documentation() -> None:
    model = {
        "documentation": "the service",
        "operations": {"documentation": {"name": "documentation", "documentation": "an operation"}},
        "shapes": {
            "Page": {
                "type": "structure",
                "documentationUrl": "https://example.com",
                "members": {"documentation": {"shape": "Text", "documentation": "a member"}},
            }
        },
    }
    assert without_documentation(model) == {
        "operations": {"documentation": {"name": "documentation"}},
        "shapes": {"Page": {"type": "structure", "members": {"documentation": {"shape": "Text"}}}},
    }


def test_cxloop_s_session_reads_its_own_models_first() -> None:
    loader = new_session()._session.get_component("data_loader")
    assert loader.search_paths[0] == str(BOTOCORE_MODELS)
    version, _ = service_models(builtin_loader())["dynamodb"]
    _, path = loader.load_data_with_path(f"dynamodb/{version}/{MODEL_TYPE}")
    assert Path(path).is_relative_to(BOTOCORE_MODELS)


def test_the_session_knows_its_shipped_services_without_listing_botocore_s_folder() -> None:
    loader = new_session()._session.get_component("data_loader")
    shipped = sorted(p.name for p in BOTOCORE_MODELS.iterdir() if p.is_dir())
    assert loader.list_available_services("service-2") == shipped
    assert loader.list_available_services("endpoint-rule-set-1") == shipped
    # Other types are botocore's own listing; a service cxloop ships nothing of fails by name.
    assert "ec2" in loader.list_available_services("paginators-1")
    with pytest.raises(UnknownServiceError, match="ec2"):
        new_session().client("ec2", region_name="us-east-1")


class _Sent(Exception):
    """Raised from before-send: the request was fully built, and goes no further."""


def _request_url(session: boto3.session.Session, service: str, region: str, config: Config) -> str:
    """Where the client sends a request, or the error that stops it before it is built."""
    credentials = {"aws_access_key_id": "x", "aws_secret_access_key": "y", "aws_account_id": ACCOUNT}
    client = session.client(service, region_name=region, config=config, **credentials)

    def stop(request: Any, **_: Any) -> None:
        raise _Sent(request.url)

    client.meta.events.register("before-send", stop)
    operation = _operation_without_required_input(client.meta.service_model)
    try:
        getattr(client, botocore.xform_name(operation))()
    except _Sent as sent:
        return str(sent)
    except BotoCoreError as refused:  # such as no FIPS endpoint in the region
        return type(refused).__name__
    raise AssertionError("before-send was not reached")


def _operation_without_required_input(model: ServiceModel) -> str:
    for name in model.operation_names:
        shape = model.operation_model(name).input_shape
        if shape is None or not shape.required_members:
            return name
    raise AssertionError(f"{model.service_name}: every operation needs input")


@pytest.mark.parametrize("service", SERVICES)
def test_clients_of_cxloop_s_session_reach_the_endpoints_a_plain_session_reaches(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_DATA_PATH", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    ours, plain = new_session(), boto3.session.Session(botocore_session=botocore.session.Session())
    for region in REGIONS:
        for config in VARIANTS:
            expected = _request_url(plain, service, region, config)
            assert _request_url(ours, service, region, config) == expected, (service, region, config)
