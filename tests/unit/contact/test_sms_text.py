"""SMS length in parts, counted by hand against 3GPP TS 23.038 (GSM 03.38), and the
invitation made to fit without touching its link."""

from __future__ import annotations

import pytest

from cxloop.domain.contact import sms_text
from cxloop.domain.contact.messages import invitation_sms
from cxloop.domain.contact.sms_text import fit_sms, gsm_safe, is_gsm7, measure

# "https://" 8 + "cx.example" 10 + "/s/" 3 + "abc" 3 = 24 characters, all GSM-7.
SHORT_URL = "https://cx.example/s/abc"
# "https://" 8 + "cx.segurosandinos.example" 25 + "/s/" 3 + a 43-character token = 79.
REAL_URL = "https://cx.segurosandinos.example/s/" + "A" * 43


def test_the_alphabet_tables_have_the_sizes_of_the_standard() -> None:
    # 128 code points less ESC, which escapes to the extension table; 10 extension characters.
    assert len(sms_text.GSM7_BASIC) == 127
    assert len(sms_text.GSM7_EXTENSION) == 10
    assert not sms_text.GSM7_BASIC & sms_text.GSM7_EXTENSION


@pytest.mark.parametrize("char", list("¿¡ñÑéÉèàùìòäöüÄÖÜÇß"))
def test_letters_our_languages_need_that_are_in_gsm_03_38(char: str) -> None:
    assert is_gsm7(char)


@pytest.mark.parametrize("char", [*"áíóúâêîôûãõçÀÈÌÒÙëïœ…", "\u2019", "\u201c", "\u2013", "\u00a0", "\u202f"])
def test_letters_and_typography_that_are_not(char: str) -> None:
    assert not is_gsm7(char)


@pytest.mark.parametrize(
    ("text", "encoding", "units"),
    [
        ("¿Qué tal?", "GSM-7", 9),  # ¿ and é are both in the basic table
        ("¿Dónde?", "UCS-2", 7),  # ó is not: the whole message goes UCS-2
        ("Año", "GSM-7", 3),
        ("Olá", "UCS-2", 3),  # Portuguese á
        ("à demain", "GSM-7", 8),  # à is in the table...
        ("à bientôt", "UCS-2", 9),  # ...ô is not
        ("Ação", "UCS-2", 4),  # ç (lower case) is not; only Ç is
        ("{[]}", "GSM-7", 8),  # four extension characters, two septets each
        ("10 €", "GSM-7", 5),  # 1 + 1 + 1 + 2
        ("👍", "UCS-2", 2),  # outside the BMP: a surrogate pair
    ],
)
def test_encoding_and_units(text: str, encoding: str, units: int) -> None:
    length = measure(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, 1)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),  # 153 + 8
        ("a" * 306, 2),  # 153 + 153
        ("a" * 307, 3),
        ("€" * 80, 1),  # 160 septets
        ("ó" * 70, 1),
        ("ó" * 71, 2),  # 67 + 4
        ("ó" * 134, 2),
        ("ó" * 135, 3),
    ],
)
def test_part_boundaries(text: str, parts: int) -> None:
    assert measure(text).segments == parts


def test_an_extension_character_never_straddles_two_parts() -> None:
    # 152 + 2 + 152 = 306 septets, which 306 / 153 says is 2 parts. But € does not fit in
    # the one septet left in part 1: part 1 = 152 a, part 2 = € + 151 a, part 3 = 1 a.
    text = "a" * 152 + "€" + "a" * 152
    assert (measure(text).units, measure(text).segments) == (306, 3)


def test_an_emoji_never_straddles_two_parts() -> None:
    # 66 + 2 + 66 = 134 units: part 1 = 66 ó, part 2 = 😀 + 65 ó, part 3 = 1 ó.
    text = "ó" * 66 + "😀" + "ó" * 66
    assert (measure(text).units, measure(text).segments) == (134, 3)


@pytest.mark.parametrize(
    ("language", "encoding", "units", "parts"),
    [
        # "cxloop: how was your experience at Quito Norte? Tell us in 1 minute: " = 69, + 24
        ("en", "GSM-7", 93, 1),
        # "cxloop: ¿Qué tal fue su experiencia en Quito Norte? Cuéntenos en 1 minuto: " = 75, + 24;
        # ¿ and é are in the GSM-7 table (the copy avoids ó, which is not).
        ("es", "GSM-7", 99, 1),
        # "cxloop: como foi seu atendimento em Quito Norte? Conte-nos em 1 minuto: " = 72, + 24;
        # the copy avoids "experiência", whose ê would make it UCS-2.
        ("pt", "GSM-7", 96, 1),
        # "cxloop : comment s'est passée votre visite à Quito Norte ? Répondez en 1 minute : "
        # = 82, + 24: é and à are in the table and the copy uses plain spaces.
        ("fr", "GSM-7", 106, 1),
    ],
)
def test_the_invitation_in_each_language(language: str, encoding: str, units: int, parts: int) -> None:
    text = invitation_sms(language=language, brand="cxloop", place="Quito Norte", url=SHORT_URL)
    assert (measure(text).encoding, measure(text).units, measure(text).segments) == (encoding, units, parts)


