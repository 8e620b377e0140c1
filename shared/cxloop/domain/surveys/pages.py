"""HTML for the survey link: the form and the thank-you (the document they are written in, and
the friendly dead ends: surveys/page_document.py).

Mobile-first and accessible (labels and legends on every control, 44px touch targets,
an error summary linked to the fields, visible focus), localized in es/en/pt/fr, themed
per brand. The form works without JavaScript: it posts back to the same URL and the
server applies the display logic. A small inline script (allowed by its CSP hash, the
only script the page may run) hides the follow-ups that do not apply and keeps a draft
of the answers in the browser until they are sent. Every customer-supplied or stored
value is escaped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from html import escape

from cxloop.domain.kernel.errors import FieldProblem
from cxloop.domain.surveys.answers import MAX_COMMENT_CHARS, REQUIRED, as_boolean
from cxloop.domain.surveys.definitions import Question, SurveyDefinition, grid_key
from cxloop.domain.surveys.page_document import copy_for, document, panel, paragraph, supported
from cxloop.domain.surveys.scoring import score_answers
from cxloop.domain.surveys.theme import DEFAULT_THEME, Theme


def draft_key(token: str) -> str:
    """Names the browser-side draft of one link's answers.

    A hash of the link's path, never the token: anything that reads the browser's storage
    (an extension, a shared computer) must not learn a working link. Salted so it differs
    from the token hash the server stores.
    """
    return hashlib.sha256(f"cxloop survey draft\x00/s/{token}".encode()).hexdigest()[:32]


def survey_page(
    survey: SurveyDefinition,
    *,
    language: str,
    place: str,
    answers: Mapping[str, object] | None = None,
    problems: list[FieldProblem] | None = None,
    theme: Theme = DEFAULT_THEME,
    draft: str = "",
) -> str:
    language = supported(language)
    copy = copy_for(language)
    wrong = {p.field.removeprefix("answers."): p.problem for p in problems or []}
    given = answers or {}
    questions = "".join(
        _grid(block, language, copy, given, wrong)
        if len(block) > 1 or block[0].grid
        else _question(block[0], language, copy, given.get(block[0].id), wrong.get(block[0].id))
        for block in _blocks(survey.questions)
    )
    summary = _error_summary(survey, wrong, language, copy) if wrong else ""
    body = (
        f'<p class="kicker">{escape(copy["title"])}</p><h1>{escape(place or copy["title"])}</h1>'
        f'<p class="intro">{escape(copy["intro"])}</p>{summary}'
        f'<form id="survey" method="post" novalidate data-draft="{escape(draft)}">{questions}'
        f'<p class="draft-note">{escape(copy["draft_note"])}</p>'
        f'<button type="submit">{escape(copy["submit"])}</button></form>'
    )
    # The title is read first by screen readers and shown in the tab: say there is a problem.
    title = f"{copy['error_prefix']} {copy['title']}" if wrong else copy["title"]
    return document(language, title, body, theme, script=True)


def thanks_page(*, language: str, answers: Mapping[str, object], theme: Theme = DEFAULT_THEME) -> str:
    """Fits the answers: a promoter is thanked warmly (and invited to review us), a detractor
    learns what happens next: a call back, or that the team got the comment."""
    language = supported(language)
    copy = copy_for(language)
    score = score_answers(dict(answers))
    if score.nps_category == "promoter":
        title = copy["thanks_promoter_title"]
        said = [paragraph(copy["thanks_promoter"]), _review_invitation(theme, copy)]
    else:
        title = copy["thanks_title"]
        said = [paragraph(copy["thanks"]), *_what_happens_next(answers, copy)]
    return document(language, title, panel(title, "".join(said)), theme)


def _review_invitation(theme: Theme, copy: Mapping[str, str]) -> str:
    if theme.review_url is None:
        return ""
    link = (
        f'<a class="button" href="{escape(theme.review_url, quote=True)}" rel="noopener noreferrer">'
        f"{escape(copy['review_link'])}</a>"
    )
    return f"{paragraph(copy['review'])}<p>{link}</p>"


def _what_happens_next(answers: Mapping[str, object], copy: Mapping[str, str]) -> list[str]:
    if answers.get("callback") is True:
        when = copy.get(f"call_{answers.get('callback_time')}")
        return [paragraph(copy["thanks_callback"]), paragraph(when) if when else ""]
    comment = answers.get("comment")
    if isinstance(comment, str) and comment.strip():
        return [paragraph(copy["thanks_comment"])]
    return []


def _error_summary(
    survey: SurveyDefinition, wrong: Mapping[str, str], language: str, copy: Mapping[str, str]
) -> str:
    """GOV.UK-style: one list at the top, each entry a link that moves focus to the field."""
    items = [
        f'<li><a href="#{_first_control_id(q)}">'
        f"{escape(_sentence(q.text(q.label, language), _problem_text(q, wrong[q.id], copy)))}</a></li>"
        for q in survey.questions
        if q.id in wrong
    ]
    if any(survey.question(field) is None for field in wrong):
        items.append(f"<li>{escape(copy['problem_unknown'])}</li>")
    return (
        '<div class="summary" id="error-summary" role="alert" tabindex="-1" '
        'aria-labelledby="error-summary-title">'
        f'<h2 id="error-summary-title">{escape(copy["errors"])}</h2><ul>{"".join(items)}</ul></div>'
    )


def _sentence(question: str, problem: str) -> str:
    """ "Question? Problem." or "Statement: problem." when the question ends without a stop."""
    question = question.rstrip()
    return f"{question} {problem}" if question[-1:] in "?.!" else f"{question}: {problem}"


def _problem_text(question: Question, problem: str, copy: Mapping[str, str]) -> str:
    """The validator speaks English to integrators; the customer reads their own language."""
    if problem == REQUIRED:
        return copy["problem_required"]
    if question.kind == "scale":
        return copy["problem_scale"].format(min=question.min, max=question.max)
    if question.kind in ("boolean", "choice", "multiple"):
        return copy[f"problem_{question.kind}"]
    return copy["problem_text"].format(max=MAX_COMMENT_CHARS)


def _first_control_id(question: Question) -> str:
    if question.kind == "text":
        return question.id
    return f"{question.id}-{_option_values(question)[0][0]}"


def _option_values(question: Question, copy: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(value, visible text) of each radio of a choice-like question."""
    if question.kind == "boolean":
        return [("yes", (copy or {}).get("yes", "")), ("no", (copy or {}).get("no", ""))]
    if question.kind in ("choice", "multiple"):
        return [(option.value, "") for option in question.options]
    return [(str(n), str(n)) for n in range(question.min, question.max + 1)]


