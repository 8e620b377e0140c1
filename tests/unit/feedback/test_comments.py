"""Comment analytics: sentiment and topics of es/en/pt survey comments, with no model and no network."""

from __future__ import annotations

import dataclasses
import re
import time
from collections import Counter

import pytest
from pydantic import ValidationError

from cxloop.domain.feedback.comments import (
    SentimentLexicon,
    Taxonomy,
    Topic,
    analyse_comment,
    default_lexicon,
    default_taxonomy,
    detect_language,
)
from tests.benchmarks.comment_accuracy import analyse, load_labelled, score


def sentiment(text: str, language: str | None = None) -> str:
    return analyse_comment(text, language=language).sentiment


def polarity(text: str, language: str | None = None) -> float:
    return analyse_comment(text, language=language).polarity


def topics(text: str, language: str | None = None, taxonomy: Taxonomy | None = None) -> tuple[str, ...]:
    return analyse_comment(text, language=language, taxonomy=taxonomy).topics


def topic(topic_id: str = "price", **keywords: tuple[str, ...]) -> dict[str, object]:
    return {
        "id": topic_id,
        "names": {"es": "Precio", "en": "Price", "pt": "Preço"},
        "keywords": {"es": ("precio",), "en": ("price",), "pt": ("preço",)} | keywords,
    }


# --- sentiment ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plain", "negated"),
    [
        ("El servicio fue bueno.", "El servicio no fue bueno."),
        ("The service was good.", "The service was not good."),
        ("The agent was helpful.", "The agent wasn't helpful."),
        ("O atendimento foi bom.", "O atendimento não foi bom."),
        ("Fue rápido.", "Nunca fue rápido."),
    ],
)
def test_negation_turns_praise_into_complaint(plain: str, negated: str) -> None:
    assert sentiment(plain) == "positive"
    assert sentiment(negated) == "negative"


@pytest.mark.parametrize(
    "text",
    ["Not bad at all.", "No tuve ningún problema.", "Não tive problema nenhum.", "Me atendieron sin fila."],
)
def test_a_negated_complaint_is_mildly_positive(text: str) -> None:
    assert sentiment(text) == "positive"
    assert polarity(text) < polarity("Excellent, perfect, thank you!")


@pytest.mark.parametrize(
    ("praise_then_complaint", "complaint_then_praise"),
    [
        (
            "La atención fue buena pero la espera fue eterna.",
            "La espera fue eterna pero la atención fue buena.",
        ),
        ("Nice people, but the wait was terrible.", "The wait was terrible, but nice people."),
        ("A moça foi simpática, mas o problema continua.", "O problema continua, mas a moça foi ótima."),
    ],
)
def test_the_clause_after_a_contrast_weighs_more(
    praise_then_complaint: str, complaint_then_praise: str
) -> None:
    assert sentiment(praise_then_complaint) == "negative"
    assert sentiment(complaint_then_praise) == "positive"


def test_mas_means_more_in_spanish_and_is_no_contrast() -> None:
    # "más" folds to "mas", which is Portuguese for "but": in Spanish it must not re-weigh the clauses.
    assert polarity("Excelente, más rápido que nunca", language="es") > 0.5


def test_intensifiers_and_diminishers_scale_the_next_word() -> None:
    assert polarity("muy bueno") > polarity("bueno") > 0
    assert polarity("very slow") < polarity("slow") < 0
    assert polarity("un poco lento") > polarity("lento")
    assert polarity("a bit slow") > polarity("slow")
    assert sentiment("El asesor fue poco amable.") == "negative"  # bare "poco" is "not very"


def test_exclamations_and_capitals_add_emphasis() -> None:
    assert polarity("Great service!!!") > polarity("Great service")
    assert polarity("Terrible service!!") < polarity("Terrible service")
    assert polarity("AMAZING support from the team") > polarity("amazing support from the team")


def test_a_comment_written_all_in_capitals_is_not_emphasised_word_by_word() -> None:
    assert polarity("GOOD SERVICE") == polarity("good service")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("👍", "positive"), ("Gracias :)", "positive"), ("😡😡", "negative"), ("otra vez :(", "negative")],
)
def test_emoticons_and_emoji_count(text: str, expected: str) -> None:
    assert sentiment(text) == expected


def test_a_url_is_not_a_frowning_emoticon() -> None:
    assert polarity("see https://example.com/page") == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "Reporté el choque y nadie me llamó",
        "Llamé al call center y me colgaron",
        "three weeks waiting for an answer",
        "ninguém resolveu",
        "Me cobraron dos veces",
        "They hung up on me",
        "Ninguém me ligou",
    ],
)
def test_domain_phrases_carry_their_own_valence(text: str) -> None:
    assert sentiment(text) == "negative"


