"""Suite schedules: EventBridge rate and cron expressions are validated as AWS does and give the next due time."""

from datetime import UTC, datetime, timedelta

import pytest

from promptbank.schedules import CronSchedule, RateSchedule, parse_schedule


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def due_times(expression: str, after: datetime, count: int, tz: str = "UTC") -> list[datetime | None]:
    schedule = parse_schedule(expression)
    times: list[datetime | None] = []
    moment: datetime | None = after
    for _ in range(count):
        assert moment is not None
        moment = schedule.next_after(moment, tz)
        times.append(moment)
    return times


# ---------------------------------------------------------------------------------------------- cron, UTC
@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # 10:00 every day
        ("cron(0 10 * * ? *)", at(2026, 12, 2, 14, 50), [at(2026, 12, 3, 10), at(2026, 12, 4, 10)]),
        # 12:15 every day
        ("cron(15 12 * * ? *)", at(2026, 12, 2, 12, 15), [at(2026, 12, 3, 12, 15), at(2026, 12, 4, 12, 15)]),
        # 18:00 Monday to Friday: from Friday's run to Monday's
        ("cron(0 18 ? * MON-FRI *)", at(2026, 12, 4, 18), [at(2026, 12, 7, 18), at(2026, 12, 8, 18)]),
        # 08:00 on the first day of every month
        ("cron(0 8 1 * ? *)", at(2026, 12, 2), [at(2027, 1, 1, 8), at(2027, 2, 1, 8)]),
        # every 15 minutes
        ("cron(0/15 * * * ? *)", at(2026, 12, 2, 14, 50), [at(2026, 12, 2, 15), at(2026, 12, 2, 15, 15)]),
        # every 10 minutes Monday to Friday: over the weekend
        ("cron(0/10 * ? * MON-FRI *)", at(2026, 12, 4, 23, 55), [at(2026, 12, 7, 0, 0), at(2026, 12, 7, 0, 10)]),
        # every 5 minutes from 08:00 to 17:55 Monday to Friday
        (
            "cron(0/5 8-17 ? * MON-FRI *)",
            at(2026, 12, 2, 17, 50),
            [at(2026, 12, 2, 17, 55), at(2026, 12, 3, 8, 0), at(2026, 12, 3, 8, 5)],
        ),
        # 09:00 on the first Monday of the month (EventBridge's 2 = MON)
        ("cron(0 9 ? * 2#1 *)", at(2026, 12, 2), [at(2026, 12, 7, 9), at(2027, 1, 4, 9)]),
        # midnight on the last day of the month, leap February included
        ("cron(0 0 L * ? *)", at(2028, 1, 2), [at(2028, 1, 31), at(2028, 2, 29), at(2028, 3, 31)]),
        # midnight on the last Friday of the month (EventBridge's 6 = FRI)
        ("cron(0 0 ? * 6L *)", at(2026, 12, 2), [at(2026, 12, 25), at(2027, 1, 29)]),
        # day-of-week names and numbers mean the same days (1 = SUN ... 7 = SAT)
        ("cron(0 0 ? * 2/2 *)", at(2026, 12, 2, 1), [at(2026, 12, 4), at(2026, 12, 7), at(2026, 12, 9)]),
        ("cron(0 0 ? * 1,7 *)", at(2026, 12, 2), [at(2026, 12, 5), at(2026, 12, 6), at(2026, 12, 12)]),
        ("cron(0 0 ? JAN,JUL SAT *)", at(2026, 12, 2), [at(2027, 1, 2), at(2027, 1, 9)]),
    ],
)
def test_cron_expressions_from_the_aws_documentation_run_when_documented(
    expression: str, after: datetime, expected: list[datetime]
) -> None:
    # Given an expression from EventBridge's documentation / When the next due times are asked in UTC
    # Then they are the documented ones, each strictly after the one before
    assert due_times(expression, after, len(expected)) == expected


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (at(2026, 12, 1), at(2026, 12, 15)),  # a Tuesday: the 15th itself
        (at(2026, 8, 1), at(2026, 8, 14)),  # the 15th is a Saturday: Friday the 14th
        (at(2026, 11, 1), at(2026, 11, 16)),  # the 15th is a Sunday: Monday the 16th
    ],
)
def test_w_runs_on_the_weekday_nearest_the_day(after: datetime, expected: datetime) -> None:
    # Given "midnight on the weekday nearest the 15th" / When asked in that month / Then it is that weekday
    assert parse_schedule("cron(0 0 15W * ? *)").next_after(after) == expected


