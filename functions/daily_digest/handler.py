"""daily_digest: scheduled once a day; tells each manager the open and overdue tickets in their
scope, as an SNS alert (kind "digest", audience their role, recipient their id) and an email in
their language.

Once per run, once a day: the function keeps no record of what it sent (the pipeline gives it no
idempotency table), so each run sends every digest, and EventBridge runs it once a day. Scheduled
delivery is at-least-once, though: on the rare duplicate invocation managers get the digest twice.
The alert id, digest:<manager>:<date>, is the same both times, so a consumer can recognise the
repeat. A failed send is counted, logged and left: raising would make Lambda retry the whole run
and send everyone else's digest again. Only a failure before anything is sent (reading the
tickets or the rulebook) raises, and then a retry is what we want.
"""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.messaging import SesEmailSender, SnsAlertPublisher
from cxloop.adapters.tickets import DynamoTicketStore
from cxloop.config import settings
from cxloop.domain.casework.ports import AlertPublisher, TicketStore
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.contact.ports import EmailSender
from cxloop.domain.insights.daily_digest import Digest, build_digests, digest_alert, digest_email, managers
from cxloop.domain.kernel.errors import Unavailable
from cxloop.observability import MetricUnit, logger, metrics
from cxloop.schedule import scheduled_time


@dataclass(frozen=True)
class Deps:
    tickets: TicketStore
    publisher: AlertPublisher
    email: EmailSender
    sender_address: str
    rulebook: Callable[[], Rulebook] = Rulebook


@dataclass
class _Tally:
    alerts: int = 0
    emails: int = 0
    failures: int = 0


def run(event: dict[str, Any], deps: Deps) -> dict[str, Any]:
    organisation = deps.rulebook().organisation
    if organisation is None:
        # Without an organisation nobody is a manager: say so rather than succeed silently.
        logger.warning("no organisation published: no digests sent")
        return {
            "managers": 0,
            "digests": 0,
            "alerts": 0,
            "emails": 0,
            "failures": 0,
            "skipped": "no organisation",
        }
    digests = build_digests(organisation, deps.tickets.open_tickets(), now=scheduled_time(event))
    tally = _Tally()
    for digest in digests:
        _send(digest, deps, tally)
    metrics.add_metric(name="DigestsSent", unit=MetricUnit.Count, value=len(digests))
    metrics.add_metric(name="DigestFailures", unit=MetricUnit.Count, value=tally.failures)
    summary = {
        "managers": len(managers(organisation)),
        "digests": len(digests),
        "alerts": tally.alerts,
        "emails": tally.emails,
        "failures": tally.failures,
    }
    logger.info("daily digest", extra=summary)
    return summary


def _send(digest: Digest, deps: Deps, tally: _Tally) -> None:
    """The alert and the email go out independently: one failing does not hold back the other."""
    # Ids only in the logs: the manager's email address is personal data.
    where = {"digest_id": digest.digest_id, "manager": digest.manager_id}
    try:
        deps.publisher.publish(digest_alert(digest))
        tally.alerts += 1
    except Unavailable as exc:
        tally.failures += 1
        logger.error("digest alert not published", extra=where | {"error": str(exc)})
    if digest.email is None:
        return
    try:
        deps.email.send(sender=deps.sender_address, to=digest.email, message=digest_email(digest))
        tally.emails += 1
    except Unavailable as exc:
        tally.failures += 1
        logger.error("digest email not sent", extra=where | {"error": str(exc)})


@built_once
def _deps() -> Deps:
    config = settings()
    return Deps(
        tickets=DynamoTicketStore(config.table("tickets")),
        publisher=SnsAlertPublisher(config.topic_arn("alerts")),
        email=SesEmailSender(configuration_set=config.ses_configuration_set),
        sender_address=config.sender_address,
        rulebook=CachedRulebook(DynamoConfigStore(config.table("config")), reads=("organisation",)),
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run(event, _deps())
