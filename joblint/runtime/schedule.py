"""Recurring schedules: natural phrases and cron expressions, each compiled to ONE cron line.

The linter's JOB705 uses ``parse_schedule`` too, so a schedule the linter accepts is one the
scheduler runs. Accepted forms (case-insensitive, an optional time zone at the end, bare or
after ``in``: ``every day at 3am Europe/Paris``; default UTC):

- ``every second`` / ``every N seconds``, ``every minute`` / ``every N minutes``,
  ``every hour`` / ``every N hours``: N must divide 60 (24 for hours), or the intervals
  would not be even and no single cron line could express them.
- ``every day [at TIMES]``, ``every weekday``, ``every weekend``, ``every monday [and
  friday] [at TIMES]``, ``every month [on the 1st] [at TIMES]``; the same with ``at TIMES``
  first (``at 5pm every weekday``). TIMES: ``3am``, ``9:30``, ``17:45``, ``5 pm``, ``noon``,
  ``midnight``, or several joined by ``and``/commas when they form a grid of hours x minutes
  (``9am and 5pm`` is ``0 9,17``; ``16:15 and 18:30`` is rejected).
- cron: five fields, or six with seconds FIRST (as Solid Queue and Fugit read them; croniter
  is told so), and the ``@hourly``-style shorthands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from croniter import croniter

from joblint.runtime.errors import JobsUserError

DEFAULT_TIMEZONE = "UTC"

SHORTHANDS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
DAY_NUMBERS = {
    "sunday": 0, "sun": 0, "monday": 1, "mon": 1, "tuesday": 2, "tue": 2, "tues": 2,
    "wednesday": 3, "wed": 3, "thursday": 4, "thu": 4, "thurs": 4, "friday": 5, "fri": 5,
    "saturday": 6, "sat": 6,
}  # fmt: skip
_CRON_NAMES = re.compile(
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat", re.I
)
_CRON_FIELD = re.compile(r"^[0-9*/,\-?#LW]+$")
_INTERVAL = re.compile(r"^every (?:(\d+) )?(second|minute|hour)s?$")
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))? ?(am|pm)?$")
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")


class ScheduleError(JobsUserError):
    """A schedule that cannot be parsed, or not as one cron expression."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"invalid schedule {source!r}: {reason}")
        self.source = source
        self.reason = reason


@dataclass(frozen=True)
class Schedule:
    source: str
    cron: str
    """The one cron expression: five fields, or six with seconds first."""
    timezone_name: str

    @property
    def timezone(self) -> tzinfo:
        return ZoneInfo(self.timezone_name)

    @property
    def has_seconds(self) -> bool:
        return len(self.cron.split()) == 6

    def next_after(self, moment: datetime) -> datetime:
        """The first fire time strictly after ``moment`` (aware), in the schedule's zone."""
        if moment.tzinfo is None:
            raise ValueError("next_after needs an aware datetime")
        local = moment.astimezone(self.timezone)
        iterator = croniter(self.cron, local, second_at_beginning=self.has_seconds)
        result: datetime = iterator.get_next(datetime)
        return result


def parse_schedule(text: str, default_timezone: str = DEFAULT_TIMEZONE) -> Schedule:
    """Parse a natural schedule or a cron expression; ``ScheduleError`` says why not."""
    if not isinstance(text, str) or not text.strip():
        raise ScheduleError(str(text), "a schedule is a non-empty string")
    source = text
    body, zone = _split_timezone(text.strip(), default_timezone, source)
    lowered = " ".join(body.lower().replace(",", " , ").split()).replace(" ,", ",")
    if lowered in SHORTHANDS:
        cron = SHORTHANDS[lowered]
    elif _looks_like_cron(body):
        cron = " ".join(body.split())
    else:
        cron = _compile_natural(lowered, source)
    _check_cron(cron, zone, source)
    return Schedule(source=source, cron=cron, timezone_name=zone)


def _split_timezone(text: str, default: str, source: str) -> tuple[str, str]:
    tokens = text.split()
    if len(tokens) > 1:
        zone = _zone_name(tokens[-1])
        if zone is not None:
            rest = tokens[:-1]
            if rest and rest[-1].lower() == "in":
                rest = rest[:-1]
            return " ".join(rest), zone
    if _zone_name(default) is None:
        raise ScheduleError(source, f"unknown time zone {default!r}")
    return text, default


def _zone_name(token: str) -> str | None:
    if token.upper() == "UTC":
        return "UTC"
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*", token):
        return None
    if "/" not in token and not token.isupper():
        return None  # "monday", "noon": words, not zones; zones like EST are upper case
    try:
        ZoneInfo(token)
    except (ValueError, OSError, KeyError):
        return None
    return token


