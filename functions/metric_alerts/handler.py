"""metric_alerts: scheduled once a day; publishes an SNS alert (kind "metric_drop") for each
touchpoint and branch whose NPS of the last 7 days fell significantly below its trailing 28-day
baseline (cxloop.domain.insights.metric_alerts judges it with the intervals, not the raw difference).

Once per scope and day. The alerts topic is a standard topic: SNS deduplicates messages only on
FIFO topics, which cannot deliver to email or SMS subscribers, so the dedupe is ours. Before
publishing, the run claims the alert id `metric_drop:<scope>:<date>` with a conditional put in
the idempotency table (a TTL table already granted to consumers; the id cannot clash with
Powertools' keys, which start with the function name). A second run the same day finds the claim
and publishes nothing. If the publish fails the claim is released, so a retry publishes it. A
crash between the claim and the publish loses that day's alert rather than sending it twice; a
drop that lasts is alerted again the next day, when its id is new.
"""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from cxloop.adapters.aggregate_scopes import scopes_with_counts
from cxloop.adapters.aggregates import DynamoAggregateStore
from cxloop.adapters.alert_claims import DynamoAlertClaims
from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.messaging import SnsAlertPublisher
from cxloop.config import settings
from cxloop.domain.casework.ports import AlertPublisher
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.feedback.ports import AggregateStore
from cxloop.domain.insights.metric_alerts import (
    DropCheck,
    check_drop,
    drop_alert,
    placement_of,
    watched,
    windows_before,
)
from cxloop.domain.insights.report import PresentScopes, ScopesBetween
from cxloop.domain.insights.scope_access import access_chain
from cxloop.domain.kernel.errors import Unavailable
from cxloop.domain.organisation.hierarchy import Organisation
from cxloop.observability import MetricUnit, logger, metrics
from cxloop.schedule import scheduled_time

# A claim outlives the day it is for; the table's TTL removes it afterwards.
CLAIM_KEPT = timedelta(days=3)


class AlertClaims(Protocol):
    def claim(self, alert_id: str, *, until: datetime) -> bool:
        """True for the first claim of the id; False when it was claimed already."""

    def release(self, alert_id: str) -> None: ...


@dataclass(frozen=True)
class Deps:
    aggregates: AggregateStore
    scopes_between: ScopesBetween
    publisher: AlertPublisher
    claims: AlertClaims
    rulebook: Callable[[], Rulebook] = Rulebook


@dataclass
class _Tally:
    verdicts: dict[str, int] = field(default_factory=lambda: {"drop": 0, "no_drop": 0, "too_few_answers": 0})
    published: int = 0
    repeats: int = 0
    failures: int = 0


def run(event: dict[str, Any], deps: Deps) -> dict[str, Any]:
    now = scheduled_time(event)
    windows = windows_before(now.astimezone(UTC).date())
    present = deps.scopes_between(windows.first_day, windows.recent.end)
    organisation = deps.rulebook().organisation
    tally = _Tally()
    for scope in sorted(s for s in present if watched(s)):
        days = deps.aggregates.read_days(scope, windows.first_day, windows.recent.end)
        check = check_drop(scope, days, windows)
        tally.verdicts[check.verdict] += 1
        if check.verdict == "drop":
            _alert(check, _chain(scope, present, deps.aggregates, organisation), now, deps, tally)
    metrics.add_metric(name="MetricDropAlerts", unit=MetricUnit.Count, value=tally.published)
    summary = {
        "checked": sum(tally.verdicts.values()),
        **tally.verdicts,
        "published": tally.published,
        "repeats": tally.repeats,
        "failures": tally.failures,
    }
    logger.info("metric alerts", extra=summary)
    return summary


def _chain(
    scope: str, present: PresentScopes, aggregates: AggregateStore, organisation: Organisation | None
) -> list[str]:
    """The scope and its parents: as scanned, else as stored (a parent may have no recent days)."""
    return access_chain(scope, lambda s: present.get(s) or aggregates.parent_of(s), organisation)


def _alert(check: DropCheck, chain: list[str], now: datetime, deps: Deps, tally: _Tally) -> None:
    alert = drop_alert(check, placement_of(chain), now=now)
    where = {"alert_id": alert.alert_id, "scope": check.scope}
    if not deps.claims.claim(alert.alert_id, until=now + CLAIM_KEPT):
        tally.repeats += 1
        logger.info("metric drop already alerted today", extra=where)
        return
    try:
        deps.publisher.publish(alert)
    except Unavailable as exc:
        # Let the next run (or Lambda's retry of this one) publish it.
        deps.claims.release(alert.alert_id)
        tally.failures += 1
        logger.error("metric drop alert not published", extra=where | {"error": str(exc)})
        return
    tally.published += 1
    logger.info("metric drop alerted", extra=where | {"difference": check.difference.value})


@built_once
def _deps() -> Deps:
    config = settings()
    aggregates = config.table("aggregates")
    return Deps(
        aggregates=DynamoAggregateStore(aggregates),
        scopes_between=scopes_with_counts(aggregates),
        publisher=SnsAlertPublisher(config.topic_arn("alerts")),
        claims=DynamoAlertClaims(config.table("idempotency")),
        rulebook=CachedRulebook(DynamoConfigStore(config.table("config")), reads=("organisation",)),
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run(event, _deps())
