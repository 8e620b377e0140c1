"""How long an SMS is, in what carriers bill: segments (message parts).

An SMS carries 140 bytes. Text written only in the GSM 7-bit default alphabet is packed
as septets: 160 per message, or 153 per part once the message is split (the 6-byte
concatenation header takes the rest). Any other character forces UCS-2 for the whole
message: 70 UTF-16 code units, 67 per part. Phones and carriers send characters outside
the Basic Multilingual Plane (most emoji) as UTF-16 surrogate pairs, so they count 2.

The alphabet is 3GPP TS 23.038 (formerly GSM 03.38) §6.2.1, "GSM 7 bit Default Alphabet",
and its extension table §6.2.1.1, reached through ESC (0x1B), so each extension character
costs two septets. AWS End User Messaging publishes the same table ("SMS character limits",
docs.aws.amazon.com/sms-voice/latest/userguide/sms-limitations-character.html). Traps for
our four languages, all checked against that table:
- in the alphabet: ¿ ¡ ñ Ñ é É è à ù ì ò ä ö ü Ä Ö Ü Ç (capital only) ß Å å Ø ø Æ æ;
- NOT in it: á í ó ú, â ê î ô û, ã õ, ç (lower case), À È Ì Ò Ù, ë ï, œ, the no-break space,
  typographic quotes and dashes. One of them turns a 160-character message into three parts.

A part never splits a character: an ESC pair or a surrogate pair that would straddle the
boundary moves whole to the next part (what handsets and SMSCs do), so a message can
need one part more than its length divided by 153 or 67 suggests.

Transliteration (`gsm_safe`) changes the language: "cómo" written "como" is a different
Spanish word, "experiência" without its accent is misspelt Portuguese. It is therefore OFF
by default and used only when the caller asks for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# 3GPP TS 23.038 §6.2.1, code points 0x00-0x7F in order; ESC (0x1B) is left out because it
# is the escape to the extension table, not a character.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# 3GPP TS 23.038 §6.2.1.1: form feed, ^ { } \ [ ~ ] | €, each sent as ESC + code.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_PART = {"GSM-7": 160, "UCS-2": 70}
PER_PART = {"GSM-7": 153, "UCS-2": 67}

# GSM-7 stand-ins for the characters our four languages use that the alphabet lacks. Only
# `gsm_safe` applies them, and only when the caller asks (see the module docstring).
# ç becomes c rather than the alphabet's Ç: a capital in the middle of a word reads worse.
_TRANSLITERATION = str.maketrans(
    {
        "á": "a", "â": "a", "ã": "a", "À": "A", "Á": "A", "Â": "A", "Ã": "A",
        "ê": "e", "ë": "e", "È": "E", "Ê": "E", "Ë": "E",
        "í": "i", "î": "i", "ï": "i", "Ì": "I", "Í": "I", "Î": "I", "Ï": "I",
        "ó": "o", "ô": "o", "õ": "o", "Ò": "O", "Ó": "O", "Ô": "O", "Õ": "O",
        "ú": "u", "û": "u", "Ù": "U", "Ú": "U", "Û": "U",
        "ç": "c", "ý": "y", "ÿ": "y", "Ý": "Y",
        "œ": "oe", "Œ": "OE",
        "\u00a0": " ", "\u202f": " ",  # no-break spaces (French puts them before ? and :)
        "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "«": '"', "»": '"',  # quotes
        "\u2013": "-", "\u2014": "-", "…": "...",  # en and em dashes
    }
)  # fmt: skip


@dataclass(frozen=True)
class SmsLength:
    encoding: Encoding
    units: int
    """Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2."""
    segments: int


@dataclass(frozen=True)
class FittedSms:
    text: str
    length: SmsLength
    fits: bool
    """False when even the shortest place name leaves the message over `max_segments`:
    the text is then the shortest we could make, and the caller decides (send it, or
    pick another channel)."""
    place_shortened: bool
    transliterated: bool


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def encoding_for(text: str) -> Encoding:
    return "GSM-7" if is_gsm7(text) else "UCS-2"


def measure(text: str) -> SmsLength:
    encoding = encoding_for(text)
    costs = [_cost(char, encoding) for char in text]
    return SmsLength(encoding, sum(costs), _segments(costs, encoding))


def segments(text: str) -> int:
    return measure(text).segments


def gsm_safe(text: str) -> str:
    """The text with accented letters and typography replaced by GSM-7 look-alikes.
    Characters with no stand-in (emoji, other scripts) stay, and keep the text UCS-2."""
    return text.translate(_TRANSLITERATION)


def fit_sms(
    compose: Callable[[str], str],
    *,
    place: str,
    url: str,
    max_segments: int = 1,
    transliterate: bool = False,
) -> FittedSms:
    """The message `compose(place)` made to fit in `max_segments` parts, changing as little
    as possible: first as written; then, if the caller allows it, transliterated to GSM-7
    (which more than doubles the room); then with the place name shortened, word by word
    where it can. The URL is never touched: a cut link is worse than no message.
    """
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    finish = gsm_safe if transliterate else _unchanged
    best: FittedSms | None = None
    for candidate_place in _place_candidates(place, compose):
        text = compose(candidate_place)
        if url not in text:
            raise ValueError("the composed message must contain the URL")
        for final, changed in _spellings(text, finish):
            fitted = FittedSms(
                text=final,
                length=measure(final),
                fits=False,
                place_shortened=candidate_place != place,
                transliterated=changed,
            )
            if fitted.length.segments <= max_segments:
                return _fitting(fitted)
            best = fitted
    assert best is not None, "there is always at least one candidate"
    return best


def _unchanged(text: str) -> str:
    return text


def _fitting(fitted: FittedSms) -> FittedSms:
    return FittedSms(fitted.text, fitted.length, True, fitted.place_shortened, fitted.transliterated)


def _spellings(text: str, finish: Callable[[str], str]) -> Iterable[tuple[str, bool]]:
    yield text, False
    transliterated = finish(text)
    if transliterated != text:
        yield transliterated, True


def _place_candidates(place: str, compose: Callable[[str], str]) -> Iterable[str]:
    """The place as given, then shorter and shorter, down to its first letter."""
    yield place
    # An ellipsis is one unit in UCS-2 but not in GSM-7, where three dots cost three.
    ellipsis = "..." if is_gsm7(compose(place)) else "…"
    seen = {place}
    for keep in range(len(place) - 1, 0, -1):
        shorter = _shortened(place, keep, ellipsis)
        if shorter not in seen:
            seen.add(shorter)
            yield shorter


def _shortened(place: str, keep: int, ellipsis: str) -> str:
    """The first `keep` characters, backed off to the last whole word when the cut falls
    inside one (unless the first word itself is longer)."""
    prefix = place[:keep]
    inside_a_word = place[keep] != " " and not prefix.endswith(" ")
    if inside_a_word and " " in prefix.strip():
        prefix = prefix[: prefix.rfind(" ")]
    return prefix.rstrip(" ,.;:-") + ellipsis


def _cost(char: str, encoding: Encoding) -> int:
    if encoding == "GSM-7":
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def _segments(costs: list[int], encoding: Encoding) -> int:
    total = sum(costs)
    if total <= SINGLE_PART[encoding]:
        return 1 if total else 0
    capacity, parts, used = PER_PART[encoding], 1, 0
    for cost in costs:
        if used + cost > capacity:  # the character moves whole to the next part
            parts, used = parts + 1, 0
        used += cost
    return parts