def test_w_does_not_leave_the_month() -> None:
    # Given the weekday nearest the 1st and the 31st
    # When the 1st is a Saturday (August 2026) and the 31st a Sunday (May 2026)
    # Then they are Monday the 3rd and Friday the 29th, never a day of another month
    assert parse_schedule("cron(0 0 1W * ? *)").next_after(at(2026, 7, 31)) == at(2026, 8, 3)
    assert parse_schedule("cron(0 0 31W * ? *)").next_after(at(2026, 5, 1)) == at(2026, 5, 29)


def test_year_field_limits_the_runs_to_those_years() -> None:
    # Given schedules limited to some years
    # When asked for their runs
    # Then they run in those years only, and have no due time once the last is past
    assert due_times("cron(0 12 1 1 ? 2028,2030)", at(2026, 12, 2), 3) == [at(2028, 1, 1, 12), at(2030, 1, 1, 12), None]
    assert due_times("cron(0 0 1 1 ? 2027-2035/4)", at(2026, 12, 2), 3) == [
        at(2027, 1, 1),
        at(2031, 1, 1),
        at(2035, 1, 1),
    ]
    assert parse_schedule("cron(0 0 1 1 ? 2020)").next_after(at(2026, 12, 2)) is None


def test_next_due_time_is_strictly_after_the_moment() -> None:
    # Given a daily 10:00 schedule / When asked at 10:00 exactly and just before / Then the next is strictly later
    schedule = parse_schedule("cron(0 10 * * ? *)")
    assert schedule.next_after(at(2026, 12, 2, 10)) == at(2026, 12, 3, 10)
    assert schedule.next_after(at(2026, 12, 2, 9, 59, 59)) == at(2026, 12, 2, 10)


# ---------------------------------------------------------------------------------------------- time zones
def test_cron_follows_the_wall_clock_of_its_time_zone_across_a_dst_change() -> None:
    # Given 10:00 every day in Berlin / When clocks go forward on 29 March 2026 / Then 10:00 CET, then 10:00 CEST
    assert due_times("cron(0 10 * * ? *)", at(2026, 3, 28), 2, "Europe/Berlin") == [
        at(2026, 3, 28, 9),
        at(2026, 3, 29, 8),
    ]


def test_time_that_a_dst_gap_skips_does_not_run() -> None:
    # Given 02:30 every day in Berlin / When 02:00-03:00 does not exist (29 March 2026)
    # Then that day has no run, as EventBridge Scheduler skips it
    assert due_times("cron(30 2 * * ? *)", at(2026, 3, 28, 2), 2, "Europe/Berlin") == [
        at(2026, 3, 30, 0, 30),
        at(2026, 3, 31, 0, 30),
    ]


def test_time_that_a_dst_fold_repeats_runs_once() -> None:
    # Given 02:30 every day in Berlin / When 02:00-03:00 happens twice (25 October 2026)
    # Then it runs at the first 02:30 only, as EventBridge Scheduler does
    assert due_times("cron(30 2 * * ? *)", at(2026, 10, 24, 12), 2, "Europe/Berlin") == [
        at(2026, 10, 25, 0, 30),  # 02:30 CEST
        at(2026, 10, 26, 1, 30),  # 02:30 CET the next day
    ]
    # and a schedule every 15 minutes does not run the repeated hour's times again
    assert parse_schedule("cron(0/15 * * * ? *)").next_after(at(2026, 10, 25, 0, 45), "Europe/Berlin") == at(
        2026, 10, 25, 2, 0
    )


def test_new_york_weekday_mornings_move_in_utc_when_dst_starts() -> None:
    # Given 09:00 on weekdays in New York / When DST starts on Sunday 8 March 2026
    # Then Friday's run is 14:00 UTC (EST) and Monday's 13:00 UTC (EDT)
    assert due_times("cron(0 9 ? * MON-FRI *)", at(2026, 3, 5, 15), 2, "America/New_York") == [
        at(2026, 3, 6, 14),
        at(2026, 3, 9, 13),
    ]


def test_unknown_time_zone_is_refused() -> None:
    # Given a valid expression / When asked in a time zone that does not exist / Then a 400-ready error
    with pytest.raises(ValueError, match=r"^schedule_timezone: 'Mars/Olympus' is not an IANA time zone"):
        parse_schedule("cron(0 10 * * ? *)").next_after(at(2026, 12, 2), "Mars/Olympus")


def test_moment_without_time_zone_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_schedule("rate(5 minutes)").next_after(datetime(2026, 12, 2))


