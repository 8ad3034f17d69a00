"""Ground date and time expressions against the instant an episode was said.

The calendar work is dateparser's; this module only decides which text to hand
it, refuses what would be a guess (bare durations such as ``"10 years"``,
decades), and reads ``"since X"`` / ``"until X"`` as the start / end of a
validity interval (an end named by a year, month or day includes it whole).
Unknown stays unknown: ``None``, never "now".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dateparser.date import DateDataParser

#: Words before a date that make it the start of an interval ("since 2019").
START_MARKERS = frozenset({"since", "from", "starting"})
#: Words before a date that make it the end of an interval ("until June").
END_MARKERS = frozenset({"until", "till", "til", "through"})


def _words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string."""
    return frozenset(text.split())


_MARKER = re.compile(
    r"^\s*(?P<marker>since|from|starting(?: from)?|until|till|til|through)\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+")
#: Decades ("the 1990s", "'80s"): dateparser reads the ``s`` as seconds.
_DECADE = re.compile(r"\d\s*'?s\b", re.IGNORECASE)
_UNITS = _words(
    "second seconds minute minutes hour hours day days night nights week weeks "
    "month months year years decade decades"
)
_QUANTITIES = _words(
    "a an one two three four five six seven eight nine ten eleven twelve few "
    "several couple of some many about around almost nearly over under more than"
)
#: Periods dateparser reports that name a whole calendar unit; the start of the
#: unit is the earliest instant the expression can mean.
_TRUNCATE = {
    "year": {"month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0, "microsecond": 0},
    "month": {"day": 1, "hour": 0, "minute": 0, "second": 0, "microsecond": 0},
    "week": {"hour": 0, "minute": 0, "second": 0, "microsecond": 0},
    "day": {"hour": 0, "minute": 0, "second": 0, "microsecond": 0},
}


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A grounded time expression.

    Attributes:
        start: Earliest instant the expression names (aware UTC), or ``None``
            when it only bounds the end (``"until June"``). For a day, month or
            year it is the first instant of that unit: ``"last year"`` said in
            2023 starts at 2022-01-01T00:00Z.
        end: Set only for ``"until X"``-style expressions: the first instant
            after ``X`` (exclusive end), so a period named by a day, month or
            year is included whole: ``"until 2018"`` ends at 2019-01-01T00:00Z,
            ``"until June 2024"`` at 2024-07-01T00:00Z. A week or a time of day
            ends at the instant named.
        granularity: dateparser's period: ``"day"``, ``"week"``, ``"month"``,
            ``"year"``, ``"time"`` or ``"part_of_day"``.
    """

    start: datetime | None
    end: datetime | None
    granularity: str


def ground_dates(text: str, reference: datetime) -> TimeRange | None:
    """Resolve a date/time expression against a reference instant.

    Args:
        text: The expression, e.g. a spaCy DATE/TIME entity's text, optionally
            with a leading ``since``/``from`` or ``until``/``till``.
        reference: When it was said; aware (converted to UTC) or naive UTC.

    Returns:
        The grounded range, or ``None`` when the text is not a date dateparser
        can place, is a bare duration (``"three days"``, ``"4 years old"``) or
        a decade or a bare number. ``"since X"`` fills ``start``; ``"until X"`` fills ``end``.
    """
    marker, rest = _split_marker(text)
    if _is_duration(rest) or _DECADE.search(rest) or _bare_number(rest):
        return None
    data = _parser(reference).get_date_data(rest)
    if data.date_obj is None:
        return None
    period = str(data.period or "day")
    instant = _truncate(data.date_obj.astimezone(UTC), period)
    if marker in END_MARKERS:
        return TimeRange(start=None, end=_after(instant, period), granularity=period)
    return TimeRange(start=instant, end=None, granularity=period)


def _split_marker(text: str) -> tuple[str | None, str]:
    """Split ``"since 2019"`` into ``("since", "2019")``; no marker gives ``None``."""
    match = _MARKER.match(text)
    if match is None:
        return None, text.strip()
    marker = match.group("marker").lower().split()[0]
    return marker, match.group("rest").strip()


def _is_duration(text: str) -> bool:
    """True for a bare amount of time ("10 years", "a couple of days", "4 years old").

    dateparser reads these as "... ago", which the speaker did not say.
    """
    words = _WORD.findall(text.lower())
    if words and words[-1] == "old":
        words = words[:-1]
    if not words or words[-1] not in _UNITS:
        return False
    return all(word.isdigit() or word in _QUANTITIES for word in words[:-1])


def _bare_number(text: str) -> bool:
    """True for a number that is not a year ("31"): a day with no month is a guess."""
    return text.isdigit() and len(text) != 4


def _truncate(instant: datetime, period: str) -> datetime:
    """Move an instant to the start of its day/week-day/month/year."""
    fields: dict[str, Any] = _TRUNCATE.get(period, {})
    return instant.replace(**fields)


def _after(start: datetime, period: str) -> datetime:
    """The first instant after the day, month or year starting at ``start``
    (other periods: ``start``; past year 9999: ``start``)."""
    try:
        if period == "year":
            return start.replace(year=start.year + 1)
        if period == "month":
            return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
        if period == "day":
            return start + timedelta(days=1)
    except (ValueError, OverflowError):  # the end of the calendar
        return start
    return start


def _parser(reference: datetime) -> DateDataParser:
    """An English dateparser anchored at ``reference`` (naive UTC, as dateparser wants)."""
    if reference.tzinfo is not None:
        reference = reference.astimezone(UTC).replace(tzinfo=None)
    settings = {
        "RELATIVE_BASE": reference,
        "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": "first",
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RETURN_TIME_AS_PERIOD": True,
    }
    return DateDataParser(languages=["en"], settings=settings)
