"""QR codes at counters and on receipts: anonymous answers that belong to a touchpoint.

Staff print a code per touchpoint; whoever scans it gets a fresh single-use survey link for
that touchpoint, as an anonymous respondent (Customer.anonymous): the answers count in every
aggregate like any other, a detractor still opens a ticket for the branch, but nobody is
acknowledged, reminded, followed up or called back.

The code itself is NOT a secret, unlike a survey token: it is printed on counters and
receipts for anyone to see. So it is stored plainly (the printable image is drawn from it
at any time, and a lost print can be reprinted), and the item's key is derived from it
(`qr_id_for`, a hash), so a scan finds its code with one get and staff refer to a code by
that id without handling the code. What a code grants is only "start an anonymous survey
for this touchpoint"; each scan's link is a normal token, hashed like every other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from string import Template
from typing import Annotated, Any, Literal, Protocol

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from cxloop.domain.kernel import tokens
from cxloop.domain.kernel.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from cxloop.domain.kernel.events import Customer, Id, InteractionEvent, Touchpoint
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.kernel.package_files import package_json, package_text
from cxloop.domain.organisation.access import Caller
from cxloop.domain.organisation.hierarchy import Organisation, scope_contains
from cxloop.domain.surveys.models import Invitation
from cxloop.domain.surveys.ports import InvitationStore
from cxloop.domain.surveys.survey_catalogue import DEFAULT_CATALOGUE, SurveyCatalogue
from cxloop.domain.surveys.theme import DEFAULT_THEME, Theme

# 16 random bytes: 128 bits, url-safe base64 (22 characters), short enough for a small QR.
CODE_BYTES = 16
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{22}$")
# A scan's link lives one day: someone at the counter answers now or never, and a flood of
# scans leaves nothing behind for long (the invitations table's TTL removes them).
SCAN_TTL = timedelta(days=1)
DEFAULT_EVENT_TYPE = "counter.visit"
LANGUAGES = ("es", "en", "pt", "fr")
Language = Literal["es", "en", "pt", "fr"]
MANAGING_ROLES = frozenset({"branch_manager", "country_manager", "executive"})
# Q recovers ~25 % of the modules: receipts get creased and counters scratched. segno raises
# it to H when that fits in the same size.
ERROR_CORRECTION = "q"
QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks
EventType = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=64)]


class QrTouchpoint(Touchpoint):
    """A QR code's counter: its branch is required (the schema says what placed() checks)."""

    branch: Id


class QrRequest(DomainModel):
    """POST /v1/qr-codes: the touchpoint the code's answers belong to."""

    model_config = ConfigDict(extra="forbid")

    touchpoint: QrTouchpoint = Field(
        description="The counter: id, name, branch (required); region and country come from the organisation"
    )
    event_type: EventType = Field(
        default=DEFAULT_EVENT_TYPE, description="The event the survey catalogue chooses a survey for"
    )
    language: Language = Field(
        default="es", description="The page's language when the phone asks for none we have"
    )

    @field_validator("touchpoint", mode="before")
    @classmethod
    def _any_touchpoint(cls, value: Any) -> Any:
        """A Touchpoint built elsewhere is checked again as a QR code's (its branch required)."""
        return value.model_dump() if isinstance(value, Touchpoint) else value


class QrCode(DomainModel):
    model_config = ConfigDict(frozen=True)

    qr_id: str
    # Stored plainly on purpose: see the module's docstring.
    code: str
    touchpoint: Touchpoint
    event_type: str
    language: str
    created_by: str
    created_at: datetime
    active: bool = True
    deactivated_at: datetime | None = None
    deactivated_by: str | None = None

    @property
    def branch(self) -> str:
        return self.touchpoint.branch or self.touchpoint.id

    def summary(self) -> dict[str, object]:
        """What staff listings show: everything but the code (reprint through the image route)."""
        return self.model_dump(mode="json", exclude={"code"})


