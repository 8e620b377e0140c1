"""cxloop's models build their validators on first use (cxloop.domain.kernel.modelling) and a
handler imports what only some of its paths need when one of them runs; each in a
fresh interpreter here: a test session has long since used them all."""

from __future__ import annotations

from tests.helpers import fresh_interpreter_json


def test_importing_a_domain_module_builds_no_validator_it_does_not_use() -> None:
    found = fresh_interpreter_json(
        "import json\n"
        "from cxloop.domain.kernel.modelling import DomainModel\n"
        "import cxloop.domain.surveys.models\n"
        "import cxloop.domain.casework.models\n"
        "import cxloop.domain.casework.sla\n"
        "def every(model):\n"
        "    for sub in model.__subclasses__():\n"
        "        yield sub\n"
        "        yield from every(sub)\n"
        "print(json.dumps({m.__name__: m.__pydantic_complete__ for m in every(DomainModel)}))\n"
    )
    never_validated_at_import = {"Customer", "Interaction", "Invitation", "SurveyResponse", "Ticket", "Alert"}
    assert {name: found[name] for name in never_validated_at_import} == dict.fromkeys(
        never_validated_at_import, False
    )
    # The module-level defaults (SLA settings) are validated at import, so those are built.
    assert found["SlaSettings"] is True


def test_a_deferred_model_validates_and_refuses_on_first_use() -> None:
    found = fresh_interpreter_json(
        "import json\n"
        "from pydantic import ValidationError\n"
        "from cxloop.domain.kernel.events import Customer\n"
        "built_before = Customer.__pydantic_complete__\n"
        "ok = Customer.model_validate({'id': 'C-1', 'email': 'ana@example.com', 'locale': 'es-EC'})\n"
        "try:\n"
        "    Customer.model_validate({'id': 'C-1', 'unexpected': 1})\n"
        "    refused = []\n"
        "except ValidationError as error:\n"
        "    refused = [str(e['loc'][0]) for e in error.errors()]\n"
        "print(json.dumps({'before': built_before, 'after': Customer.__pydantic_complete__,\n"
        "                  'language': ok.language, 'refused': refused}))\n"
    )
    assert found == {"before": False, "after": True, "language": "es", "refused": ["unexpected"]}


def test_many_threads_first_using_one_model_all_get_the_same_answers() -> None:
    """The local runtime runs invocations on many threads: the first validations race."""
    found = fresh_interpreter_json(
        "import json\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from cxloop.domain.casework.models import Alert\n"
        "from cxloop.domain.kernel.events import Touchpoint\n"
        "def one(n):\n"
        "    t = Touchpoint.model_validate({'id': f'T-{n}', 'branch': 'B-1'})\n"
        "    return t.id, Touchpoint.model_json_schema()['title']\n"
        "with ThreadPoolExecutor(16) as pool:\n"
        "    answers = list(pool.map(one, range(64)))\n"
        "print(json.dumps({'answers': answers, 'alert_built': Alert.__pydantic_complete__}))\n"
    )
    assert found["answers"] == [[f"T-{n}", "Touchpoint"] for n in range(64)]
    assert found["alert_built"] is False


def test_the_reports_api_loads_the_metrics_report_only_when_asked_for_it() -> None:
    """Its health route never needs the periodic report, its insights or its PDF, which
    would otherwise cost every cold start of the function."""
    found = fresh_interpreter_json(
        "import json, sys\n"
        "import functions.reports_api.handler\n"
        "import cxloop.adapters.aggregate_scopes\n"
        "heavy = ('cxloop.domain.insights.report', 'cxloop.domain.insights.scope_insights',"
        " 'cxloop.domain.insights.report_pdf')\n"
        "loaded = [m for m in heavy if m in sys.modules]\n"
        "print(json.dumps({'loaded': loaded, 'health': 'cxloop.domain.insights.health' in sys.modules}))\n"
    )
    assert found == {"loaded": [], "health": True}
