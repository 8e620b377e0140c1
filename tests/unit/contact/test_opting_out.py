"""Opt-out links: token binding, the pages, the footer every message gets, SMS fitting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cxloop.domain.contact import messages, notices, unsubscribe_page
from cxloop.domain.contact.manners import ContactState
from cxloop.domain.contact.opt_out import opt_out, via_of
from cxloop.domain.contact.opt_out_links import OptOutLink, fresh_link, look_up
from cxloop.domain.contact.policy import ContactMemory
from cxloop.domain.contact.sms_text import is_gsm7, segments
from cxloop.domain.kernel import tokens
from cxloop.domain.kernel.errors import Conflict

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
BASE = "https://cx.example"


class Links:
    def __init__(self) -> None:
        self.items: dict[str, OptOutLink] = {}

    def add(self, link: OptOutLink) -> None:
        self.items[link.token_hash] = link

    def get(self, token_hash: str) -> OptOutLink | None:
        return self.items.get(token_hash)


class Contacts:
    """Versioned like the table: a save on a stale version raises Conflict."""

    def __init__(self, conflicts: int = 0) -> None:
        self.states: dict[str, ContactState] = {}
        self.conflicts = conflicts

    def load(self, customer_id: str) -> ContactState:
        return self.states.get(customer_id) or ContactState(memory=ContactMemory(customer_id=customer_id))

    def save(self, customer_id: str, state: ContactState, *, expected_version: int) -> None:
        if self.conflicts:
            self.conflicts -= 1
            raise Conflict("changed meanwhile")
        assert self.load(customer_id).version == expected_version
        self.states[customer_id] = state.model_copy(update={"version": expected_version + 1})

    def due(self, now: datetime) -> list[str]:
        return []


def sent_link(customer_id: str, *, language: str, now: datetime, base_url: str, links: Links) -> str:
    """A fresh link stored as a message's send claim stores it (kernel/sends.py), and its URL."""
    url, link = fresh_link(customer_id, language=language, now=now, base_url=base_url)
    links.add(link)
    return url


def token_of(url: str) -> str:
    assert url.startswith(f"{BASE}/u/")
    return url.rsplit("/", 1)[1]


def test_a_link_stores_only_the_hash_of_its_token_bound_to_the_customer() -> None:
    links = Links()
    url = sent_link("C-1", language="pt", now=NOW, base_url=BASE + "/", links=links)
    token = token_of(url)
    assert tokens.looks_like_token(token)
    (stored,) = links.items.values()
    assert stored.token_hash == tokens.token_hash(token) != token
    assert token not in stored.model_dump_json()
    assert look_up(token, now=NOW, links=links) == stored
    assert stored.customer_id == "C-1" and stored.language == "pt"


def test_each_link_is_new_so_a_forwarded_one_binds_only_its_customer() -> None:
    links = Links()
    first = sent_link("C-1", language="es", now=NOW, base_url=BASE, links=links)
    second = sent_link("C-2", language="es", now=NOW, base_url=BASE, links=links)
    assert first != second
    found = look_up(token_of(second), now=NOW, links=links)
    assert found is not None and found.customer_id == "C-2"


def test_junk_unknown_and_expired_tokens_find_nothing() -> None:
    links = Links()
    token = token_of(sent_link("C-1", language="es", now=NOW, base_url=BASE, links=links))
    assert look_up("not-a-token", now=NOW, links=links) is None
    assert look_up(tokens.new_token(), now=NOW, links=links) is None
    assert look_up(token, now=NOW + timedelta(days=367), links=links) is None


def test_opting_out_sets_the_flag_and_keeps_when_and_how_once() -> None:
    links, contacts = Links(), Contacts(conflicts=1)
    token = token_of(sent_link("C-1", language="es", now=NOW, base_url=BASE, links=links))
    done = opt_out(token, now=NOW, via="one_click", links=links, contacts=contacts)
    assert done is not None and not done.already
    state = contacts.load("C-1")
    assert state.memory.opted_out
    (decision,) = state.decisions
    assert (decision.at, decision.action, decision.reason) == (NOW, "opt_out", "opted_out_one_click")
    again = opt_out(token, now=NOW + timedelta(hours=1), via="page", links=links, contacts=contacts)
    assert again is not None and again.already
    assert len(contacts.load("C-1").decisions) == 1


