"""Comprehend's DetectSentiment answers as our three tones, and the text it may take."""

from __future__ import annotations

import pytest

from cxloop.adapters.comprehend import MAX_TEXT_BYTES, clipped, tone_of


@pytest.mark.parametrize(
    ("label", "tone"), [("POSITIVE", "positive"), ("NEGATIVE", "negative"), ("NEUTRAL", "neutral")]
)
def test_the_three_clear_labels_map_directly(label: str, tone: str) -> None:
    assert tone_of({"Sentiment": label, "SentimentScore": {"Positive": 0.1, "Negative": 0.1}}) == tone


@pytest.mark.parametrize(
    ("positive", "negative", "tone"),
    [
        (0.70, 0.25, "positive"),  # praise with a small complaint
        (0.15, 0.80, "negative"),  # "the agent was kind, but nobody solved it"
        (0.45, 0.40, "neutral"),  # neither side clearly heavier
        (0.30, 0.49, "neutral"),  # just under the margin
        (0.30, 0.51, "negative"),  # just over it
    ],
)
def test_mixed_takes_the_clearly_heavier_side(positive: float, negative: float, tone: str) -> None:
    answer = {"Sentiment": "MIXED", "SentimentScore": {"Positive": positive, "Negative": negative}}
    assert tone_of(answer) == tone


def test_text_is_clipped_to_the_byte_limit_without_splitting_a_character() -> None:
    text = "é" * 3000  # two bytes each: 6,000 bytes
    cut = clipped(text)
    assert len(cut.encode("utf-8")) == MAX_TEXT_BYTES
    assert cut == "é" * 2500
    odd = "a" + "é" * 3000  # the limit falls inside a character: that character goes
    assert clipped(odd) == "a" + "é" * 2499
    assert clipped("corto") == "corto"
