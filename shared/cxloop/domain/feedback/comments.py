"""Comment analytics: sentiment and topics of a free-text survey comment in Spanish, English or Portuguese.

Runs on the machine with no model download and no cloud call: a sentiment lexicon and a topic taxonomy,
both held as data in ``cxloop/data`` so analysts can edit them, are compiled once into regular expressions
and lookup tables. Everything is matched on accent-folded, lower-cased text, so "atencion", "Atención" and
"ATENCIÓN" are the same word.

Sentiment is a lexicon score done with care: negation flips the next words, intensifiers and diminishers
scale them, the clause after "pero"/"but"/"mas" weighs more than the one before, exclamation marks and
ALL-CAPS add emphasis, emoticons and emoji count, domain phrases ("nadie me llamó", "hung up",
"ninguém resolveu") carry their own valence, and a sarcasm marker ("/s", 🙄) turns praise into complaint.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from cxloop.domain.kernel.modelling import DomainModel

Sentiment = Literal["negative", "neutral", "positive"]
LANGUAGES = ("es", "en", "pt")
DEFAULT_LANGUAGE = "es"

# Polarity is the raw score squashed into -1..1 (as VADER does); beyond +-NEUTRAL_BAND it has a direction.
_SQUASH_ALPHA = 15.0
NEUTRAL_BAND = 0.25
# How a negator changes the word it governs: "not good" is bad, but "not bad" is only mildly good.
_NEGATION_FACTOR = -0.75
_NEGATION_WINDOW = 3
# The clause after a contrast word is what the customer means; the one before is a concession.
_BEFORE_CONTRAST, _AFTER_CONTRAST = 0.5, 1.5
_CAPS_EMPHASIS = 1.5
_EXCLAMATION_BOOST, _MAX_EXCLAMATIONS = 0.3, 3
_SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_PUNCTUATION = frozenset(".,;:!?")
_MAX_MEMO = 50_000


# --------------------------------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------------------------------

_ELONGATION = re.compile(r"([a-z])\1{2,}")  # "muuuy" -> "muy", "waaay" -> "way"
_CONTRACTED_NOT = re.compile(r"n['\u2019]t\b", re.IGNORECASE)  # "don't" -> "do not", so "not" is a negator
_RAW_TOKEN = re.compile(r"[^\W_]+|[.,;:!?]")
_NON_WORD = re.compile(r"[^a-z0-9*#=]+")


@lru_cache(maxsize=65536)  # called per word; words repeat a lot across comments
def fold(text: str) -> str:
    """Lower-case and strip accents: 'Atención' -> 'atencion', 'não' -> 'nao', 'ñ' -> 'n'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _ELONGATION.sub(r"\1", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def normalise_phrase(phrase: str) -> str:
    """The form keywords and phrases are stored in: folded words separated by single spaces."""
    return _NON_WORD.sub(" ", fold(phrase)).strip()


@dataclass(frozen=True, slots=True)
class _Word:
    text: str  # folded
    shouted: bool  # written in capitals ("AMAZING") inside a comment that is not all capitals

    @property
    def is_punctuation(self) -> bool:
        return self.text in _PUNCTUATION


def _words(text: str) -> list[_Word]:
    raw = _RAW_TOKEN.findall(_CONTRACTED_NOT.sub(" not", text))
    all_caps = all(token.isupper() for token in raw if token.isalpha())
    return [_Word(fold(token), not all_caps and len(token) > 2 and token.isupper()) for token in raw]


# --------------------------------------------------------------------------------------------------
# Taxonomy
# --------------------------------------------------------------------------------------------------


class Topic(DomainModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    names: dict[str, str]
    keywords: dict[str, tuple[str, ...]]
    description: str = ""  # the labelling rule, for the analysts who edit the taxonomy

    @field_validator("id")
    @classmethod
    def _id_is_snake_case(cls, value: str) -> str:
        if not _SNAKE_CASE.match(value):
            raise ValueError(f"topic id {value!r} must be snake_case (routing rules and dashboards use it)")
        return value

    @field_validator("names")
    @classmethod
    def _named_in_every_language(cls, value: dict[str, str]) -> dict[str, str]:
        missing = [language for language in LANGUAGES if not value.get(language, "").strip()]
        if missing:
            raise ValueError(f"topic needs a name in {', '.join(missing)}")
        return value

    @field_validator("keywords")
    @classmethod
    def _keywords_in_every_language(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"keywords for unsupported language(s) {', '.join(unknown)}")
        missing = [language for language in LANGUAGES if not value.get(language)]
        if missing:
            raise ValueError(f"topic needs keywords in {', '.join(missing)}")
        blank = [k for words in value.values() for k in words if not normalise_phrase(k).strip("*#= ")]
        if blank:
            raise ValueError(f"keywords must contain a letter or digit: {blank!r}")
        return value


class Taxonomy(DomainModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    topics: tuple[Topic, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Taxonomy:
        ids = [topic.id for topic in self.topics]
        duplicates = sorted({topic_id for topic_id in ids if ids.count(topic_id) > 1})
        if duplicates:
            raise ValueError(f"duplicate topic id(s): {', '.join(duplicates)}")
        return self

    @cached_property
    def matchers(self) -> dict[str, tuple[tuple[str, re.Pattern[str]], ...]]:
        """Per language, one compiled pattern per topic: compiled once per taxonomy, reused per comment."""
        return {
            language: tuple((topic.id, _keywords_pattern(topic.keywords[language])) for topic in self.topics)
            for language in LANGUAGES
        }


# How a keyword word bends: (ending, shortest word it applies to, letters cut, what replaces them).
# The first rule that applies wins; the last one applies to every word.
_INFLECTIONS = (
    ("*", 2, 1, "[a-z0-9]*"),  # stem*: any ending (demor* = demora, demoró, demoraron)
    ("=", 2, 1, "(?:es|s)?"),  # the analyst turned gender off: "caro=" is not "cara" (the face)
    ("ao", 3, 2, "(?:ao|oes|aos|aes)"),  # pt: ligação/ligações
    ("o", 3, 1, "[oa]s?"),  # sucio/sucia/sucios
    ("a", 3, 1, "[oa]s?"),  # limpa/limpo
    ("y", 3, 1, "(?:y|ies)"),  # policy/policies
    ("l", 4, 1, "(?:l|les|ls|is)"),  # confortável/confortáveis, canal/canales
    ("e", 2, 0, "s?"),
    ("i", 2, 0, "s?"),
    ("u", 2, 0, "s?"),
    ("", 1, 0, "(?:es|s)?"),
)


def _inflected(word: str) -> str:
    """A keyword word as a regex that also accepts its plural and, in es/pt, its other gender."""
    for ending, shortest, cut, replacement in _INFLECTIONS:
        if word.endswith(ending) and len(word) >= shortest:
            return re.escape(word[: len(word) - cut]) + replacement
    raise AssertionError("the last inflection rule applies to every word")


def _keyword_regex(keyword: str) -> str:
    return " ".join(f"(?:{_inflected(word)})" for word in normalise_phrase(keyword).split())


def _keywords_pattern(keywords: Iterable[str]) -> re.Pattern[str]:
    # Longest first, so "tiempo de espera" is tried before "espera" at the same position.
    ordered = sorted({normalise_phrase(k) for k in keywords}, key=len, reverse=True)
    alternation = "|".join(_keyword_regex(keyword) for keyword in ordered)
    return re.compile(rf"(?<![a-z0-9])(?:{alternation})(?![a-z0-9])")


@dataclass(frozen=True, slots=True)
class _Mention:
    topic_id: str
    start: int
    end: int

    def inside(self, other: _Mention) -> bool:
        return other.start <= self.start and self.end <= other.end and (other.end - other.start) > len(self)

    def __len__(self) -> int:
        return self.end - self.start


def _topics(words: list[_Word], matchers: tuple[tuple[str, re.Pattern[str]], ...]) -> tuple[str, ...]:
    """Topic ids, most mentioned first (ties: first mentioned first)."""
    text = " ".join(word.text for word in words if not word.is_punctuation)
    mentions = [
        _Mention(topic_id, match.start(), match.end())
        for topic_id, pattern in matchers
        for match in pattern.finditer(text)
    ]
    kept = _without_shadowed(mentions)
    counts: dict[str, list[int]] = {}
    for mention in kept:
        counts.setdefault(mention.topic_id, []).append(mention.start)
    return tuple(sorted(counts, key=lambda topic_id: (-len(counts[topic_id]), min(counts[topic_id]))))


def _without_shadowed(mentions: list[_Mention]) -> list[_Mention]:
    """The longer keyword wins: 'waiting area' is facilities, not also waiting time."""
    longest_first = sorted(mentions, key=len, reverse=True)
    kept: list[_Mention] = []
    for mention in longest_first:
        if not any(mention.inside(other) and other.topic_id != mention.topic_id for other in kept):
            kept.append(mention)
    return kept


@cache
def default_taxonomy() -> Taxonomy:
    raw = json.loads(_data_file("taxonomy.json"))
    return Taxonomy.model_validate({"topics": raw["topics"]})


def _data_file(name: str) -> str:
    return resources.files("cxloop.data").joinpath(name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# Sentiment lexicon
# --------------------------------------------------------------------------------------------------

Valence = float


class LanguageLexicon(DomainModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    words: dict[str, Valence]
    phrases: dict[str, Valence] = {}
    negators: tuple[str, ...]
    intensifiers: dict[str, float] = {}
    diminishers: dict[str, float] = {}
    contrast: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    detection: tuple[str, ...] = ()

    @field_validator("words", "phrases")
    @classmethod
    def _valences_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        wrong = sorted(key for key, valence in value.items() if not -4.0 <= valence <= 4.0)
        if wrong:
            raise ValueError(f"valences must lie in -4..4: {', '.join(wrong)}")
        return value

    @cached_property
    def compiled(self) -> _CompiledLanguage:
        return _CompiledLanguage(self)


class SentimentLexicon(DomainModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    languages: dict[str, LanguageLexicon]
    emoticons: dict[str, Valence] = {}
    sarcasm_markers: tuple[str, ...] = ()

    @field_validator("languages")
    @classmethod
    def _every_language(cls, value: dict[str, LanguageLexicon]) -> dict[str, LanguageLexicon]:
        missing = [language for language in LANGUAGES if language not in value]
        if missing:
            raise ValueError(f"lexicon needs {', '.join(missing)}")
        return value

    @cached_property
    def emoticon_pattern(self) -> re.Pattern[str] | None:
        return _literal_alternation(self.emoticons)

    @cached_property
    def sarcasm_pattern(self) -> re.Pattern[str] | None:
        return _literal_alternation(self.sarcasm_markers)

    @cached_property
    def _evidence_memo(self) -> dict[str, tuple[float, ...]]:
        return {}

    def language_evidence(self, word: str) -> tuple[float, ...]:
        """Per language in LANGUAGES order, how much this folded word says the comment is in it."""
        memo = self._evidence_memo
        if word not in memo:
            if len(memo) > _MAX_MEMO:
                memo.clear()
            memo[word] = _word_evidence(word, self.detection_words)
        return memo[word]

    @cached_property
    def detection_words(self) -> dict[str, frozenset[str]]:
        """Words that are evidence for one language only ('the', 'não', 'los'); shared ones prove nothing."""
        folded = {lang: {fold(w) for w in self.languages[lang].detection} for lang in LANGUAGES}
        return {
            lang: frozenset(words - set().union(*(folded[other] for other in LANGUAGES if other != lang)))
            for lang, words in folded.items()
        }


def _literal_alternation(literals: Iterable[str]) -> re.Pattern[str] | None:
    """Emoticons and markers as written; alphanumeric ends ("xD", "/s", "10/10") must stand alone."""
    parts = []
    for literal in sorted(literals, key=len, reverse=True):
        part = re.escape(literal)
        part = (r"(?<![\w/])" if literal[0].isalnum() else "") + part
        part += r"(?!\w)" if literal[-1].isalnum() else "(?!/)" if literal.endswith("/") else ""
        parts.append(part)
    return re.compile("|".join(parts)) if parts else None


class _CompiledLanguage:
    """Lookup tables for one language, built once: words, stems, phrases and modifiers, all folded."""

    def __init__(self, lexicon: LanguageLexicon) -> None:
        words = {normalise_phrase(k): v for k, v in lexicon.words.items()}
        self.exact = {k: v for k, v in words.items() if not k.endswith("*")}
        self.stems = {k[:-1]: v for k, v in words.items() if k.endswith("*")}
        self.longest_stem = max((len(stem) for stem in self.stems), default=0)
        self.negators = frozenset(normalise_phrase(n) for n in lexicon.negators)
        self.scalers = {normalise_phrase(k): v for k, v in lexicon.intensifiers.items()} | {
            normalise_phrase(k): v for k, v in lexicon.diminishers.items()
        }
        self.contrast = frozenset(normalise_phrase(c) for c in lexicon.contrast)
        numbers = "|".join(map(re.escape, (*map(normalise_phrase, lexicon.numbers), r"\d+")))
        self.phrases = [
            (re.compile(_phrase_regex(normalise_phrase(p), numbers)), v)
            for p, v in sorted(lexicon.phrases.items(), key=lambda item: len(item[0]), reverse=True)
        ]
        alternation = "|".join(pattern.pattern for pattern, _ in self.phrases)
        self.phrase_pattern = re.compile(rf"(?<![^ ])(?:{alternation})(?![^ ])") if self.phrases else None
        self._valences: dict[str, float] = {}

    def valence(self, word: str) -> float:
        """The word's valence, tolerating plurals, the other gender and any ending of a starred stem."""
        if word not in self._valences:
            if len(self._valences) > _MAX_MEMO:  # typos and names are endless; keep the memo bounded
                self._valences.clear()
            self._valences[word] = self._look_up(word)
        return self._valences[word]

    def _look_up(self, word: str) -> float:
        for candidate in _inflections(word):
            if candidate in self.exact:
                return self.exact[candidate]
        for length in range(min(len(word), self.longest_stem), 2, -1):
            if word[:length] in self.stems:
                return self.stems[word[:length]]
        return 0.0

    def phrase_valence(self, matched: str) -> float:
        return next(valence for pattern, valence in self.phrases if pattern.fullmatch(matched))


def _phrase_regex(phrase: str, numbers: str) -> str:
    parts = []
    for word in phrase.split():
        if word == "#num":
            parts.append(f"(?:{numbers})")
        elif word.endswith("*"):
            parts.append(re.escape(word[:-1]) + "[a-z0-9]*")
        else:
            parts.append(re.escape(word))
    return " ".join(parts)


def _inflections(word: str) -> tuple[str, ...]:
    """The word and its likely dictionary forms: 'sucias' -> sucias, sucia, sucio; 'problems' -> problem."""
    forms = [word]
    if len(word) > 3 and word.endswith("es"):
        forms.append(word[:-2])
    if len(word) > 2 and word.endswith("s"):
        forms.append(word[:-1])
    forms += [form[:-1] + "o" for form in forms if form.endswith("a") and len(form) > 2]
    return tuple(forms)


@cache
def default_lexicon() -> SentimentLexicon:
    raw: dict[str, Any] = json.loads(_data_file("sentiment_lexicon.json"))
    raw.pop("_doc", None)
    return SentimentLexicon.model_validate(raw)


# --------------------------------------------------------------------------------------------------
# Language detection
# --------------------------------------------------------------------------------------------------

# Letters one language uses and the others never do.
_MARKER_LETTERS = {"es": "ñ¿¡", "pt": "ãõçâêôà", "en": ""}
_SUFFIX_EVIDENCE = (
    ("pt", re.compile(r"(?:cao|coes|oes)$|nh|lh")),
    ("es", re.compile(r"(?:cion|ciones)$|ll")),
    ("en", re.compile(r"^th|ing$|ly$|w")),
)


def detect_language(text: str) -> str:
    """es, en or pt, from stop words, letters and word endings; es when there is no evidence either way."""
    return _detect_language(text, _words(text), default_lexicon())


def _detect_language(text: str, words: list[_Word], lexicon: SentimentLexicon) -> str:
    lowered = text.casefold()
    scores = [2.0 * sum(lowered.count(ch) for ch in _MARKER_LETTERS[language]) for language in LANGUAGES]
    for word in words:
        for position, evidence in enumerate(lexicon.language_evidence(word.text)):
            scores[position] += evidence
    best = max(range(len(LANGUAGES)), key=lambda i: (scores[i], LANGUAGES[i] == DEFAULT_LANGUAGE))
    return LANGUAGES[best] if scores[best] > 0 else DEFAULT_LANGUAGE


def _word_evidence(word: str, detection_words: dict[str, frozenset[str]]) -> tuple[float, ...]:
    """How much one word says for each language: a stop word counts 1, a telling ending or letter pair 0.5."""
    endings = {language: pattern for language, pattern in _SUFFIX_EVIDENCE}
    return tuple(
        (word in detection_words[language]) + 0.5 * bool(endings[language].search(word))
        for language in LANGUAGES
    )


# --------------------------------------------------------------------------------------------------
# Sentiment
# --------------------------------------------------------------------------------------------------


def _phrase_spans(words: list[_Word], language: _CompiledLanguage) -> dict[int, tuple[int, float]]:
    """Domain phrases found in the comment, as {first word index: (index after the last word, valence)}."""
    if language.phrase_pattern is None:
        return {}
    text = " ".join(word.text for word in words)
    starts = list(_offsets(words))
    spans = {}
    for match in language.phrase_pattern.finditer(text):
        first = bisect.bisect_left(starts, match.start())
        last = bisect.bisect_left(starts, match.end())
        spans[first] = (last, language.phrase_valence(match.group()))
    return spans


def _offsets(words: list[_Word]) -> Iterable[int]:
    offset = 0
    for word in words:
        yield offset
        offset += len(word.text) + 1


def _clause_weights(words: list[_Word], language: _CompiledLanguage) -> list[float]:
    contrasts = [i for i, word in enumerate(words) if word.text in language.contrast]
    if not contrasts:
        return [1.0] * len(words)
    pivot = contrasts[-1]
    return [_BEFORE_CONTRAST if i < pivot else _AFTER_CONTRAST for i in range(len(words))]


def _is_negated(words: list[_Word], index: int, language: _CompiledLanguage) -> bool:
    """A negator among the few words before, in the same clause ("no fue nada rápido", "not very good")."""
    for back in range(index - 1, max(index - 1 - _NEGATION_WINDOW, -1), -1):
        word = words[back].text
        if words[back].is_punctuation or word in language.contrast:
            return False
        if word in language.negators:
            return True
    return False


def _scaling(words: list[_Word], index: int, language: _CompiledLanguage) -> float:
    """An intensifier or diminisher just before ('muy', 'un poco', 'a bit'); 'poco amable' is unkind."""
    if index >= 2:
        pair = f"{words[index - 2].text} {words[index - 1].text}"
        if pair in language.scalers:
            return language.scalers[pair]
    if index >= 1:
        return language.scalers.get(words[index - 1].text, 1.0)
    return 1.0


def _modified(valence: float, words: list[_Word], index: int, language: _CompiledLanguage) -> float:
    valence *= _scaling(words, index, language)
    if _is_negated(words, index, language):
        valence *= _NEGATION_FACTOR
    if words[index].shouted:
        valence *= _CAPS_EMPHASIS
    return valence


def _contributions(words: list[_Word], language: _CompiledLanguage) -> list[float]:
    """Each sentiment-bearing word's or phrase's valence, after negation, scaling, emphasis and contrast."""
    phrases = _phrase_spans(words, language)
    weights = _clause_weights(words, language)
    contributions = []
    index = 0
    while index < len(words):
        if index in phrases:
            end, valence = phrases[index]
            # "nadie me llamó", "problema nenhum" carry their own negation; a concord "não" before is no flip.
            negates_itself = any(word.text in language.negators for word in words[index:end])
            scaled = valence if negates_itself else _modified(valence, words, index, language)
            contributions.append(scaled * weights[index])
            index = max(end, index + 1)
            continue
        valence = language.valence(words[index].text)
        if valence and not _is_scaler_of_next(words, index, language):
            contributions.append(_modified(valence, words, index, language) * weights[index])
        index += 1
    return contributions


def _is_scaler_of_next(words: list[_Word], index: int, language: _CompiledLanguage) -> bool:
    """'bem' in 'bem rápido' scales the next word rather than meaning 'well' itself."""
    return (
        words[index].text in language.scalers
        and index + 1 < len(words)
        and language.valence(words[index + 1].text) != 0
    )


def _emoticon_score(text: str, lexicon: SentimentLexicon) -> float:
    if lexicon.emoticon_pattern is None:
        return 0.0
    return sum(lexicon.emoticons[match.group()] for match in lexicon.emoticon_pattern.finditer(text))


def _is_sarcastic(text: str, lexicon: SentimentLexicon) -> bool:
    return lexicon.sarcasm_pattern is not None and lexicon.sarcasm_pattern.search(text) is not None


def _raw_score(text: str, words: list[_Word], language: str, lexicon: SentimentLexicon) -> float:
    contributions = _contributions(words, lexicon.languages[language].compiled)
    if _is_sarcastic(text, lexicon):
        # "Oh great, another premium increase /s": the praise is the complaint.
        contributions = [-abs(value) for value in contributions]
    score = sum(contributions) + _emoticon_score(text, lexicon)
    exclamations = min(text.count("!"), _MAX_EXCLAMATIONS)
    return score + math.copysign(_EXCLAMATION_BOOST * exclamations, score) if score else score


def polarity_of(score: float) -> float:
    """The raw score squashed into -1..1: one 'good' is about 0.46, a string of complaints nears -1."""
    return score / math.sqrt(score * score + _SQUASH_ALPHA)


def sentiment_of(polarity: float) -> Sentiment:
    if polarity >= NEUTRAL_BAND:
        return "positive"
    if polarity <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"


# --------------------------------------------------------------------------------------------------
# The analyser
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentInsight:
    language: str  # "es" | "en" | "pt" (detected when not given)
    sentiment: Sentiment
    polarity: float  # -1.0 .. 1.0
    topics: tuple[str, ...]  # topic ids, most mentioned first


def analyse_comment(
    text: str, *, language: str | None = None, taxonomy: Taxonomy | None = None
) -> CommentInsight:
    """Sentiment and topics of one comment. `language` may be a locale ("pt-BR"); others are detected."""
    lexicon = default_lexicon()
    words = _words(text)
    language = _supported(language) or _detect_language(text, words, lexicon)
    if not text.strip():
        return CommentInsight(language=language, sentiment="neutral", polarity=0.0, topics=())
    polarity = round(polarity_of(_raw_score(text, words, language, lexicon)), 4)
    matchers = (taxonomy or default_taxonomy()).matchers[language]
    return CommentInsight(
        language=language,
        sentiment=sentiment_of(polarity),
        polarity=polarity,
        topics=_topics(words, matchers),
    )


def _supported(language: str | None) -> str | None:
    primary = (language or "").split("-")[0].split("_")[0].strip().lower()
    return primary if primary in LANGUAGES else None
