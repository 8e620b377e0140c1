"""QR codes at counters: codes, scopes, scans, languages, the anonymous
respondent's rules and the survey they are shown."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
import segno

from cxloop.datafile import load_document_file
from cxloop.domain.casework.call_scripts import call_script
from cxloop.domain.casework.open_ticket import acknowledgement_for
from cxloop.domain.casework.sla import DEFAULT_SLA_SETTINGS
from cxloop.domain.contact.send_reminders import eligible
from cxloop.domain.insights.detractor_list import detractor_json
from cxloop.domain.kernel.errors import Forbidden, InvalidInput, NotFound
from cxloop.domain.kernel.events import Customer, Touchpoint, parse_event
from cxloop.domain.organisation.access import Caller
from cxloop.domain.organisation.hierarchy import Organisation
from cxloop.domain.surveys import qr_codes
from cxloop.domain.surveys.answers import parse_answers
from cxloop.domain.surveys.definitions import DEFAULT_SURVEY, without_call_back
from cxloop.domain.surveys.models import Invitation
from cxloop.domain.surveys.survey_page import survey_for
from tests.helpers import event_bytes, sample_ticket

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
ORG = Organisation.model_validate(
    load_document_file(
        "organisation", Path(__file__).resolve().parents[3] / "infra/local/data/organisation.yaml"
    )
)
COUNTER = Touchpoint(id="quito-norte/counter", name="Mostrador Quito Norte", branch="quito-norte")
MANAGER = Caller(user="ec-qn-manager", role="branch_manager", scope="branch:quito-norte")
OTHER_MANAGER = Caller(user="es-mc-manager", role="branch_manager", scope="branch:madrid-centro")
COUNTRY = Caller(user="ec-country-manager", role="country_manager", scope="country:EC")
AGENT = Caller(user="ec-qn-claims-1", role="agent", scope="team:quito-norte-claims")


class MemoryCodes:
    def __init__(self) -> None:
        self.items: dict[str, qr_codes.QrCode] = {}

    def add(self, code: qr_codes.QrCode) -> bool:
        if code.qr_id in self.items:
            return False
        self.items[code.qr_id] = code
        return True

    def get(self, qr_id: str) -> qr_codes.QrCode | None:
        return self.items.get(qr_id)

    def deactivate(self, qr_id: str, *, at: datetime, by: str) -> bool:
        found = self.items.get(qr_id)
        if found is None or not found.active:
            return False
        self.items[qr_id] = found.model_copy(
            update={"active": False, "deactivated_at": at, "deactivated_by": by}
        )
        return True

    def of_branch(self, branch: str) -> list[qr_codes.QrCode]:
        return [c for c in self.items.values() if c.branch == branch]

    def everything(self) -> list[qr_codes.QrCode]:
        return list(self.items.values())


class MemoryInvitations:
    def __init__(self) -> None:
        self.items: dict[str, Invitation] = {}

    def add(self, invitation: Invitation) -> None:
        self.items[invitation.token_hash] = invitation

    def get(self, token_hash: str) -> Invitation | None:
        return self.items.get(token_hash)


def create(
    caller: Caller = MANAGER, touchpoint: Touchpoint = COUNTER, store: MemoryCodes | None = None
) -> qr_codes.QrCode:
    request = qr_codes.QrRequest(touchpoint=touchpoint, language="es")
    return qr_codes.create_code(
        request, caller=caller, organisation=ORG, now=NOW, store=store or MemoryCodes()
    )


# --- codes ---------------------------------------------------------------------------------


def test_a_code_is_random_url_safe_and_its_id_is_derived_not_the_code() -> None:
    first, second = qr_codes.new_code(), qr_codes.new_code()
    assert first != second and qr_codes.looks_like_code(first) and len(first) == 22
    assert qr_codes.qr_id_for(first) == qr_codes.qr_id_for(first) != qr_codes.qr_id_for(second)
    assert first not in qr_codes.qr_id_for(first) and re.fullmatch(
        r"QR-[A-Z2-7]{16}", qr_codes.qr_id_for(first)
    )


def test_a_branch_managers_code_gets_its_region_and_country_from_the_organisation() -> None:
    code = create()
    assert (code.touchpoint.region, code.touchpoint.country) == ("pichincha", "EC")
    assert code.created_by == "ec-qn-manager" and code.active and code.event_type == "counter.visit"
    assert "code" not in code.summary() and code.summary()["qr_id"] == code.qr_id


def test_scopes_decide_who_may_create_a_code_where() -> None:
    assert create(COUNTRY).touchpoint.branch == "quito-norte"
    with pytest.raises(Forbidden):
        create(OTHER_MANAGER)
    with pytest.raises(Forbidden):
        create(AGENT)


def test_an_unknown_or_misplaced_branch_is_refused() -> None:
    with pytest.raises(InvalidInput) as unknown:
        create(COUNTRY, Touchpoint(id="x/counter", branch="atlantis"))
    assert unknown.value.details[0].field == "touchpoint.branch"
    with pytest.raises(InvalidInput) as misplaced:
        create(COUNTRY, COUNTER.model_copy(update={"country": "ES"}))
    assert misplaced.value.details[0].field == "touchpoint.country"


def test_listing_and_reading_stay_within_the_scope() -> None:
    store = MemoryCodes()
    quito = create(store=store)
    madrid = create(
        Caller(user="exec", role="executive", scope="all"),
        Touchpoint(id="madrid-centro/counter", branch="madrid-centro"),
        store,
    )
    assert [c.qr_id for c in qr_codes.list_codes(MANAGER, branch=None, store=store)] == [quito.qr_id]
    assert qr_codes.list_codes(MANAGER, branch="madrid-centro", store=store) == []
    executive = Caller(user="exec", role="executive", scope="all")
    assert {c.qr_id for c in qr_codes.list_codes(executive, branch=None, store=store)} == {
        quito.qr_id,
        madrid.qr_id,
    }
    with pytest.raises(NotFound):
        qr_codes.visible_code(madrid.qr_id, MANAGER, store)
    with pytest.raises(Forbidden):
        qr_codes.list_codes(AGENT, branch=None, store=store)


def test_deactivating_twice_keeps_the_first_who_and_when() -> None:
    store = MemoryCodes()
    code = create(store=store)
    first = qr_codes.deactivate(code.qr_id, caller=MANAGER, now=NOW, store=store)
    again = qr_codes.deactivate(code.qr_id, caller=COUNTRY, now=NOW + timedelta(hours=1), store=store)
    assert not first.active and (again.deactivated_at, again.deactivated_by) == (NOW, "ec-qn-manager")


# --- languages and scans -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"),
        ("de-DE,en;q=0.3,pt-BR;q=0.8", "pt"),
        ("en;q=0, es-EC;q=0.4", "es"),
        ("de, it", "es"),
        ("", "es"),
        (None, "es"),
        ("en;q=abc,pt", "pt"),
    ],
)
def test_the_language_is_the_phones_best_that_we_have(header: str | None, expected: str) -> None:
    assert qr_codes.choose_language(header, "es") == expected


def test_a_scan_creates_an_anonymous_single_use_invitation_for_the_touchpoint() -> None:
    codes, invitations = MemoryCodes(), MemoryInvitations()
    code = create(store=codes)
    first = qr_codes.scan(code.code, accept_language="en-GB", now=NOW, codes=codes, invitations=invitations)
    second = qr_codes.scan(code.code, accept_language=None, now=NOW, codes=codes, invitations=invitations)
    assert first.state == second.state == "open" and first.token != second.token
    invitation = first.invitation
    assert invitation is not None and first.token is not None
    assert (
        invitations.get(invitation.token_hash) == invitation
        and first.token not in invitation.model_dump_json()
    )
    assert invitation.customer.anonymous and invitation.customer.id.startswith("anon-")
    assert invitation.customer.language == "en" and second.language == "es"
    assert invitation.touchpoint == code.touchpoint and invitation.channel == "qr"
    assert invitation.expires_at - NOW == qr_codes.SCAN_TTL and invitation.attributes == {"qr_id": code.qr_id}


def test_unknown_and_deactivated_codes_create_nothing() -> None:
    codes, invitations = MemoryCodes(), MemoryInvitations()
    code = create(store=codes)
    assert (
        qr_codes.scan("x" * 22, accept_language="pt", now=NOW, codes=codes, invitations=invitations).state
        == "unknown"
    )
    assert (
        qr_codes.scan("<script>", accept_language=None, now=NOW, codes=codes, invitations=invitations).state
        == "unknown"
    )
    codes.deactivate(code.qr_id, at=NOW, by="x")
    gone = qr_codes.scan(code.code, accept_language="fr", now=NOW, codes=codes, invitations=invitations)
    assert (gone.state, gone.language, gone.token) == ("inactive", "fr", None) and invitations.items == {}
    page = qr_codes.dead_end_page("inactive", language="fr")
    assert "Ce code n'est plus utilisé" in html.unescape(page) and 'lang="fr"' in page


# --- the anonymous respondent ----------------------------------------------------------------


def test_an_anonymous_customer_has_no_contact_and_the_webhook_refuses_one() -> None:
    assert qr_codes.anonymous_customer("es").anonymous
    with pytest.raises(ValueError, match="anonymous"):
        Customer(id="anon-1", email="a@example.com", anonymous=True)
    body = json.loads(event_bytes("erp/claim_reported"))
    body["customer"]["anonymous"] = True
    with pytest.raises(InvalidInput):
        parse_event(json.dumps(body).encode())  # with a contact: refused as contradictory
    body["customer"] = {"id": "C-1", "anonymous": True}
    with pytest.raises(InvalidInput) as refused:
        parse_event(json.dumps(body).encode())  # without one: the webhook may not say so
    assert refused.value.details[0].field == "customer.anonymous"


def test_the_survey_shown_to_an_anonymous_respondent_offers_no_call_back() -> None:
    plain = without_call_back(DEFAULT_SURVEY)
    removed = {q.id for q in DEFAULT_SURVEY.questions} - {q.id for q in plain.questions}
    assert removed == {"callback", "callback_time"} and plain.version == DEFAULT_SURVEY.version
    codes, invitations = MemoryCodes(), MemoryInvitations()
    scanned = qr_codes.scan(
        create(store=codes).code, accept_language=None, now=NOW, codes=codes, invitations=invitations
    )
    assert scanned.invitation is not None
    shown = survey_for(scanned.invitation)
    assert shown.question("callback") is None and shown.question("comment") is not None
    with pytest.raises(InvalidInput) as refused:
        parse_answers(shown, {"nps": "2", "callback": "yes"})
    assert refused.value.details[0].field == "answers.callback"


def test_an_anonymous_ticket_gets_no_acknowledgement_no_reminder_and_a_script_without_a_call() -> None:
    anonymous = qr_codes.anonymous_customer("es")
    ticket = sample_ticket(customer=anonymous, ticket_type="complaint")
    assert acknowledgement_for(ticket, DEFAULT_SLA_SETTINGS) is None
    assert acknowledgement_for(sample_ticket(ticket_type="complaint"), DEFAULT_SLA_SETTINGS) is not None
    script = call_script(ticket)
    lines = script["lines"]
    assert script.get("anonymous") is True and isinstance(lines, list) and "no hay a quién llamar" in lines[0]
    listed = detractor_json(ticket, personal_data=True)
    assert listed["anonymous"] is True and listed["customer"] == "anonymous"
    codes, invitations = MemoryCodes(), MemoryInvitations()
    scanned = qr_codes.scan(
        create(store=codes).code, accept_language=None, now=NOW, codes=codes, invitations=invitations
    )
    assert scanned.invitation is not None
    later = NOW + timedelta(hours=12)
    assert not eligible(scanned.invitation, now=later, after_days=0)
    named = scanned.invitation.model_copy(update={"customer": Customer(id="C-1", email="a@example.com")})
    assert eligible(named, now=later, after_days=0)


# --- the printable card --------------------------------------------------------------------


def dark_modules(svg: str) -> tuple[int, set[tuple[int, int]]]:
    """The modules the card's path paints, read back from the SVG (it is XML)."""
    root = ElementTree.fromstring(svg)
    group = root.find("{http://www.w3.org/2000/svg}g")
    assert group is not None
    size = int(group.attrib["data-modules"])
    path = group.find("{http://www.w3.org/2000/svg}path")
    assert path is not None
    module = 76.0 / (size + 2 * qr_codes.QUIET_ZONE)
    dark: set[tuple[int, int]] = set()
    for left, top, width in re.findall(r"M([\d.]+) ([\d.]+)h([\d.]+)v", path.attrib["d"]):
        x, y, run = round(float(left) / module), round(float(top) / module), round(float(width) / module)
        dark |= {(x + i, y) for i in range(run)}
    return size, dark


def test_the_card_is_an_a6_svg_whose_code_is_the_urls_qr_code() -> None:
    code = create()
    url = qr_codes.public_url("https://cx.example/", code.code)
    svg = qr_codes.card_svg(code, url)
    root = ElementTree.fromstring(svg)
    assert (root.attrib["width"], root.attrib["height"]) == ("105mm", "148mm")
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Mostrador Quito Norte" in texts and url in texts and qr_codes.copy_for("es")["cta"] in texts
    expected = segno.make(url, error=qr_codes.ERROR_CORRECTION, micro=False)
    assert expected.error in ("Q", "H")
    size, dark = dark_modules(svg)
    matrix = [list(map(bool, row)) for row in expected.matrix]
    assert size == len(matrix)
    assert dark == {(x, y) for y, row in enumerate(matrix) for x, on in enumerate(row) if on}


def test_the_png_is_a_png_of_about_the_size_asked() -> None:
    image = qr_codes.png_image("https://cx.example/q/" + "a" * 22, size_px=600)
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(image[16:20], "big")
    assert 400 <= width <= 600