def test_a_neutralising_phrase_hides_the_words_inside_it() -> None:
    assert sentiment("ni bien ni mal") == "neutral"
    assert sentiment("Bien.") == "positive"


def test_a_sarcasm_marker_turns_praise_into_complaint() -> None:
    assert sentiment("Oh great, another premium increase. Love it.") == "positive"
    assert sentiment("Oh great, another premium increase. Love it. /s") == "negative"
    assert sentiment("Que maravilha, o aplicativo fora do ar de novo. Parabéns 🙄") == "negative"


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_neutral_with_no_topics(text: str) -> None:
    insight = analyse_comment(text)
    assert (insight.sentiment, insight.polarity, insight.topics) == ("neutral", 0.0, ())
    assert insight.language == "es"


def test_markup_is_just_text() -> None:
    insight = analyse_comment("<b>Excellent</b> <script>alert('app')</script> service")
    assert insight.sentiment == "positive"
    assert insight.topics == ("digital_channels",)  # the word "app", nothing executed or stripped


def test_text_without_sentiment_words_is_neutral() -> None:
    assert sentiment("Fui a la agencia a actualizar mis datos.") == "neutral"
    assert sentiment("Just came in to update my address.") == "neutral"


def test_polarity_stays_within_minus_one_and_one() -> None:
    assert polarity("!!! " + "terrible horrible awful " * 50) >= -1.0
    assert polarity("excellent amazing perfect " * 50 + "!!!") <= 1.0


def test_an_insight_cannot_be_changed() -> None:
    insight = analyse_comment("Bien")
    with pytest.raises(dataclasses.FrozenInstanceError):
        insight.sentiment = "negative"  # type: ignore[misc]


# --- language ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("La atención fue muy buena y el asesor me explicó todo", "es"),
        ("Espere una hora en la fila", "es"),
        ("The agent was very kind and explained everything", "en"),
        ("Waited over an hour", "en"),
        ("O atendimento foi ótimo, muito obrigado", "pt"),
        ("Não consigo ver minha apólice no aplicativo", "pt"),
        ("Estou há 3 horas à espera do reboque", "pt"),
    ],
)
def test_each_language_is_detected(text: str, language: str) -> None:
    assert detect_language(text) == language
    assert analyse_comment(text).language == language


@pytest.mark.parametrize("text", ["", "12345", "???", "Ok"])
def test_without_evidence_the_language_is_spanish(text: str) -> None:
    assert detect_language(text) == "es"


def test_a_given_language_or_locale_is_used_and_an_unsupported_one_is_detected() -> None:
    assert analyse_comment("Bom", language="pt-BR").language == "pt"
    assert analyse_comment("Bom", language="EN").language == "en"
    assert analyse_comment("Muito obrigado", language="fr").language == "pt"


def test_shared_words_are_no_evidence_for_either_language() -> None:
    detection = default_lexicon().detection_words
    assert not detection["es"] & detection["pt"]
    assert not detection["es"] & detection["en"]
    assert "que" not in detection["es"] | detection["pt"]  # written in both the lists that say so


# --- topics ----------------------------------------------------------------------------------------


def test_keywords_match_without_accents_and_in_any_case() -> None:
    assert topics("La GRÚA llegó tarde") == topics("la grua llego tarde")
    assert "roadside_assistance" in topics("La GRÚA llegó tarde")
    assert topics("Atención del asesor") == topics("atencion del ASESOR") == ("staff_attitude",)


def test_keywords_match_whole_words_only() -> None:
    # Decision: "priceless" is praise, not a remark about price; "prices" is the plural and counts.
    assert "price" not in topics("The view from the branch is priceless", language="en")
    assert "price" in topics("Your prices went up again", language="en")
    assert "digital_channels" not in topics("I am happy, I appreciate it", language="en")


def test_keywords_tolerate_plurals_and_gender() -> None:
    assert "cleanliness" in topics("Las sillas estaban sucias", language="es")
    assert "contact_center" in topics("Fiz três ligações", language="pt")
    assert "waiting_time" in topics("Se demoraron muchísimo", language="es")  # stem keyword demor*


def test_an_equals_sign_turns_gender_tolerance_off() -> None:
    assert "price" not in topics("Me colgó en la cara", language="es")
    assert "price" in topics("El seguro es caro", language="es")
    assert "price" in topics("La póliza es muy cara", language="es")


def test_the_longer_keyword_wins_an_overlap() -> None:
    assert topics("The waiting area has no seats", language="en") == ("facilities",)
    assert "waiting_time" in topics("I was waiting for ages", language="en")


def test_topics_come_most_mentioned_first() -> None:
    found = topics("Mala app. La app se cae, la app no abre y el precio sube", language="es")
    assert found == ("digital_channels", "price")


