"""The retry schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then 24 h after the first, +-10% jitter) and
`Retry-After`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from promptbank.webhooks.sender import next_delay, retry_after_s

FIRST = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
NOMINAL = {1: 5, 2: 5 * 60, 3: 30 * 60, 4: 2 * 3600, 5: 5 * 3600, 6: 10 * 3600}


def _at(seconds_after_first: float) -> datetime:
    return FIRST + timedelta(seconds=seconds_after_first)


@pytest.mark.parametrize(("made", "nominal"), sorted(NOMINAL.items()))
def test_the_wait_after_each_of_the_first_six_failures_is_the_nominal_one_within_ten_percent(
    made: int, nominal: int
) -> None:
    # Given the `made`-th failed attempt of a cycle
    moment = _at(sum(NOMINAL[n] for n in range(1, made)))

    # When the wait is drawn with the jitter at both ends of its range, and in the middle
    shortest = next_delay(made, FIRST, moment, None, lambda: 0.0)
    longest = next_delay(made, FIRST, moment, None, lambda: 1.0)
    middle = next_delay(made, FIRST, moment, None, lambda: 0.5)

    # Then it is the nominal wait, at most 10% shorter or longer
    assert shortest == pytest.approx(nominal * 0.9)
    assert longest == pytest.approx(nominal * 1.1)
    assert middle == pytest.approx(nominal)


def test_the_seventh_failure_waits_for_24_hours_after_the_first_attempt() -> None:
    # Given the 7th failed attempt, made 17 h 40 min after the first
    moment = _at(sum(NOMINAL.values()))

    # When the wait is drawn
    wait = next_delay(7, FIRST, moment, None, lambda: 1.0)

    # Then the last attempt comes 24 h after the first
    assert wait is not None
    assert moment + timedelta(seconds=wait) == FIRST + timedelta(hours=24)


def test_the_eighth_failure_was_the_last_attempt() -> None:
    # Given / When the 8th failed attempt, 24 h after the first
    wait = next_delay(8, FIRST, _at(24 * 3600), None, lambda: 0.5)

    # Then no attempt follows
    assert wait is None


def test_a_longer_retry_after_raises_the_wait() -> None:
    # Given / When the first failure answered Retry-After: 120
    wait = next_delay(1, FIRST, FIRST, 120.0, lambda: 1.0)

    # Then the next attempt waits for 120 s, not 5
    assert wait == 120.0


def test_a_shorter_retry_after_does_not_shorten_the_wait() -> None:
    # Given / When the 2nd failure answered Retry-After: 1
    wait = next_delay(2, FIRST, _at(5), 1.0, lambda: 0.5)

    # Then the schedule's 5 minutes stand
    assert wait == pytest.approx(300)


def test_retry_after_in_seconds() -> None:
    assert retry_after_s("120", FIRST) == 120.0
    assert retry_after_s(" 7 ", FIRST) == 7.0


def test_retry_after_as_an_http_date_is_the_seconds_until_then() -> None:
    # Given a date 90 s after now, in the HTTP date format
    value = "Thu, 15 Jan 2026 10:01:30 GMT"

    # When / Then
    assert retry_after_s(value, FIRST) == 90.0


def test_retry_after_as_a_date_already_past_is_no_wait() -> None:
    assert retry_after_s("Thu, 15 Jan 2026 09:00:00 GMT", FIRST) == 0.0


@pytest.mark.parametrize("junk", [None, "", "soon", "-5", "1.5", "Someday, 99 Foo 20xx"])
def test_retry_after_that_is_neither_seconds_nor_a_date_is_ignored(junk: str | None) -> None:
    assert retry_after_s(junk, FIRST) is None