def _looks_like_cron(text: str) -> bool:
    fields = text.split()
    return len(fields) in (5, 6) and all(
        _CRON_FIELD.match(_CRON_NAMES.sub("0", field)) for field in fields
    )


def _check_cron(cron: str, zone: str, source: str) -> None:
    seconds = len(cron.split()) == 6
    try:
        croniter(cron, datetime(2024, 1, 1, tzinfo=ZoneInfo(zone)), second_at_beginning=seconds)
        next_time = croniter(
            cron, datetime(2024, 1, 1, tzinfo=ZoneInfo(zone)), second_at_beginning=seconds
        ).get_next(datetime)
    except Exception as error:  # croniter's errors share no public base across versions
        raise ScheduleError(source, f"not a valid cron expression ({error})") from None
    if next_time is None:
        raise ScheduleError(source, "never fires")


def _compile_natural(text: str, source: str) -> str:
    interval = _INTERVAL.match(text)
    if interval:
        return _interval_cron(int(interval.group(1) or 1), interval.group(2), source)
    times_text, period = _split_at(text, source)
    if not period.startswith("every "):
        raise ScheduleError(source, "expected 'every ...' or a cron expression")
    hours, minutes = _times(times_text, source) if times_text is not None else ([0], [0])
    time_fields = f"{_join(minutes)} {_join(hours)}"
    what = period[len("every ") :]
    if what == "day":
        return f"{time_fields} * * *"
    if what == "weekday":
        return f"{time_fields} * * 1-5"
    if what == "weekend":
        return f"{time_fields} * * 0,6"
    if what == "month" or what.startswith("month on "):
        day = _day_of_month(what[len("month on ") :] if what != "month" else "1st", source)
        return f"{time_fields} {day} * *"
    days = _weekdays(what, source)
    return f"{time_fields} * * {_join(days)}"


def _interval_cron(count: int, unit: str, source: str) -> str:
    limit = 24 if unit == "hour" else 60
    if count < 1 or limit % count != 0:
        raise ScheduleError(
            source,
            f"every {count} {unit}s is not one cron expression; use a count dividing {limit}",
        )
    step = "*" if count == 1 else f"*/{count}"
    if unit == "second":
        return f"{step} * * * * *"
    if unit == "minute":
        return f"{step} * * * *"
    return f"0 {step} * * *"


def _split_at(text: str, source: str) -> tuple[str | None, str]:
    """("3am", "every day") from "every day at 3am" or "at 3am every day"."""
    if text.startswith("at "):
        rest = text[3:]
        index = rest.find(" every ")
        if index < 0:
            raise ScheduleError(source, "expected 'at TIME every ...'")
        return rest[:index], rest[index + 1 :]
    if " at " in text:
        period, times = text.split(" at ", 1)
        return times, period
    return None, text


def _times(text: str, source: str) -> tuple[list[int], list[int]]:
    pairs = {_time(part.strip(), source) for part in re.split(r",|\band\b", text) if part.strip()}
    if not pairs:
        raise ScheduleError(source, "expected a time after 'at'")
    hours = sorted({hour for hour, _ in pairs})
    minutes = sorted({minute for _, minute in pairs})
    if len(pairs) != len(hours) * len(minutes):
        raise ScheduleError(
            source,
            "these times are not one cron expression (every hour listed must share every"
            " minute listed); use one recurring task per time",
        )
    return hours, minutes


def _time(text: str, source: str) -> tuple[int, int]:
    if text == "noon":
        return 12, 0
    if text == "midnight":
        return 0, 0
    match = _TIME.match(text)
    if not match:
        raise ScheduleError(source, f"{text!r} is not a time (try 3am, 9:30, 17:45, noon)")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = match.group(3)
    if minute > 59:
        raise ScheduleError(source, f"{text!r} has no such minute")
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise ScheduleError(source, f"{text!r} has no such hour")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif hour > 23:
        raise ScheduleError(source, f"{text!r} has no such hour")
    return hour, minute


def _day_of_month(text: str, source: str) -> int:
    match = _ORDINAL.match(text.removeprefix("the ").strip())
    if not match or not 1 <= int(match.group(1)) <= 31:
        raise ScheduleError(source, f"{text!r} is not a day of the month (try 'the 1st')")
    return int(match.group(1))


def _weekdays(text: str, source: str) -> list[int]:
    names = [name.strip() for name in re.split(r",|\band\b", text) if name.strip()]
    days = []
    for name in names:
        day = DAY_NUMBERS.get(name.removesuffix("s") if name.endswith("days") else name)
        if day is None:
            raise ScheduleError(
                source,
                f"{name!r} is not a period (day, weekday, weekend, month, a day name,"
                " or N seconds/minutes/hours)",
            )
        days.append(day)
    return sorted(set(days))


def _join(values: list[int]) -> str:
    return ",".join(str(value) for value in values)
