"""Metric drops: the windows, a significant fall judged with the interval (not the raw delta),
the minimum samples, and the alert's id and filter attributes."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from cxloop.domain.feedback.metrics import Counters
from cxloop.domain.insights.metric_alerts import (
    check_drop,
    drop_alert,
    placement_of,
    watched,
    windows_before,
)

RUN = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
WINDOWS = windows_before(RUN.date())


def day_counts(promoters: int, passives: int, detractors: int) -> Counters:
    return Counters(
        responses=promoters + passives + detractors,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
    )


def spread(total: tuple[int, int, int], days: list[date]) -> dict[date, Counters]:
    """The counts on the first day of the window (how they spread over days changes nothing)."""
    return {days[0]: day_counts(*total)} | {d: Counters() for d in days[1:]}


def window_days(start: date, length: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(length)]


def history(baseline: tuple[int, int, int], recent: tuple[int, int, int]) -> dict[date, Counters]:
    return spread(baseline, window_days(WINDOWS.baseline.start, 28)) | spread(
        recent, window_days(WINDOWS.recent.start, 7)
    )


def test_the_recent_week_ends_yesterday_and_the_baseline_is_the_four_weeks_before() -> None:
    assert (WINDOWS.recent.start, WINDOWS.recent.end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert (WINDOWS.baseline.start, WINDOWS.baseline.end) == (date(2026, 10, 19), date(2026, 11, 15))


def test_a_fall_whose_interval_lies_below_zero_is_a_drop() -> None:
    # Baseline NPS 40 on 200 answers; the last week NPS -20 on 50.
    check = check_drop("touchpoint:quito-norte/claims", history((100, 80, 20), (10, 20, 20)), WINDOWS)
    assert check.verdict == "drop"
    assert check.baseline.nps.value == 40 and check.recent.nps.value == -20
    assert check.difference.value == -60
    # The interval, computed here from docs/ARCHITECTURE.md's (Metric definitions) adjusted Wald variances
    # added up.
    variances = []
    for p, d, n in ((10, 20, 50), (100, 20, 200)):
        pp, dd = (p + 0.75) / (n + 3), (d + 0.75) / (n + 3)
        variances.append((pp + dd - (pp - dd) ** 2) / (n + 3))
    assert check.difference.high is not None
    centre = 100 * ((10.75 / 53 - 20.75 / 53) - (100.75 / 203 - 20.75 / 203))
    assert math.isclose(check.difference.high, centre + 1.96 * 100 * math.sqrt(sum(variances)))
    assert check.difference.high < 0 and check.severity == "critical"


def test_the_same_raw_fall_on_few_answers_is_not_a_drop() -> None:
    # NPS 40 -> 20: 20 points down, but on 12 answers the interval reaches well above 0.
    check = check_drop("branch:quito-norte", history((100, 80, 20), (5, 4, 3)), WINDOWS)
    assert check.difference.value is not None and check.difference.value < -15
    assert check.verdict == "no_drop"
    assert check.difference.low is not None and check.difference.high is not None
    assert check.difference.low < 0 < check.difference.high


def test_a_rise_is_never_a_drop() -> None:
    check = check_drop("branch:quito-norte", history((20, 80, 100), (40, 10, 0)), WINDOWS)
    assert check.verdict == "no_drop" and check.difference.significant


def test_too_few_answers_in_either_window_decide_nothing() -> None:
    # Even a collapse from +100 to -100 needs 30 baseline answers and 10 recent ones.
    assert check_drop("branch:a", history((29, 0, 0), (0, 0, 50)), WINDOWS).verdict == "too_few_answers"
    assert check_drop("branch:a", history((200, 0, 0), (0, 0, 9)), WINDOWS).verdict == "too_few_answers"
    assert check_drop("branch:a", history((30, 0, 0), (0, 0, 10)), WINDOWS).verdict == "drop"


def test_days_outside_both_windows_and_today_are_ignored() -> None:
    days = history((100, 80, 20), (10, 20, 20)) | {
        RUN.date(): day_counts(0, 0, 500),  # today is not over
        WINDOWS.baseline.start - timedelta(days=1): day_counts(0, 0, 500),
    }
    check = check_drop("branch:a", days, WINDOWS)
    assert (check.recent.nps.n, check.baseline.nps.n) == (50, 200)


def test_only_touchpoints_and_branches_are_watched() -> None:
    assert watched("touchpoint:quito-norte/claims") and watched("branch:quito-norte")
    assert not any(watched(s) for s in ("region:pichincha", "country:EC", "all"))


def test_the_alert_has_one_id_per_scope_and_day_and_the_place_attributes() -> None:
    check = check_drop("touchpoint:quito-norte/claims", history((100, 80, 20), (10, 20, 20)), WINDOWS)
    chain = ["touchpoint:quito-norte/claims", "branch:quito-norte", "region:pichincha", "country:EC", "all"]
    alert = drop_alert(check, placement_of(chain), now=RUN)
    assert alert.alert_id == "metric_drop:touchpoint:quito-norte/claims:2026-11-23"
    assert alert.kind == "metric_drop" and alert.ticket_id == alert.alert_id
    assert (alert.country, alert.region, alert.branch) == ("EC", "pichincha", "quito-norte")
    assert alert.subject == "[cxloop] NPS drop at touchpoint:quito-norte/claims: 40.0 -> -20.0"
    assert (
        "n = 50" in alert.message
        and "n = 200" in alert.message
        and "2026-11-16 to 2026-11-22" in alert.message
    )
    # A place the chain does not reach is "all", as in the digest's attributes.
    assert placement_of(["branch:cuenca"]).country == "all"