def test_a_comment_can_have_several_topics_or_none() -> None:
    assert set(topics("El perito nunca vino, nadie me llamó y el precio subió")) == {
        "claims_process",
        "communication",
        "price",
    }
    assert topics("pesimo, no vuelvo") == ()


def test_only_the_comments_language_keywords_are_used() -> None:
    # "oficina" is a repair shop in Brazil and an office in Spain.
    assert "claims_process" in topics("A oficina devolveu o carro", language="pt")
    assert "claims_process" not in topics("La oficina estaba llena", language="es")


def test_a_custom_taxonomy_replaces_the_default() -> None:
    parking = topic("parking", es=("parqueadero",), en=("parking lot",), pt=("estacionamento",))
    taxonomy = Taxonomy.model_validate({"topics": [parking]})
    assert topics("No hay parqueadero y la app falla", taxonomy=taxonomy) == ("parking",)
    assert taxonomy.matchers is taxonomy.matchers  # compiled once per taxonomy


# --- taxonomy and lexicon data ---------------------------------------------------------------------


def test_the_default_taxonomy_is_loaded_once_and_complete() -> None:
    taxonomy = default_taxonomy()
    assert taxonomy is default_taxonomy()
    assert 10 <= len(taxonomy.topics) <= 14
    ids = {t.id for t in taxonomy.topics}
    assert {"waiting_time", "staff_attitude", "price", "claims_process", "cleanliness"} <= ids
    assert all(set(t.names) >= {"es", "en", "pt"} for t in taxonomy.topics)


@pytest.mark.parametrize(
    ("topics_data", "message"),
    [
        ([topic("price"), topic("price")], "duplicate topic id"),
        ([topic("Price Topic")], "snake_case"),
        ([topic(pt=())], "keywords in pt"),
        ([{**topic(), "keywords": {"es": ("precio",), "en": ("price",)}}], "keywords in pt"),
        ([topic(fr=("prix",))], "unsupported language"),
        ([topic(en=("  ",))], "letter or digit"),
        ([{**topic(), "names": {"es": "Precio", "en": "Price"}}], "name in pt"),
        ([{**topic(), "colour": "red"}], "Extra inputs are not permitted"),
        ([], "at least 1"),
    ],
)
def test_taxonomy_validation_errors(topics_data: list[dict[str, object]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Taxonomy.model_validate({"topics": topics_data})


def test_a_topic_cannot_be_changed() -> None:
    with pytest.raises(ValidationError):
        Topic.model_validate(topic()).id = "cost"  # type: ignore[misc]


def test_lexicon_valences_are_bounded() -> None:
    raw = default_lexicon().model_dump()
    raw["languages"]["en"]["words"]["meh"] = -9.0
    with pytest.raises(ValidationError, match=re.escape("-4..4")):
        SentimentLexicon.model_validate(raw)


# --- the labelled set ------------------------------------------------------------------------------


def test_the_labelled_set_is_big_balanced_and_split_in_halves() -> None:
    rows = load_labelled()
    assert len(rows) >= 180
    assert len({row["id"] for row in rows}) == len(rows)
    languages = Counter(row["language"] for row in rows)
    assert languages["es"] > languages["en"] > languages["pt"] > 0
    sentiments = Counter(row["sentiment"] for row in rows)
    assert sentiments["negative"] >= len(rows) * 0.45
    splits = Counter(row["split"] for row in rows)
    assert set(splits) == {"dev", "test"} and abs(splits["dev"] - splits["test"]) <= 2
    known = {t.id for t in default_taxonomy().topics}
    assert all(set(row["topics"]) <= known for row in rows)


def test_the_held_out_split_is_analysed_accurately() -> None:
    # Measured on the test split, which the lexicon and taxonomy were never tuned on: sentiment accuracy
    # 0.84 (macro-F1 0.84; 0.83 at the first look, before three fixes found by the behaviour tests above),
    # topic micro-F1 0.96 (P 0.97, R 0.96). The dev split, tuned on, reads 0.98 and 0.97.
    rows = [row for row in load_labelled() if row["split"] == "test"]
    scores = score(rows, analyse(rows))
    assert scores.sentiment_accuracy >= 0.80
    assert scores.topic_f1 >= 0.93


def test_ten_thousand_comments_take_well_under_a_few_seconds() -> None:
    texts = [row["text"] for row in load_labelled()]
    analyse_comment(texts[0])  # compile the patterns first, as a warm Lambda has
    started = time.process_time()  # this process's CPU time: other jobs on a shared runner do not count
    for i in range(10_000):
        analyse_comment(texts[i % len(texts)])
    # About 0.8 s on the 2-core dev machine; the margin is for a slower CI runner.
    assert time.process_time() - started < 5.0
