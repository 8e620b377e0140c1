"""The local AWS stand-in's dispatcher keeps moto's answer of which backend serves a host
(infra.local.aws_process.Dispatcher) and the serve command's options refuse nonsense."""

from __future__ import annotations

import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from infra.local.aws_process import Dispatcher
from infra.local.cli import parser

HOSTS = [
    "dynamodb.us-east-1.amazonaws.com",
    "sqs.us-east-1.amazonaws.com",
    "sns.us-east-1.amazonaws.com",
    "email.us-east-1.amazonaws.com",
    "s3.amazonaws.com",
    "secretsmanager.us-east-1.amazonaws.com",
    "streams.dynamodb.us-east-1.amazonaws.com",
    "moto_api",
    "dynamodb",
    None,
]


def test_the_dispatcher_answers_as_moto_does_for_every_host_and_every_time() -> None:
    moto, kept = DomainDispatcherApplication(create_backend_app), Dispatcher()
    expected = [moto.get_backend_for_host(host) for host in HOSTS]
    assert [kept.get_backend_for_host(host) for host in HOSTS] == expected
    assert [kept.get_backend_for_host(host) for host in HOSTS] == expected
    assert "dynamodb" in expected and "sqs" in expected  # the hosts were recognised at all


def test_serve_runs_three_pollers_per_queue_unless_told(capsys: pytest.CaptureFixture[str]) -> None:
    assert parser().parse_args(["serve"]).pollers_per_queue == 3
    assert parser().parse_args(["serve", "--pollers-per-queue", "1"]).pollers_per_queue == 1
    for nonsense in ("0", "-2", "many"):
        with pytest.raises(SystemExit):
            parser().parse_args(["serve", "--pollers-per-queue", nonsense])
        assert "--pollers-per-queue" in capsys.readouterr().err