class QrCodeStore(Protocol):
    def add(self, code: QrCode) -> bool:
        """Store a new code; False if its id exists already."""

    def get(self, qr_id: str) -> QrCode | None: ...

    def deactivate(self, qr_id: str, *, at: datetime, by: str) -> bool:
        """Mark it inactive; False when it was inactive (or gone) already."""

    def of_branch(self, branch: str) -> list[QrCode]: ...

    def everything(self) -> list[QrCode]: ...


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def looks_like_code(code: str) -> bool:
    return bool(_CODE_SHAPE.match(code))


def qr_id_for(code: str) -> str:
    """The code's id: 80 bits of its SHA-256 in base32, readable and not the code itself."""
    digest = hashlib.sha256(f"cxloop qr\x00{code}".encode()).digest()
    return "QR-" + base64.b32encode(digest).decode()[:16]


def public_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/q/{code}"


# --- staff: create, list, read, deactivate --------------------------------------------------


def may_manage(caller: Caller) -> None:
    if caller.role not in MANAGING_ROLES:
        raise Forbidden("only managers and executives manage QR codes")


def covers(caller: Caller, touchpoint: Touchpoint) -> bool:
    return caller.sees_everything or scope_contains(
        caller.scope, country=touchpoint.country, region=touchpoint.region, branch=touchpoint.branch
    )


def placed(touchpoint: Touchpoint, organisation: Organisation | None) -> Touchpoint:
    """The touchpoint with its branch's region and country from the organisation document;
    a branch it does not know, or a region or country that contradicts it, is a 400."""
    if not touchpoint.branch:
        raise InvalidInput("a QR code belongs to a branch", [FieldProblem("touchpoint.branch", "required")])
    if organisation is None:
        return touchpoint
    place = organisation.place_of_branch(touchpoint.branch)
    if place is None:
        problem = f"no branch {touchpoint.branch!r} in the organisation"
        raise InvalidInput("unknown branch", [FieldProblem("touchpoint.branch", problem)])
    known = {"region": place.region.id, "country": place.country.code}
    for field, value in known.items():
        given = getattr(touchpoint, field)
        if given is not None and given != value:
            problem = f"branch {touchpoint.branch} is in {field} {value}"
            raise InvalidInput("the touchpoint is misplaced", [FieldProblem(f"touchpoint.{field}", problem)])
    return touchpoint.model_copy(update=known)


def create_code(
    request: QrRequest,
    *,
    caller: Caller,
    organisation: Organisation | None,
    now: datetime,
    store: QrCodeStore,
) -> QrCode:
    may_manage(caller)
    touchpoint = placed(request.touchpoint, organisation)
    if not covers(caller, touchpoint):
        raise Forbidden(f"branch {touchpoint.branch} is outside your scope")
    code = new_code()
    created = QrCode(
        qr_id=qr_id_for(code),
        code=code,
        touchpoint=touchpoint,
        event_type=request.event_type,
        language=request.language,
        created_by=caller.user,
        created_at=now,
    )
    if not store.add(created):
        raise RuntimeError("QR code id collision: refusing to overwrite a code")
    return created


def list_codes(caller: Caller, *, branch: str | None, store: QrCodeStore) -> list[QrCode]:
    """The caller's codes, newest first: one branch's, or (without one) their whole scope's.
    A branch outside the scope lists nothing rather than saying whether it has codes."""
    may_manage(caller)
    kind, _, own = caller.scope.partition(":")
    wanted = branch or (own if kind == "branch" else None)
    found = store.of_branch(wanted) if wanted else store.everything()
    visible = [code for code in found if covers(caller, code.touchpoint)]
    return sorted(visible, key=lambda code: (code.created_at, code.qr_id), reverse=True)


def visible_code(qr_id: str, caller: Caller, store: QrCodeStore) -> QrCode:
    """Outside one's scope a code does not exist (404), as tickets do."""
    may_manage(caller)
    found = store.get(qr_id)
    if found is None or not covers(caller, found.touchpoint):
        raise NotFound(f"no QR code {qr_id}")
    return found


