"""EventBridge schedule expressions (`rate(...)`, `cron(...)`): validation and each schedule's next due time.

`parse_schedule(text)` validates an expression as EventBridge does and returns a `RateSchedule` or a
`CronSchedule`; both answer `next_after(moment, tz, anchor=...)`, the first due time strictly after `moment`, in
UTC. The suite dispatcher stores that as a suite's `next_run_at`; the local runtime uses it for the template's
schedules. A `ValueError` from here carries a message fit for a 400 (`schedule: why`, or `schedule_timezone: why`).

The cron part is cronsim's (pure Python, day names, ranges, lists, steps, `L`, `LW`, `n#k`, `nL`); this module
maps EventBridge's six fields onto it: day-of-week 1-7 = SUN-SAT becomes cron's 0-6, the `?` becomes `*`, the year
field (cronsim has none) and `nW` (the weekday nearest day n; cronsim knows only `LW`) filter cronsim's due times,
jumping to the next allowed year or day so that the search stays short.

Time zones follow EventBridge Scheduler: a cron expression is read in wall-clock time of `tz`; a due time that
falls in a daylight-saving gap (the clock jumps over it) is skipped, and one that falls in a fold (the clock goes
back and the hour repeats) runs once, at its first occurrence. A rate is a fixed duration (`rate(1 day)` is 24 h
whatever the clocks do) counted from its anchor, so the time zone does not change it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

__all__ = ["CronSchedule", "RateSchedule", "Schedule", "parse_schedule", "time_zone"]

#: Where a rate's due times are counted from when the caller gives no anchor: whole multiples of the interval.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: EventBridge's year field takes 1970-2199.
YEARS = range(1970, 2200)
#: How many candidate times one `next_after` looks at before it gives up (a safety net: year and `W` filtering
#: jump, and a daylight-saving change skips at most an hour of minutes, so real searches take a few dozen).
MAX_STEPS = 10_000

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$", re.DOTALL)
_NEAREST_WEEKDAY = re.compile(r"^(\d{1,2})W$")
_DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_FIELDS = ("minutes", "hours", "day-of-month", "month", "day-of-week", "year")
_CRONSIM_FIELDS = {"minute": "minutes", "hour": "hours", "day-of-month": "day-of-month", "month": "month"}


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` (`schedule_timezone`); ValueError if there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"schedule_timezone: {name!r} is not an IANA time zone") from err


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TypeError("next_after needs a timezone-aware moment")
    return moment


@dataclass(frozen=True)
class RateSchedule:
    """`rate(N unit)`: due every `interval`, at anchor + k * interval for k = 1, 2, ..."""

    expression: str
    interval: timedelta

    def next_after(self, moment: datetime, tz: str = "UTC", *, anchor: datetime | None = None) -> datetime:
        """The first due time strictly after `moment`, in UTC. `anchor` is when the schedule started (a suite's
        creation or its last schedule change); the first due time is one interval after it, as an EventBridge rule's
        first rate run is. Without an anchor, due times are whole multiples of the interval since the Unix epoch.
        `tz` is validated but does not move a rate."""
        time_zone(tz)
        start = _aware(anchor).astimezone(UTC) if anchor is not None else EPOCH
        elapsed = _aware(moment).astimezone(UTC) - start
        periods = max(elapsed // self.interval + 1, 1)
        return start + periods * self.interval


@dataclass(frozen=True)
class CronSchedule:
    """`cron(minutes hours day-of-month month day-of-week year)`, evaluated with cronsim in a time zone."""

    expression: str
    #: The expression in cronsim's 6-field form (seconds first, always 0).
    cronsim_expression: str
    #: The years allowed; None for any.
    years: frozenset[int] | None
    #: n of a day-of-month `nW` (the weekday nearest day n of the month); None without `W`.
    nearest_weekday: int | None

    def next_after(self, moment: datetime, tz: str = "UTC", *, anchor: datetime | None = None) -> datetime | None:
        """The first due time strictly after `moment`, in UTC, reading the expression in time zone `tz` (DST as the
        module docstring says); None when there is none (its years are past). `anchor` is for rates: ignored."""
        zone = time_zone(tz)
        moment = _aware(moment)
        # cronsim walks naive wall-clock time; each candidate is then placed in the zone (fold=0, the first of a
        # repeated hour) and checked against the real instant.
        wall = moment.astimezone(zone).replace(tzinfo=None)
        times = CronSim(self.cronsim_expression, wall)
        for _ in range(MAX_STEPS):
            try:
                candidate = next(times)
            except StopIteration:  # cronsim found nothing in 50 years
                return None
            restart: datetime | None = None
            if self.years is not None and candidate.year not in self.years:
                later = [year for year in self.years if year > candidate.year]
                if not later:
                    return None
                restart = datetime(min(later), 1, 1)
            elif self.nearest_weekday is not None and candidate.day != _nearest_weekday(
                candidate.year, candidate.month, self.nearest_weekday
            ):
                restart = datetime.combine(candidate.date() + timedelta(days=1), time())
            if restart is not None:
                # cronsim yields times strictly after its start: one second before midnight lets midnight count.
                times = CronSim(self.cronsim_expression, restart - timedelta(seconds=1))
                continue
            placed = candidate.replace(tzinfo=zone)
            due = placed.astimezone(UTC)
            if due.astimezone(zone).replace(tzinfo=None) != candidate:
                continue  # in a daylight-saving gap: that wall-clock time does not exist, so no run
            if due <= moment:
                continue  # a repeated hour's wall-clock time that already ran the first time round
            return due
        return None


Schedule = RateSchedule | CronSchedule


def parse_schedule(expression: str) -> Schedule:
    """Validate an EventBridge schedule expression; ValueError (`schedule: why`) if EventBridge would refuse it."""
    text = expression.strip()
    if text.startswith("rate("):
        return _parse_rate(text)
    cron = _CRON.match(text)
    if cron:
        return _parse_cron(text, cron.group(1))
    raise ValueError(f"schedule: {expression!r} is neither rate(value unit) nor cron(fields)")


def _parse_rate(text: str) -> RateSchedule:
    match = _RATE.match(text)
    if not match:
        raise ValueError(f"schedule: {text!r} is not rate(value minutes|hours|days)")
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        raise ValueError(f"schedule: {text!r}: the value must be a positive whole number")
    singular = unit.rstrip("s")
    if (value == 1) != (unit == singular):
        right = f"rate(1 {singular})" if value == 1 else f"rate({value} {singular}s)"
        raise ValueError(f"schedule: {text!r}: the unit is singular for 1 and plural otherwise ({right})")
    try:
        interval = timedelta(**{f"{singular}s": value})
    except OverflowError as err:
        raise ValueError(f"schedule: {text!r} is too long an interval") from err
    return RateSchedule(expression=text, interval=interval)


def _parse_cron(text: str, inner: str) -> CronSchedule:
    fields = inner.split()
    if len(fields) != 6:
        raise ValueError(
            f"schedule: {text!r} has {len(fields)} fields; cron needs 6 "
            "(minutes hours day-of-month month day-of-week year)"
        )
    minutes, hours, dom, month, dow, year = (field.upper() for field in fields)
    if (dom == "?") == (dow == "?"):
        raise ValueError(f"schedule: {text!r}: exactly one of day-of-month and day-of-week must be '?'")
    nearest: int | None = None
    weekday = _NEAREST_WEEKDAY.match(dom)
    if weekday:
        nearest = int(weekday.group(1))
        if not 1 <= nearest <= 31:
            raise ValueError(f"schedule: {text!r}: day-of-month {dom!r} is not valid")
        # cronsim has no `nW`: let it find the days the answer can be on (n-2..n+2), then keep the right one.
        dom = ",".join(str(day) for day in range(max(nearest - 2, 1), min(nearest + 2, 31) + 1))
    elif dom == "?":
        dom = "*"
    dow = "*" if dow == "?" else ",".join(_weekday_term(term, text) for term in dow.split(","))
    years = _years(year, text)
    translated = " ".join(("0", minutes, hours, dom, month, dow))
    try:
        CronSim(translated, datetime(2000, 1, 1))
    except (CronSimError, ValueError) as err:
        raise ValueError(f"schedule: {text!r}: {_cronsim_reason(err)}") from err
    return CronSchedule(expression=text, cronsim_expression=translated, years=years, nearest_weekday=nearest)


def _cronsim_reason(err: Exception) -> str:
    message = str(err)
    for cronsim_name, name in _CRONSIM_FIELDS.items():
        if message == f"Bad {cronsim_name}":
            return f"the {name} field is not valid"
    if message == "Bad day-of-week":
        return "the day-of-week field is not valid (1-7 = SUN-SAT, L, n#k, nL)"
    return "not a valid cron expression"


def _weekday(value: str, text: str) -> int:
    """An EventBridge day of the week (1-7 or SUN-SAT, 1 = Sunday) as cron's number (0-6, 0 = Sunday)."""
    if value in _DAY_NAMES:
        return _DAY_NAMES.index(value)
    if value.isdigit() and 1 <= int(value) <= 7:
        return int(value) - 1
    raise ValueError(f"schedule: {text!r}: day-of-week {value!r} is not 1-7 or SUN-SAT")