def _blocks(questions: tuple[Question, ...]) -> list[list[Question]]:
    """The questions in page order, the rows of each driver grid together."""
    blocks: list[list[Question]] = []
    for question in questions:
        key = grid_key(question)
        if blocks and key is not None and grid_key(blocks[-1][0]) == key:
            blocks[-1].append(question)
        else:
            blocks.append([question])
    return blocks


def _grid(
    rows: list[Question],
    language: str,
    copy: Mapping[str, str],
    given: Mapping[str, object],
    wrong: Mapping[str, str],
) -> str:
    """A driver grid: one group named by its heading, one rating row (a group of its own,
    named by its label) per question. Rows never have show_if, so the grid shows whole."""
    heading = escape(rows[0].text(rows[0].grid, language))
    invalid = any(row.id in wrong for row in rows)
    inner = "".join(
        _question(row, language, copy, given.get(row.id), wrong.get(row.id), in_grid=True) for row in rows
    )
    classes = "q grid invalid" if invalid else "q grid"
    return f'<fieldset class="{classes}" id="grid-{rows[0].id}"><legend>{heading}</legend>{inner}</fieldset>'


def _question(
    question: Question,
    language: str,
    copy: Mapping[str, str],
    value: object,
    problem: str | None,
    *,
    in_grid: bool = False,
) -> str:
    notes, described = _notes(question, language, copy, problem)
    label = escape(question.text(question.label, language))
    if not question.required:
        label += f' <span class="mark">{escape(copy["optional"])}</span>'
    opening = _opening_attributes(question, invalid=problem is not None, in_grid=in_grid)
    if question.kind == "text":
        return (
            f"<div {opening}>{_hint(question, language)}"
            f'<label class="qlabel" for="{question.id}">{label}</label>{notes}'
            f"{_textarea(question.id, value, described, invalid=problem is not None)}</div>"
        )
    controls = _choices(question, language, copy, value)
    describe = f' aria-describedby="{described}"' if described else ""
    return (
        f"<fieldset {opening}{describe}><legend>{label}</legend>{_hint(question, language)}{notes}"
        f"{controls}</fieldset>"
    )