def deactivate(qr_id: str, *, caller: Caller, now: datetime, store: QrCodeStore) -> QrCode:
    """Printed codes cannot be recalled: a deactivated one answers a polite 410 page. Repeating
    it changes nothing (the first deactivation's who and when are kept)."""
    visible_code(qr_id, caller, store)
    store.deactivate(qr_id, at=now, by=caller.user)
    found = store.get(qr_id)
    if found is None:
        raise NotFound(f"no QR code {qr_id}")
    return found


# --- the public scan -------------------------------------------------------------------------

ScanState = Literal["open", "inactive", "unknown"]


@dataclass(frozen=True)
class Scan:
    state: ScanState
    language: str
    token: str | None = None
    invitation: Invitation | None = None


def choose_language(accept_language: str | None, default: str) -> str:
    """The phone's most preferred language we have (Accept-Language, RFC 9110 q-values),
    else the code's own. "es-EC" counts as "es"; q=0 means "not this one"."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = tag.strip().split("-")[0].lower()
        if language in LANGUAGES and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else default


def anonymous_customer(language: str) -> Customer:
    """A respondent we know nothing about: no name, no contact; a fresh id per scan."""
    return Customer(id=f"anon-{uuid.uuid4()}", locale=language, anonymous=True)


def scan(
    code: str,
    *,
    accept_language: str | None,
    now: datetime,
    codes: QrCodeStore,
    invitations: InvitationStore,
    catalogue: SurveyCatalogue = DEFAULT_CATALOGUE,
    catalogue_version: int | None = None,
) -> Scan:
    """One scan, one anonymous invitation with a fresh single-use token (so someone may answer
    again by scanning again: accepted for counters; the WAF limits floods per address)."""
    found = codes.get(qr_id_for(code)) if looks_like_code(code) else None
    if found is None or not hmac.compare_digest(found.code, code):
        return Scan("unknown", choose_language(accept_language, "es"))
    language = choose_language(accept_language, found.language)
    if not found.active:
        return Scan("inactive", language)
    token = tokens.new_token()
    invitation = anonymous_invitation(
        found, token, language=language, now=now, catalogue=catalogue, catalogue_version=catalogue_version
    )
    invitations.add(invitation)
    return Scan("open", language, token, invitation)


def anonymous_invitation(
    code: QrCode,
    token: str,
    *,
    language: str,
    now: datetime,
    catalogue: SurveyCatalogue,
    catalogue_version: int | None,
) -> Invitation:
    invitation_id = str(uuid.uuid4())
    event = InteractionEvent(
        event_id=invitation_id,
        source="qr",
        event_type=code.event_type,
        occurred_at=now.isoformat(),  # ISO text only, as the webhook contract takes it
        customer=anonymous_customer(language),
        touchpoint=code.touchpoint,
        # Routing rules and tickets can tell which printed code the answer came through.
        attributes={"qr_id": code.qr_id},
    )
    survey = catalogue.choose(event).survey
    return Invitation(
        invitation_id=invitation_id,
        token_hash=tokens.token_hash(token),
        interaction_id=f"qr-{invitation_id}",
        correlation_id=str(uuid.uuid4()),
        survey_id=survey.id,
        survey_version=survey.version,
        catalogue_version=catalogue_version,
        channel="qr",
        event_type=event.event_type,
        customer=event.customer,
        touchpoint=event.touchpoint,
        attributes=event.attributes,
        created_at=now,
        expires_at=now + SCAN_TTL,
    )


# --- what people see: the printable card and the scan's dead ends ------------------------------

# The words in es/en/pt/fr and the dead end's style sheet live in assets/ beside this module
# (qr_copy.json, qr_dead_end.css): package data, read once per process.
_ASSETS = ("cxloop.domain.surveys", "assets")


def copy_for(language: str) -> dict[str, str]:
    copy: dict[str, dict[str, str]] = package_json(*_ASSETS, "qr_copy.json")
    return copy.get(language, copy["en"])


def dead_end_page(state: ScanState, *, language: str, theme: Theme = DEFAULT_THEME) -> str:
    """The page for a code we do not know (404) or one taken out of use (410)."""
    copy = copy_for(language)
    title, text = copy[f"{state}_title"], copy[state]
    # The style sheet is written one rule a line; the page carries it on one.
    sheet = package_text(*_ASSETS, "qr_dead_end.css").replace("\n", "")
    style = Template(sheet).substitute(primary=theme.primary_color)
    return (
        f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{escape(title)}</title><style>{style}</style></head>'
        f"<body><header>{escape(theme.brand_name)}</header><main><section><h1>{escape(title)}</h1>"
        f"<p>{escape(text)}</p></section></main></body></html>"
    )


def matrix_of(url: str) -> list[list[bool]]:
    """The QR code's modules for `url`, dark as True, without the quiet zone."""
    import segno  # noqa: PLC0415 - only the image route and the card need the encoder

    return [
        [bool(module) for module in row]
        for row in segno.make(url, error=ERROR_CORRECTION, micro=False).matrix
    ]


