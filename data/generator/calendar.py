"""The time window and its rhythms: weekdays, holidays, paydays and the hours people pay.

Times are int64 seconds since 1970-01-01 of Brasilia local wall-clock time (Brazil has had no
daylight saving since 2019, so local time arithmetic is plain arithmetic).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

DAY = 86_400
HOUR = 3_600
MINUTE = 60
EPOCH = datetime(1970, 1, 1)

# Relative volume per hour of day, 0h..23h, by traffic profile.
HOUR_PROFILES: dict[str, np.ndarray] = {
    # person to person: lunch and evening peaks, quiet before dawn
    "p2p": np.array(
        [2, 1, 0.6, 0.4, 0.4, 0.8, 2, 4, 6, 7, 8, 9, 11, 10, 9, 9, 9, 10, 11, 12, 12, 10, 7, 4]
    ),
    # shops: opening hours with lunch and after-work peaks
    "purchase": np.array(
        [0.5, 0.2, 0.1, 0.1, 0.1, 0.2, 1, 4, 7, 8, 9, 11, 13, 11, 9, 9, 10, 12, 13, 12, 10, 7, 4, 2]
    ),
    # evening trade of small businesses (food, deliveries)
    "evening": np.array(
        [2, 1, 0.5, 0.2, 0.2, 0.3, 1, 2, 3, 4, 5, 7, 9, 7, 5, 5, 6, 8, 11, 14, 15, 13, 9, 5]
    ),
    # companies: office hours only
    "business": np.array(
        [0, 0, 0, 0, 0, 0, 0.2, 2, 8, 12, 13, 12, 8, 9, 12, 12, 11, 9, 5, 2, 1, 0.3, 0, 0]
    ),
    # people checking their app: like p2p but flatter
    "login": np.array(
        [3, 2, 1, 0.7, 0.7, 1.5, 4, 6, 7, 7, 7, 8, 9, 8, 7, 7, 7, 8, 9, 10, 10, 9, 7, 5]
    ),
    # scam calls and fake sales happen in waking hours, a little later than shops
    "scam": np.array(
        [1, 0.5, 0.3, 0.2, 0.2, 0.3, 1, 3, 6, 9, 10, 11, 11, 11, 11, 11, 10, 10, 10, 9, 7, 5, 3, 2]
    ),
}

# Relative volume per weekday, Monday..Sunday, by profile.
WEEKDAY_PROFILES: dict[str, np.ndarray] = {
    "p2p": np.array([1.0, 0.95, 0.95, 1.0, 1.15, 1.05, 0.8]),
    "purchase": np.array([0.85, 0.85, 0.9, 0.95, 1.15, 1.3, 0.9]),
    "evening": np.array([0.7, 0.75, 0.85, 0.95, 1.25, 1.4, 1.1]),
    "business": np.array([1.1, 1.05, 1.0, 1.0, 1.0, 0.15, 0.05]),
    "login": np.array([1.0, 1.0, 1.0, 1.0, 1.05, 0.95, 0.85]),
    "scam": np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8]),
}


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    n = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * n) // 451
    month, day = divmod(h + n - 7 * m + 114, 31)
    return date(year, month, day + 1)


def national_holidays(year: int) -> set[date]:
    """Brazilian national holidays (plus Carnival), the days payments behave like Sundays."""
    fixed = [(1, 1), (4, 21), (5, 1), (9, 7), (10, 12), (11, 2), (11, 15), (11, 20), (12, 25)]
    days = {date(year, m, d) for m, d in fixed}
    e = easter(year)
    days |= {e - timedelta(days=48), e - timedelta(days=47), e - timedelta(days=2)}
    days.add(e + timedelta(days=60))  # Corpus Christi
    return days


@dataclass(frozen=True)
class Window:
    """The observed period [start, end) and per-day facts about it."""

    start: int
    days: int

    @classmethod
    def from_datetime(cls, start: datetime, days: int) -> Window:
        return cls(start=int((start - EPOCH).total_seconds()), days=days)

    @property
    def end(self) -> int:
        return self.start + self.days * DAY

    def dates(self) -> list[date]:
        first = (EPOCH + timedelta(seconds=self.start)).date()
        return [first + timedelta(days=i) for i in range(self.days)]

    def business_days(self) -> np.ndarray:
        """Boolean per window day: Monday to Friday and not a national holiday."""
        ds = self.dates()
        holidays = set().union(*(national_holidays(y) for y in {d.year for d in ds}))
        return np.array([d.weekday() < 5 and d not in holidays for d in ds])

    def paydays(self, nth_business_day: int = 5) -> np.ndarray:
        """Window day indices of salary day: the n-th business day of each month."""
        business = self.business_days()
        ds = self.dates()
        out: list[int] = []
        for first in (d for d in ds if d.day == 1):
            month = (first.year, first.month)
            idx = [i for i, d in enumerate(ds) if (d.year, d.month) == month and business[i]]
            if len(idx) >= nth_business_day:
                out.append(idx[nth_business_day - 1])
        return np.array(out, dtype=np.int64)

    def advance_days(self) -> np.ndarray:
        """Day indices of the mid-month advance ('vale'): the 20th, or the business day before."""
        business = self.business_days()
        out = []
        for i, d in enumerate(self.dates()):
            if d.day == 20:
                j = i
                while j > 0 and not business[j]:
                    j -= 1
                out.append(j)
        return np.array(out, dtype=np.int64)

    def day_weights(self, profile: str) -> np.ndarray:
        """Relative volume of each window day: weekday rhythm, holidays, payday bumps."""
        ds = self.dates()
        weekday = WEEKDAY_PROFILES[profile]
        w = np.array([weekday[d.weekday()] for d in ds], dtype=float)
        business = self.business_days()
        holiday = np.array([d.weekday() < 5 for d in ds]) & ~business
        w[holiday] = weekday[6]
        if profile in ("p2p", "purchase", "evening"):
            for p in self.paydays():
                w[p : p + 3] *= [1.5, 1.3, 1.15][: len(w[p : p + 3])]
            for p in self.advance_days():
                w[p : p + 2] *= [1.25, 1.1][: len(w[p : p + 2])]
        return w / w.sum()


def sample_times(
    rng: np.random.Generator,
    window: Window,
    n: int,
    profile: str,
    day_weights: np.ndarray | None = None,
) -> np.ndarray:
    """Draw n timestamps following a day profile and an hour-of-day profile."""
    days = window.day_weights(profile) if day_weights is None else day_weights
    hours = HOUR_PROFILES[profile] / HOUR_PROFILES[profile].sum()
    cells = np.outer(days, hours).ravel()
    cell = rng.choice(cells.size, size=n, p=cells / cells.sum())
    return window.start + cell.astype(np.int64) * HOUR + rng.integers(0, HOUR, n)


def hours_on_day(rng: np.random.Generator, day_start: np.ndarray, profile: str) -> np.ndarray:
    """For each given midnight, a time on that day drawn from an hour-of-day profile."""
    hours = HOUR_PROFILES[profile] / HOUR_PROFILES[profile].sum()
    h = rng.choice(24, size=len(day_start), p=hours)
    return day_start + h * HOUR + rng.integers(0, HOUR, len(day_start))


def is_night(ts: np.ndarray) -> np.ndarray:
    """True for times between 20h and 6h, when the individuals' night limit applies."""
    hour = (ts % DAY) // HOUR
    return (hour >= 20) | (hour < 6)


def night_period(ts: np.ndarray) -> np.ndarray:
    """An id shared by all times of the same night (20h of day d to 6h of day d+1)."""
    return (ts + 4 * HOUR) // DAY
