"""When a monthly quota starts again: the Retry-After of QUOTA_EXCEEDED (the authorizer computes it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from promptbank.clock import seconds_until_next_month


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 12, 31, 23, 59, 30, tzinfo=UTC), 30),  # December rolls into January of the next year
        (datetime(2026, 2, 1, 0, 0, 0, tzinfo=UTC), 28 * 86_400),  # the first second of February
        (datetime(2028, 2, 28, 12, 0, 0, tzinfo=UTC), 86_400 + 43_200),  # a leap year's February
        (datetime(2026, 3, 31, 23, 59, 59, 500_000, tzinfo=UTC), 1),  # part of a second rounds up
    ],
)
def test_the_quota_resets_at_midnight_utc_on_the_first(moment, expected):
    # When the seconds until the quota resets are computed
    # Then they run to 00:00 UTC on the 1st of the next month
    assert seconds_until_next_month(moment) == expected


def test_a_moment_in_another_zone_counts_in_utc():
    # Given 20:00 on 31 January in UTC-5 (01:00 UTC on 1 February)
    moment = datetime(2026, 1, 31, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    # Then the reset is the 1st of March, UTC
    assert seconds_until_next_month(moment) == 28 * 86_400 - 3_600