def test_transliteration_only_replaces_what_gsm_7_lacks() -> None:
    assert gsm_safe("¿Cómo fue? Experiência, Ação, Cuéntenos, Año") == (
        "¿Como fue? Experiencia, Acao, Cuéntenos, Año"
    )
    french = "passé\u00a0? «\u202foui\u202f» \u2014 l\u2019été…"
    assert gsm_safe(french) == 'passé ? " oui " - l\'été...'
    assert gsm_safe("Привет 👍") == "Привет 👍"  # no stand-in: it stays UCS-2


def spanish(place: str) -> str:
    # Spanish with an ó (not in GSM-7), as an analyst might write it: the fitting must cope.
    return f"Seguros Andinos: ¿cómo fue su experiencia en {place}? Cuéntenos en 1 minuto: {REAL_URL}"


def english(place: str) -> str:
    return invitation_sms(language="en", brand="Seguros Andinos", place=place, url=REAL_URL)


def test_a_message_that_fits_is_left_alone() -> None:
    fitted = fit_sms(english, place="Quito", url=REAL_URL, transliterate=True)
    assert fitted.text == english("Quito")
    assert fitted.fits and not fitted.place_shortened and not fitted.transliterated


def test_transliteration_is_off_unless_asked_so_spanish_stays_spanish() -> None:
    # "Seguros Andinos: ¿cómo fue su experiencia en Claims desk? Cuéntenos en 1 minuto: "
    # = 81, + 79 = 160 UCS-2 units: 3 parts. Even "C…" for the place (151 units) needs 3,
    # so it cannot fit in 2: the caller gets the shortest text and fits=False.
    fitted = fit_sms(spanish, place="Claims desk", url=REAL_URL, max_segments=2)
    assert not fitted.fits and not fitted.transliterated
    assert fitted.text == spanish("C…")
    assert (fitted.length.encoding, fitted.length.units, fitted.length.segments) == ("UCS-2", 151, 3)
    assert REAL_URL in fitted.text


def test_when_asked_transliteration_comes_before_cutting_the_place() -> None:
    # Without the ó the same 160 characters are GSM-7: exactly one part, full place name.
    fitted = fit_sms(spanish, place="Claims desk", url=REAL_URL, max_segments=1, transliterate=True)
    assert fitted.fits and fitted.transliterated and not fitted.place_shortened
    assert fitted.text.startswith("Seguros Andinos: ¿como fue su experiencia en Claims desk? Cuéntenos")
    assert (fitted.length.encoding, fitted.length.units, fitted.length.segments) == ("GSM-7", 160, 1)


def test_the_place_is_shortened_at_a_word_and_the_url_is_never_cut() -> None:
    # "Seguros Andinos: how was your experience at " 44 + place + "? Tell us in 1 minute: " 23
    # + 79 = 146 + place: one part leaves 14 characters for the place, "Quito Norte..." is 14.
    fitted = fit_sms(english, place="Quito Norte Claims Desk", url=REAL_URL, max_segments=1)
    assert fitted.fits and fitted.place_shortened and not fitted.transliterated
    assert fitted.text == english("Quito Norte...")
    assert fitted.text.endswith(REAL_URL)
    assert (fitted.length.units, fitted.length.segments) == (160, 1)


def test_two_parts_allowed_keeps_the_whole_place() -> None:
    fitted = fit_sms(english, place="Quito Norte Claims Desk", url=REAL_URL, max_segments=2)
    # 146 + 23 = 169 septets: 2 parts, nothing changed.
    assert fitted.fits and not fitted.place_shortened
    assert (fitted.length.units, fitted.length.segments) == (169, 2)


def test_a_single_long_word_is_cut_inside_the_word() -> None:
    fitted = fit_sms(english, place="Supercalifragilisticexpialidocious", url=REAL_URL)
    # 14 characters for the place: 11 letters and "...".
    assert fitted.text == english("Supercalifr...")
    assert fitted.fits


def test_a_composer_that_drops_the_url_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="URL"):
        fit_sms(lambda place: f"Hello {place}", place="Quito", url=REAL_URL)
