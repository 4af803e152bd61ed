"""Reporting periods: quarters, months, years and explicit ranges."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

#: The dates acct-tool handles, wherever they come from: the command line, profiles,
#: ledger metadata, statements. Wide enough for any books, and far enough from the
#: ends of the calendar that periods and windows around them exist.
FIRST_DATE, LAST_DATE = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
DATE_RANGE = f"{FIRST_DATE} to {LAST_DATE}"

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def in_range(day: datetime.date) -> bool:
    """True when ``day`` is one of the dates acct-tool handles (:data:`FIRST_DATE` to :data:`LAST_DATE`)."""
    return FIRST_DATE <= day <= LAST_DATE


def shift(day: datetime.date, days: int) -> datetime.date:
    """``day`` plus ``days`` (minus, when negative), held at the ends of Python's calendar
    instead of overflowing: a date that slipped past the checks never crashes a report."""
    ordinal = day.toordinal() + days
    return datetime.date.fromordinal(min(max(ordinal, 1), datetime.date.max.toordinal()))


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive
    label: str
    #: The whole period when this one is its part up to an as-of date ("2026-Q4 to date").
    whole: Period | None = None

    @property
    def to_date(self) -> bool:
        """True when the period is not over: it runs from its start to the as-of date only."""
        return self.whole is not None

    def until(self, as_of: datetime.date) -> Period:
        """The period as it stands at ``as_of``: itself when over, else its part to date.

        A period that starts after ``as_of`` has no figures yet: ValueError.
        """
        if self.start > as_of:
            raise ValueError(f"the period {self.label} starts after the as-of date {as_of}; choose an earlier period or pass a later --as-of")
        if self.end <= as_of:
            return self
        return Period(self.start, as_of, f"{self.label} to date", self)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def months(self) -> list[str]:
        """``YYYY-MM`` for every month the period touches."""
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def previous(self) -> Period:
        """The period of the same kind just before this one.

        For a period to date, as many days of the previous period, from its start: Q4
        to 30 November (61 days) is compared with 1 July to 30 August, not with all of Q3.
        """
        if self.whole is not None:
            before = self.whole.previous()
            if self.days >= before.days:
                return before
            end = shift(before.start, self.days - 1)
            return Period(before.start, end, f"{before.label} ({before.start} to {end})")
        q = _QUARTER.match(self.label)
        if q:
            year, quarter = int(q.group(1)), int(q.group(2)) - 1
            if quarter == 0:
                year, quarter = year - 1, 4
            return quarter_period(year, quarter)
        if _MONTH.match(self.label):
            last = self.start - datetime.timedelta(days=1)
            return month_period(last.year, last.month)
        if _YEAR.match(self.label):
            return Period(datetime.date(self.start.year - 1, 1, 1), datetime.date(self.start.year - 1, 12, 31), str(self.start.year - 1))
        end = self.start - datetime.timedelta(days=1)
        start = end - datetime.timedelta(days=self.days - 1)
        return Period(start, end, f"{start} to {end}")


def quarter_period(year: int, quarter: int) -> Period:
    start = datetime.date(year, 3 * quarter - 2, 1)
    end_month = 3 * quarter
    end = (datetime.date(year + 1, 1, 1) if end_month == 12 else datetime.date(year, end_month + 1, 1)) - datetime.timedelta(days=1)
    return Period(start, end, f"{year}-Q{quarter}")


def month_period(year: int, month: int) -> Period:
    start = datetime.date(year, month, 1)
    end = (datetime.date(year + 1, 1, 1) if month == 12 else datetime.date(year, month + 1, 1)) - datetime.timedelta(days=1)
    return Period(start, end, f"{year:04d}-{month:02d}")


def quarter_of(day: datetime.date) -> Period:
    return quarter_period(day.year, (day.month - 1) // 3 + 1)


def parse_period(text: str) -> Period:
    """``2026-Q3``, ``2026-09`` or ``2026``; raises ValueError with a helpful message."""
    text = text.strip()
    leading = re.match(r"^(\d{4})", text)
    if leading and not FIRST_DATE.year <= int(leading.group(1)) <= LAST_DATE.year:
        raise ValueError(f"'{text}' is outside the years acct-tool handles ({FIRST_DATE.year} to {LAST_DATE.year})")
    if m := _QUARTER.match(text):
        return quarter_period(int(m.group(1)), int(m.group(2)))
    if m := _MONTH.match(text):
        month = int(m.group(2))
        if 1 <= month <= 12:
            return month_period(int(m.group(1)), month)
    if m := _YEAR.match(text):
        year = int(m.group(1))
        return Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year))
    raise ValueError(f"'{text}' is not a period; use a quarter (2026-Q3), a month (2026-09) or a year (2026)")


def range_period(start: datetime.date, end: datetime.date) -> Period:
    if end < start:
        raise ValueError(f"--from {start} is after --to {end}")
    return Period(start, end, f"{start} to {end}")