def test_an_unknown_token_opts_nobody_out() -> None:
    contacts = Contacts()
    assert opt_out(tokens.new_token(), now=NOW, via="page", links=Links(), contacts=contacts) is None
    assert contacts.states == {}


def test_a_mail_providers_one_click_post_is_told_apart_from_the_button() -> None:
    assert via_of("List-Unsubscribe=One-Click") == "one_click"
    assert via_of("") == "page"


@pytest.mark.parametrize(
    ("language", "question", "button"),
    [
        ("es", "¿Dejar de recibir encuestas?", "Sí, no quiero más encuestas"),
        ("en", "Stop receiving surveys?", "Yes, no more surveys"),
        ("pt", "Deixar de receber pesquisas?", "Sim, não quero mais pesquisas"),
        ("fr", "Ne plus recevoir de questionnaires\u00a0?", "Oui, plus de questionnaires"),
    ],
)
def test_the_question_page_is_in_the_customers_language_and_posts_back(
    language: str, question: str, button: str
) -> None:
    page = unsubscribe_page.ask_page(language=language)
    assert f'<html lang="{language}"' in page
    assert question in page and button in page
    assert '<form method="post">' in page and "action=" not in page


def test_unknown_languages_get_english_and_the_other_pages_are_friendly() -> None:
    assert "Stop receiving surveys?" in unsubscribe_page.ask_page(language="de")
    assert "No le enviaremos más encuestas" in unsubscribe_page.done_page(language="es")
    assert "Link not found" in unsubscribe_page.unknown_page(language="en")
    assert "<form" not in unsubscribe_page.done_page(language="fr")


def test_an_invitation_email_ends_with_the_link_and_names_it_for_list_unsubscribe() -> None:
    url = f"{BASE}/u/{tokens.new_token()}"
    plain = messages.invitation_email(
        language="es", customer_name="Ana<b> Pérez", place="Quito", url=f"{BASE}/s/x", days_valid=14
    )
    message = messages.with_opt_out(plain, language="es", url=url)
    assert message.unsubscribe_url == url
    assert message.text.rstrip().endswith(f"¿No quiere más encuestas? {url}")
    assert f'href="{url}"' in message.html and message.html.endswith("</body></html>")
    assert message.html.count("</body>") == 1 and "Ana&lt;b&gt;" in message.html
    assert messages.with_opt_out(plain, language="es", url=None) == plain


def test_case_notices_carry_the_link_too() -> None:
    url = f"{BASE}/u/{tokens.new_token()}"
    ack = notices.acknowledgement_email("fr", "Luc", "T-1", "lundi")
    message = messages.with_opt_out(ack, language="fr", url=url)
    assert "Plus de questionnaires\u00a0? " + url in message.text
    assert message.unsubscribe_url == url


def test_an_sms_gets_stop_and_the_link_when_two_gsm7_parts_still_hold_it() -> None:
    url = f"{BASE}/u/{tokens.new_token()}"
    text = messages.invitation_sms(language="es", brand="Seguros", place="Quito Norte", url=f"{BASE}/s/abc")
    fitted = messages.sms_with_stop(text, url)
    assert fitted == f"{text} STOP: {url}"
    assert is_gsm7(fitted) and segments(fitted) == 2


def test_an_sms_too_long_for_the_link_or_not_gsm7_goes_without_it() -> None:
    url = f"{BASE}/u/{tokens.new_token()}"
    long_place = "Sucursal " * 20
    text = messages.invitation_sms(language="en", brand="Seguros", place=long_place, url=f"{BASE}/s/abc")
    assert messages.sms_with_stop(text, url) == text
    unicode_text = "Seguros: ¿cómo fue? 🙂 " + f"{BASE}/s/abc"
    assert messages.sms_with_stop(unicode_text, url) == unicode_text
    assert messages.sms_with_stop(text, None) == text
