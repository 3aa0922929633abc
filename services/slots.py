"""Bookable hours and time slots of shared machines: pure rules, no ORM.

Opening hours are weekly, in the cluster's local time, one window per weekday:
    {"mon": ["08:00", "18:00"], "sat": ["09:00", "12:00"]}
A weekday that is missing is closed. Times lie on a 30-minute grid; "24:00" closes at midnight.
A booking is a slot [start, end) on the same 30-minute grid, in the future, no more than
BOOKING_HORIZON_DAYS ahead, inside one day's window.
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo

from django.utils.translation import gettext as _

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
GRANULARITY_MINUTES = 30
BOOKING_HORIZON_DAYS = 180
MAX_RANGE_DAYS = 366
DAY_MINUTES = 24 * 60


def _minutes(text) -> int | None:
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        return None
    hours, minutes = text[:2], text[3:]
    if not (hours.isdigit() and minutes.isdigit()):
        return None
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > DAY_MINUTES:
        return None
    return value


def opening_hours_errors(value) -> list[str]:
    """Why `value` is not valid opening hours (empty when it is)."""
    if not isinstance(value, dict):
        return [_('Give opening hours as an object such as {"mon": ["08:00", "18:00"]}.')]
    errors = []
    for day, window in value.items():
        if day not in WEEKDAYS:
            errors.append(
                _("Unknown weekday %(day)s; use %(days)s.") % {"day": day, "days": ", ".join(WEEKDAYS)}
            )
            continue
        if not isinstance(window, list | tuple) or len(window) != 2:
            errors.append(_("%(day)s: give [opening, closing] as two HH:MM times.") % {"day": day})
            continue
        opens, closes = _minutes(window[0]), _minutes(window[1])
        if opens is None or closes is None:
            errors.append(_("%(day)s: times must be HH:MM between 00:00 and 24:00.") % {"day": day})
        elif opens % GRANULARITY_MINUTES or closes % GRANULARITY_MINUTES:
            errors.append(_("%(day)s: times must be on the hour or the half hour.") % {"day": day})
        elif opens >= closes:
            errors.append(_("%(day)s: closing time must be after opening time.") % {"day": day})
    return errors


def opening_windows(value: dict) -> dict[int, tuple[int, int]]:
    """Valid opening hours as {weekday index (Monday 0): (opening minute, closing minute)}."""
    return {WEEKDAYS.index(day): (_minutes(window[0]), _minutes(window[1])) for day, window in value.items()}


def midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def slot_errors(
    *, start: datetime, end: datetime, opening_hours: dict, now: datetime, tz: tzinfo
) -> dict[str, list[str]]:
    """Field-level reasons why [start, end) cannot be booked on a machine with these hours."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if end <= start:
        add("end", _("The end must be after the start."))
    for field, moment in (("start", start), ("end", end)):
        local = moment.astimezone(tz)
        if local.second or local.microsecond or local.minute % GRANULARITY_MINUTES:
            add(field, _("Book on the hour or the half hour."))
    if start <= now:
        add("start", _("The start must be in the future."))
    elif start > now + timedelta(days=BOOKING_HORIZON_DAYS):
        add("start", _("Bookings open at most %(days)d days ahead.") % {"days": BOOKING_HORIZON_DAYS})
    if errors:
        return errors
    local_start = start.astimezone(tz)
    day_start = midnight(local_start.date(), tz)
    start_minute = int((start - day_start).total_seconds() // 60)
    end_minute = int((end - day_start).total_seconds() // 60)
    window = opening_windows(opening_hours).get(local_start.weekday())
    if window is None:
        add("start", _("The machine cannot be booked on this day."))
    elif start_minute < window[0] or end_minute > window[1]:
        add(
            "end" if start_minute >= window[0] else "start",
            _("The slot must lie within the bookable hours of the day, %(opens)s to %(closes)s.")
            % {"opens": _format(window[0]), "closes": _format(window[1])},
        )
    return errors


def _format(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def days(date_from: date, date_to: date) -> Iterable[date]:
    """Each date from `date_from` to `date_to`, both included."""
    for offset in range((date_to - date_from).days + 1):
        yield date_from + timedelta(days=offset)


def open_intervals(
    opening_hours: dict, date_from: date, date_to: date, tz: tzinfo
) -> list[tuple[datetime, datetime]]:
    """The machine's bookable intervals between two dates (both included), as aware datetimes."""
    windows = opening_windows(opening_hours)
    intervals = []
    for day in days(date_from, date_to):
        window = windows.get(day.weekday())
        if window:
            day_start = midnight(day, tz)
            intervals.append(
                (day_start + timedelta(minutes=window[0]), day_start + timedelta(minutes=window[1]))
            )
    return intervals


def bookable_hours(opening_hours: dict, date_from: date, date_to: date) -> float:
    """Opening hours summed over the dates from `date_from` to `date_to`, both included."""
    windows = opening_windows(opening_hours)
    minutes = sum(
        (windows[day.weekday()][1] - windows[day.weekday()][0])
        for day in days(date_from, date_to)
        if day.weekday() in windows
    )
    return minutes / 60


def hours_within(
    intervals: Iterable[tuple[datetime, datetime]], range_start: datetime, range_end: datetime
) -> float:
    """Total hours of the (non-overlapping) intervals that fall inside [range_start, range_end)."""
    seconds = 0.0
    for start, end in intervals:
        overlap = (min(end, range_end) - max(start, range_start)).total_seconds()
        if overlap > 0:
            seconds += overlap
    return seconds / 3600


def utilisation(booked_hours: float, bookable: float) -> float | None:
    """Booked over bookable hours, or None when the machine had no bookable hours at all."""
    return round(booked_hours / bookable, 4) if bookable > 0 else None
