"""The data lake's rows (no personal data, ever) and the Firehose adapter's batching and retries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cxloop.adapters.lake import (
    MAX_BYTES_PER_CALL,
    MAX_RECORDS_PER_CALL,
    DeliveryFailed,
    FirehoseLake,
    batches,
    lake_settings_from,
)
from cxloop.domain.casework.models import FollowUp, HistoryEntry, Resolution
from cxloop.domain.insights.lake import (
    COLUMNS,
    PARTITION_KEY,
    Archived,
    ResponseRow,
    TicketEventRow,
    UnknownImage,
    archived,
    lake_time,
)
from cxloop.domain.kernel.events import parse_event
from cxloop.domain.surveys.models import SurveyResponse
from cxloop.domain.surveys.scoring import score_answers
from tests.helpers import event_bytes, sample_ticket

EVENT = parse_event(event_bytes("erp/claim_reported"))
SUBMITTED = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
COMMENT = "El ajustador nunca llamó, pésimo servicio"
PERSONAL = {
    EVENT.customer.id,
    EVENT.customer.name,
    EVENT.customer.email,
    EVENT.customer.phone,
    COMMENT,
}


def response(**changes: Any) -> SurveyResponse:
    fields: dict[str, Any] = {
        "response_id": "inv-1",
        "interaction_id": "int-1",
        "correlation_id": "corr-1",
        "survey_id": "default",
        "event_type": EVENT.event_type,
        "customer": EVENT.customer,
        "touchpoint": EVENT.touchpoint,
        "answers": {"nps": 3, "csat": 2, "comment": COMMENT, "callback": True},
        "submitted_at": SUBMITTED,
        "attributes": EVENT.attributes,
    }
    return SurveyResponse(**(fields | changes))


def scored_image(**changes: Any) -> dict[str, Any]:
    """A responses item after score_response: doc and score as the store keeps them."""
    score = score_answers({"nps": 3, "csat": 2, "comment": COMMENT, "callback": True})
    score = score.model_copy(update={"sentiment": "negative", "topics": ("contact", "service")})
    return {
        "response_id": "inv-1",
        "doc": response(**changes).model_dump_json(),
        "score": score.model_dump_json(),
    }


def assert_no_personal_data(row: ResponseRow | TicketEventRow) -> None:
    text = json.dumps(row.model_dump(mode="json"), ensure_ascii=False)
    for value in PERSONAL:
        assert value and value not in text
    assert not {"customer", "customer_id", "name", "email", "phone", "comment"} & set(row.model_dump())


def test_a_scored_response_becomes_a_flat_row_with_place_scores_and_topics() -> None:
    found = archived(scored_image())
    assert found is not None and found.dataset == "responses" and found.key == "inv-1"
    row = found.row
    assert isinstance(row, ResponseRow)
    assert (row.touchpoint, row.branch, row.region, row.country) == (
        EVENT.touchpoint.id,
        EVENT.touchpoint.branch,
        EVENT.touchpoint.region,
        EVENT.touchpoint.country,
    )
    assert (row.nps, row.nps_category, row.csat, row.ces) == (3, "detractor", 2, None)
    assert row.topics == ["contact", "service"] and row.sentiment == "negative" and row.callback
    assert row.language == EVENT.customer.language
    assert row.submitted_at == "2026-11-23 23:30:00.000"
    assert row.dt == "2026-11-23"


def test_a_response_row_carries_no_personal_data() -> None:
    found = archived(scored_image())
    assert found is not None
    assert_no_personal_data(found.row)


def test_a_response_is_no_row_until_it_is_scored() -> None:
    image = scored_image()
    del image["score"]
    assert archived(image) is None


def test_the_partition_is_the_utc_date_of_the_event() -> None:
    # 20:30 in Guayaquil on the 23rd is 01:30 UTC on the 24th.
    late = datetime(2026, 11, 23, 20, 30, tzinfo=UTC) + timedelta(hours=5)
    found = archived(scored_image(submitted_at=late))
    assert found is not None and found.row.dt == "2026-11-24"


def test_a_ticket_version_becomes_an_event_row_named_by_its_last_action() -> None:
    opened = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    resolved_at = opened + timedelta(hours=20)
    ticket = sample_ticket(
        version=4,
        status="resolved",
        team="quito-norte-claims",
        owner="P-0007",
        country="EC",
        region="pichincha",
        first_contact_at=opened + timedelta(hours=2),
        resolution=Resolution(root_cause="delay", action_taken="called", at=resolved_at, by="P-0007"),
        reopen_count=1,
        follow_up=FollowUp(answered_at=resolved_at, outcome="recovered"),
        history=(HistoryEntry(at=resolved_at, by="P-0007", role="agent", action="resolve"),),
        updated_at=resolved_at,
        comment=COMMENT,
    )
    found = archived({"ticket_id": ticket.ticket_id, "doc": ticket.model_dump_json(), "version": 4})
    assert found is not None and found.dataset == "ticket_events"
    assert found.key == f"{ticket.ticket_id}#4"
    row = found.row
    assert isinstance(row, TicketEventRow)
    assert (row.action, row.status, row.version, row.owner, row.team) == (
        "resolve",
        "resolved",
        4,
        "P-0007",
        "quito-norte-claims",
    )
    assert row.at == row.resolved_at == lake_time(resolved_at) == "2026-11-24 05:30:00.000"
    assert row.first_contact_at == "2026-11-23 11:30:00.000"
    assert (row.follow_up_outcome, row.reopen_count, row.nps_category) == ("recovered", 1, "detractor")
    assert row.dt == "2026-11-24"
    assert_no_personal_data(row)


def test_a_new_ticket_without_history_is_an_open_event_on_its_opening_day() -> None:
    ticket = sample_ticket()
    found = archived({"ticket_id": ticket.ticket_id, "doc": ticket.model_dump_json()})
    assert found is not None and isinstance(found.row, TicketEventRow)
    assert (found.row.action, found.row.resolved_at, found.row.dt) == ("open", None, "2026-11-23")


def test_an_item_from_another_table_is_refused() -> None:
    with pytest.raises(UnknownImage):
        archived({"interaction_id": "x", "doc": "{}"})


@pytest.mark.parametrize("dataset", ["responses", "ticket_events"])
def test_the_glue_columns_are_exactly_the_row_fields_but_the_partition(dataset: str) -> None:
    model = ResponseRow if dataset == "responses" else TicketEventRow
    columns = [name for name, _ in COLUMNS[dataset]]  # type: ignore[index]
    assert columns == [f for f in model.model_fields if f != PARTITION_KEY]


# --- the Firehose adapter ---------------------------------------------------------------------


class FakeFirehose:
    """Refuses the records whose data contains a marker, `refusals` times each."""

    def __init__(self, refuse: str = "", refusals: int = 0) -> None:
        self.calls: list[tuple[str, list[bytes]]] = []
        self.refuse = refuse
        self.refusals: dict[bytes, int] = {}
        self.max_refusals = refusals

    def put_record_batch(self, DeliveryStreamName: str, Records: list[dict[str, bytes]]) -> dict[str, Any]:
        data = [r["Data"] for r in Records]
        self.calls.append((DeliveryStreamName, data))
        answers = []
        for item in data:
            refused = bool(self.refuse) and self.refuse.encode() in item
            if refused and self.refusals.get(item, 0) < self.max_refusals:
                self.refusals[item] = self.refusals.get(item, 0) + 1
                answers.append({"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "slow down"})
            else:
                answers.append({"RecordId": "r"})
        return {"FailedPutCount": sum("ErrorCode" in a for a in answers), "RequestResponses": answers}


SETTINGS = lake_settings_from({"FIREHOSE_RESPONSES_NAME": "resp-stream", "FIREHOSE_TICKET_EVENTS_NAME": "te"})


def rows(count: int) -> list[Archived]:
    found = []
    for i in range(count):
        item = archived(scored_image(response_id=f"inv-{i}"))
        assert item is not None
        found.append(item)
    return found


def test_settings_name_each_dataset_s_stream_from_the_pipeline_s_env_names() -> None:
    assert SETTINGS.delivery_streams == {"responses": "resp-stream", "ticket_events": "te"}
    with pytest.raises(RuntimeError, match="FIREHOSE_OTHER_NAME"):
        SETTINGS.stream_for("other")


def test_rows_go_to_their_dataset_s_stream_as_json_lines() -> None:
    firehose = FakeFirehose()
    ticket = sample_ticket()
    event = archived({"ticket_id": ticket.ticket_id, "doc": ticket.model_dump_json()})
    assert event is not None
    FirehoseLake(SETTINGS, firehose).put([*rows(2), event])
    streams = {name: data for name, data in firehose.calls}
    assert set(streams) == {"resp-stream", "te"}
    assert [json.loads(d)["response_id"] for d in streams["resp-stream"]] == ["inv-0", "inv-1"]
    assert all(d.endswith(b"\n") and d.count(b"\n") == 1 for d in streams["resp-stream"] + streams["te"])


def test_batches_keep_within_put_record_batch_limits() -> None:
    small = [b"x" * 10] * (MAX_RECORDS_PER_CALL + 1)
    assert [len(b) for b in batches(small)] == [MAX_RECORDS_PER_CALL, 1]
    big = [b"x" * (MAX_BYTES_PER_CALL // 3)] * 4
    assert [len(b) for b in batches(big)] == [3, 1]


def test_only_the_refused_records_are_sent_again() -> None:
    firehose = FakeFirehose(refuse="inv-3", refusals=1)
    FirehoseLake(SETTINGS, firehose, sleep=lambda _: None).put(rows(5))
    (_, first), (_, second) = firehose.calls
    assert len(first) == 5
    assert [json.loads(d)["response_id"] for d in second] == ["inv-3"]


def test_rows_still_refused_after_the_retries_are_named() -> None:
    firehose = FakeFirehose(refuse="inv-1", refusals=99)
    lake = FirehoseLake(SETTINGS, firehose, attempts=3, sleep=lambda _: None)
    with pytest.raises(DeliveryFailed) as failure:
        lake.put(rows(3))
    assert failure.value.failed == {1}
    assert len(firehose.calls) == 3
