"""Time, in one place, so services can be given a fixed clock in tests."""

from __future__ import annotations

import math
from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with millisecond precision and a trailing Z (API.md §1)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def seconds_until_next_month(moment: datetime) -> int:
    """Whole seconds (at least 1) from `moment` to 00:00 UTC on the 1st of the next month: when a usage plan's
    monthly quota starts again."""
    current = moment.astimezone(UTC)
    start = datetime(current.year + current.month // 12, current.month % 12 + 1, 1, tzinfo=UTC)
    return max(1, math.ceil((start - current).total_seconds()))