def modules_path(matrix: list[list[bool]], *, offset: float, module: float) -> str:
    """An SVG path of the dark modules, one rectangle per horizontal run (compact, crisp at any size)."""
    parts: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            left, top = offset + start * module, offset + y * module
            parts.append(f"M{left:g} {top:g}h{(x - start) * module:g}v{module:g}h{-(x - start) * module:g}z")
    return "".join(parts)


def card_svg(code: QrCode, url: str, *, theme: Theme = DEFAULT_THEME) -> str:
    """A printable A6 card (105 x 148 mm): the brand, the code, the touchpoint and a call to action.
    Units are millimetres; the code is black on white whatever the brand, for every scanner."""
    copy = copy_for(code.language)
    matrix = matrix_of(url)
    side = 76.0  # the code with its quiet zone
    module = side / (len(matrix) + 2 * QUIET_ZONE)
    quiet = QUIET_ZONE * module
    place = code.touchpoint.name or code.touchpoint.id
    symbol = (
        f'<g id="qr" transform="translate({(105 - side) / 2:g} 22)" data-modules="{len(matrix)}">'
        f'<rect width="{side:g}" height="{side:g}" fill="#ffffff"/>'
        f'<path transform="translate({quiet:g} {quiet:g})" fill="#000000" '
        f'd="{modules_path(matrix, offset=0, module=module)}"/></g>'
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="105mm" height="148mm" viewBox="0 0 105 148" '
        f'role="img" aria-label="{escape(copy["cta"])} {escape(place)}">'
        '<rect width="105" height="148" fill="#ffffff"/>'
        f'<rect width="105" height="16" fill="{theme.primary_color}"/>'
        f"{_text(10.5, theme.brand_name, size=6, fill='#ffffff', weight=700)}{symbol}"
        f"{_text(109, place, size=6, fill='#1f2328', weight=700)}"
        f"{_text(119, copy['cta'], size=4.4, fill=theme.primary_color, weight=600)}"
        f"{_text(126, copy['small'], size=3.2, fill='#57606a')}"
        f"{_text(136, url, size=2.4, fill='#57606a')}"
        f'<rect y="140" width="105" height="8" fill="{theme.accent_color}"/></svg>'
    )


def _text(y: float, text: str, *, size: float, fill: str, weight: int = 400) -> str:
    style = f"font-family:system-ui,Helvetica,Arial,sans-serif;font-size:{size:g}px;font-weight:{weight}"
    return (
        f'<text x="52.5" y="{y:g}" text-anchor="middle" fill="{fill}" style="{style}">{escape(text)}</text>'
    )


def png_image(url: str, *, size_px: int) -> bytes:
    """The code alone as a PNG about `size_px` wide (segno writes PNG without Pillow); the card
    with its text is the SVG."""
    import io  # noqa: PLC0415

    import segno  # noqa: PLC0415

    symbol = segno.make(url, error=ERROR_CORRECTION, micro=False)
    width, _ = symbol.symbol_size(scale=1, border=QUIET_ZONE)
    out = io.BytesIO()
    symbol.save(out, kind="png", scale=max(1, size_px // width), border=QUIET_ZONE)
    return out.getvalue()
