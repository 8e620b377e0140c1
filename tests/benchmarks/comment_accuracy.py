"""Accuracy of the comment analyser on the labelled set (tests/data/comments_labelled.jsonl).

Prints, per split (dev: what the lexicon and taxonomy were tuned on; test: held out, the honest figure)
and per language: sentiment accuracy and macro-F1, the sentiment confusion matrix, topic micro
precision/recall/F1; then the speed in comments a second over 10,000 comments.

Run with `.venv/bin/python tests/benchmarks/comment_accuracy.py`; add `--errors dev` to list the dev
comments the analyser gets wrong (tune only on those). Exits 0 whatever the figures: benchmarks
report, tests/unit/feedback/test_comments.py asserts the floors.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxloop.domain.feedback.comments import CommentInsight, analyse_comment

LABELLED = Path(__file__).resolve().parents[1] / "data" / "comments_labelled.jsonl"
SENTIMENTS = ("negative", "neutral", "positive")
SPEED_SAMPLE = 10_000


def load_labelled(path: Path = LABELLED) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@dataclass(frozen=True)
class Scores:
    count: int
    sentiment_accuracy: float
    sentiment_macro_f1: float
    confusion: dict[str, dict[str, int]]  # confusion[expected][predicted]
    topic_precision: float
    topic_recall: float
    topic_f1: float


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall)


def _confusion(pairs: Sequence[tuple[str, str]]) -> dict[str, dict[str, int]]:
    matrix = {expected: dict.fromkeys(SENTIMENTS, 0) for expected in SENTIMENTS}
    for expected, predicted in pairs:
        matrix[expected][predicted] += 1
    return matrix


def _macro_f1(matrix: dict[str, dict[str, int]]) -> float:
    """Mean F1 over the labels that occur (expected or predicted), so a small split is not punished twice."""
    f1s = []
    for label in SENTIMENTS:
        true_positive = matrix[label][label]
        predicted = sum(matrix[expected][label] for expected in SENTIMENTS)
        expected = sum(matrix[label].values())
        if predicted or expected:
            f1s.append(_f1(_ratio(true_positive, predicted), _ratio(true_positive, expected)))
    return _ratio(sum(f1s), len(f1s))


def score(rows: Sequence[dict[str, Any]], insights: Sequence[CommentInsight]) -> Scores:
    pairs = [(row["sentiment"], insight.sentiment) for row, insight in zip(rows, insights, strict=True)]
    matrix = _confusion(pairs)
    found = expected = right = 0
    for row, insight in zip(rows, insights, strict=True):
        found += len(insight.topics)
        expected += len(row["topics"])
        right += len(set(insight.topics) & set(row["topics"]))
    precision, recall = _ratio(right, found), _ratio(right, expected)
    return Scores(
        count=len(rows),
        sentiment_accuracy=_ratio(sum(e == p for e, p in pairs), len(pairs)),
        sentiment_macro_f1=_macro_f1(matrix),
        confusion=matrix,
        topic_precision=precision,
        topic_recall=recall,
        topic_f1=_f1(precision, recall),
    )


def analyse(rows: Iterable[dict[str, Any]], *, given_language: bool = False) -> list[CommentInsight]:
    """By default the language is detected, as in production when a survey has no locale."""
    return [
        analyse_comment(row["text"], language=row["language"] if given_language else None) for row in rows
    ]


def _print_scores(title: str, scores: Scores) -> None:
    print(
        f"  {title:<10} n={scores.count:<4} sentiment acc {scores.sentiment_accuracy:.3f} "
        f"macro-F1 {scores.sentiment_macro_f1:.3f} | topics P {scores.topic_precision:.3f} "
        f"R {scores.topic_recall:.3f} F1 {scores.topic_f1:.3f}"
    )


def _print_confusion(matrix: dict[str, dict[str, int]]) -> None:
    print(
        "    confusion (rows expected, columns predicted):  " + "  ".join(f"{s[:3]:>4}" for s in SENTIMENTS)
    )
    for expected in SENTIMENTS:
        cells = "  ".join(f"{matrix[expected][predicted]:>4}" for predicted in SENTIMENTS)
        print(f"    {expected:<46}  {cells}")


def report_split(split: str, rows: Sequence[dict[str, Any]]) -> None:
    chosen = [row for row in rows if row["split"] == split]
    insights = analyse(chosen)
    print(f"\n[{split}]")
    overall = score(chosen, insights)
    _print_scores("all", overall)
    _print_confusion(overall.confusion)
    for language in ("es", "en", "pt"):
        indices = [i for i, row in enumerate(chosen) if row["language"] == language]
        _print_scores(language, score([chosen[i] for i in indices], [insights[i] for i in indices]))
    detected = sum(insight.language == row["language"] for row, insight in zip(chosen, insights, strict=True))
    print(f"  language detected right: {detected}/{len(chosen)}")


def print_errors(split: str, rows: Sequence[dict[str, Any]]) -> None:
    chosen = [row for row in rows if row["split"] == split]
    for row, insight in zip(chosen, analyse(chosen), strict=True):
        wrong_sentiment = row["sentiment"] != insight.sentiment
        wrong_topics = set(row["topics"]) != set(insight.topics)
        wrong_language = row["language"] != insight.language
        if wrong_sentiment or wrong_topics or wrong_language:
            print(
                f"{row['id']} {row['sentiment'][:3]}->{insight.sentiment[:3]} ({insight.polarity:+.2f}) "
                f"lang {insight.language} | want {sorted(row['topics'])} got {sorted(insight.topics)}\n"
                f"    {row['text']}"
            )


def report_speed(rows: Sequence[dict[str, Any]]) -> None:
    texts = [rows[i % len(rows)]["text"] for i in range(SPEED_SAMPLE)]
    analyse_comment("warm-up: compile the patterns before timing")
    started = time.perf_counter()
    for text in texts:
        analyse_comment(text)
    elapsed = time.perf_counter() - started
    print(f"\nspeed: {SPEED_SAMPLE} comments in {elapsed:.2f} s = {SPEED_SAMPLE / elapsed:,.0f} comments/s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--errors", choices=("dev", "test"), help="list the comments of this split it gets wrong"
    )
    parser.add_argument("--split", choices=("dev", "test"), help="report this split only (default: both)")
    args = parser.parse_args(argv)
    rows = load_labelled()
    if args.errors:
        print_errors(args.errors, rows)
        return 0
    print(f"labelled comments: {len(rows)} from {LABELLED.name}")
    for split in [args.split] if args.split else ["dev", "test"]:
        report_split(split, rows)
    report_speed(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
