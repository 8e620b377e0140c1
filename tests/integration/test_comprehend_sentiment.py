"""The optional Amazon Comprehend reader of comments' tone: through moto (a real boto3 call,
moto answering its canned NEUTRAL), through score_response's real handler when the operator
chooses it, and a botocore Stubber for the failures moto cannot produce."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from cxloop.adapters.comprehend import ComprehendSentiment
from infra.local.defaults import REGION
from tests.conftest import LocalAws
from tests.integration.support import Ports, answered, as_sqs, invoke

ANGRY = "Pésimo servicio, nadie me llamó y perdí el día entero"


def test_moto_answers_a_real_detect_sentiment_call(aws: LocalAws) -> None:
    comprehend = boto3.client("comprehend", region_name=REGION, endpoint_url=aws.endpoint)
    assert ComprehendSentiment(comprehend)(ANGRY, "es") == "neutral"


def test_score_response_takes_comprehends_tone_when_the_operator_chooses_it(
    lambda_env: LocalAws, ports: Ports, monkeypatch: pytest.MonkeyPatch
) -> None:
    lexicon_message = answered(ports, nps=2, comment=ANGRY)
    assert invoke("score_response", as_sqs(lexicon_message, queue="responses")) == {"batchItemFailures": []}
    by_lexicon = ports.responses().get(json.loads(lexicon_message["Body"])["response_id"])
    assert by_lexicon is not None and by_lexicon.score is not None
    assert by_lexicon.score.sentiment == "negative"

    # A new cold start with Comprehend chosen: moto's canned answer (NEUTRAL) is what is stored,
    # so the tone visibly came from Comprehend; the topics still come from the taxonomy.
    monkeypatch.setenv("CXLOOP_COMMENT_SENTIMENT", "comprehend")
    from tests.integration.conftest import _cold_start

    _cold_start()
    message = answered(ports, nps=2, comment=ANGRY)
    assert invoke("score_response", as_sqs(message, queue="responses")) == {"batchItemFailures": []}
    by_comprehend = ports.responses().get(json.loads(message["Body"])["response_id"])
    assert by_comprehend is not None and by_comprehend.score is not None
    assert by_comprehend.score.sentiment == "neutral"
    assert by_comprehend.score.topics == by_lexicon.score.topics != ()


def stubbed() -> tuple[ComprehendSentiment, Stubber]:
    comprehend = boto3.client(
        "comprehend", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    return ComprehendSentiment(comprehend), Stubber(comprehend)


def test_the_request_is_the_comment_and_its_language() -> None:
    reader, stub = stubbed()
    stub.add_response(
        "detect_sentiment",
        {"Sentiment": "NEGATIVE", "SentimentScore": {"Positive": 0.01, "Negative": 0.97}},
        {"Text": ANGRY, "LanguageCode": "es"},
    )
    with stub:
        assert reader(ANGRY, "es") == "negative"
    stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "InternalServerException", "TextSizeLimitExceededException"]
)
def test_a_failed_call_leaves_the_lexicons_tone_and_logs_no_text(code: str, json_logs: object) -> None:
    reader, stub = stubbed()
    stub.add_client_error("detect_sentiment", service_error_code=code, http_status_code=400)
    with stub:
        assert reader(ANGRY, "es") is None
    logged = json.dumps(json_logs())  # type: ignore[operator]
    assert code in logged and "Pésimo" not in logged


def test_languages_comprehend_does_not_read_here_are_not_sent() -> None:
    reader, stub = stubbed()
    with stub:  # no response queued: any call would fail the test
        assert reader("Ótimo atendimento", "it") is None
        assert reader("   ", "es") is None
