"""A function imports only the contexts it runs (docs/ARCHITECTURE.md, Functions and the modules
they run): each handler is imported in a fresh interpreter, as a cold start imports it, and the
cxloop.domain contexts then in sys.modules must be exactly those its step runs. Nor does any
function load the X-Ray SDK (cxloop.observability: tracing is Lambda's and the ADOT layer's)."""

from __future__ import annotations

import pytest

from infra.pipeline import PIPELINE, Function
from tests.helpers import fresh_interpreter_json

PROBE = """
import json, sys
__import__({module!r}, fromlist=["handler"])
domain = [name.split(".", 3)[2:] for name in sys.modules if name.startswith("cxloop.domain.")]
print(json.dumps({{
    "contexts": sorted({{parts[0] for parts in domain}}),
    "modules": sorted(".".join(parts) for parts in domain if len(parts) == 2),
    "xray": sorted(name for name in ("aws_xray_sdk", "wrapt") if name in sys.modules),
}}))
"""

# Each step's contexts: the one it lives in and those below it that its models and rules are
# made of. `configuration` where the step reads the analysts' documents (CachedRulebook); each
# document's model then loads with the first read, not at import. Notes say why a lower context
# is there when the table in docs/ARCHITECTURE.md does not name it.
INTAKE = frozenset({"intake", "kernel"})
INSIGHTS = frozenset(
    {"casework", "configuration", "feedback", "insights", "kernel", "organisation", "surveys"}
)
EXPECTED: dict[str, frozenset[str] | set[str]] = {
    "capture_event": INTAKE,
    "import_events": INTAKE,
    # contact's manners name the survey a resolved case sends (surveys.names); the
    # customer's open cases (casework) load with the first send that asks for them.
    "send_survey": {"configuration", "contact", "kernel", "surveys"},
    # Erasure reaches every context that keeps personal data; the policy editor, role scoping.
    "customers_api": {
        "casework",
        "configuration",
        "contact",
        "feedback",
        "integrations",
        "kernel",
        "organisation",
        "privacy",
        "surveys",
    },
    "release_contacts": {"contact", "kernel", "surveys"},
    "send_reminders": {"configuration", "contact", "kernel", "surveys"},
    "survey_page": {"configuration", "kernel", "surveys"},
    "unsubscribe_page": {"contact", "integrations", "kernel", "surveys"},
    # A counter's code is scoped to a branch (organisation.access); the scan sends a survey.
    "scan_qr": {"configuration", "contact", "kernel", "organisation", "surveys"},
    "qr_codes_api": {"configuration", "kernel", "organisation", "surveys"},
    # Each step that announces outbound webhooks loads integrations (announcements, not deliveries).
    "score_response": {"configuration", "feedback", "integrations", "kernel", "surveys"},
    # Assignment walks the organisation; a new case is announced to webhooks, and a connected
    # team's case goes to its helpdesk (case_changes). Its customer notice is queued, not sent:
    # nothing of contact.
    "open_ticket": {
        "casework",
        "configuration",
        "feedback",
        "integrations",
        "kernel",
        "organisation",
        "surveys",
    },
    # A ticket carries the answer's score (surveys.scoring) and its feedback fields.
    "push_alert": {"casework", "feedback", "integrations", "kernel", "surveys"},
    # A notice needs neither its ticket nor the survey send: only the channel and the opt-out link.
    "notify_customer": {"casework", "contact", "kernel"},
    "record_suppression": {"contact", "integrations", "kernel"},
    # A connected team's change goes to its helpdesk (integrations.case_changes).
    "tickets_api": {
        "casework",
        "configuration",
        "feedback",
        "integrations",
        "kernel",
        "organisation",
        "surveys",
    },
    "config_api": {"configuration", "kernel", "organisation"},
    "sla_watcher": {
        "casework",
        "configuration",
        "feedback",
        "integrations",
        "kernel",
        "organisation",
        "surveys",
    },
    **dict.fromkeys(("reports_api", "metrics_api", "metric_alerts"), INSIGHTS),
    # The digest and the reports are mailed (contact's messages).
    **dict.fromkeys(("daily_digest", "publish_reports"), INSIGHTS | {"contact"}),
    "archive_to_lake": {"casework", "feedback", "insights", "kernel", "surveys"},
    "api_docs": set(),
    # Subscriptions are an executive's (organisation.access); delivery needs no other context.
    "webhooks_api": {"integrations", "kernel", "organisation"},
    "deliver_webhook": {"integrations", "kernel"},
    # A case carries the ticket (its score, its call script) and moves it through the lifecycle.
    **dict.fromkeys(
        ("sync_cases", "connector_events"),
        frozenset(
            {"casework", "configuration", "feedback", "integrations", "kernel", "organisation", "surveys"}
        ),
    ),
}
# Modules of a loaded context that the step still must not load.
NOT_LOADED: dict[str, set[str]] = {
    "push_alert": {"surveys.definitions", "surveys.survey_catalogue", "casework.case_rules"},
    # Its escalations are recorded in the history without the staff desk's actions.
    "sla_watcher": {
        "surveys.survey_catalogue",
        "contact.policy",
        "feedback.ticket_rules",
        "casework.lifecycle",
    },
    # The digest reads tickets as they were timed: none of the SLA rules, none of the listing.
    "daily_digest": {"casework.sla", "casework.ticket_list"},
    # A reminder resends a survey's link already made: no survey definitions or catalogue.
    "send_reminders": {"contact.send_survey", "surveys.definitions", "surveys.survey_catalogue"},
    "release_contacts": {"surveys.definitions"},
    # The organisation's people have addresses (kernel.addresses), not the ERP event's model.
    "config_api": {"kernel.events"},
    "webhooks_api": {"kernel.events"},
    # The opt-out page is written in the survey pages' document, without their survey form.
    "unsubscribe_page": {"surveys.definitions", "surveys.pages"},
    # The scan answers a redirect to the survey link: nothing of the send, nor of the form.
    "scan_qr": {"contact.send_survey", "surveys.pages"},
    # Metrics, their alerts and the periodic reports need the period, not the health report's
    # SLA arithmetic.
    **{name: {"insights.health", "casework.sla"} for name in ("metric_alerts", "publish_reports")},
    "metrics_api": {"insights.health", "casework.sla"},
    "survey_page": {"contact.policy", "feedback.ticket_rules", "casework.sla"},
    "score_response": {
        "contact.policy",
        "casework.case_rules",
        "casework.sla",
        "integrations.deliver_webhook",
    },
    # Sending a notice loads neither the contact policy nor the survey send.
    "notify_customer": {"contact.manners", "contact.policy", "contact.send_survey", "contact.opt_out"},
    # Deciding whether a new case goes to a helpdesk loads none of the helpdesk code.
    "open_ticket": {
        "casework.notify_customer",
        "integrations.destinations",
        "integrations.sync_cases",
        "integrations.cases",
        "integrations.zendesk",
        "integrations.servicenow",
        "integrations.salesforce",
        "integrations.shared_secret_callouts",
    },
}


def test_every_pipeline_function_has_an_expectation() -> None:
    assert set(EXPECTED) == {function.name for function in PIPELINE.functions}


@pytest.mark.parametrize("function", PIPELINE.functions, ids=lambda function: function.name)
def test_a_function_loads_only_the_contexts_it_runs(function: Function) -> None:
    loaded = fresh_interpreter_json(PROBE.format(module=function.handler_module))
    assert set(loaded["contexts"]) == EXPECTED[function.name]
    assert not NOT_LOADED.get(function.name, set()) & set(loaded["modules"])
    assert loaded["xray"] == []