# ---------------------------------------------------------------------------------------------- rate
@pytest.mark.parametrize(
    ("expression", "interval"),
    [
        ("rate(1 minute)", timedelta(minutes=1)),
        ("rate(5 minutes)", timedelta(minutes=5)),
        ("rate(2 hours)", timedelta(hours=2)),
        ("rate(1 day)", timedelta(days=1)),
        ("rate(7 days)", timedelta(days=7)),
    ],
)
def test_rate_expressions_are_intervals(expression: str, interval: timedelta) -> None:
    # Given a rate expression / When parsed / Then it is a rate of that interval
    schedule = parse_schedule(expression)
    assert isinstance(schedule, RateSchedule) and schedule.interval == interval


def test_rate_runs_one_interval_after_its_anchor_then_every_interval() -> None:
    # Given rate(5 minutes) anchored at a suite's creation
    schedule = parse_schedule("rate(5 minutes)")
    created = at(2026, 12, 2, 14, 3, 20)
    # When asked at creation, between runs, exactly at a run and before the anchor
    # Then the due times are creation + k * 5 minutes, k >= 1
    assert schedule.next_after(created, anchor=created) == created + timedelta(minutes=5)
    assert schedule.next_after(created + timedelta(minutes=12), anchor=created) == created + timedelta(minutes=15)
    assert schedule.next_after(created + timedelta(minutes=15), anchor=created) == created + timedelta(minutes=20)
    assert schedule.next_after(created - timedelta(hours=1), anchor=created) == created + timedelta(minutes=5)


def test_rate_without_anchor_runs_on_whole_multiples_of_its_interval() -> None:
    # Given rate(5 minutes) with no anchor / When asked at 14:52:30 / Then 14:55:00
    assert parse_schedule("rate(5 minutes)").next_after(at(2026, 12, 2, 14, 52, 30)) == at(2026, 12, 2, 14, 55)


def test_rate_of_days_is_24_hours_whatever_the_time_zone() -> None:
    # Given rate(1 day) anchored at noon UTC the day before Berlin's clocks go forward
    # When asked in Berlin / Then it is 24 hours later, not the same wall-clock time
    schedule = parse_schedule("rate(1 day)")
    anchor = at(2026, 3, 28, 12)
    assert schedule.next_after(anchor, "Europe/Berlin", anchor=anchor) == at(2026, 3, 29, 12)


# ---------------------------------------------------------------------------------------------- invalid
@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("cron(0 10 1 * MON *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 10 * * * *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 10 ? * ? *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 10 * * ?)", "has 5 fields; cron needs 6"),
        ("cron(0 10 * * ? * *)", "has 7 fields; cron needs 6"),
        ("rate(1 minutes)", "the unit is singular for 1 and plural otherwise (rate(1 minute))"),
        ("rate(5 minute)", "the unit is singular for 1 and plural otherwise (rate(5 minutes))"),
        ("rate(0 minutes)", "the value must be a positive whole number"),
        ("rate(5 weeks)", "is not rate(value minutes|hours|days)"),
        ("rate(-5 minutes)", "is not rate(value minutes|hours|days)"),
        ("cron(60 10 * * ? *)", "the minutes field is not valid"),
        ("cron(0 24 * * ? *)", "the hours field is not valid"),
        ("cron(0 10 32 * ? *)", "the day-of-month field is not valid"),
        ("cron(0 10 30 FEB ? *)", "the day-of-month field is not valid"),
        ("cron(0 10 * 13 ? *)", "the month field is not valid"),
        ("cron(0 10 ? * 0 *)", "day-of-week '0' is not 1-7 or SUN-SAT"),
        ("cron(0 10 ? * 2#6 *)", "the day-of-week field is not valid"),
        ("cron(0 10 * * ? 1969)", "the year field '1969' is not valid (1970-2199)"),
        ("cron(0 10 * * ? 2030-2027)", "the year field '2030-2027' is not valid"),
        ("every day at ten", "is neither rate(value unit) nor cron(fields)"),
    ],
)
def test_invalid_expressions_are_refused_with_the_reason(expression: str, reason: str) -> None:
    # Given an expression EventBridge refuses / When it is parsed / Then a ValueError says why, for a 400
    with pytest.raises(ValueError) as err:
        parse_schedule(expression)
    assert str(err.value).startswith(f"schedule: {expression!r}")
    assert reason in str(err.value)


def test_expressions_keep_their_text() -> None:
    # Given expressions with spaces around them / When parsed / Then the kind and the text are kept
    cron = parse_schedule(" cron(0 10 * * ? *) ")
    assert isinstance(cron, CronSchedule) and cron.expression == "cron(0 10 * * ? *)"
    assert parse_schedule("rate(2 hours)").expression == "rate(2 hours)"
