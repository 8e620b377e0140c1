"""HTML for the survey link: the form, the thank-you and the friendly dead ends.

Mobile-first and accessible (labels and legends on every control, 44px touch targets,
an error summary linked to the fields, visible focus), localized in es/en/pt/fr, themed
per brand. The form works without JavaScript: it posts back to the same URL and the
server applies the display logic. A small inline script (allowed by its CSP hash, the
only script the page may run) hides the follow-ups that do not apply and keeps a draft
of the answers in the browser until they are sent. Every customer-supplied or stored
value is escaped.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from html import escape

from cxloop.domain.kernel.errors import FieldProblem
from cxloop.domain.surveys.definitions import (
    LANGUAGES,
    MAX_COMMENT_CHARS,
    REQUIRED,
    Question,
    SurveyDefinition,
    as_boolean,
    grid_key,
)
from cxloop.domain.surveys.scoring import score_answers
from cxloop.domain.surveys.theme import DEFAULT_THEME, Theme

_COPY: dict[str, dict[str, str]] = {
    "es": {
        "title": "Encuesta de satisfacción",
        "intro": "Le tomará alrededor de un minuto.",
        "draft_note": "Guardamos sus respuestas en este dispositivo hasta que las envíe.",
        "submit": "Enviar respuestas",
        "optional": "(opcional)",
        "yes": "Sí",
        "no": "No",
        "errors": "Revise las respuestas marcadas.",
        "error_prefix": "Error:",
        "problem_required": "Responda esta pregunta.",
        "problem_scale": "Elija un número del {min} al {max}.",
        "problem_boolean": "Elija Sí o No.",
        "problem_choice": "Elija una de las opciones.",
        "problem_multiple": "Elija una o más de las opciones.",
        "problem_text": "Escriba como máximo {max} caracteres.",
        "problem_unknown": "Una de las respuestas no corresponde a esta encuesta.",
        "thanks_title": "¡Gracias!",
        "thanks": "Recibimos sus respuestas. Su opinión nos ayuda a mejorar.",
        "thanks_promoter_title": "¡Muchas gracias!",
        "thanks_promoter": "Nos alegra mucho que su experiencia haya sido tan buena. "
        "Se lo contaremos al equipo.",
        "review": "¿Compartiría su experiencia en una reseña pública? Ayuda a otras personas a conocernos.",
        "review_link": "Escribir una reseña",
        "thanks_callback": "Un miembro de nuestro equipo lo contactará pronto.",
        "call_morning": "Intentaremos llamarlo por la mañana.",
        "call_afternoon": "Intentaremos llamarlo por la tarde.",
        "call_evening": "Intentaremos llamarlo por la noche.",
        "thanks_comment": "Su comentario llegó a nuestro equipo, que lo revisará.",
        "answered_title": "Encuesta ya respondida",
        "answered": "Ya recibimos sus respuestas para esta encuesta. ¡Gracias!",
        "expired_title": "Enlace vencido",
        "expired": "Este enlace de encuesta ya no está disponible. Gracias por su interés.",
        "unknown_title": "Encuesta no encontrada",
        "unknown": "No encontramos esta encuesta. Revise que el enlace esté completo.",
        "unavailable_title": "Intente de nuevo",
        "unavailable": "No pudimos completar el envío. Vuelva a enviar sus respuestas en un momento.",
    },
    "en": {
        "title": "Customer survey",
        "intro": "It takes about a minute.",
        "draft_note": "Your answers are kept on this device until you send them.",
        "submit": "Send answers",
        "optional": "(optional)",
        "yes": "Yes",
        "no": "No",
        "errors": "Please check the highlighted answers.",
        "error_prefix": "Error:",
        "problem_required": "Please answer this question.",
        "problem_scale": "Choose a number from {min} to {max}.",
        "problem_boolean": "Choose Yes or No.",
        "problem_choice": "Choose one of the options.",
        "problem_multiple": "Choose one or more of the options.",
        "problem_text": "Write at most {max} characters.",
        "problem_unknown": "One of the answers does not belong to this survey.",
        "thanks_title": "Thank you!",
        "thanks": "We received your answers. Your feedback helps us improve.",
        "thanks_promoter_title": "Thank you so much!",
        "thanks_promoter": "We are delighted your experience was so good, "
        "and we will pass your words on to the team.",
        "review": "Would you share your experience in a public review? It helps other people find us.",
        "review_link": "Write a review",
        "thanks_callback": "A member of our team will contact you soon.",
        "call_morning": "We will try to call you in the morning.",
        "call_afternoon": "We will try to call you in the afternoon.",
        "call_evening": "We will try to call you in the evening.",
        "thanks_comment": "Your comment has reached our team, and they will read it.",
        "answered_title": "Survey already answered",
        "answered": "We already have your answers for this survey. Thank you!",
        "expired_title": "Link expired",
        "expired": "This survey link is no longer available. Thank you for your interest.",
        "unknown_title": "Survey not found",
        "unknown": "We could not find this survey. Please check that the link is complete.",
        "unavailable_title": "Please try again",
        "unavailable": "We could not finish saving your answers. Please send them again in a moment.",
    },
    "pt": {
        "title": "Pesquisa de satisfação",
        "intro": "Leva cerca de um minuto.",
        "draft_note": "Suas respostas ficam guardadas neste dispositivo até você enviá-las.",
        "submit": "Enviar respostas",
        "optional": "(opcional)",
        "yes": "Sim",
        "no": "Não",
        "errors": "Verifique as respostas destacadas.",
        "error_prefix": "Erro:",
        "problem_required": "Responda a esta pergunta.",
        "problem_scale": "Escolha um número de {min} a {max}.",
        "problem_boolean": "Escolha Sim ou Não.",
        "problem_choice": "Escolha uma das opções.",
        "problem_multiple": "Escolha uma ou mais opções.",
        "problem_text": "Escreva no máximo {max} caracteres.",
        "problem_unknown": "Uma das respostas não pertence a esta pesquisa.",
        "thanks_title": "Obrigado!",
        "thanks": "Recebemos suas respostas. Sua opinião nos ajuda a melhorar.",
        "thanks_promoter_title": "Muito obrigado!",
        "thanks_promoter": "Ficamos muito felizes que sua experiência tenha sido tão boa. "
        "Vamos contar à equipe.",
        "review": "Você compartilharia sua experiência em uma avaliação pública? "
        "Isso ajuda outras pessoas a nos conhecer.",
        "review_link": "Escrever uma avaliação",
        "thanks_callback": "Um membro da nossa equipe entrará em contato com você em breve.",
        "call_morning": "Vamos tentar ligar para você de manhã.",
        "call_afternoon": "Vamos tentar ligar para você à tarde.",
        "call_evening": "Vamos tentar ligar para você à noite.",
        "thanks_comment": "Seu comentário chegou à nossa equipe, que vai lê-lo.",
        "answered_title": "Pesquisa já respondida",
        "answered": "Já recebemos suas respostas para esta pesquisa. Obrigado!",
        "expired_title": "Link expirado",
        "expired": "Este link de pesquisa não está mais disponível. Obrigado pelo interesse.",
        "unknown_title": "Pesquisa não encontrada",
        "unknown": "Não encontramos esta pesquisa. Verifique se o link está completo.",
        "unavailable_title": "Tente novamente",
        "unavailable": "Não conseguimos concluir o envio. Envie suas respostas novamente em instantes.",
    },
    "fr": {
        "title": "Questionnaire de satisfaction",
        "intro": "Cela prend environ une minute.",
        "draft_note": "Vos réponses sont conservées sur cet appareil jusqu'à leur envoi.",
        "submit": "Envoyer mes réponses",
        "optional": "(facultatif)",
        "yes": "Oui",
        "no": "Non",
        "errors": "Veuillez vérifier les réponses signalées.",
        "error_prefix": "Erreur\u00a0:",
        "problem_required": "Veuillez répondre à cette question.",
        "problem_scale": "Choisissez un nombre de {min} à {max}.",
        "problem_boolean": "Choisissez Oui ou Non.",
        "problem_choice": "Choisissez l'une des options.",
        "problem_multiple": "Choisissez une ou plusieurs options.",
        "problem_text": "Écrivez au maximum {max} caractères.",
        "problem_unknown": "Une des réponses ne fait pas partie de ce questionnaire.",
        "thanks_title": "Merci\u00a0!",
        "thanks": "Nous avons bien reçu vos réponses. Votre avis nous aide à nous améliorer.",
        "thanks_promoter_title": "Merci infiniment\u00a0!",
        "thanks_promoter": "Nous sommes ravis que votre expérience ait été aussi bonne "
        "et le dirons à l'équipe.",
        "review": "Accepteriez-vous de partager votre expérience dans un avis public\u00a0? "
        "Cela aide d'autres personnes à nous découvrir.",
        "review_link": "Écrire un avis",
        "thanks_callback": "Un membre de notre équipe vous contactera bientôt.",
        "call_morning": "Nous essaierons de vous appeler le matin.",
        "call_afternoon": "Nous essaierons de vous appeler l'après-midi.",
        "call_evening": "Nous essaierons de vous appeler en soirée.",
        "thanks_comment": "Votre commentaire est bien parvenu à notre équipe, qui le lira.",
        "answered_title": "Questionnaire déjà rempli",
        "answered": "Nous avons déjà reçu vos réponses à ce questionnaire. Merci\u00a0!",
        "expired_title": "Lien expiré",
        "expired": "Ce lien n'est plus disponible. Merci de votre intérêt.",
        "unknown_title": "Questionnaire introuvable",
        "unknown": "Nous ne trouvons pas ce questionnaire. Vérifiez que le lien est complet.",
        "unavailable_title": "Veuillez réessayer",
        "unavailable": "Nous n'avons pas pu enregistrer vos réponses. Veuillez les renvoyer dans un instant.",
    },
}

# Mobile-first: one column, 44px targets; wider screens only widen the scale rows.
# Colours on white or on --bg all reach WCAG AA; the theme's pair is contrast-checked.
_STYLE = """
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#f3f4f6;color:#1a1a1a;overflow-wrap:anywhere;
font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.brand{background:#fff;border-bottom:4px solid var(--primary);padding:.75rem 0}
.brand-inner{max-width:40rem;margin:0 auto;padding:0 1rem;display:flex;align-items:center;min-height:2.5rem}
.brand img{display:block;max-height:2.5rem;max-width:min(12rem,60vw);height:auto}
.brand-name{color:var(--primary);font-weight:700;font-size:1.125rem}
main{max-width:40rem;margin:0 auto;padding:1rem 1rem 2.5rem}
.kicker{margin:.25rem 0 0;color:#4b4b4b;font-size:.9375rem}
h1{font-size:1.5rem;line-height:1.25;margin:.125rem 0 .25rem}
.intro{margin:0 0 1rem;color:#4b4b4b}
.q{border:0;background:#fff;border-radius:.75rem;margin:0 0 1rem;padding:1rem;min-width:0;
box-shadow:0 1px 2px rgba(0,0,0,.12)}
.q.invalid{box-shadow:inset 4px 0 0 #b3261e,0 1px 2px rgba(0,0,0,.12)}
legend,.qlabel{display:block;float:left;width:100%;padding:0;margin:0 0 .75rem;font-weight:600;
font-size:1.0625rem;line-height:1.4}
legend+*,.qlabel+*{clear:both}
.mark{font-weight:400;color:#4b4b4b;font-size:.9375rem}
.hint{margin:0 0 .5rem;color:#1a1a1a}
.if-note{margin:0 0 .75rem;color:#4b4b4b;font-size:.9375rem}
.js .if-note{display:none}
.options{display:grid;gap:.5rem;clear:both}
.scale{gap:.375rem;grid-template-columns:repeat(var(--cols),1fr)}
.pair{grid-template-columns:1fr 1fr}
.opt{position:relative;display:block;min-width:0}
.opt input{position:absolute;inset:0;width:100%;height:100%;margin:0;opacity:0;cursor:pointer}
.opt span{display:flex;align-items:center;justify-content:center;min-height:2.75rem;padding:.5rem;
border:1px solid #6b6b6b;border-radius:.5rem;background:#fff;text-align:center;line-height:1.2}
.list .opt span{justify-content:flex-start;padding:.5rem 1rem}
.checks .opt input:checked+span::before{content:"\\2713\\00a0"}
.grid .row{border:0;margin:0 0 1rem;padding:0;min-width:0}
.grid .row:last-child{margin-bottom:0}
.grid .row legend{font-weight:400;margin-bottom:.5rem}
.opt input:hover+span{border-color:#1a1a1a;background:#f3f4f6}
.opt input:checked+span{background:var(--primary);border-color:var(--primary);color:#fff;font-weight:700}
.opt input:focus-visible+span{outline:3px solid var(--accent);outline-offset:2px}
.ends{display:flex;justify-content:space-between;gap:1rem;margin-top:.5rem;font-size:.875rem;color:#4b4b4b}
.ends span:last-child{text-align:right}
textarea{display:block;width:100%;min-height:7rem;padding:.75rem;border:1px solid #6b6b6b;border-radius:.5rem;
font:inherit;color:inherit;background:#fff;resize:vertical}
textarea:focus-visible,a:focus-visible,button:focus-visible,.summary:focus{outline:3px solid var(--accent);
outline-offset:2px}
button,.button{display:flex;align-items:center;justify-content:center;width:100%;min-height:3rem;
padding:.75rem 1.5rem;border:0;border-radius:.5rem;background:var(--primary);color:#fff;font:inherit;
font-weight:700;text-decoration:none;cursor:pointer}
.draft-note{display:none;margin:0 0 .75rem;color:#4b4b4b;font-size:.875rem}
.js .draft-note{display:block}
.error{margin:0 0 .75rem;color:#b3261e;font-weight:600}
.panel{margin:.5rem 0 1rem;padding:1.25rem 1rem;background:#fff;border-radius:.75rem;
box-shadow:0 1px 2px rgba(0,0,0,.12)}
.panel p:last-child{margin-bottom:0}
.summary{margin:0 0 1rem;padding:1rem;border:3px solid #b3261e;border-radius:.75rem;background:#fff}
.summary h2{margin:0 0 .5rem;font-size:1.125rem}
.summary ul{margin:0;padding-left:1.25rem}
.summary li{margin:.25rem 0}
.summary a{color:#b3261e;font-weight:600}
a{color:var(--primary)}
.sr{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);
white-space:nowrap;border:0}
[hidden]{display:none!important}
@media (min-width:36rem){
main{padding-top:1.5rem}
h1{font-size:1.75rem}
.q,.panel{padding:1.25rem 1.5rem}
.scale{grid-template-columns:repeat(var(--n),1fr)}
button,.button{display:inline-flex;width:auto;padding:.75rem 2rem}
}
"""

# The whole behaviour layer: display logic and a browser-side draft. ES5, no network use.
_SCRIPT = """(function () {
  "use strict";
  var form = document.getElementById("survey");
  if (!form) return;
  document.documentElement.className += " js";
  var DAY = 864e5, KEEP_DAYS = 30, PREFIX = "cxloop:draft:";
  var draft = form.getAttribute("data-draft");
  var store = draft ? storage() : null;
  var key = PREFIX + draft;

  function storage() {
    try {
      var s = window.localStorage;
      s.setItem(PREFIX + "probe", "1");
      s.removeItem(PREFIX + "probe");
      return s;
    } catch (e) {
      return null;
    }
  }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function valueOf(name) {
    var field = form.elements.namedItem(name);
    return field ? field.value : "";
  }
  function holds(rule, raw) {
    if (raw === "") return false;
    var want = rule.value, got = raw;
    if (typeof want === "boolean") {
      if (raw !== "yes" && raw !== "no") return false;
      got = raw === "yes";
    } else if (typeof want === "number") {
      got = Number(raw);
      if (isNaN(got)) return false;
    }
    switch (rule.op) {
      case "<": return got < want;
      case "<=": return got <= want;
      case ">": return got > want;
      case ">=": return got >= want;
      case "==": return got === want;
      case "!=": return got !== want;
    }
    return false;
  }
  function update() {
    var shown = {};
    each(form.querySelectorAll("[data-q]"), function (question) {
      var rule = question.getAttribute("data-show-if");
      var visible = true;
      if (rule) {
        rule = JSON.parse(rule);
        visible = shown[rule.field] === true && holds(rule, valueOf(rule.field));
      }
      shown[question.getAttribute("data-q")] = visible;
      question.hidden = !visible;
      each(question.querySelectorAll("input,textarea"), function (control) {
        control.disabled = !visible;
      });
    });
  }
  function answers() {
    var found = {};
    each(form.querySelectorAll("input,textarea"), function (control) {
      if (control.type === "checkbox") {
        if (control.checked) (found[control.name] = found[control.name] || []).push(control.value);
      } else if (control.type === "radio" ? control.checked : control.value) {
        found[control.name] = control.value;
      }
    });
    return found;
  }
  function restoreBoxes(name, values) {
    var boxes = form.querySelectorAll('input[type="checkbox"]');
    var ticked = false;
    each(boxes, function (box) { if (box.name === name && box.checked) ticked = true; });
    if (ticked) return;
    each(boxes, function (box) {
      if (box.name === name && values.indexOf(box.value) !== -1) box.checked = true;
    });
  }
  function save() {
    if (!store) return;
    try {
      store.setItem(key, JSON.stringify({ at: Date.now(), answers: answers() }));
    } catch (e) {}
  }
  function forgetOld() {
    for (var i = store.length - 1; i >= 0; i--) {
      var name = store.key(i);
      if (!name || name.indexOf(PREFIX) !== 0) continue;
      var saved = null;
      try { saved = JSON.parse(store.getItem(name)); } catch (e) {}
      if (!saved || !(Date.now() - saved.at < KEEP_DAYS * DAY)) store.removeItem(name);
    }
  }
  function restore() {
    if (!store) return;
    forgetOld();
    var saved = null;
    try { saved = JSON.parse(store.getItem(key)); } catch (e) {}
    var kept = saved && saved.answers;
    if (!kept || typeof kept !== "object") return;
    Object.keys(kept).forEach(function (name) {
      if (Array.isArray(kept[name])) return restoreBoxes(name, kept[name]);
      var field = form.elements.namedItem(name);
      if (field && field.value === "" && typeof kept[name] === "string") field.value = kept[name];
    });
  }
  restore();
  update();
  form.addEventListener("change", function () { update(); save(); });
  form.addEventListener("input", save);
  form.addEventListener("submit", function () {
    if (store) store.removeItem(key);
  });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
"""

SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode("ascii")

# Sent with every page: nothing but our own script (by its hash), inline style and inline
# (data:) logos may run or load; the form may post only back to us.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; script-src '{SCRIPT_HASH}'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def copy_for(language: str) -> dict[str, str]:
    return _COPY[supported(language)]


def supported(language: str) -> str:
    """The language the page is written in: lang="" must name it, not the one asked for."""
    return language if language in _COPY and language in LANGUAGES else "en"


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
    return _document(language, title, body, theme, script=True)


def thanks_page(*, language: str, answers: Mapping[str, object], theme: Theme = DEFAULT_THEME) -> str:
    """Fits the answers: a promoter is thanked warmly (and invited to review us), a detractor
    learns what happens next: a call back, or that the team got the comment."""
    language = supported(language)
    copy = copy_for(language)
    score = score_answers(dict(answers))
    if score.nps_category == "promoter":
        title = copy["thanks_promoter_title"]
        said = [_paragraph(copy["thanks_promoter"]), _review_invitation(theme, copy)]
    else:
        title = copy["thanks_title"]
        said = [_paragraph(copy["thanks"]), *_what_happens_next(answers, copy)]
    return _document(language, title, _panel(title, "".join(said)), theme)


def dead_end_page(state: str, *, language: str, theme: Theme = DEFAULT_THEME) -> str:
    """Friendly page for an answered, expired, unknown or briefly unavailable link: never a stack trace."""
    language = supported(language)
    copy = copy_for(language)
    title = copy[f"{state}_title"]
    return _document(language, title, _panel(title, _paragraph(copy[state])), theme)


def _panel(title: str, body: str) -> str:
    return f'<section class="panel"><h1>{escape(title)}</h1>{body}</section>'


def _paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _review_invitation(theme: Theme, copy: Mapping[str, str]) -> str:
    if theme.review_url is None:
        return ""
    link = (
        f'<a class="button" href="{escape(theme.review_url, quote=True)}" rel="noopener noreferrer">'
        f"{escape(copy['review_link'])}</a>"
    )
    return f"{_paragraph(copy['review'])}<p>{link}</p>"


def _what_happens_next(answers: Mapping[str, object], copy: Mapping[str, str]) -> list[str]:
    if answers.get("callback") is True:
        when = copy.get(f"call_{answers.get('callback_time')}")
        return [_paragraph(copy["thanks_callback"]), _paragraph(when) if when else ""]
    comment = answers.get("comment")
    if isinstance(comment, str) and comment.strip():
        return [_paragraph(copy["thanks_comment"])]
    return []


def _document(language: str, title: str, body: str, theme: Theme, *, script: bool = False) -> str:
    colours = f":root{{--primary:{theme.primary_color};--accent:{theme.accent_color}}}"
    return (
        f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex"><meta name="color-scheme" content="light">'
        f"<title>{escape(title)}</title><style>{colours}{_STYLE}</style></head>"
        f'<body>{_brand(theme)}<main id="main">{body}</main>'
        f"{f'<script>{_SCRIPT}</script>' if script else ''}</body></html>"
    )


def _brand(theme: Theme) -> str:
    name = escape(theme.brand_name)
    mark = (
        f'<img src="{escape(theme.logo, quote=True)}" alt="{name}">'
        if theme.logo
        else f'<span class="brand-name">{name}</span>'
    )
    return f'<header class="brand"><div class="brand-inner">{mark}</div></header>'


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
