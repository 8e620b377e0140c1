"""Amazon Comprehend as the reader of comments' tone, for operators who choose it
(CXLOOP_COMMENT_SENTIMENT=comprehend; CDK context `commentSentiment`).

The lexicon (cxloop.domain.feedback.comments) stays the default: it runs without any cloud service,
its accuracy is measured (tests/benchmarks/comment_accuracy.py), and topics always come from
the analysts' taxonomy. Comprehend only replaces the tone, and only when it answers: a
throttled or failed call, or a language it does not read, leaves the lexicon's tone, so a
response is never held back or lost for want of a sentiment.

Comments are personal data: the text goes to Comprehend in the stack's own region and
account, never to a log. AWS may use content processed by AI services to improve them unless
the organisation has an AI services opt-out policy (AWS Organizations); the README says so.
"""

from __future__ import annotations

from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from cxloop.adapters.aws import client, error_code
from cxloop.observability import logger

Tone = Literal["negative", "neutral", "positive"]

# DetectSentiment takes at most 5,000 bytes of UTF-8 text.
MAX_TEXT_BYTES = 5000
# The languages DetectSentiment reads, of the ones our survey pages speak.
LANGUAGES = frozenset({"es", "en", "pt", "fr"})
# MIXED is praise and complaint together; the customer's side is whichever weighs more, unless
# neither stands clearly above the other.
MIXED_MARGIN = 0.2
_TONES: dict[str, Tone] = {"POSITIVE": "positive", "NEGATIVE": "negative", "NEUTRAL": "neutral"}


def clipped(text: str, limit: int = MAX_TEXT_BYTES) -> str:
    """The text cut to `limit` UTF-8 bytes without splitting a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def tone_of(answer: dict[str, Any]) -> Tone:
    """DetectSentiment's answer as our three tones."""
    label = str(answer.get("Sentiment", ""))
    if label in _TONES:
        return _TONES[label]
    scores = answer.get("SentimentScore", {})
    positive, negative = float(scores.get("Positive", 0)), float(scores.get("Negative", 0))
    if abs(positive - negative) < MIXED_MARGIN:
        return "neutral"
    return "positive" if positive > negative else "negative"


class ComprehendSentiment:
    """A SentimentReader (cxloop.domain.feedback.score_response) through comprehend:DetectSentiment."""

    def __init__(self, comprehend: Any | None = None) -> None:
        self._client = comprehend

    def __call__(self, text: str, language: str) -> Tone | None:
        if language not in LANGUAGES or not text.strip():
            return None
        try:
            answer = (self._client or client("comprehend")).detect_sentiment(
                Text=clipped(text), LanguageCode=language
            )
        except (ClientError, BotoCoreError) as exc:
            # The reason only: the text is the customer's.
            reason = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
            logger.warning("comprehend unavailable, the lexicon's tone stands", extra={"reason": reason})
            return None
        return tone_of(answer)
