"""Natural schedules and cron expressions compile to one cron line, or fail with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joblint.runtime.schedule import ScheduleError, parse_schedule


@pytest.mark.parametrize(
    ("text", "cron"),
    [
        ("every 15 minutes", "*/15 * * * *"),
        ("every minute", "* * * * *"),
        ("every hour", "0 * * * *"),
        ("every 6 hours", "0 */6 * * *"),
        ("every 5 seconds", "*/5 * * * * *"),
        ("every second", "* * * * * *"),
        ("every day", "0 0 * * *"),
        ("every day at 3am", "0 3 * * *"),
        ("Every Day At 3 PM", "0 15 * * *"),
        ("every monday at 9:30", "30 9 * * 1"),
        ("every mondays and fridays at 8:15", "15 8 * * 1,5"),
        ("at 5pm every weekday", "0 17 * * 1-5"),
        ("every weekend at midnight", "0 0 * * 0,6"),
        ("every month on the 1st at noon", "0 12 1 * *"),
        ("every month on the 15th", "0 0 15 * *"),
        ("every day at 9am and 5pm", "0 9,17 * * *"),
        ("every day at 12am", "0 0 * * *"),
        ("0 3 * * *", "0 3 * * *"),
        ("0 9 * * MON-FRI", "0 9 * * MON-FRI"),
        ("*/10 * * * * *", "*/10 * * * * *"),
        ("@hourly", "0 * * * *"),
    ],
)
def test_compiles_to_one_cron(text: str, cron: str) -> None:
    assert parse_schedule(text).cron == cron


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("every day at 16:15 and 18:30", "not one cron expression"),
        ("every 7 minutes", "dividing 60"),
        ("every 5 hours", "dividing 24"),
        ("every blursday", "not a period"),
        ("every day at 25:00", "no such hour"),
        ("every day at 13pm", "no such hour"),
        ("every month on the 32nd", "day of the month"),
        ("at noon", "at TIME every"),
        ("61 * * * *", "cron"),
        ("0 0 31 2 *", "cron"),
        ("whenever", "expected 'every"),
        ("", "non-empty"),
    ],
)
def test_rejects_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ScheduleError, match=reason) as raised:
        parse_schedule(text)
    assert raised.value.source == text


def test_time_zones() -> None:
    paris = parse_schedule("every day at 3am Europe/Paris")
    assert paris.timezone_name == "Europe/Paris"
    assert paris.next_after(datetime(2024, 7, 1, tzinfo=UTC)) == datetime(2024, 7, 1, 1, tzinfo=UTC)
    assert parse_schedule("0 3 * * * in America/New_York").timezone_name == "America/New_York"
    assert parse_schedule("every hour", default_timezone="Asia/Tokyo").timezone_name == (
        "Asia/Tokyo"
    )


def test_seconds_come_first_in_six_fields() -> None:
    schedule = parse_schedule("30 * * * * *")  # at second 30 of every minute
    assert schedule.next_after(datetime(2024, 1, 1, tzinfo=UTC)) == datetime(
        2024, 1, 1, 0, 0, 30, tzinfo=UTC
    )


@given(
    st.sampled_from(["day", "weekday", "weekend", "monday", "month on the 3rd"]),
    st.integers(0, 23),
    st.integers(0, 59),
)
def test_natural_daily_forms_fire_at_the_time_given(period: str, hour: int, minute: int) -> None:
    schedule = parse_schedule(f"every {period} at {hour}:{minute:02d}")
    fire = schedule.next_after(datetime(2024, 1, 1, tzinfo=UTC))
    assert (fire.hour, fire.minute, fire.second) == (hour, minute, 0)
    assert parse_schedule(f"at {hour}:{minute:02d} every {period}").cron == schedule.cron


@given(st.integers(1, 60))
def test_minute_intervals_are_even_or_rejected(count: int) -> None:
    text = f"every {count} minutes"
    if 60 % count:
        with pytest.raises(ScheduleError):
            parse_schedule(text)
        return
    schedule = parse_schedule(text)
    first = schedule.next_after(datetime(2024, 1, 1, tzinfo=UTC))
    second = schedule.next_after(first)
    assert (second - first).total_seconds() == 60 * count
