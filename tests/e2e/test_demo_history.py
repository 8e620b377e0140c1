"""The demo's 12 weeks of history (infra/local/demo/past.py) on a runtime of its own: a history
file through import_events, then what it makes visible over HTTP: a trend of many points, the
drivers answered, a metric-drop alert for the dipping branch, last month's published report, and
the lake's partitions by answer date; and what it must not do: survey, open tickets or alert on
12-week-old answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests

from infra.local import configfiles
from infra.local.analytics import lake_location
from infra.local.auth import mint_token
from infra.local.defaults import STAFF_TOKEN_SECRET
from infra.local.demo.casework.desk import DOCUMENTS
from infra.local.demo.history import DIPPING_BRANCH, DRIVERS, WEEKS
from infra.local.demo.http import Http
from infra.local.demo.past import History, play_history
from infra.local.resources import local_session
from tests.e2e.conftest import Client, start_runtime, wait_for

pytestmark = pytest.mark.e2e

SEED = 7
TOKEN = mint_token(STAFF_TOKEN_SECRET, role="executive", user="e2e-history")


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, History]]:
    served = start_runtime(tmp_path_factory.mktemp("history"))
    try:
        client = Client(served.base_url, served.log_file)
        for name, path in DOCUMENTS:
            status, body = configfiles.push(client.base_url, name, path, token=TOKEN)
            assert status == 200, body
        yield client, play_history(Http(client.base_url), TOKEN, SEED, say=print)
    finally:
        served.stop()


def metrics(client: Client, **params: str) -> dict[str, Any]:
    answer = requests.get(
        client.url("/v1/metrics"), params=params, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_the_history_was_imported_whole(played: tuple[Client, History]) -> None:
    _, history = played
    assert history.problems == []
    assert history.rows > 0


def test_the_trend_has_a_point_per_week_and_the_drivers_were_answered(played: tuple[Client, History]) -> None:
    client, history = played
    today = datetime.now(UTC).date()
    found = metrics(
        client, scope="all", interval="week", **{"from": (today - timedelta(weeks=WEEKS)).isoformat()}
    )
    assert found["nps"]["n"] == history.rows
    assert len([p for p in found["trend"] if p["nps"]["n"]]) >= WEEKS
    assert {d["driver"] for d in found["drivers"]["ranked"]} == set(DRIVERS)


def test_the_dipping_branch_raised_a_metric_drop_alert(played: tuple[Client, History]) -> None:
    client, _ = played
    drops = [a for a in client.alerts() if a["attributes"].get("kind") == "metric_drop"]
    assert {a["attributes"]["branch"] for a in drops} >= {DIPPING_BRANCH}
    assert any(f"branch:{DIPPING_BRANCH}" in a["subject"] for a in drops)


def test_last_months_report_was_published_and_its_link_opens(played: tuple[Client, History]) -> None:
    _, history = played
    last_month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert history.reports["period"] == last_month
    assert history.reports["stored"] > 0
    page = requests.get(history.report_links[0], timeout=30)
    assert page.status_code == 200
    assert "<html" in page.text.lower()


def test_past_answers_open_no_ticket_send_no_survey_and_land_in_their_days_partitions(
    played: tuple[Client, History],
) -> None:
    client, history = played
    assert client.staff_get("/v1/tickets", TOKEN).json()["items"] == []
    assert not [m for m in client.outbox() if m.get("survey_url")]
    assert {a["attributes"].get("kind") for a in client.alerts()} == {"metric_drop"}
    endpoint, bucket = lake_location(client.base_url)
    s3 = local_session().client("s3", endpoint_url=endpoint)
    oldest = (datetime.now(UTC).date() - timedelta(weeks=WEEKS)).isoformat()

    def oldest_partition() -> list[Any] | None:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"responses/dt={oldest}/")
        return listed.get("Contents") or None

    assert wait_for(oldest_partition, 60)
    assert history.import_s > 0
