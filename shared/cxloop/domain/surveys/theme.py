"""A brand's look on the customer pages: name, logo, two colours, an optional review link.

Colours are checked when a theme is made, not when a page is drawn: a primary colour
carries white text (buttons, chosen answers), so it must reach WCAG AA 4.5:1 against
white; the accent draws focus rings on white cards, a non-text element that needs 3:1
(WCAG 1.4.11). The logo is an inline data: URI so the page still loads nothing from
anywhere (its Content-Security-Policy allows images from data: only).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Annotated

from pydantic import ConfigDict, StringConstraints, ValidationError, field_validator

from cxloop.domain.kernel.errors import FieldProblem, InvalidInput
from cxloop.domain.kernel.modelling import DomainModel

WHITE = "#ffffff"
MIN_TEXT_CONTRAST = 4.5
MIN_UI_CONTRAST = 3.0
MAX_LOGO_CHARS = 150_000
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_LOGO = re.compile(r"^data:image/(?:png|jpeg|gif|webp|svg\+xml);base64,([A-Za-z0-9+/]+={0,2})$")
_REVIEW_URL = re.compile(r"^https://[^\s\"'<>\\]+$")


def normalized_hex(colour: str) -> str:
    """#abc or #AABBCC as #aabbcc; ValueError naming the problem otherwise."""
    if not _HEX.match(colour):
        raise ValueError(f"{colour!r} is not a hex colour like #0b57d0")
    digits = colour[1:].lower()
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB hex colour."""
    digits = normalized_hex(colour)[1:]
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


class Theme(DomainModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    brand_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    logo: str | None = None
    primary_color: str
    accent_color: str
    # Where a happy customer may leave a public review (Google, Trustpilot...); https only.
    review_url: str | None = None

    @field_validator("primary_color")
    @classmethod
    def _white_text_is_readable(cls, colour: str) -> str:
        return _with_contrast("primary_color", colour, MIN_TEXT_CONTRAST, "white text on it")

    @field_validator("accent_color")
    @classmethod
    def _focus_ring_is_visible(cls, colour: str) -> str:
        return _with_contrast("accent_color", colour, MIN_UI_CONTRAST, "it on a white background")

    @field_validator("logo")
    @classmethod
    def _logo_is_an_inline_image(cls, logo: str | None) -> str | None:
        if logo is None:
            return None
        if len(logo) > MAX_LOGO_CHARS:
            raise ValueError(f"logo must be at most {MAX_LOGO_CHARS} characters")
        found = _LOGO.match(logo)
        if not found:
            raise ValueError("logo must be a base64 data: URI of a PNG, JPEG, GIF, WebP or SVG image")
        try:
            base64.b64decode(found.group(1), validate=True)
        except binascii.Error as exc:
            raise ValueError("logo is not valid base64") from exc
        return logo

    @field_validator("review_url")
    @classmethod
    def _review_url_is_https(cls, url: str | None) -> str | None:
        if url is not None and (len(url) > 500 or not _REVIEW_URL.match(url)):
            raise ValueError("review_url must be an https:// address of at most 500 characters")
        return url


def _with_contrast(field: str, colour: str, minimum: float, what: str) -> str:
    try:
        colour = normalized_hex(colour)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from exc
    ratio = contrast_ratio(colour, WHITE)
    if ratio < minimum:
        raise ValueError(
            f"{field} {colour} gives {what} a contrast of {ratio:.2f}:1; "
            f"WCAG AA needs at least {minimum}:1 — choose a darker colour"
        )
    return colour


def parse_theme(raw: Mapping[str, object]) -> Theme:
    """A theme from stored or posted data; InvalidInput names each bad field (theme.<field>)."""
    try:
        return Theme.model_validate(dict(raw))
    except ValidationError as exc:
        problems = [
            FieldProblem("theme." + ".".join(str(part) for part in error["loc"]), _reason(error["msg"]))
            for error in exc.errors()
        ]
        raise InvalidInput("the theme is invalid", problems) from exc


def _reason(message: str) -> str:
    return message.removeprefix("Value error, ")


DEFAULT_THEME = Theme(brand_name="cxloop", primary_color="#0b57d0", accent_color="#b45309")
