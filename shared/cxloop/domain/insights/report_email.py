"""The email that tells a manager their periodic report is ready: the links to the page (and its
PDF), the headline NPS and when the links expire, in the manager's language. The words live in
assets/report_email_copy.json beside this module (package data).
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from cxloop.domain.contact.messages import EmailMessage
from cxloop.domain.insights.report import Language, ScopeReport, report_language
from cxloop.domain.insights.report_content import copy_for, display_name, number
from cxloop.domain.kernel.package_files import package_json


def report_email(
    report: ScopeReport,
    *,
    name: str,
    language: str,
    link: str,
    expires: datetime,
    pdf_link: str | None = None,
) -> EmailMessage:
    """The email with the report's link (and its PDF's, when stored), in the manager's language.
    Only the headline NPS: the figures live behind the links, which expire."""
    lang = report_language(language)
    copy = _email_copy()[lang]
    where = display_name(report.scope, report.name, copy_for(lang))
    period = report.period
    nps = report.scores.nps
    values = {
        "period": period.label,
        "where": where,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "scope": report.scope,
        "expires": expires.strftime("%Y-%m-%d %H:%M"),
        "name": name.split(" ", maxsplit=1)[0],
    }
    headline = (
        copy["headline"].format(
            nps=number(nps.value, lang), low=number(nps.low, lang), high=number(nps.high, lang), n=nps.n
        )
        if nps.value is not None
        else copy["no_answers"]
    )
    texts = [copy["greeting"].format(**values), copy["ready"].format(**values), headline]
    expiry = copy["expires"].format(**values)
    links = [(copy["link"], link)] + ([(copy["pdf"], pdf_link)] if pdf_link else [])
    text = "\n\n".join([*texts, *(f"{label}: {url}" for label, url in links), expiry]) + "\n"
    html = (
        f'<!doctype html><html lang="{lang}"><body style="font-family:sans-serif;color:#1a1a1a">'
        + "".join(f"<p>{escape(t)}</p>" for t in texts)
        + "".join(f'<p><a href="{escape(url, quote=True)}">{escape(label)}</a></p>' for label, url in links)
        + f'<p style="color:#555;font-size:13px">{escape(expiry)}</p></body></html>'
    )
    return EmailMessage(subject=copy["subject"].format(**values)[:200], html=html, text=text)


def _email_copy() -> dict[Language, dict[str, str]]:
    copy: dict[Language, dict[str, str]] = package_json(
        "cxloop.domain.insights", "assets", "report_email_copy.json"
    )
    return copy