def _opening_attributes(question: Question, *, invalid: bool, in_grid: bool = False) -> str:
    classes = "row" if in_grid else "q invalid" if invalid else "q"
    attributes = f'class="{classes}" id="q-{question.id}" data-q="{question.id}"'
    if question.show_if is not None:
        rule = json.dumps(question.show_if.model_dump(mode="json"), separators=(",", ":"))
        attributes += f' data-show-if="{escape(rule, quote=True)}"'
    return attributes


def _hint(question: Question, language: str) -> str:
    text = question.text(question.hint, language)
    return f'<p class="hint" id="{question.id}-hint">{escape(text)}</p>' if text else ""


def _notes(
    question: Question, language: str, copy: Mapping[str, str], problem: str | None
) -> tuple[str, str]:
    """The no-JavaScript note and the error, with the ids that describe the control."""
    ids = [f"{question.id}-hint"] if question.text(question.hint, language) else []
    html = ""
    note = question.text(question.if_note, language)
    if note:
        html += f'<p class="if-note" id="{question.id}-if">{escape(note)}</p>'
        ids.append(f"{question.id}-if")
    if problem is not None:
        text = escape(_problem_text(question, problem, copy))
        html += (
            f'<p class="error" id="{question.id}-error">'
            f'<span class="sr">{escape(copy["error_prefix"])} </span>{text}</p>'
        )
        ids.append(f"{question.id}-error")
    return html, " ".join(ids)


def _textarea(name: str, value: object, described: str, *, invalid: bool) -> str:
    text = escape(value) if isinstance(value, str) else ""
    extra = f' aria-describedby="{described}"' if described else ""
    extra += ' aria-invalid="true"' if invalid else ""
    return (
        f'<textarea id="{name}" name="{name}" rows="4" maxlength="{MAX_COMMENT_CHARS}"{extra}>'
        f"{text}</textarea>"
    )


def _choices(question: Question, language: str, copy: Mapping[str, str], value: object) -> str:
    chosen = _chosen(question, value)
    if question.kind == "boolean":
        radios = "".join(
            _radio(question.id, v, escape(text), v == chosen) for v, text in _option_values(question, copy)
        )
        return f'<div class="options pair">{radios}</div>'
    if question.kind == "choice":
        radios = "".join(
            _radio(question.id, o.value, escape(question.text(o.label, language)), o.value == chosen)
            for o in question.options
        )
        return f'<div class="options list">{radios}</div>'
    if question.kind == "multiple":
        ticked = _ticked(value)
        boxes = "".join(
            _radio(
                question.id, o.value, escape(question.text(o.label, language)), o.value in ticked, box=True
            )
            for o in question.options
        )
        return f'<div class="options list checks">{boxes}</div>'
    return _scale(question, language, chosen)


def _ticked(value: object) -> set[str]:
    """The boxes to keep ticked: a JSON list, or the one value a form sent."""
    if isinstance(value, str):
        return {value.strip()}
    if isinstance(value, list):
        return {item.strip() for item in value if isinstance(item, str)}
    return set()


def _scale(question: Question, language: str, chosen: str | None) -> str:
    low = question.text(question.low_label, language)
    high = question.text(question.high_label, language)
    radios = []
    for number in range(question.min, question.max + 1):
        # The ends' words are read with the first and last numbers; the row below is for eyes.
        words = low if number == question.min else high if number == question.max else ""
        text = str(number) + (f'<span class="sr"> \u2013 {escape(words)}</span>' if words else "")
        radios.append(_radio(question.id, str(number), text, str(number) == chosen))
    count = question.max - question.min + 1
    # A phone fits six 44px targets a row: longer scales split in two even rows (0-5, 6-10).
    columns = count if count <= 6 else (count + 1) // 2
    grid = f'style="--n:{count};--cols:{columns}"'
    ends = f'<div class="ends" aria-hidden="true"><span>{escape(low)}</span><span>{escape(high)}</span></div>'
    return f'<div class="options scale" {grid}>{"".join(radios)}</div>{ends}'


def _chosen(question: Question, value: object) -> str | None:
    """The radio to keep checked when the form comes back: posted strings ("7", "sí") or JSON."""
    if question.kind == "boolean":
        answer = as_boolean(value)
        return None if answer is None else ("yes" if answer else "no")
    if isinstance(value, bool) or value is None:
        return None
    return str(value).strip()


def _radio(name: str, value: str, text_html: str, checked: bool, *, box: bool = False) -> str:
    mark = " checked" if checked else ""
    kind = "checkbox" if box else "radio"
    return (
        f'<label class="opt"><input id="{name}-{escape(value)}" type="{kind}" name="{name}" '
        f'value="{escape(value)}"{mark}><span>{text_html}</span></label>'
    )