def _weekday_term(term: str, text: str) -> str:
    """One comma-separated day-of-week term in cron's numbering."""
    if term == "*":
        return "*"
    if term == "L":  # alone, the last day of the week
        return "6"
    if term.endswith("L"):  # nL: the last such day of the month
        return f"{_weekday(term[:-1], text)}L"
    if "#" in term:  # n#k: the k-th such day of the month
        day, nth = term.split("#", 1)
        return f"{_weekday(day, text)}#{nth}"
    span, slash, step = term.partition("/")
    if span == "*":
        first, last = 0, 6
    elif "-" in span:
        a, b = span.split("-", 1)
        first, last = _weekday(a, text), _weekday(b, text)
    else:
        first = _weekday(span, text)
        last = 6 if slash else first
    # Spelled as a range with its end: cronsim's own `n/s` runs to 7, which it reads as Sunday again.
    return f"{first}-{last}{slash}{step}" if first != last or slash else str(first)


def _years(field: str, text: str) -> frozenset[int] | None:
    """The years the year field allows (EventBridge: 1970-2199, `*`, ranges, lists, steps); None for any."""
    if field == "*":
        return None
    years: set[int] = set()
    for term in field.split(","):
        span, slash, step_text = term.partition("/")
        try:
            step = int(step_text) if slash else 1
            if span == "*":
                first, last = YEARS.start, YEARS.stop - 1
            elif "-" in span:
                a, b = span.split("-", 1)
                first, last = int(a), int(b)
            else:
                first = int(span)
                last = YEARS.stop - 1 if slash else first
        except ValueError as err:
            raise ValueError(f"schedule: {text!r}: the year field {field!r} is not valid") from err
        if step < 1 or first not in YEARS or last not in YEARS or last < first:
            raise ValueError(f"schedule: {text!r}: the year field {field!r} is not valid (1970-2199)")
        years.update(range(first, last + 1, step))
    return frozenset(years)


def _nearest_weekday(year: int, month: int, day: int) -> int | None:
    """The day of the month of the weekday (MON-FRI) nearest `day`, within the month; None if it has no such day."""
    last = calendar.monthrange(year, month)[1]
    if day > last:
        return None
    weekday = date(year, month, day).weekday()
    if weekday == 5:  # Saturday: the Friday before, or the Monday after when the 1st is a Saturday
        return day - 1 if day > 1 else day + 2
    if weekday == 6:  # Sunday: the Monday after, or the Friday before when the month ends on a Sunday
        return day + 1 if day < last else day - 2
    return day
